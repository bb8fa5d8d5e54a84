"""Chat feedback: one JSON line per thumbs up/down on an answer, appended by the web app and
read by the evaluation, which turns it into gold candidates. The record is validated here, once.

A line: {"time", "user", "rating": "up"|"down", "comment", "question", "case",
"answer": <Answer JSON>}, plus "history" (earlier turns) when a writer records it.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from rag.jsonl import read_jsonl

Rating = Literal["up", "down"]
MAX_COMMENT = 4000

_LOCK = threading.Lock()  # appends from concurrent requests never interleave within a line


def _answer_json(value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value.get("answer"), str):
        raise PydanticCustomError("answer_json", "expected the Answer JSON, with its 'answer' text")
    if not isinstance(value.get("citations", []), list):
        raise PydanticCustomError("answer_json", "expected the Answer JSON, with a list of 'citations'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "expected a non-empty string")
    return value


def _turns(value: Any) -> Any:
    """Earlier turns that are not user or assistant messages are left out, not refused."""
    if not isinstance(value, list):
        return []
    return [t for t in value if isinstance(t, dict) and FeedbackTurn.is_valid(t)]


AnswerJSON = Annotated[dict[str, Any], AfterValidator(_answer_json)]  # as Answer.to_dict() returns it


class FeedbackTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str

    @classmethod
    def is_valid(cls, data: dict[str, Any]) -> bool:
        return data.get("role") in ("user", "assistant") and isinstance(data.get("content"), str)


class FeedbackRecord(BaseModel):
    """One rating of one answer; unknown fields are ignored when reading."""

    model_config = ConfigDict(extra="ignore")

    time: str = Field("", description="When it was rated (ISO 8601, UTC, seconds).")
    user: str | None = Field(None, description="Who rated it, when the app knows.")
    rating: Rating
    comment: str = ""
    question: Annotated[str, AfterValidator(_not_blank)]
    case: str | None = Field(None, description="The case filter the question was asked with.")
    answer: AnswerJSON
    history: Annotated[list[FeedbackTurn], BeforeValidator(_turns)] = Field(
        default_factory=list, description="Earlier turns of the conversation (not written when empty)."
    )

    @classmethod
    def rate(
        cls,
        rating: Rating,
        answer: dict[str, Any],
        comment: str = "",
        user: str | None = None,
        case: str | None = None,
    ) -> FeedbackRecord:
        """A rating made now; the comment is trimmed to MAX_COMMENT characters."""
        return cls(
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            user=user,
            rating=rating,
            comment=(comment or "").strip()[:MAX_COMMENT],
            question=answer.get("question", ""),
            case=case,
            answer=answer,
        )

    def to_line(self) -> str:
        """The JSON line, without a newline."""
        data = self.model_dump(mode="json", exclude=set() if self.history else {"history"})
        return json.dumps(data, ensure_ascii=False)


def append_feedback(path: Path, record: FeedbackRecord | dict[str, Any]) -> None:
    """Append one record to the JSONL file in one write, creating its folder on first use."""
    if not isinstance(record, FeedbackRecord):
        record = FeedbackRecord.model_validate(record)
    line = record.to_line() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def read_feedback(path: Path) -> tuple[list[FeedbackRecord], list[str]]:
    """The valid records, and a problem per invalid line (file:line: what is wrong)."""
    records, problems = [], []
    for line in read_jsonl(path):
        where = f"{path}:{line.number}"
        if line.error:
            problems.append(f"{where}: {line.error}")
        elif not isinstance(line.value, dict):
            problems.append(f"{where}: expected a JSON object")
        else:
            try:
                records.append(FeedbackRecord.model_validate(line.value))
            except ValidationError as exc:
                problems.append(f"{where}: {_describe(exc)}")
    return records, problems


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"field '{'.'.join(str(p) for p in error['loc'])}': {error['msg']}" for error in exc.errors()
    )
