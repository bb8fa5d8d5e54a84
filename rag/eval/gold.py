"""The gold question set: one JSON object per line, validated, with errors that name the
file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.jsonl import read_jsonl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class Evidence(_Strict):
    doc: str = Field(description="Document the quote is from (informative; matching uses the quote).")
    quote: str = Field(min_length=1, description="Exact text a careful reader would quote.")


class Turn(_Strict):
    role: Literal["user", "assistant"]
    content: str


class GoldItem(_Strict):
    """One gold question; unknown fields are ignored so richer gold files still load."""

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    category: str = Field(min_length=1)
    cases: list[str] = Field(default_factory=list)
    answerable: bool
    reference_answer: str = ""
    key_points: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list)

    @property
    def quotes(self) -> list[str]:
        return [e.quote for e in self.evidence]

    def history_turns(self) -> list[dict[str, str]] | None:
        return [t.model_dump() for t in self.history] or None


class GoldError(ValueError):
    """A malformed gold file; every problem names the file, line and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("\n".join(shown))


def load_gold(path: Path) -> list[GoldItem]:
    """Read and validate a gold JSONL file; raises GoldError listing every bad line."""
    try:
        lines = read_jsonl(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError([f"{path}: cannot read the gold file ({exc})"]) from exc
    items, problems, seen = [], [], {}
    for line in lines:
        where, data = f"{path}:{line.number}", line.value
        if line.error:
            problems.append(f"{where}: {line.error}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: expected a JSON object, got {type(data).__name__}")
            continue
        try:
            item = GoldItem.model_validate(data)
        except ValidationError as exc:
            problems.extend(f"{where}: {_describe(error, data)}" for error in exc.errors())
            continue
        if item.id in seen:
            problems.append(f"{where}: field 'id': {item.id!r} already used on line {seen[item.id]}")
        seen[item.id] = line.number
        items.append(item)
    if not items and not problems:
        problems.append(f"{path}: no gold items (the file is empty)")
    if problems:
        raise GoldError(problems)
    return items


def _describe(error: dict[str, Any], data: dict[str, Any]) -> str:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    message = error["msg"]
    if loc == "answerable" and data.get("answerable") is None and "answerable" in data:
        message += " (a candidate item still needs review: set answerable to true or false)"
    return f"field '{loc}': {message}"
