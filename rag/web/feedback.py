"""Thumbs up/down on answers, appended as JSON lines the evaluation can turn into gold candidates.

One record per rating: {"time", "user", "rating": "up"|"down", "comment", "question", "case",
"answer": <Answer JSON>}. Appends are serialised by a lock and written in one call, so
concurrent ratings never interleave within a line.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Rating = Literal["up", "down"]
MAX_COMMENT = 4000

_LOCK = threading.Lock()


def feedback_record(
    rating: Rating,
    answer: dict[str, Any],
    comment: str = "",
    user: str | None = None,
    case: str | None = None,
) -> dict[str, Any]:
    if rating not in ("up", "down"):
        raise ValueError("rating must be 'up' or 'down'")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": user,
        "rating": rating,
        "comment": (comment or "").strip()[:MAX_COMMENT],
        "question": answer.get("question", ""),
        "case": case,
        "answer": answer,
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one record to the JSONL file, creating its folder on first use."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as handle:
        handle.write(line)
