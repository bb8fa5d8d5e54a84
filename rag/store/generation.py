"""Generations of an index: the manifest, opening the live one, switching CURRENT, sweeping.

A generation is complete once it holds READY; CURRENT names the one readers use, and is
only ever pointed at a complete generation, by an atomic rename. The live generation is the
one CURRENT names: a finished generation CURRENT never named (an ingest killed between READY
and the switch) is swept like a half-built one, and a generation a reader holds is never
swept at all.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.settings import Settings
from rag.spell import VOCABULARY_FILE
from rag.store import chroma, integrity, sentence_vectors
from rag.store.errors import IndexBroken, IndexMissing
from rag.store.files import atomic_write_text, read_jsonl
from rag.store.lease import Lease, unheld
from rag.store.recipe import recipe_dir
from rag.types import Passage

INSIGHTS_FILE = "insights.jsonl"  # cards and theme tags (rag.insights), one row per document


@dataclass
class FileRecord:
    """What the manifest remembers of one corpus file."""

    fingerprint: str  # sha256 of the file bytes and of its catalog entry
    status: str
    doc_id: str = ""
    pages: int = 0
    passages: int = 0
    reason: str = ""
    case: str = ""
    ocr_pages: int = 0


@dataclass
class Manifest:
    files: dict[str, FileRecord] = field(default_factory=dict)
    # passage and vector counts and file checksums (rag.store.integrity); empty in older indexes
    integrity: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        files = {k: asdict(v) for k, v in self.files.items()}
        return json.dumps({"files": files, "integrity": self.integrity}, indent=1)

    @classmethod
    def from_path(cls, path: Path) -> Manifest:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = {k: FileRecord(**v) for k, v in data.get("files", {}).items()}
        except (ValueError, TypeError, AttributeError) as exc:
            raise IndexBroken(f"{path} is damaged ({exc}): {integrity.REBUILD}") from exc
        return cls(files=files, integrity=data.get("integrity") or {})


@dataclass
class Generation:
    """One complete index generation on disk."""

    path: Path
    settings: Settings

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"

    @property
    def bm25_path(self) -> Path:
        return self.path / "bm25"

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_path(self.path / "manifest.json")

    def passages(self) -> list[Passage]:
        return [Passage(**row) for row in read_jsonl(self.path / "passages.jsonl")]

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id -> {info..., "text": cleaned text} for highlighting and reading sources."""
        return {row["doc_id"]: row for row in read_jsonl(self.path / "documents.jsonl")}

    def insights_rows(self) -> dict[str, dict[str, Any]]:
        """doc_id -> its insights row (card and theme tags, rag.insights), as ingest wrote it."""
        rows = read_jsonl(self.path / INSIGHTS_FILE)
        return {row["doc_id"]: row for row in rows if "doc_id" in row}

    def sentence_vectors(self) -> sentence_vectors.ByDocument:
        """doc_id -> (text keys, vectors) of the sentences ingest embedded for the insights."""
        return sentence_vectors.read(self.path / sentence_vectors.FILE)

    def insights_keys(self) -> dict[str, str]:
        """doc_id -> what its insights were made with (rag.insights.build.insights_key)."""
        return {doc_id: row.get("key", "") for doc_id, row in self.insights_rows().items()}

    def vocabulary(self) -> dict[str, int] | None:
        """The collection's words and counts for the speller; None for a generation built
        before it was stored (the engine then counts them from the passages)."""
        path = self.path / VOCABULARY_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def collection(self):  # -> chromadb.Collection
        if self.settings.index.chroma_mode == "http":
            return _server_collection(self.settings, self.path)
        return _embedded_collection(self)

    def hold(self) -> Lease:
        """Keep this generation from being swept until the lease is released."""
        return Lease(self.path)

    def verify(self) -> None:
        """Raise IndexBroken, naming what is wrong, unless the files and counts recorded when
        this generation was built are all there."""
        recorded = self.manifest.integrity
        problems = integrity.file_problems(self.path, recorded)
        if not problems:
            passages = integrity.count_lines(self.path / "passages.jsonl")
            problems = integrity.count_problems(recorded, passages, self.collection().count())
        if problems:
            raise self._broken(problems)

    def _broken(self, problems: list[str]) -> IndexBroken:
        what = "; ".join(problems)
        return IndexBroken(f"index generation {self.path} is damaged: {what}: {integrity.REBUILD}")


def _embedded_collection(generation: Generation):
    """The generation's own Chroma collection; never a new empty one made in its place."""
    if not (generation.chroma_path / integrity.CHROMA_FILE).is_file():
        raise generation._broken([f"chroma/{integrity.CHROMA_FILE} is missing"])
    from chromadb.errors import NotFoundError

    client = chroma.chroma_client(generation.chroma_path)
    try:
        return client.get_collection(generation.settings.index.collection, embedding_function=None)
    except (NotFoundError, ValueError) as exc:
        raise generation._broken([f"the vector store has no collection ({exc})"]) from exc


def _server_collection(settings: Settings, generation: Path):
    """A live generation's collection on the server; missing means the index must be rebuilt."""
    from chromadb.errors import NotFoundError

    name = chroma.collection_name(settings, generation)
    client = chroma.chroma_client(generation, settings.index)
    try:
        return client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError) as exc:
        where = f"{settings.index.chroma_host}:{settings.index.chroma_port}"
        raise IndexMissing(
            f"collection {name} is not on the Chroma server at {where}: run `rag ingest --rebuild`"
        ) from exc


def open_current(settings: Settings) -> Generation:
    """The live generation for these settings, or an error saying how to build one."""
    root = recipe_dir(settings)
    pointer = root / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(
            f"no index for the current settings in {settings.index_dir}: "
            f"run `rag ingest --corpus {settings.corpus_dir} --index {settings.index_dir}`"
        )
    path = root / pointer.read_text(encoding="utf-8").strip()
    if not (path / "READY").exists():
        raise IndexMissing(f"index generation {path} is incomplete: run `rag ingest --rebuild`")
    return Generation(path=path, settings=settings)


def current_or_none(settings: Settings) -> Generation | None:
    try:
        return open_current(settings)
    except IndexMissing:
        return None


def _live_name(root: Path) -> str:
    """The generation CURRENT names, or "" when there is none yet."""
    pointer = root / "CURRENT"
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""


def new_path(root: Path) -> Path:
    """A fresh generation folder name under `root` (not created)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return root / f"gen-{stamp}-{os.getpid()}"


def mark_ready(path: Path) -> None:
    """Declare the generation at `path` complete (everything in it already on disk)."""
    atomic_write_text(path / "READY", "ok\n")


def switch_current(root: Path, path: Path) -> None:
    """Point readers at the generation `path`: the one step that makes an ingest visible."""
    atomic_write_text(root / "CURRENT", path.name + "\n")


def sweep_unfinished(settings: Settings) -> None:
    """Remove what a killed ingest left (call under the lock): half-built generations, finished
    ones CURRENT never named (names sort by time, and CURRENT only moves forward), and the
    temp files of interrupted atomic writes."""
    root = recipe_dir(settings)
    live = _live_name(root)
    for gen in root.glob("gen-*"):
        never_live = gen.name > live or not (gen / "READY").exists()
        if gen.name != live and never_live:
            remove(settings, gen)
    for stray in root.glob(".*.tmp"):  # only an ingest writes here, and it holds the lock
        stray.unlink(missing_ok=True)


def sweep_old(settings: Settings, root: Path, keep: int, live: str) -> None:
    """Delete all but the live generation and the `keep` newest finished ones before it;
    a generation a reader still holds stays until a later sweep."""
    finished = sorted(g for g in root.glob("gen-*") if (g / "READY").exists() and g.name < live)
    for gen in finished[: max(0, len(finished) - keep)]:
        remove(settings, gen)


def remove(settings: Settings, generation: Path) -> bool:
    """Delete a generation nobody holds: its folder, and in http mode its collection on the
    server. False (and nothing deleted) while a reader holds it."""
    with unheld(generation) as free:
        if free:
            chroma.drop_collection(settings, generation)
            shutil.rmtree(generation, ignore_errors=True)
        return free
