"""Writing a new generation: built aside under the ingest lock, published by `commit`."""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from rag.settings import Settings
from rag.spell import VOCABULARY_FILE, collection_vocabulary

# Modules, not their functions: tests/slow_ingest.py patches bm25.persist, files.fsync_tree
# and generation.sweep_old here to stop an ingest at each step.
from rag.store import bm25, chroma, files, generation, integrity, lease, sentence_vectors
from rag.store.generation import INSIGHTS_FILE, Generation, Manifest
from rag.store.nodes import to_node
from rag.store.recipe import recipe_dir, write_recipe
from rag.types import Passage


class IngestLocked(RuntimeError):
    """Another ingest is writing the same index."""


class Builder:
    """Builds the next generation aside; nothing is visible until `commit`."""

    def __init__(self, settings: Settings, base: Generation | None, rebuild: bool):
        self.settings = settings
        self.root = recipe_dir(settings)
        self.path = generation.new_path(self.root)
        self.path.mkdir(parents=True)
        self._passages: dict[str, list[Passage]] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._pending: list = []  # nodes not yet written to Chroma, fewer than ADD_BATCH
        self._insights: dict[str, dict[str, Any]] = {}  # doc_id -> its card and theme tags
        self._insights_meta: dict[str, Any] = {}
        self._sentence_vectors: sentence_vectors.ByDocument = {}  # what the insights embedded
        try:
            self._start(base if base is not None and not rebuild else None)
        except BaseException:  # a full disk while copying, say: leave nothing half-built
            self.abandon()
            raise

    def _start(self, start_from: Generation | None) -> None:
        if start_from is not None:
            self._copy_files_of(start_from)
        name = chroma.collection_name(self.settings, self.path)
        self._collection = chroma.open_collection(self.path / "chroma", name, self.settings.index)
        if start_from is not None and self._http:
            chroma.copy_collection(start_from.collection(), self._collection)

    @property
    def _http(self) -> bool:
        return self.settings.index.chroma_mode == "http"

    def _copy_files_of(self, base: Generation) -> None:
        """Start from `base`: its Chroma files (embedded), passages and documents."""
        if not lease.held_here(base.path):  # an engine of this process reads it: leave it open
            chroma.release_chroma(base.chroma_path)
        if not self._http:
            shutil.copytree(base.chroma_path, self.path / "chroma")
        for passage in base.passages():
            self._passages.setdefault(passage.doc_id, []).append(passage)
        self._documents = base.documents()
        self._insights = base.insights_rows()
        self._sentence_vectors = base.sentence_vectors()

    def remove_document(self, doc_id: str) -> None:
        if self._passages.pop(doc_id, None) is not None:
            self._flush()
            self._collection.delete(where={"document_id": doc_id})
        self._documents.pop(doc_id, None)
        self._insights.pop(doc_id, None)
        self._sentence_vectors.pop(doc_id, None)

    def add_document(self, document: dict[str, Any], passages: list[Passage], vectors: np.ndarray) -> None:
        self.remove_document(document["doc_id"])
        self._pending.extend(to_node(p, v) for p, v in zip(passages, vectors, strict=True))
        if len(self._pending) >= chroma.ADD_BATCH:
            self._flush()
        self._passages[document["doc_id"]] = passages
        self._documents[document["doc_id"]] = document

    def needing_insights(self, key: str) -> list[str]:
        """Documents with no insights yet, or insights made with another taxonomy or tagger."""
        return [d for d in sorted(self._documents) if self._insights.get(d, {}).get("key") != key]

    def insights_input(self, doc_id: str) -> tuple[dict[str, Any], list[Passage]]:
        return self._documents[doc_id], self._passages.get(doc_id, [])

    def set_insights(self, doc_id: str, row: dict[str, Any]) -> None:
        self._insights[doc_id] = row

    def set_sentence_vectors(self, doc_id: str, keys: list[str], vectors: np.ndarray) -> None:
        self._sentence_vectors[doc_id] = (keys, vectors)

    def set_insights_meta(self, meta: dict[str, Any]) -> None:
        self._insights_meta = meta

    def _flush(self) -> None:
        """Write pending passages to Chroma: one call per few thousand, not per document
        (each call costs about 0.1 s, so many small documents would mostly wait on Chroma)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        vector_store = ChromaVectorStore(chroma_collection=self._collection)
        for start in range(0, len(self._pending), chroma.ADD_BATCH):  # within the server's request limit
            vector_store.add(self._pending[start : start + chroma.ADD_BATCH])
        self._pending = []

    def commit(self, manifest: Manifest) -> Generation:
        """Write everything, flush it to disk, then switch CURRENT and sweep old generations."""
        self._flush()
        all_passages = [p for doc_id in sorted(self._passages) for p in self._passages[doc_id]]
        files.write_jsonl(self.path / "passages.jsonl", (p.to_dict() for p in all_passages))
        documents = (self._documents[doc_id] for doc_id in sorted(self._documents))
        files.write_jsonl(self.path / "documents.jsonl", documents)
        insights = [self._insights[d] for d in sorted(self._insights) if d in self._documents]
        if insights:
            files.write_jsonl(self.path / INSIGHTS_FILE, [self._insights_meta, *insights])
        kept = {d: v for d, v in self._sentence_vectors.items() if d in self._documents}
        if kept:
            sentence_vectors.write(self.path / sentence_vectors.FILE, kept)
        if all_passages:
            bm25.persist(all_passages, self.path / "bm25")
        vocabulary = collection_vocabulary(f"{p.section}\n{p.text}" for p in all_passages)
        files.atomic_write_text(self.path / VOCABULARY_FILE, json.dumps(vocabulary, ensure_ascii=False))
        manifest.integrity = integrity.record(self.path, len(all_passages), self._collection.count())
        files.atomic_write_text(self.path / "manifest.json", manifest.to_json())
        write_recipe(self.settings)
        chroma.release_chroma(self.path)
        files.fsync_tree(self.path)
        generation.mark_ready(self.path)
        generation.switch_current(self.root, self.path)
        keep = self.settings.index.keep_generations
        generation.sweep_old(self.settings, self.root, keep=keep, live=self.path.name)
        return Generation(path=self.path, settings=self.settings)

    def abandon(self) -> None:
        chroma.release_chroma(self.path)
        generation.remove(self.settings, self.path)


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
