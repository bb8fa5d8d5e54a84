"""Citations: a chosen sentence of a passage becomes citation [n], with the quote's offsets
in the document's cleaned text (what the reading page highlights)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.retrieve.sentences import Unit
from rag.types import Citation, Document, Hit, page_at


@dataclass(eq=False)  # the same sentence scored twice (per part of a question) is two objects
class Chosen:
    """A sentence chosen to quote, with the passage it is from and its score."""

    hit: Hit
    unit: Unit
    score: float
    features: np.ndarray | None = None  # what the scorer read (rag.answer.extractive.features)

    @property
    def key(self) -> tuple[str, int]:
        """Which sentence this is, whatever it was scored for."""
        return (self.hit.passage.id, self.unit.start)


def cite(n: int, chosen: Chosen, document: Document | None) -> Citation:
    """Citation [n] for a chosen sentence; the quote is always exact passage text."""
    passage, unit = chosen.hit.passage, chosen.unit
    start = document.text.find(unit.quote, passage.start) if document is not None else -1
    if start < 0:
        start = passage.start + unit.start  # best effort: the passage offsets are still right
    end = start + len(unit.quote)
    page, page_end = passage.page, None
    if document is not None and document.pages:
        # The page the quoted sentence is printed on, not where its passage starts.
        pages = [(p["number"], p["end"]) for p in document.pages]
        page = page_at(pages, start)
        last = page_at(pages, max(start, end - 1))
        page_end = last if last != page else None
    return Citation(
        n=n,
        doc_id=passage.doc_id,
        title=passage.title,
        case=passage.review_name,
        review=passage.review,
        page=page,
        page_end=page_end,
        section=passage.section,
        paragraph=passage.paragraph,
        quote=unit.quote,
        text=passage.text,
        start=start,
        end=end,
        score=chosen.score,
        passage_id=passage.id,
    )
