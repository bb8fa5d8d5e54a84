"""Readers' holds on generations, so a generation someone is serving is never swept.

A reader holds a shared `flock` on the generation's READY file for as long as it serves it;
the sweep takes the exclusive lock without waiting and leaves any generation it cannot lock
for a later ingest. The kernel drops a process's locks when it exits, so a reader killed
with -9 holds nothing. When the last hold of this process on a generation goes, its Chroma
client is closed too: an old generation's vectors do not stay in memory.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.store import chroma
from rag.store.errors import IndexMissing

_held: Counter[str] = Counter()  # generation folder -> holds in this process
_held_lock = threading.Lock()


class Lease:
    """A shared hold on one finished generation; `release` (or process exit) lets it go."""

    def __init__(self, path: Path):
        self.path = Path(path).resolve()
        self._fd: int | None = _lock_shared(self.path / "READY")
        with _held_lock:
            _held[str(self.path)] += 1

    def release(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)  # closing the descriptor drops its lock
        self._fd = None
        with _held_lock:
            _held[str(self.path)] -= 1
            last = _held[str(self.path)] <= 0
            if last:
                del _held[str(self.path)]
        if last:
            chroma.release_chroma(self.path)


def held_here(path: Path) -> bool:
    """Whether a reader in this process holds the generation at `path`."""
    with _held_lock:
        return _held[str(Path(path).resolve())] > 0


def _lock_shared(ready: Path) -> int:
    try:
        fd = os.open(ready, os.O_RDONLY)
    except FileNotFoundError as exc:
        raise IndexMissing(f"index generation {ready.parent} is gone: it was replaced; ask again") from exc
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a sweep is deleting this very generation
    try:
        same = os.fstat(fd).st_ino == os.stat(ready).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # swept while we waited
        os.close(fd)
        raise IndexMissing(f"index generation {ready.parent} was just removed; ask again")
    return fd


@contextmanager
def unheld(path: Path) -> Iterator[bool]:
    """True, and no reader can start holding `path` until the block ends, when nobody holds
    it; False when a reader (of any process) does."""
    try:
        fd = os.open(Path(path) / "READY", os.O_RDONLY)
    except FileNotFoundError:  # unfinished: nobody ever read it
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
