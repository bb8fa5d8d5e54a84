"""Spans of a document's text as insights cite them."""

from __future__ import annotations

import re

from rag.insights.sentences import Sentence
from rag.insights.types import Quote
from rag.types import Document, page_at

# A line speaking to the reader (a question, "click here"), never a finding or recommendation.
INSTRUCTION = re.compile(r"\?\s*$|^(?:please|click|see|contact|for more)\b", re.IGNORECASE)


def span(document: Document, start: int, end: int, sentence: Sentence | None = None) -> Quote:
    pages = [(p["number"], p["end"]) for p in document.pages]
    page = page_at(pages, start) if pages else None
    return Quote(
        document.doc_id, start, end, document.text[start:end], page, None,
        sentence.passage.paragraph if sentence else None, sentence.passage.section if sentence else "",
        sentence.passage.id if sentence else "",
    )  # fmt: skip
