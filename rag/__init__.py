"""Cited answers over child-safeguarding Serious Case Reviews."""

from rag import offline as _offline  # noqa: F401  (must run before any ML library import)

__version__ = "0.1.0"


def answer(question, history=None, case=None, settings=None):
    """Answer a question from the indexed reviews: `rag.answer(q) -> rag.types.Answer`."""
    from rag.answer.holder import get_engine

    return get_engine(settings).answer(question, history=history, case=case)


def answer_stream(question, history=None, case=None, settings=None):
    """Like `answer`, as events: {"event": "delta", "text"}... then {"event": "done", "answer"}."""
    from rag.answer.holder import get_engine

    return get_engine(settings).stream(question, history=history, case=case)
