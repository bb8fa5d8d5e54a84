"""Sentence-level units of passages with their embeddings, computed once and cached.

Both the default reranker and the extractive answerer score sentences, not passages;
vectors are cached per passage, so warm questions only embed the question itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from rag.embed import Embedder
from rag.store.sentence_vectors import text_key
from rag.text import group_units, readable
from rag.types import Passage


@dataclass(frozen=True)
class Unit:
    """A citable span of a passage: a sentence, or a lead-in with its list items."""

    passage_id: str
    start: int  # offsets in passage.text
    end: int
    quote: str  # exact passage text
    text: str  # readable form for the answer (whitespace collapsed, bullets removed)
    vector: np.ndarray
    is_item: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())


class SentenceIndex:
    """Per-passage units and vectors, embedded lazily and kept."""

    def __init__(self, embedder: Embedder, known: dict[str, np.ndarray] | None = None):
        """`known`: vectors already made for these texts, by `text_key` (ingest keeps the
        sentences it embedded), so only the rest are embedded here."""
        self._embedder = embedder
        self._known = known or {}
        self._units: dict[str, list[Unit]] = {}
        self._lock = threading.Lock()

    def _vectors(self, texts: list[str]) -> np.ndarray | list[np.ndarray]:
        found = [self._known.get(text_key(t)) for t in texts]
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            made = self._embedder.embed_passages([texts[i] for i in missing])
            for i, vector in zip(missing, made, strict=True):
                found[i] = vector
        return found  # type: ignore[return-value]

    def units(self, passage: Passage) -> list[Unit]:
        cached = self._units.get(passage.id)
        if cached is not None:
            return cached
        self.prepare([passage])
        return self._units[passage.id]

    def prepare(self, passages: list[Passage]) -> None:
        """Embed the units of every passage not yet cached, in one batch."""
        todo = [p for p in passages if p.id not in self._units]
        if not todo:
            return
        spans = {p.id: group_units(p.text) for p in todo}
        texts = [readable(p.text[a:b]) for p in todo for a, b, _ in spans[p.id]]
        vectors = self._vectors(texts)
        i = 0
        with self._lock:
            for p in todo:
                units = []
                for a, b, is_item in spans[p.id]:
                    units.append(Unit(p.id, a, b, p.text[a:b], texts[i], vectors[i], is_item))
                    i += 1
                self._units[p.id] = units
