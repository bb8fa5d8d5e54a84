"""The BM25 index of a generation, persisted by llama-index's BM25Retriever (bm25s)."""

from __future__ import annotations

from pathlib import Path

from rag.store.nodes import to_node
from rag.store.recipe import BM25_STEMMER
from rag.types import Passage


def persist(passages: list[Passage], path: Path) -> None:
    """Build the BM25 index of `passages` and write it to the folder `path`."""
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


def load(path: Path):  # -> BM25Retriever
    """The BM25 retriever `persist` wrote to `path`."""
    from llama_index.retrievers.bm25 import BM25Retriever

    return BM25Retriever.from_persist_dir(str(path))
