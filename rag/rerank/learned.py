"""The learned passage reranker: a logistic regression over what is known about a retrieved
passage, fitted on the gold set's train split (`rag train`; rag.eval.rerank_fit), where a
passage holding one of a question's evidence quotes is a positive. It reads the same signals
as the hand-weighted rescorer (fused rank, best sentence cosine, topic-word coverage) and a
few more (each retriever's own rank, the heading's words, whether the section is the kind
the question asks for, length), and learns how much each is worth instead of being told.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.ingest import anatomy
from rag.query import Query
from rag.retrieve.sentences import SentenceIndex
from rag.text import match_stems
from rag.types import Hit

PACKAGED_MODEL = Path(__file__).resolve().parent.parent / "data" / "rerank_model.json"
PASSAGE_FEATURES: tuple[str, ...] = (
    "fused_prior",  # 1 for the first fused passage, falling with rank
    "fused_log_rank",  # log of the fused rank: how deep it was found
    "dense_rank",  # 1 / the dense retriever's rank (0 when it did not find it)
    "bm25_rank",  # 1 / BM25's rank (0 when it did not find it)
    "best_cosine",  # the passage's closest sentence to the question
    "top2_cosine",  # mean of its two closest sentences
    "topic_words",  # share of the question's topic words the passage holds
    "heading_words",  # share of them its section heading holds
    "section_fit",  # +1 its section is the kind asked for, -1 a kind that is not (anatomy)
    "length",  # log of its words
)
_MISSING_RANK = 0.0


def passage_rows(
    query: Query, query_vector: np.ndarray, hits: list[Hit], sentences: SentenceIndex
) -> np.ndarray:
    """One PASSAGE_FEATURES row per hit, in the fused order given."""
    if not hits:
        return np.zeros((0, len(PASSAGE_FEATURES)))
    sentences.prepare([h.passage for h in hits])
    topic = match_stems(" ".join(query.topic_words))
    intents = (query.intent, *(part.intent for part in query.parts))
    rows = []
    for rank, hit in enumerate(hits, start=1):
        cosines = sorted((float(u.vector @ query_vector) for u in sentences.units(hit.passage)), reverse=True)
        cosines = cosines or [0.0]
        rows.append([
            1.0 / (1.0 + (rank - 1) / 5.0),
            math.log(rank),
            1.0 / hit.dense_rank if hit.dense_rank else _MISSING_RANK,
            1.0 / hit.bm25_rank if hit.bm25_rank else _MISSING_RANK,
            cosines[0],
            float(np.mean(cosines[:2])),
            _share(topic, hit.passage.text),
            _share(topic, hit.passage.section),
            max(anatomy.fit(intent, anatomy.of_passage(hit.passage)) for intent in intents),
            math.log1p(len(hit.passage.text.split())),
        ])  # fmt: skip
    return np.array(rows, dtype=float)


def _share(topic: set[str], text: str) -> float:
    return len(topic & match_stems(text)) / len(topic) if topic and text else 0.0


@dataclass(frozen=True)
class PassageModel:
    """P(holds evidence) = sigmoid(coef . standardised features + intercept)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    fitted: dict[str, Any] = field(default_factory=dict)  # what it was fitted on

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        z = (rows - np.array(self.mean)) / np.array(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.intercept)))

    def weights(self) -> dict[str, float]:
        """Each feature's weight per standard deviation: what the eval report shows."""
        return {name: round(float(w), 4) for name, w in zip(PASSAGE_FEATURES, self.coef, strict=True)}

    def to_json(self) -> str:
        data = {"features": list(PASSAGE_FEATURES), **self.__dict__}
        return json.dumps(data, indent=1, default=float)

    @classmethod
    def load(cls, path: Path = PACKAGED_MODEL) -> PassageModel:
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(
                f"rerank.model_path = {path} does not exist; refit it with `rag train` "
                "or set rerank.backend = 'sentence'"
            )
        return _load(path, path.stat().st_mtime_ns)  # a refitted file is read again


@lru_cache(maxsize=8)
def _load(path: Path, _modified: int) -> PassageModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("features") != list(PASSAGE_FEATURES):
        raise ValueError(f"{path}: made for other passage features; refit it with `rag train`")
    return PassageModel(
        tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]), float(data["intercept"]),
        data.get("fitted", {}),
    )  # fmt: skip


class LearnedRescorer:
    """Passages ordered by the fitted model's probability that they hold the evidence."""

    name = "learned"

    def __init__(self, sentences: SentenceIndex, model: PassageModel):
        self.sentences = sentences
        self.model = model

    def rerank(self, query: Query, query_vector: np.ndarray, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        scores = self.model.probabilities(passage_rows(query, query_vector, hits, self.sentences))
        order = np.argsort(-scores, kind="stable")  # ties keep the fused order
        return [Hit(hits[i].passage, float(scores[i]), hits[i].dense_rank, hits[i].bm25_rank) for i in order]
