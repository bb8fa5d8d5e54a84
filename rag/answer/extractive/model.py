"""Sentence scorers: how likely a candidate sentence is to be what a careful reader would
quote. The hand-set one is a weighted sum of five features (the default); the learned one is a
logistic regression over all of them, fitted on the train split of the gold set (`rag train`),
chosen with `[answer] scorer = "learned"` and measured against the other by
`rag eval --compare learned-scorer`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.answer.extractive.features import INDEX
from rag.settings import AnswerSettings

PACKAGED_MODEL = Path(__file__).resolve().parents[2] / "data" / "sentence_model.json"


class SentenceScorer(Protocol):
    abstain_below: float  # a question whose best sentence scores lower is declined
    relative_floor: float  # sentences scoring below this share of the best are not quoted
    max_sentences: int  # most sentences in a single-review answer

    def score(self, rows: np.ndarray) -> np.ndarray: ...

    def why(self, row: np.ndarray) -> dict[str, float]: ...


@dataclass(frozen=True)
class LearnedScorer:
    """P(quoted) = sigmoid(coef . standardised features + intercept), times the sentence's
    shape (1 for a plain sentence): a fragment or a heading is a poor quote however well it
    matches, which a sum of weights cannot say."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    abstain_below: float
    relative_floor: float
    max_sentences: int
    fitted: dict[str, Any] = field(default_factory=dict)  # what it was fitted on
    # Log-odds are divided by this before the sigmoid: above 1, scores near certainty stay
    # apart, so that floors relative to the best sentence still tell them apart.
    temperature: float = 1.0

    def _columns(self, rows: np.ndarray) -> np.ndarray:
        return rows[:, [INDEX[name] for name in self.features]]

    def score(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        z = (self._columns(rows) - self.mean) / self.scale
        log_odds = z @ self.coef + self.intercept
        return rows[:, INDEX["shape"]] / (1.0 + np.exp(-log_odds / self.temperature))

    def why(self, row: np.ndarray) -> dict[str, float]:
        """For `citations[].why`: each feature's share of the log-odds (they add up, with the
        intercept, to the log-odds), and the shape factor the probability is multiplied by."""
        z = (self._columns(row[None, :])[0] - self.mean) / self.scale
        out = {name: round(float(c * v), 4) for name, c, v in zip(self.features, self.coef, z, strict=True)}
        return {"intercept": round(self.intercept, 4), **out, "shape": round(float(row[INDEX["shape"]]), 4)}

    def weights(self) -> dict[str, float]:
        """Weight per standardised feature: comparable across features."""
        return {name: round(float(c), 4) for name, c in zip(self.features, self.coef, strict=True)}

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6),
                "abstain_below": round(self.abstain_below, 6),
                "relative_floor": round(self.relative_floor, 6),
                "max_sentences": self.max_sentences,
                "temperature": self.temperature,
                "fitted": self.fitted,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, where: str = "sentence model") -> LearnedScorer:
        try:
            data = json.loads(text)
            unknown = [name for name in data["features"] if name not in INDEX]
            if unknown:
                raise ValueError(f"unknown features {unknown}")
            return cls(
                tuple(data["features"]),
                np.array(data["mean"], dtype=float),
                np.array(data["scale"], dtype=float),
                np.array(data["coef"], dtype=float),
                float(data["intercept"]),
                float(data["abstain_below"]),
                float(data["relative_floor"]),
                int(data["max_sentences"]),
                dict(data.get("fitted", {})),
                float(data.get("temperature", 1.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: not a sentence model ({exc}); refit it with `rag train`") from exc


@dataclass(frozen=True)
class HandScorer:
    """The hand-set weighted sum: cosine, topic words (or the heading's), cue, passage rank
    and section fit, scaled down for fragments."""

    settings: AnswerSettings

    @property
    def abstain_below(self) -> float:
        return self.settings.abstain_below

    @property
    def relative_floor(self) -> float:
        return self.settings.relative_floor

    @property
    def max_sentences(self) -> int:
        return self.settings.max_sentences

    def _parts(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        s, col = self.settings, lambda name: rows[:, INDEX[name]]
        lexical = np.maximum(col("topic_words"), col("heading_words") * s.heading_share)
        return {
            "cosine": s.dense_weight * col("cosine"),
            "topic_words": s.lexical_weight * lexical,
            "cue": s.cue_weight * col("cue"),
            "passage_rank": s.passage_weight * col("passage_rank"),
            "section_fit": s.section_weight * col("section_fit"),
        }

    def score(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        return sum(self._parts(rows).values()) * rows[:, INDEX["shape"]]

    def why(self, row: np.ndarray) -> dict[str, float]:
        parts = {k: round(float(v[0]), 4) for k, v in self._parts(row[None, :]).items()}
        return {**parts, "shape": round(float(row[INDEX["shape"]]), 4)}


def get_scorer(settings: AnswerSettings) -> SentenceScorer:
    if settings.scorer == "hand":
        return HandScorer(settings)
    return load_model(settings.sentence_model or PACKAGED_MODEL)


@lru_cache(maxsize=4)
def load_model(path: Path) -> LearnedScorer:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the sentence model ({exc}); refit: `rag train`") from exc
    return LearnedScorer.from_json(text, str(path))
