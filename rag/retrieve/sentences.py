"""Sentence-level units of passages with their embeddings, computed once and cached.

Both the default reranker and the extractive answerer score sentences, not passages;
vectors are cached per passage, so warm questions only embed the question itself.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from rag.embed import Embedder
from rag.text import BULLET_LINE, PARAGRAPH_NUMBER, normalise_space, strip_bullet, unit_spans
from rag.types import Passage

_LEAD_IN = re.compile(r"[:–-]\s*$")
MAX_LIST_WORDS = 90


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

    def __init__(self, embedder: Embedder):
        self._embedder = embedder
        self._units: dict[str, list[Unit]] = {}
        self._lock = threading.Lock()

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
        vectors = self._embedder.embed_passages(texts) if texts else np.zeros((0, 1))
        i = 0
        with self._lock:
            for p in todo:
                units = []
                for a, b, is_item in spans[p.id]:
                    units.append(Unit(p.id, a, b, p.text[a:b], texts[i], vectors[i], is_item))
                    i += 1
                self._units[p.id] = units


def group_units(text: str) -> list[tuple[int, int, bool]]:
    """Sentence spans, with a lead-in ("... the advice provided:") joined to the items that
    follow it, so a list is never cited without what introduces it."""
    spans = unit_spans(text)
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(spans):
        a, b = spans[i]
        is_item = bool(BULLET_LINE.match(text[a:b]))
        next_is_item = i + 1 < len(spans) and BULLET_LINE.match(text[slice(*spans[i + 1])])
        if _LEAD_IN.search(text[a:b]) and next_is_item:
            j = i + 1
            while (
                j < len(spans)
                and BULLET_LINE.match(text[slice(*spans[j])])
                and len(text[a : spans[j][1]].split()) <= MAX_LIST_WORDS
            ):
                j += 1
            out.append((a, spans[j - 1][1], False))
            i = j
            continue
        if is_item:
            a += len(BULLET_LINE.match(text[a:b]).group())  # quote the item, not its bullet
        if number := PARAGRAPH_NUMBER.match(text[a:b]):
            a += len(number.group())  # the citation carries the paragraph number already
        out.append((a, b, is_item))
        i += 1
    return out


def readable(quote: str) -> str:
    """A quote as it reads in an answer: list items joined with semicolons."""
    lines = [strip_bullet(line).strip() for line in quote.split("\n") if line.strip()]
    if len(lines) > 1 and any(BULLET_LINE.match(line) for line in quote.split("\n")):
        head, items = lines[0], lines[1:]
        items = [item.rstrip(" .;,") for item in items]
        return normalise_space(f"{head} {'; '.join(items)}")
    return normalise_space(" ".join(lines))
