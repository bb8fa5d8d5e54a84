"""Small helpers shared by ingest tests."""

from __future__ import annotations

from rag import store
from rag.settings import Settings
from rag.store import bm25


def bm25_ids(settings: Settings, query: str, k: int = 5) -> list[str]:
    """Passage ids BM25 ranks highest for `query` in the live generation."""
    retriever = bm25.load(store.open_current(settings).bm25_path)
    retriever.similarity_top_k = k
    return [hit.node.node_id for hit in retriever.retrieve(query)]


def chroma_ids(settings: Settings, vector, k: int = 5) -> list[str]:
    collection = store.open_current(settings).collection()
    result = collection.query(query_embeddings=[list(map(float, vector))], n_results=k)
    return result["ids"][0]


def chroma_count(settings: Settings) -> int:
    return store.open_current(settings).collection().count()
