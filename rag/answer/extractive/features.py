"""What is known about a candidate sentence, as numbers: the features both sentence scorers
read (the hand-set one weighs five of them; the learned one all of them)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rag.answer.extractive.scoring import coverage, section_fit, shape_penalty
from rag.retrieve.sentences import Unit
from rag.types import Hit

FEATURES: tuple[str, ...] = (
    "cosine",  # similarity of the sentence to the question's topic (case names left out)
    "cosine_gap",  # how far below the question's closest sentence it is
    "topic_words",  # share of the question's topic words the sentence holds
    "heading_words",  # share of them its section heading holds
    "cue",  # a word typical of what is asked (a failure, a recommendation, a date...)
    "section_fit",  # its section is the kind the question asks for (recommendations...)
    "passage_rank",  # 1 for the first retrieved passage, falling with rank
    "passage_score",  # the passage's retrieval and rerank score
    "shape",  # 1 for a plain sentence, lower for fragments, headings, agendas
    "length",  # log of its words
    "position",  # 0 at the start of its passage, 1 at the end
    "list_item",  # a bullet or numbered item
)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with its features in FEATURES order."""

    hit: Hit
    unit: Unit
    features: np.ndarray

    def named(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(FEATURES, self.features, strict=True)}


def passage_features(
    intents: tuple[str, ...],
    topic: set[str],
    topic_vector: np.ndarray,
    rank: int,
    hit: Hit,
    units: list[Unit],
) -> list[np.ndarray]:
    """One feature row per unit of a retrieved passage (cosine_gap is filled in later, once
    every passage of the question is scored). `intents`: what the question asks, the main
    thing first; a section that suits any of them suits the question."""
    heading = coverage(topic, hit.passage.section)
    fit = max(section_fit(intent, hit.passage) for intent in intents)
    prior = 1.0 / (1.0 + rank / 3.0)
    last = max(1, len(units) - 1)
    rows = []
    for i, unit in enumerate(units):
        rows.append(
            np.array(
                [
                    float(unit.vector @ topic_vector),
                    0.0,
                    coverage(topic, unit.text),
                    heading,
                    0.0,  # the cue is set by the caller, which holds the intent's pattern
                    fit,
                    prior,
                    float(hit.score),
                    shape_penalty(unit),
                    math.log1p(unit.words),
                    i / last,
                    1.0 if unit.is_item else 0.0,
                ]
            )
        )
    return rows


def with_gaps(rows: list[np.ndarray]) -> None:
    """Set cosine_gap: a sentence is judged against the question's best, not in absolute
    terms (some questions are close to every sentence, some to none)."""
    if not rows:
        return
    best = max(row[0] for row in rows)
    for row in rows:
        row[1] = row[0] - best


INDEX = {name: i for i, name in enumerate(FEATURES)}
# What the learned scorer weighs: all but the shape, which multiplies its probability.
LEARNED = tuple(name for name in FEATURES if name != "shape")
