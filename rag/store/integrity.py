"""What a finished generation must hold: counts and checksums recorded when it is built,
checked before it is served or built upon, so a damaged index is refused, never read as a
smaller one (a lost chroma.sqlite3 would otherwise open as an empty vector store).

Chroma's own files are counted, not checksummed: Chroma rewrites them when it only reads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

# Files of a generation written once and never touched again, relative to its folder.
_PLAIN_FILES = (
    "passages.jsonl", "documents.jsonl", "insights.jsonl", "sentence_vectors.npz"
)
_BM25_FOLDER = "bm25"
CHROMA_FILE = "chroma.sqlite3"
REBUILD = "run `rag ingest --rebuild` to build it again from the corpus"


def record(path: Path, passages: int, vectors: int) -> dict[str, Any]:
    """The integrity entry of the manifest for the generation folder `path`."""
    return {"passages": passages, "vectors": vectors, "checksums": checksums(path)}


def checksums(path: Path) -> dict[str, str]:
    """sha256 of each checked file of the generation at `path`, by relative path."""
    names = [path / name for name in _PLAIN_FILES if (path / name).exists()]
    names += sorted(p for p in (path / _BM25_FOLDER).rglob("*") if p.is_file())
    return {p.relative_to(path).as_posix(): _sha256(p) for p in names}


def file_problems(path: Path, recorded: dict[str, Any]) -> list[str]:
    """What differs between the files at `path` and the checksums recorded for them."""
    expected = recorded.get("checksums") or {}
    problems = []
    for name, digest in sorted(expected.items()):
        target = path / name
        if not target.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(target) != digest:
            problems.append(f"{name} is damaged (its checksum changed)")
    return problems


def count_problems(recorded: dict[str, Any], passages: int, vectors: int) -> list[str]:
    """Passages and vectors against each other and against what was recorded."""
    problems = []
    if "passages" in recorded and passages != recorded["passages"]:
        problems.append(f"passages.jsonl holds {passages} passages, {recorded['passages']} were written")
    if vectors != passages:
        problems.append(f"the vector store holds {vectors} vectors for {passages} passages")
    return problems


def count_lines(path: Path) -> int:
    """Non-empty lines of a JSON-lines file (0 when there is none: an empty corpus)."""
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
