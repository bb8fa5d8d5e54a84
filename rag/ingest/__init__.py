"""Ingest: files in the corpus folder -> cleaned pages -> structured passages -> the index.

Stages, one module each: `load` (pypdf, text, markdown) -> `clean` -> `structure` (headings,
numbered paragraphs, slides) -> `chunk` (passages) with `catalog` (what each review is), and
`job`, which runs them over a corpus folder and writes a new index generation.
"""

from rag.ingest.job import CorpusError, ingest

__all__ = ["CorpusError", "ingest"]
