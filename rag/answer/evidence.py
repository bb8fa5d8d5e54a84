"""Finding the evidence for an analysed question: hybrid retrieval restricted to the cases it
names, then reranking. Shared by the engine and the generative answerer (which retrieves
again for a follow-up it has rewritten)."""

from __future__ import annotations

from rag.query import Query
from rag.rerank import Reranker
from rag.retrieve import HybridRetriever, SearchIndex
from rag.settings import RetrieveSettings
from rag.types import Hit


class EvidenceFinder:
    def __init__(self, search: SearchIndex, settings: RetrieveSettings, reranker: Reranker):
        self.search = search
        self.settings = settings
        self.reranker = reranker

    def find(self, query: Query) -> list[Hit]:
        """Fused, routed and reranked passages."""
        query_vector = self.search.embedder.embed_query(query.text)
        return self.reranker.rerank(query, query_vector, self.fused(query))

    def fused(self, query: Query) -> list[Hit]:
        """Fused and routed passages, before reranking (what the learned reranker is fitted on)."""
        cases = query.cases if self.settings.route_cases else []
        return HybridRetriever(self.search, self.settings, cases).hits(query.text, diversify=query.cross_case)
