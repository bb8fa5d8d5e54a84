"""Fitting the sentence scorer on gold evidence: `rag train` (or `python -m rag.eval.fit`),
after the passage reranker (rag.eval.rerank_fit) when the learned one is configured.

Every candidate sentence the answerer would consider for a gold question is a training row
(rag.answer.extractive.features); it is a positive when it overlaps one of the question's
evidence quotes. A logistic regression over the standardised features is fitted on the
train split only (or, for a leave-one-review-out run, on every question not about the held-out
review). The abstention threshold is fitted on the same questions: the best candidate's score
below which a question is declined, set so that at most ABSTAIN_QUANTILE of the answerable
training questions would be. Deterministic: the same gold file and index give the same file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rag.answer.extractive.features import INDEX, LEARNED
from rag.answer.extractive.model import PACKAGED_MODEL, LearnedScorer
from rag.eval.gold import GoldItem, in_split, load_gold
from rag.eval.score import covers_point, overlaps, stems
from rag.rerank.learned import PACKAGED_MODEL as RERANK_MODEL
from rag.settings import Settings

REGULARISATION = 1.0  # sklearn's C: the default
ABSTAIN_QUANTILE = 0.02
# Selection settings tried on the training questions, on the learned score's scale.
FLOORS = (0.5, 0.6, 0.7, 0.8, 0.9)
MOST_SENTENCES = (4, 5)
TEMPERATURES = (1.0, 2.0, 4.0)
Progress = Callable[[str, int, int], None]


@dataclass
class Asked:
    """A training question as the answerer saw it, to replay sentence choice."""

    item: GoldItem
    query: object
    topic_vector: np.ndarray
    hits: list
    candidates: list  # its candidate sentences with their features


@dataclass
class Rows:
    """Training rows of some gold questions."""

    features: list[np.ndarray]
    labels: list[int]
    best_answerable: list[np.ndarray]  # per answerable question: its candidates' rows
    asked: list[Asked] = field(default_factory=list)  # the answerable questions
    owners: list[str] = field(default_factory=list)  # the gold item of each feature row

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        return np.vstack(self.features), np.array(self.labels)

    def only(self, keep: set[str]) -> Rows:
        """The rows of the gold items in `keep` (a leave-one-review-out fit collects once)."""
        rows = [i for i, owner in enumerate(self.owners) if owner in keep]
        asked = [a for a in self.asked if a.item.id in keep]
        return Rows(
            [self.features[i] for i in rows],
            [self.labels[i] for i in rows],
            [np.vstack([c.features for c in a.candidates]) for a in asked],
            asked,
            [self.owners[i] for i in rows],
        )


def collect(engine, items: list[GoldItem], progress: Progress | None = None) -> Rows:
    """Candidates and labels for every question, as the answerer sees them."""
    chooser, answerer = engine.extractive.chooser, engine.extractive
    rows = Rows([], [], [])
    for done, item in enumerate(items, start=1):
        query = engine.analyse(item.question, item.history_turns())
        if query.refusal or (query.unknown_cases and not query.cases):
            continue  # declined by rule before any sentence is scored
        hits = engine.retrieve(query)
        top = hits if query.cross_case else hits[: chooser.settings.passages]
        topic_vector = answerer.topic_vector(query)
        candidates = chooser.candidates(query, topic_vector, top)
        if not candidates:
            continue
        for candidate in candidates:
            rows.features.append(candidate.features)
            rows.labels.append(int(any(overlaps(candidate.unit.quote, q) for q in item.quotes)))
            rows.owners.append(item.id)
        if item.answerable:
            rows.best_answerable.append(np.vstack([c.features for c in candidates]))
            rows.asked.append(Asked(item, query, topic_vector, hits, candidates))
        if progress:
            progress("fit", done, len(items))
    return rows


def fit(rows: Rows, fitted: dict, chooser=None) -> LearnedScorer:
    """The logistic regression and its abstention threshold; with the answerer's `chooser`,
    the selection limits too (otherwise those of the hand-set scorer's defaults)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = rows.matrix()
    x = x[:, [INDEX[name] for name in LEARNED]]
    if y.sum() == 0:
        raise ValueError("no candidate sentence holds an evidence quote: is this gold set's index built?")
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=2000)
    model.fit((x - scaler.mean_) / scale, y)
    coef, intercept = model.coef_[0], float(model.intercept_[0])
    scorer = LearnedScorer(LEARNED, scaler.mean_, scale, coef, intercept, 0.0, 0.0, 5)
    (floor, most, temperature), quality = (
        best_selection(chooser, scorer, rows.asked, rows.best_answerable) if chooser else ((0.7, 5, 1.0), 0.0)
    )
    info = {
        **fitted,
        "questions": len(rows.best_answerable),
        "sentences": len(y),
        "positives": int(y.sum()),
        "answer_quality_on_training_questions": round(quality, 4),
    }
    scorer = with_threshold(replace(scorer, temperature=temperature), rows.best_answerable)
    return replace(scorer, relative_floor=floor, max_sentences=most, fitted=info)


def with_threshold(scorer: LearnedScorer, candidates: list[np.ndarray]) -> LearnedScorer:
    """The abstention threshold: at most ABSTAIN_QUANTILE of the answerable training
    questions have a best sentence below it (`candidates`: each one's candidate rows)."""
    best = [float(scorer.score(rows).max()) for rows in candidates]
    return replace(scorer, abstain_below=float(np.quantile(best, ABSTAIN_QUANTILE)) if best else 0.0)


def best_selection(
    chooser, scorer: LearnedScorer, asked: list[Asked], candidates: list[np.ndarray]
) -> tuple[tuple[float, int, float], float]:
    """The relative floor, sentence limit and temperature whose chosen sentences best answer
    the training questions (the mean of quote recall, citation precision and key points)."""
    saved, results = chooser.scorer, []
    try:
        for temperature in TEMPERATURES:
            tempered = with_threshold(replace(scorer, temperature=temperature), candidates)
            for floor in FLOORS:
                for most in MOST_SENTENCES:
                    chooser.scorer = replace(tempered, relative_floor=floor, max_sentences=most)
                    results.append((_answer_quality(chooser, asked), (floor, most, temperature)))
    finally:
        chooser.scorer = saved
    quality, chosen = max(results)
    return chosen, quality


def _answer_quality(chooser, asked: list[Asked]) -> float:
    """What `rag eval` measures of the chosen sentences, in its own terms (rag.eval.score)."""
    recalls, precisions, points = [], [], []
    for q in asked:
        quotes = [c.unit.quote for c in chooser.draft(q.query, q.topic_vector, q.hits, q.candidates).chosen]
        gold, said = q.item.quotes, stems(" ".join(quotes))
        recalls.append(_share([any(overlaps(c, g) for c in quotes) for g in gold]))
        precisions.append(_share([any(overlaps(c, g) for g in gold) for c in quotes]))
        points.append(_share([covers_point(said, point) for point in q.item.key_points]))
    return float(np.mean([np.mean(recalls), np.mean(precisions), np.mean(points)]))


def _share(flags: list[bool]) -> float:
    return float(np.mean(flags)) if flags else 0.0


def about_review(item: GoldItem, doc: str, labels: dict[str, str]) -> bool:
    """Whether a gold question is about the review of document `doc` (`labels`: the case
    label of each document, for items that name only a label)."""
    reviews = item.reviews
    if doc in reviews or any(e.doc == doc for e in item.evidence):
        return True
    return not reviews and labels.get(doc) in item.cases


def training_items(gold: list[GoldItem], holdout: str | None, labels: dict[str, str]) -> list[GoldItem]:
    """The train split; for a held-out review, every question not about it (both splits)."""
    if holdout is None:
        return in_split(gold, "train")
    return [item for item in gold if not about_review(item, holdout, labels)]


def train(
    gold_path: Path,
    settings: Settings,
    out: Path = PACKAGED_MODEL,
    holdout: str | None = None,
    engines=None,
    progress: Progress | None = None,
    rerank_out: Path | None = None,
) -> LearnedScorer:
    """Fit on `gold_path`'s train split (or all but `holdout`'s questions) and write `out`.
    With `rerank_out` and the learned reranker configured, the reranker is fitted first, on
    the same questions, and written there; the sentence scorer then learns from its order."""
    from rag.eval.run import Engines

    engines = engines or Engines(warm_up=False)
    gold = load_gold(gold_path)
    fitted = {"gold": gold_path.name, "split": "train" if holdout is None else f"all but {holdout}"}
    if rerank_out is not None and settings.rerank.backend == "learned":
        settings = train_reranker(gold, settings, rerank_out, holdout, engines, fitted)
    # Features do not depend on the scorer; the hand one needs no model file to load.
    hand = settings.answer.model_copy(update={"scorer": "hand"})
    engine = engines.engine(settings.model_copy(update={"answer": hand}))
    labels = {doc_id: d.case for doc_id, d in engine.search.documents.items()}
    items = training_items(gold, holdout, labels)
    scorer = fit(collect(engine, items, progress), fitted, engine.extractive.chooser)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(scorer.to_json() + "\n", encoding="utf-8")
    return scorer


def train_reranker(
    gold: list[GoldItem],
    settings: Settings,
    out: Path,
    holdout: str | None,
    engines,
    fitted: dict,
    rows=None,
) -> Settings:
    """Fit the passage reranker (rag.eval.rerank_fit) on the training questions, write it to
    `out`, and return the settings that use it. `rows`: every question's passage rows, when
    already collected (they do not depend on any reranker)."""
    from rag.eval import rerank_fit

    engine = engines.engine(settings)
    labels = {doc_id: d.case for doc_id, d in engine.search.documents.items()}
    keep = {item.id for item in training_items(gold, holdout, labels)}
    if rows is None:
        rows = rerank_fit.collect(engine, [item for item in gold if item.id in keep])
    rerank_fit.write(rerank_fit.fit(rows.only(keep), fitted), out)
    return settings.model_copy(update={"rerank": settings.rerank.model_copy(update={"model_path": out})})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.eval.fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"))
    parser.add_argument("--out", type=Path, default=PACKAGED_MODEL)
    parser.add_argument("--rerank-out", type=Path, default=RERANK_MODEL)
    parser.add_argument("--holdout-review", metavar="DOC", help="fit without this review's questions")
    args = parser.parse_args(argv)
    scorer = train(args.gold, Settings(), args.out, args.holdout_review, rerank_out=args.rerank_out)
    print(f"{scorer.fitted} -> {args.out}")
    print("weights:", scorer.weights(), "abstain below:", round(scorer.abstain_below, 4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
