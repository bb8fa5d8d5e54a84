"""What can go wrong with an index on disk, each with a message that says what to do."""

from __future__ import annotations

import errno
import sqlite3


class IndexMissing(RuntimeError):
    """No usable index; the message says which command builds one."""


class IndexBroken(IndexMissing):
    """The live generation is damaged (a file missing, truncated or changed); the message names
    what is wrong and `rag ingest --rebuild`."""


class IndexWriteError(OSError):
    """A new generation could not be written (disk full, I/O error); the live one is untouched.
    `report` is the ingest report so far (every file's row), for the command to print."""

    def __init__(self, message: str, report: object = None):
        super().__init__(message)
        self.report = report

    def __str__(self) -> str:
        return str(self.args[0])


def write_failure(exc: BaseException) -> str | None:
    """Why writing the index failed, in words a person can act on; None for other errors
    (a bug is not reported as a full disk)."""
    text = str(exc)  # shutil.copytree's Error lists every file it could not copy
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if full or "disk is full" in text or "No space left" in text or "Disk quota" in text:
        return "the disk holding the index is full: free some space and run `rag ingest` again"
    if isinstance(exc, OSError):
        what = exc.strerror or _short(text)
        return f"cannot write the index ({what}): check the index folder's disk and permissions"
    if isinstance(exc, sqlite3.Error) or _is_chroma_error(exc):
        return f"the vector store could not be written ({_short(text)}): check the index folder's disk"
    return None


def _is_chroma_error(exc: BaseException) -> bool:
    try:
        from chromadb.errors import ChromaError
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return False
    return isinstance(exc, ChromaError)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."
