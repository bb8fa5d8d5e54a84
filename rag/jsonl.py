"""JSON lines people and tools append to (gold sets, chat feedback, evaluation outputs): read
leniently, with the number of each line so a problem can name it, written in one call.
(The index's own files are written atomically and read strictly: `rag.store.files`.)"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Line:
    """One non-blank line: its parsed value, or why it is not JSON."""

    number: int  # 1-based
    value: Any = None
    error: str = ""  # e.g. "not valid JSON (Expecting value at column 1)"


def read_jsonl(path: Path) -> list[Line]:
    """Every non-blank line of `path`; raises OSError/UnicodeDecodeError when it cannot be read."""
    lines = []
    for number, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            lines.append(Line(number, json.loads(text)))
        except json.JSONDecodeError as exc:
            lines.append(Line(number, error=f"not valid JSON ({exc.msg} at column {exc.colno})"))
    return lines


def write_jsonl(path: Path, records: Iterable[Any], append: bool = False) -> None:
    """Write (or append) one line per record, creating the folder on first use."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as handle:
        handle.write(text)
