"""Durable files: every write goes to a temp file beside the target, is fsynced, renamed
over the target and the folder fsynced, so a crash leaves the old file or the new one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text`, all or nothing, and durably."""
    with _atomic_open(path) as handle:
        handle.write(text)


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    """Replace `path` with one JSON value per line, as `atomic_write_text` does."""
    with _atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[Any]:
    """The values `write_jsonl` wrote, in order; none if the file does not exist."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:  # not str.splitlines(), which also splits inside strings at U+2028
            if line.strip():
                yield json.loads(line)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, as `atomic_write_text` does."""
    with _atomic_open(path, binary=True) as handle:
        handle.write(data)


@contextmanager
def _atomic_open(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") if binary else tmp.open("w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)  # makes the rename itself durable


def fsync_dir(path: Path) -> None:
    _fsync(path)


def fsync_tree(path: Path) -> None:
    """Flush every file and folder under `path` to disk (Chroma and BM25 write without fsync)."""
    for folder, _, names in os.walk(path):
        for name in names:
            _fsync(Path(folder) / name)
        fsync_dir(Path(folder))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
