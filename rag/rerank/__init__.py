"""Rerankers behind one small protocol.

No cross-encoder ships offline, so the default rescoring uses what we have: how well
the passage's best sentences match the question (same embedder, sentence level) and
how many of the question's topic words the passage contains, blended with the fused
retrieval rank. A user with a local cross-encoder folder can switch to it by path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from rag.query import Query
from rag.retrieve.sentences import SentenceIndex
from rag.settings import RerankSettings
from rag.text import match_stems
from rag.types import Hit


class Reranker(Protocol):
    name: str

    def rerank(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[Hit]: ...


class NoReranker:
    name = "none"

    def rerank(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[Hit]:
        return hits


class SentenceRescorer:
    """Score = w_fused * rank prior + w_sentence * best sentence cosine + w_lexical * topic coverage."""

    name = "sentence"

    def __init__(self, sentences: SentenceIndex, settings: RerankSettings):
        self.sentences = sentences
        self.settings = settings

    def rerank(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        self.sentences.prepare([h.passage for h in hits])
        topic = match_stems(" ".join(query.topic_words))
        rescored = []
        for rank, hit in enumerate(hits, start=1):
            units = self.sentences.units(hit.passage)
            best = max((float(u.vector @ query_vector) for u in units), default=0.0)
            coverage = len(topic & match_stems(hit.passage.text)) / len(topic) if topic else 0.0
            prior = 1.0 / (1.0 + (rank - 1) / 5.0)
            s = self.settings
            score = s.fused_weight * prior + s.sentence_weight * best + s.lexical_weight * coverage
            rescored.append(Hit(hit.passage, score, hit.dense_rank, hit.bm25_rank))
        return sorted(rescored, key=lambda h: -h.score)


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder from a local folder (never downloaded)."""

    name = "cross-encoder"

    def __init__(self, path: Path):
        path = Path(path).expanduser()
        if not path.is_dir():  # before importing sentence-transformers, which takes seconds
            raise FileNotFoundError(
                f"rerank.cross_encoder_path (RAG_RERANK__CROSS_ENCODER_PATH) = {path} is not a folder "
                "holding a cross-encoder model; models are never downloaded"
            )
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(str(path), device="cpu", local_files_only=True)

    def rerank(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        scores = self._model.predict([(query.text, h.passage.text) for h in hits])
        pairs = sorted(zip(scores, hits, strict=True), key=lambda pair: -float(pair[0]))
        return [Hit(h.passage, float(s), h.dense_rank, h.bm25_rank) for s, h in pairs]


def get_reranker(settings: RerankSettings, sentences: SentenceIndex) -> Reranker:
    if settings.backend == "none":
        return NoReranker()
    if settings.backend == "cross-encoder":
        if settings.cross_encoder_path is None:
            raise ValueError(
                "rerank.backend='cross-encoder' needs rerank.cross_encoder_path "
                "(RAG_RERANK__CROSS_ENCODER_PATH), a local folder holding the model"
            )
        return CrossEncoderReranker(settings.cross_encoder_path)
    if settings.backend == "learned":
        from rag.rerank.learned import PACKAGED_MODEL, LearnedRescorer, PassageModel

        return LearnedRescorer(sentences, PassageModel.load(settings.model_path or PACKAGED_MODEL))
    return SentenceRescorer(sentences, settings)
