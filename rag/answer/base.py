"""What every answerer does: turn an analysed question and its passages into a cited Answer.

The engine calls one `Answerer`; the extractive one is built in, the generative one wraps it
(and falls back to it). Early exits and abstentions are answers too, built here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from rag.answer.render import render
from rag.query import Query
from rag.types import Answer, AnswerPart, Hit, StreamEvent


class Answerer(Protocol):
    name: str

    def answer(self, query: Query, hits: list[Hit]) -> Answer: ...

    def stream(self, query: Query, hits: list[Hit]) -> Iterator[StreamEvent]: ...


def notice(text: str, line: int = 0) -> AnswerPart:
    """A line the product says itself (an abstention, a refusal, a fallback notice)."""
    return AnswerPart(review="", text=text, line=line, kind="notice")


def abstention(query: Query, text: str, reason: str, hits: list[Hit] | None = None) -> Answer:
    """The reviews don't answer this (or it is refused): one fixed sentence, no citation; the
    closest passages, if any, are listed as related."""
    parts = [notice(text)]
    return Answer(
        question=query.question,
        answer=render(parts, grouped=False),
        abstained=True,
        generator="extractive",
        latency_ms=0.0,
        reason=reason,
        cases=query.cases,
        retrieved=list(hits or []),
        related=list(hits or [])[:3],
        parts=parts,
    )


def events_of(answer: Answer) -> Iterator[StreamEvent]:
    """An answer made all at once, streamed line by line for a chat UI."""
    for line in answer.answer.splitlines(keepends=True):
        yield {"event": "delta", "text": line}
    yield {"event": "done", "answer": answer}
