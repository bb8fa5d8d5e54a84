"""Fitting the learned passage reranker on gold evidence (part of `rag train`).

Every fused passage retrieval returns for a gold question is a training row
(rag.rerank.learned.passage_rows); it is a positive when it holds one of the question's
evidence quotes. A logistic regression over the standardised features (balanced classes, so
the few positives weigh as much as the many negatives) is fitted on the train split only, or,
for a leave-one-review-out run, on every question not about the held-out review. The rows do
not depend on any reranker, so they are collected once and every fit reuses them.
Deterministic: the same gold file and index give the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.eval.gold import GoldItem
from rag.eval.score import overlaps
from rag.rerank.learned import PassageModel, passage_rows

REGULARISATION = 1.0  # sklearn's C: the default


@dataclass
class PassageRows:
    """Each answerable gold question's fused passages, as feature rows and labels."""

    features: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]

    def only(self, keep: set[str]) -> PassageRows:
        return PassageRows(
            {k: v for k, v in self.features.items() if k in keep},
            {k: v for k, v in self.labels.items() if k in keep},
        )


def collect(engine, items: list[GoldItem]) -> PassageRows:
    """Rows for every answerable question with evidence, as retrieval finds its passages."""
    evidence = engine.evidence
    rows = PassageRows({}, {})
    for item in items:
        if not item.answerable or not item.quotes:
            continue
        query = engine.analyse(item.question, item.history_turns())
        if query.refusal or (query.unknown_cases and not query.cases):
            continue
        hits = evidence.fused(query)
        if not hits:
            continue
        vector = evidence.search.embedder.embed_query(query.text)
        rows.features[item.id] = passage_rows(query, vector, hits, engine.sentences)
        rows.labels[item.id] = np.array(
            [int(any(overlaps(h.passage.text, q) for q in item.quotes)) for h in hits]
        )
    return rows


def fit(rows: PassageRows, fitted: dict) -> PassageModel:
    from sklearn.linear_model import LogisticRegression

    ids = sorted(rows.features)
    if not ids:
        raise ValueError("no answerable gold question retrieved any passage: is the index built?")
    x = np.vstack([rows.features[i] for i in ids])
    y = np.concatenate([rows.labels[i] for i in ids])
    if y.sum() == 0:
        raise ValueError("no retrieved passage holds an evidence quote: is this gold set's index built?")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=3000)
    model.fit((x - mean) / scale, y)
    info = {**fitted, "questions": len(ids), "passages": len(y), "positives": int(y.sum())}
    return PassageModel(
        tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, model.coef_[0])),
        float(model.intercept_[0]), info,
    )  # fmt: skip


def write(model: PassageModel, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model.to_json() + "\n", encoding="utf-8")
