"""What every answerer does: turn an analysed question and its passages into a cited Answer.

The engine calls one `Answerer`; the extractive one is built in, the generative one wraps it
(and falls back to it). Early exits and abstentions are answers too, built here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Literal, Protocol, TypedDict

from rag.answer.render import render
from rag.query import Query
from rag.types import Answer, AnswerPart, Hit


class DeltaEvent(TypedDict):
    """Streamed text of an answer as it is written."""

    event: Literal["delta"]
    text: str


class DoneEvent(TypedDict):
    """The final, checked answer (it replaces whatever was streamed before)."""

    event: Literal["done"]
    answer: Answer


StreamEvent = DeltaEvent | DoneEvent


class UnknownCase(ValueError):
    """A case filter naming a review that is not in the collection."""

    def __init__(self, case: str, known: list[str]):
        self.case, self.known = case, known
        super().__init__(f"unknown case {case!r}; known cases: {', '.join(known)}")


class EmptyQuestion(ValueError):
    """No question was typed."""

    def __init__(self) -> None:
        super().__init__("question is empty: type a question about the reviews")


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
        cases=query.case_names,
        retrieved=list(hits or []),
        related=list(hits or [])[:3],
        parts=parts,
    )


def add_notice(answer: Answer, text: str, first: bool = True) -> Answer:
    """The answer with a line of the product's own before (or after) it; "" adds nothing."""
    if not text:
        return answer
    lines = [p.line for p in answer.parts] or [0]
    line = notice(text, min(lines) - 1 if first else max(lines) + 1)
    parts = [line, *answer.parts] if first else [*answer.parts, line]
    return replace(answer, parts=parts, answer=render(parts, answer.grouped))


def events_of(answer: Answer) -> Iterator[StreamEvent]:
    """An answer made all at once, streamed line by line for a chat UI."""
    for line in answer.answer.splitlines(keepends=True):
        yield {"event": "delta", "text": line}
    yield {"event": "done", "answer": answer}
