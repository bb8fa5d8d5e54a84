"""Fitting the key-findings ranker on the hand-picked findings of `eval/cards.jsonl`:
`python -m rag.eval.findings_fit`.

A candidate sentence is a positive when it holds (or is held by) one of its review's labelled
key findings, every other candidate of that review a negative. The model is fitted on the train
reviews only (the fixed split by file name hash, `review_split`); the test reviews and a
leave-one-review-out run report the card's measure (the share of labelled findings some chosen
sentence overlaps) on reviews the model learned nothing from. Deterministic.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.eval.insights import REVIEW_SPLITS, load_card_labels, review_split
from rag.eval.score import overlaps
from rag.eval.themes_fit import fit_logistic, indexed_documents
from rag.insights.build import theme_strength
from rag.insights.findings import (
    FINDING_FEATURES,
    PACKAGED_MODEL,
    FindingsModel,
    candidates,
    finding_features,
    key_findings,
)
from rag.insights.sentences import Sentence, document_sentences, embed_sentences
from rag.insights.taxonomy import load_taxonomy
from rag.insights.themes import PACKAGED_MODEL as THEME_MODEL
from rag.insights.themes import ThemeMatcher, ThemeModel
from rag.settings import Settings, load_settings


@dataclass
class LabelledReview:
    doc: str
    sentences: list[Sentence]
    theme: np.ndarray  # per sentence, the tagger's strength
    wanted: list[str]  # the labelled key findings

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        pool = candidates(self.sentences)
        x = finding_features(self.sentences, self.theme)[pool]
        y = [any(overlaps(self.sentences[i].quote, w) for w in self.wanted) for i in pool]
        return x, np.array(y, dtype=int)

    def recall(self, model: FindingsModel) -> float:
        """The card's measure: the share of labelled findings a chosen sentence overlaps."""
        chosen = [self.sentences[i].quote for i in key_findings(self.sentences, self.theme, model)]
        return sum(any(overlaps(c, w) for c in chosen) for w in self.wanted) / max(len(self.wanted), 1)


def labelled_reviews(settings: Settings, labels_path: Path) -> list[LabelledReview]:
    from rag.embed import get_embedder

    labels = load_card_labels(labels_path)
    documents, by_doc = indexed_documents(settings)
    embedder = get_embedder(settings.embed)
    matcher = ThemeMatcher(load_taxonomy(settings.corpus_dir), embedder)
    tagger = ThemeModel.load(settings.insights.theme_model or THEME_MODEL)  # as ingest tags them
    out = []
    for doc in sorted(set(labels) & set(documents)):
        wanted = (labels[doc].get("key_findings") or {}).get("items") or []
        if not wanted:
            continue
        sentences = document_sentences(documents[doc], by_doc.get(doc, []))
        matches = matcher.match(sentences, embed_sentences(embedder, sentences))
        out.append(LabelledReview(doc, sentences, theme_strength(matches, tagger), wanted))
    return out


def fit(reviews: list[LabelledReview]) -> FindingsModel:
    xs, ys = zip(*(r.rows() for r in reviews), strict=True)
    return FindingsModel(fit_logistic(np.vstack(xs), np.concatenate(ys)))


def evaluate(reviews: list[LabelledReview]) -> dict:
    split = {s: [r for r in reviews if review_split(r.doc) == s] for s in REVIEW_SPLITS}
    model = fit(split["train"])
    report = {s: float(np.mean([r.recall(model) for r in split[s]])) for s in split}
    held = [r.recall(fit([o for o in reviews if o is not r])) for r in reviews]
    report["leave_one_review_out"] = float(np.mean(held))
    return {"model": model, "report": report}


def _reviews(settings: Settings, labels: Path, cache: Path | None) -> list[LabelledReview]:
    """The labelled reviews, kept in `cache` when given (embedding them is the slow part)."""
    import pickle

    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    reviews = labelled_reviews(settings, labels)
    if cache is not None:
        cache.write_bytes(pickle.dumps(reviews))
    return reviews


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.eval.findings_fit", description=__doc__)
    parser.add_argument("--labels", type=Path, default=Path("eval/cards.jsonl"))
    parser.add_argument("--out", type=Path, default=PACKAGED_MODEL)
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    parser.add_argument("--cache", type=Path, help="keep the embedded reviews in this file between runs")
    args = parser.parse_args(argv)
    result = evaluate(_reviews(load_settings(), args.labels, args.cache))
    for name, value in result["report"].items():
        print(f"{name:>22}: key findings found {value:.3f}")
    model = result["model"]
    print("weights:", dict(zip(FINDING_FEATURES, np.round(model.ranker.weights, 3), strict=True)))
    if not args.dry_run:
        args.out.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    print(json.dumps(result["report"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
