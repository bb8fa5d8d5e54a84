"""The REST API: the same Answer JSON as `rag ask --json`, for intranet tools and scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from rag import __version__, store
from rag.answer.base import UnknownCase
from rag.answer.holder import EngineHolder, EngineLoading
from rag.feedback import AnswerJSON
from rag.settings import Settings
from rag.text import question_problem
from rag.web.feedback import append_feedback, feedback_record
from rag.web.limits import unencodable

if TYPE_CHECKING:
    from rag.answer.engine import Engine


MAX_ANSWER_BYTES = 200_000  # of a rated Answer JSON: a real one is a few tens of kB


def _text(value: str) -> str:
    if unencodable(value):
        raise ValueError("holds characters that are not text (a lone surrogate)")
    return value


Text = Annotated[str, AfterValidator(_text)]


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=20000)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(
        min_length=1, description="The question, in plain words (answer.max_question_chars: 2,000)."
    )
    history: list[Turn] = Field(
        default_factory=list, max_length=40, description="Earlier turns, oldest first, for follow-ups."
    )
    case: Text | None = Field(
        None, max_length=200, description="Restrict to one case (label or alias); 'All' or null for all."
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is empty: type a question about the reviews")
        return value


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["up", "down"]
    answer: AnswerJSON = Field(
        description=f"The Answer JSON being rated, as /api/ask gave it ({MAX_ANSWER_BYTES:,} bytes or less)."
    )
    comment: Text = Field("", max_length=4000)
    case: Text | None = Field(None, max_length=200)

    @field_validator("answer")
    @classmethod
    def _has_a_question(cls, value: dict[str, Any]) -> dict[str, Any]:
        # the evaluation turns rated answers into gold candidates: it needs the question too
        if not str(value.get("question") or "").strip():
            raise ValueError("expected the Answer JSON, with its 'question'")
        try:  # the line it becomes in the feedback file
            size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise ValueError("holds characters that are not text (a lone surrogate)") from exc
        if size > MAX_ANSWER_BYTES:
            raise ValueError(f"an Answer JSON of {size:,} bytes; at most {MAX_ANSWER_BYTES:,} are kept")
        return value


def api_router(settings: Settings, holder: EngineHolder) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    limit = settings.answer.max_question_chars

    @router.post("/ask", summary="Answer a question with citations")
    def ask(body: AskRequest) -> JSONResponse:
        """The Answer JSON: `answer` text whose sentences end in `[n]`, `citations` with the exact
        quote and its offsets in the review, `abstained` when the reviews don't say."""
        _check_question(body.question, limit)
        answer = _answer(holder, body)
        return JSONResponse(answer.to_dict())

    @router.post("/ask/stream", summary="Answer as server-sent events")
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """`event: delta` with `{"text"}` pieces of the answer, then `event: done` with the Answer JSON."""
        _check_question(body.question, limit)
        engine = live_engine(holder)
        events = _stream(engine, body)
        first = next(events)  # raises bad input (400) before the 200 response starts
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(_chain(first, events), media_type="text/event-stream", headers=headers)

    @router.get("/cases", summary="Case labels, for a case filter")
    def cases() -> dict[str, list[str]]:
        return {"cases": case_labels(holder)}

    @router.get("/health", summary="Index status and size")
    def health() -> JSONResponse:
        status = {"version": __version__, **holder.status()}
        return JSONResponse(status, status_code=200 if status["status"] == "ready" else 503)

    @router.post("/feedback", summary="Rate an answer (thumbs up or down, optional comment)")
    def feedback(body: FeedbackRequest, request: Request) -> dict[str, bool]:
        user = getattr(request.state, "user", None)
        record = feedback_record(body.rating, body.answer, body.comment, user, body.case)
        append_feedback(settings.serve.feedback_file, record)
        return {"saved": True}

    return router


def case_labels(holder: EngineHolder) -> list[str]:
    """Cases of the live index, read from its documents while the engine is still loading."""
    try:
        return sorted({d.review_name for d in holder.documents().values() if d.case})
    except store.IndexMissing:
        return []


def _check_question(question: str, limit: int) -> None:
    """The one question limit every door keeps (rag.text.question_problem), as a 422."""
    problem = question_problem(question, limit)
    if problem:
        detail = [{"loc": ["body", "question"], "msg": problem, "type": "value_error"}]
        raise HTTPException(422, detail=detail)


def live_engine(holder: EngineHolder) -> Engine:
    try:
        return holder.get()
    except store.IndexBroken as exc:
        raise HTTPException(503, detail=str(exc)) from exc
    except store.IndexMissing as exc:
        raise HTTPException(503, detail=f"no index yet: {exc}") from exc
    except EngineLoading as exc:
        raise HTTPException(503, detail=str(exc), headers={"Retry-After": "5"}) from exc


def _answer(holder: EngineHolder, body: AskRequest):
    engine = live_engine(holder)
    try:
        return engine.answer(body.question, [t.model_dump() for t in body.history], body.case)
    except ValueError as exc:
        raise _bad_request(exc) from exc


def _stream(engine: Engine, body: AskRequest) -> Iterator[str]:
    try:
        events = engine.stream(body.question, [t.model_dump() for t in body.history], body.case)
        for event in events:
            if event["event"] == "done":
                yield _sse("done", event["answer"].to_dict())
            else:
                yield _sse("delta", {"text": event["text"]})
    except ValueError as exc:
        raise _bad_request(exc) from exc


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _bad_request(exc: ValueError) -> HTTPException:
    """A 400 shaped like FastAPI's 422, naming the field the engine refused."""
    field = "case" if isinstance(exc, UnknownCase) else "question"
    return HTTPException(400, detail=[{"loc": ["body", field], "msg": str(exc), "type": "value_error"}])
