"""Which entries of the corpus folder are documents to read, and which are refused and why.

Nothing outside the corpus folder is ever read: symbolic links (to files or folders, dangling
or looping) are not followed, and only regular files are opened, never a FIFO, socket or
device. Every refused entry gets a reason, so it shows up in the ingest report instead of
being skipped in silence.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rag.ingest.load import SUPPORTED_SUFFIXES

_LINK = (
    "symbolic link: not followed, so nothing outside the corpus folder is read; "
    "copy the {what} into the corpus folder instead"
)
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device"}  # fmt: skip


@dataclass
class CorpusScan:
    """The corpus folder's documents (relative path -> file) and refused entries (-> reason)."""

    files: dict[str, Path] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def scan(corpus: Path, catalog_file: str) -> CorpusScan:
    """Every candidate document under `corpus`, and every entry that cannot be one; hidden
    entries, `_` folders, the catalog and README files (which describe the collection) skipped."""
    found = CorpusScan()
    for folder, dirs, names in os.walk(corpus, onerror=lambda exc: _unreadable(found, corpus, exc)):
        base = Path(folder)
        dirs[:] = [d for d in dirs if _enter(found, corpus, base / d)]
        for name in names:
            _consider(found, corpus, base / name, catalog_file)
    found.files = dict(sorted(found.files.items(), key=lambda item: PurePosixPath(item[0]).parts))
    found.refused = dict(sorted(found.refused.items()))
    return found


def scan_corpus(corpus: Path, catalog_file: str) -> dict[str, Path]:
    """Relative path -> file for every candidate document (see `scan`)."""
    return scan(corpus, catalog_file).files


def _skipped(rel: str) -> bool:
    return any(part.startswith((".", "_")) for part in PurePosixPath(rel).parts)


def _enter(found: CorpusScan, corpus: Path, path: Path) -> bool:
    """Whether to walk into the folder `path`; a linked folder is refused instead."""
    rel = path.relative_to(corpus).as_posix()
    if _skipped(rel):
        return False
    if path.is_symlink():
        found.refused[rel] = _LINK.format(what="folder")
        return False
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        found.refused[rel] = (
            f"a folder named like a document ('{path.suffix}'), not a file: the files inside it "
            "are read; rename the folder if it was meant to be one document"
        )
    return True


def _consider(found: CorpusScan, corpus: Path, path: Path, catalog_file: str) -> None:
    rel = path.relative_to(corpus).as_posix()
    if _skipped(rel) or rel == catalog_file or path.stem.lower() == "readme":
        return
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        found.refused[rel] = f"cannot read the entry ({exc.strerror}): check permissions"
        return
    if stat.S_ISLNK(mode):
        found.refused[rel] = _LINK.format(what="file")
    elif not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a file")
        found.refused[rel] = f"not a regular file ({kind}): only files are read; copy the document in"
    else:
        found.files[rel] = path


def _unreadable(found: CorpusScan, corpus: Path, exc: OSError) -> None:
    """A folder that cannot be listed (permissions): reported, and the walk goes on."""
    where = Path(exc.filename or corpus)
    rel = where.relative_to(corpus).as_posix() if where != corpus else "."
    found.refused[rel] = f"cannot list the folder ({exc.strerror}): check permissions"
