"""Hybrid retrieval: dense (Chroma through llama-index) and BM25 (bm25s through
llama-index), fused by weighted reciprocal rank, restricted to the cases a question
names and spread across cases for questions that compare reviews."""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.retrievers import BaseRetriever, VectorIndexRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

from rag import store
from rag.embed import Embedder
from rag.query import CaseDirectory, ReviewEntry
from rag.retrieve.llama_embedding import EmbedderAdapter
from rag.settings import RetrieveSettings
from rag.spell import collection_vocabulary
from rag.types import Document, Hit, Passage


@dataclass
class SearchIndex:
    """Everything retrieval needs from one index generation, loaded once."""

    generation: store.Generation
    embedder: Embedder
    passages: dict[str, Passage]
    documents: dict[str, Document]
    vector_index: Any  # llama_index VectorStoreIndex over the Chroma collection
    bm25: Any  # llama_index BM25Retriever (unfiltered)
    _bm25_by_cases: dict[tuple[str, ...], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, generation: store.Generation, embedder: Embedder) -> SearchIndex:
        """The generation's passages, vectors and BM25 index, once its files check out. The
        generation is held (never swept) for as long as the SearchIndex lives."""
        lease = generation.hold()
        try:
            generation.verify()
            search = cls(generation, embedder, *_read(generation, embedder))
        except BaseException:
            lease.release()
            raise
        weakref.finalize(search, lease.release)
        return search

    def vocabulary(self) -> dict[str, int]:
        """The collection's words and counts, as stored with the generation."""
        stored = self.generation.vocabulary()
        if stored is not None:
            return stored
        return collection_vocabulary(f"{p.section}\n{p.text}" for p in self.passages.values())

    def case_directory(self) -> CaseDirectory:
        reviews: dict[str, ReviewEntry] = {}
        for doc in self.documents.values():
            if not doc.case:
                continue
            known = reviews.get(doc.review)
            aliases = (*known.aliases, *doc.aliases) if known else doc.aliases
            reviews[doc.review] = ReviewEntry(doc.review, doc.case, doc.review_name, aliases, doc.year)
        return CaseDirectory.from_reviews(list(reviews.values()))

    def bm25_for(self, cases: tuple[str, ...], top_k: int):
        """A BM25 retriever restricted to `cases` (its corpus mask is built once per set)."""
        from llama_index.retrievers.bm25 import BM25Retriever

        with self._lock:
            retriever = self._bm25_by_cases.get(cases)
            if retriever is None:
                retriever = BM25Retriever(
                    existing_bm25=self.bm25.bm25, filters=_case_filters(cases) if cases else None
                )
                self._bm25_by_cases[cases] = retriever
        retriever.similarity_top_k = min(top_k, len(self.passages))
        return retriever


def _read(generation: store.Generation, embedder: Embedder) -> tuple:
    from llama_index.core import VectorStoreIndex
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    try:
        passages = {p.id: p for p in generation.passages()}
        bm25 = BM25Retriever.from_persist_dir(str(generation.bm25_path)) if passages else None
        documents = {doc_id: Document.from_dict(d) for doc_id, d in generation.documents().items()}
    except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:  # what damaged files raise
        raise store.IndexBroken(
            f"index generation {generation.path} cannot be read ({exc}): run `rag ingest --rebuild`"
        ) from exc
    vector_store = ChromaVectorStore(chroma_collection=generation.collection())
    vector_index = VectorStoreIndex.from_vector_store(vector_store, embed_model=EmbedderAdapter(embedder))
    return passages, documents, vector_index, bm25


class HybridRetriever(BaseRetriever):
    """Dense + BM25 with weighted reciprocal rank fusion, as a llama-index retriever.

    llama-index's QueryFusionRetriever fuses by unweighted RRF and keys nodes by content
    hash; we need per-retriever weights (tuned on the gold set) and passage ids.
    """

    def __init__(self, search: SearchIndex, settings: RetrieveSettings, cases: list[str] | None = None):
        super().__init__()
        self.search = search
        self.settings = settings
        self.cases = tuple(sorted(cases or ()))

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [_to_node_with_score(hit) for hit in self.hits(query_bundle.query_str)]

    def hits(self, text: str, diversify: bool = False) -> list[Hit]:
        if not self.search.passages:
            return []
        depth = self.settings.candidates
        dense = self._dense(text, depth) if self.settings.dense_weight > 0 else []
        lexical = self._bm25(text, depth) if self.settings.bm25_weight > 0 else []
        hits = fuse(
            [(dense, self.settings.dense_weight), (lexical, self.settings.bm25_weight)],
            self.search.passages,
            self.settings.rrf_k,
        )
        if diversify:
            hits, head = spread_across_cases(hits, self.settings.per_case)
            return hits[: max(self.settings.top_k, head)]
        return hits[: self.settings.top_k]

    def _dense(self, text: str, depth: int) -> list[str]:
        retriever = VectorIndexRetriever(
            index=self.search.vector_index,
            similarity_top_k=min(depth, len(self.search.passages)),
            filters=_case_filters(self.cases) if self.cases else None,
        )
        return [n.node.node_id for n in retriever.retrieve(text)]

    def _bm25(self, text: str, depth: int) -> list[str]:
        retriever = self.search.bm25_for(self.cases, depth)
        return [n.node.node_id for n in retriever.retrieve(text) if (n.score or 0) > 0]


def fuse(rankings: list[tuple[list[str], float]], passages: dict[str, Passage], rrf_k: float) -> list[Hit]:
    """Weighted reciprocal rank fusion: score = sum of weight / (k + rank)."""
    scores: dict[str, float] = defaultdict(float)
    ranks: dict[str, list[int | None]] = defaultdict(lambda: [None] * len(rankings))
    for r, (ids, weight) in enumerate(rankings):
        for rank, pid in enumerate(ids, start=1):
            scores[pid] += weight / (rrf_k + rank)
            ranks[pid][r] = rank
    ordered = sorted(scores, key=lambda pid: (-scores[pid], pid))
    return [
        Hit(passages[pid], scores[pid], dense_rank=ranks[pid][0], bm25_rank=ranks[pid][-1])
        for pid in ordered
        if pid in passages
    ]


def spread_across_cases(hits: list[Hit], per_case: int) -> tuple[list[Hit], int]:
    """Reorder so the first places hold at most `per_case` passages of any one case, in
    round-robin rank order: a comparison across reviews sees every relevant review.
    Returns the reordered hits and the length of that balanced head."""
    by_case: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_case[hit.passage.review].append(hit)
    head: list[Hit] = []
    for round_ in range(per_case):
        layer = [group[round_] for group in by_case.values() if len(group) > round_]
        head.extend(sorted(layer, key=lambda h: -h.score))
    chosen = {id(h) for h in head}
    return head + [h for h in hits if id(h) not in chosen], len(head)


def _case_filters(reviews: tuple[str, ...]) -> MetadataFilters:
    """Only the passages of these reviews (by review id)."""
    if len(reviews) == 1:
        return MetadataFilters(filters=[MetadataFilter(key="review", value=reviews[0])])
    return MetadataFilters(
        filters=[MetadataFilter(key="review", value=list(reviews), operator=FilterOperator.IN)]
    )


def _to_node_with_score(hit: Hit) -> NodeWithScore:
    passage = hit.passage
    metadata = {"case": passage.case, "review": passage.review, "review_name": passage.review_name}
    node = TextNode(id_=hit.passage.id, text=hit.passage.text, metadata=metadata)
    return NodeWithScore(node=node, score=hit.score)
