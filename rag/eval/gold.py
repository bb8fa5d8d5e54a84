"""The gold question set: one JSON object per line, validated, with errors that name the
file, the line and the field."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.jsonl import read_jsonl

# The held-out share of the gold set, taken from every question category alike.
TEST_SHARE = 0.3
SPLITS = ("train", "test")


def _hash(item_id: str) -> int:
    return int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big")


def splits(items: list[GoldItem]) -> dict[str, str]:
    """Item id -> "train" or "test": within each category the items are ordered by a hash of
    their id and every item that brings the category's test count up to TEST_SHARE of its
    position is held out (stratified, and the same for the same gold file). Adding items
    can move a few between splits: refit what is learned after growing the gold set."""
    by_category: dict[str, list[str]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item.id)
    assigned = {}
    for ids in by_category.values():
        for rank, item_id in enumerate(sorted(ids, key=_hash)):
            held_out = int((rank + 1) * TEST_SHARE + 0.5) > int(rank * TEST_SHARE + 0.5)
            assigned[item_id] = "test" if held_out else "train"
    return assigned


def in_split(items: list[GoldItem], split: str | None) -> list[GoldItem]:
    """The items of one split ("train" or "test"); all of them for None."""
    if split is None:
        return items
    if split not in SPLITS:
        raise GoldError([f"unknown split {split!r}: use one of {', '.join(SPLITS)}"])
    assigned = splits(items)
    return [item for item in items if assigned[item.id] == split]


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
    reviews: list[str] = Field(default_factory=list)  # documents of the reviews it is about
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
