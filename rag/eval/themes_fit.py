"""Fitting the theme tagger on the hand-labelled review x theme matrix (`eval/themes.jsonl`):
`python -m rag.eval.themes_fit`.

Sentence model: a sentence is a positive for a theme when it holds one of the labelled
evidence quotes of that (review, theme); every sentence of a review labelled as not
discussing the theme is a negative (other sentences of a discussing review are unknown and
left out). Review model: every labelled (review, theme) pair, its features made from
sentence scores of a sentence model fitted without that review (so the review model learns
from scores like those a new review will get). The tagging threshold maximises F1 and the
"major" threshold best separates major from minor tags, on the train reviews only (a fixed
split by file name hash, `review_split`). The test reviews and a leave-one-review-out run
report how it does on reviews it learned nothing from. Deterministic.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.eval.insights import REVIEW_SPLITS, load_theme_labels, review_split, theme_scores
from rag.eval.score import overlaps
from rag.insights.sentences import document_sentences, embed_sentences
from rag.insights.taxonomy import load_taxonomy
from rag.insights.themes import (
    PACKAGED_MODEL,
    REVIEW_FEATURES,
    SENTENCE_FEATURES,
    DocumentMatches,
    Logistic,
    ThemeMatcher,
    ThemeModel,
    has_evidence,
    review_features,
    sentence_likelihoods,
)
from rag.settings import Settings, load_settings
from rag.types import Document, Passage

REGULARISATION = 1.0  # sklearn's C: the default


@dataclass
class Labelled:
    """One labelled review: its matches, and per theme the label and evidence quotes."""

    doc: str
    matches: DocumentMatches
    present: dict[str, bool]
    major: dict[str, bool]
    evidence: dict[str, list[str]]
    _rows: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def sentence_rows(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Training rows of theme j (computed once: every fit reuses them)."""
        if j not in self._rows:
            self._rows[j] = self._sentence_rows(j)
        return self._rows[j]

    def _sentence_rows(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        theme = self.matches.themes[j].id
        features = self.matches.sentence_features(j)
        if not self.present.get(theme):
            return features, np.zeros(len(features), dtype=int)
        quotes = self.evidence.get(theme, [])
        keep = [i for i, s in enumerate(self.matches.sentences) if any(overlaps(s.text, q) for q in quotes)]
        return features[keep], np.ones(len(keep), dtype=int)


def indexed_documents(settings: Settings) -> tuple[dict[str, Document], dict[str, list[Passage]]]:
    """The live index's documents, and each one's passages: what the insights read."""
    from rag import store

    generation = store.open_current(settings)
    documents = {k: Document.from_dict(v) for k, v in generation.documents().items()}
    by_doc: dict[str, list[Passage]] = {}
    for passage in generation.passages():
        by_doc.setdefault(passage.doc_id, []).append(passage)
    return documents, by_doc


def labelled_reviews(settings: Settings, labels_path: Path) -> list[Labelled]:
    from rag.embed import get_embedder

    labels = load_theme_labels(labels_path)
    documents, by_doc = indexed_documents(settings)
    embedder = get_embedder(settings.embed)
    matcher = ThemeMatcher(load_taxonomy(settings.corpus_dir), embedder)
    out = []
    for doc in sorted({d for d, _ in labels} & set(documents)):
        sentences = document_sentences(documents[doc], by_doc.get(doc, []))
        rows = {t: r for (d, t), r in labels.items() if d == doc}
        out.append(
            Labelled(
                doc,
                matcher.match(sentences, embed_sentences(embedder, sentences)),
                {t: bool(r["present"]) for t, r in rows.items()},
                {t: r.get("strength") == "major" for t, r in rows.items()},
                {t: list(r.get("evidence") or []) for t, r in rows.items()},
            )
        )
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit((x - mean) / scale, y)
    return Logistic(tuple(map(float, model.coef_[0])), float(model.intercept_[0]), tuple(mean), tuple(scale))


def fit_sentences(reviews: list[Labelled]) -> Logistic:
    xs, ys = [], []
    for review in reviews:
        for j in range(len(review.matches.themes)):
            x, y = review.sentence_rows(j)
            xs.append(x)
            ys.append(y)
    return fit_logistic(np.vstack(xs), np.concatenate(ys))


def review_rows(review: Labelled, sentence: Logistic) -> list[tuple[str, np.ndarray, bool]]:
    """Per theme: its review features, and whether a sentence could be shown as evidence."""
    likely = sentence_likelihoods(review.matches, sentence)
    features = review_features(likely, len(review.matches.sentences))
    shown = has_evidence(review.matches, likely)
    return [(theme.id, features[j], bool(shown[j])) for j, theme in enumerate(review.matches.themes)]


def fit(reviews: list[Labelled]) -> ThemeModel:
    """Both models and both thresholds, from these reviews only."""
    xs, ys, majors, shown = [], [], [], []
    for review in reviews:  # review features from a sentence model that never saw the review
        sentence = fit_sentences([r for r in reviews if r is not review])
        for theme, features, evidence in review_rows(review, sentence):
            if theme in review.present:
                shown.append(evidence)
                xs.append(features)
                ys.append(int(review.present[theme]))
                majors.append(int(review.major[theme]))
    x, y, major = np.array(xs), np.array(ys), np.array(majors)
    review_model = fit_logistic(x, y)
    p = review_model.probabilities(x) * np.array(shown)  # no evidence to show: never tagged
    threshold = _best_threshold(p, y)
    tagged = (y == 1) & (p >= threshold)
    return ThemeModel(
        fit_sentences(reviews), review_model, threshold, _best_major(p[tagged], major[tagged], threshold)
    )


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The probability cut with the best F1 on the training pairs (ties: the higher cut)."""
    best, best_f1 = 0.5, -1.0
    for cut in np.round(np.arange(0.2, 0.81, 0.02), 2):
        tagged = p >= cut
        f1 = 2 * int((tagged & (y == 1)).sum()) / max(int(tagged.sum()) + int(y.sum()), 1)
        if f1 >= best_f1:
            best, best_f1 = float(cut), f1
    return best


def _best_major(p: np.ndarray, major: np.ndarray, threshold: float) -> float:
    best, best_right = 1.0, -1
    for cut in np.round(np.arange(threshold, 1.0, 0.02), 2):
        right = int(((p >= cut) == (major == 1)).sum())
        if right > best_right:
            best, best_right = float(cut), right
    return best


def predict(model: ThemeModel, reviews: list[Labelled]) -> dict[tuple[str, str], bool]:
    out = {}
    for review in reviews:
        for theme, features, evidence in review_rows(review, model.sentence):
            out[(review.doc, theme)] = evidence and bool(
                model.review.probabilities(features) >= model.threshold
            )
    return out


def truth(reviews: list[Labelled]) -> dict[tuple[str, str], bool]:
    return {(r.doc, t): present for r in reviews for t, present in r.present.items()}


def evaluate(reviews: list[Labelled]) -> dict:
    """Train and test of the fixed split, and leave-one-review-out over every review."""
    split = {s: [r for r in reviews if review_split(r.doc) == s] for s in REVIEW_SPLITS}
    model = fit(split["train"])
    report = {s: theme_scores(predict(model, split[s]), truth(split[s])) for s in split}
    held: dict[tuple[str, str], bool] = {}
    for review in reviews:
        held |= predict(fit([r for r in reviews if r is not review]), [review])
    report["leave_one_review_out"] = theme_scores(held, truth(reviews))
    return {"model": model, "report": report}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.eval.themes_fit", description=__doc__)
    parser.add_argument("--labels", type=Path, default=Path("eval/themes.jsonl"))
    parser.add_argument("--out", type=Path, default=PACKAGED_MODEL)
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args(argv)
    result = evaluate(labelled_reviews(load_settings(), args.labels))
    for name, scores in result["report"].items():
        o = scores["overall"]
        print(f"{name:>22}: precision {o['precision']:.3f} recall {o['recall']:.3f} f1 {o['f1']:.3f} "
              f"({o['tagged']} tagged, {o['labelled']} labelled)")  # fmt: skip
    model = result["model"]
    print("sentence weights:", dict(zip(SENTENCE_FEATURES, np.round(model.sentence.weights, 3), strict=True)))
    print("review weights:", dict(zip(REVIEW_FEATURES, np.round(model.review.weights, 3), strict=True)))
    print(f"threshold {model.threshold}, major {model.major}")
    if not args.dry_run:
        args.out.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    print(json.dumps({k: v["overall"] for k, v in result["report"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
