"""A document's sentences as the insights read them: every citable unit of its passages,
with the kind of section it sits in and its place in the document, embedded once."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.embed import Embedder
from rag.insights.types import Quote
from rag.text import group_units, readable
from rag.types import Document, Passage, page_at

# Parts of a review that never state its own findings or themes.
NOT_ABOUT_THE_REVIEW = ("references",)
# A footnote or a bare web address: a pointer to elsewhere, never a statement of the review.
_POINTER = re.compile(r"^\W{0,3}[\d¹²³⁴⁵⁶⁷⁸⁹⁰]*\W{0,3}(?:<?https?://|www\.)\S+>?\W*$|^[¹²³⁴⁵⁶⁷⁸⁹⁰]")


@dataclass(frozen=True)
class Sentence:
    passage: Passage
    start: int  # offsets in the document's cleaned text
    end: int
    quote: str  # exact document text
    text: str  # readable form
    position: float  # 0 at the start of the document, 1 at its end

    @property
    def section_type(self) -> str:
        return self.passage.section_type


def document_sentences(document: Document, passages: list[Passage]) -> list[Sentence]:
    """Each unit once (passages of a document may overlap), in document order."""
    ordered = sorted(passages, key=lambda p: (p.start, p.ordinal))
    length = max(len(document.text), 1)
    seen: set[int] = set()
    out: list[Sentence] = []
    for passage in ordered:
        if passage.section_type in NOT_ABOUT_THE_REVIEW:
            continue
        for a, b, _ in group_units(passage.text):
            found = _locate(document.text, passage.text[a:b], passage.start)
            if found is None:
                continue  # a passage's text that is not the document's cannot be cited exactly
            start, end = found
            quote = document.text[start:end]
            if start in seen or not quote.strip() or _POINTER.search(quote.strip()):
                continue
            seen.add(start)
            out.append(Sentence(passage, start, end, quote, readable(quote), start / length))
    return out


def _locate(text: str, quote: str, near: int) -> tuple[int, int] | None:
    """Where a passage's unit is in the document's text: exactly, or with other spacing; for
    a unit the chunker joined across a heading (slides), the longest run of its lines found."""
    while quote.strip():
        start = text.find(quote, near)
        if start >= 0:
            return start, start + len(quote)
        words = quote.split()
        found = re.compile(r"\s+".join(re.escape(w) for w in words)).search(text, near)
        if found:
            return found.start(), found.end()
        if "\n" not in quote.strip():
            return None
        quote = quote.strip().rsplit("\n", 1)[0]
    return None


def embed_sentences(embedder: Embedder, sentences: list[Sentence]) -> np.ndarray:
    if not sentences:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return embedder.embed_passages([s.text for s in sentences])


def quote_of(sentence: Sentence, document: Document) -> Quote:
    """The sentence as a cited Quote, with the page it is printed on."""
    page = page_end = None
    if document.pages:
        pages = [(p["number"], p["end"]) for p in document.pages]
        page = page_at(pages, sentence.start)
        last = page_at(pages, max(sentence.start, sentence.end - 1))
        page_end = last if last != page else None
    elif sentence.passage.page is not None:
        page = sentence.passage.page
    return Quote(
        doc_id=document.doc_id,
        start=sentence.start,
        end=sentence.end,
        text=sentence.quote,
        page=page,
        page_end=page_end,
        paragraph=sentence.passage.paragraph,
        section=sentence.passage.section,
        passage_id=sentence.passage.id,
    )
