"""Leave one review out: `rag eval --holdout-review DOC` (or `all`).

What the configuration learns from the gold set (the passage reranker, and the sentence scorer
when the learned one is chosen) is refitted on every gold question that is not about the
held-out review, then only that review's questions are answered with it: how the product does
on a review whose questions taught it nothing, as it will on the users' own reviews. The
configuration is the one in force (the defaults, or e.g. `RAG_ANSWER__SCORER=learned`), so
the run measures the product as configured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.eval import fit, rerank_fit
from rag.eval.gold import load_gold
from rag.eval.run import Engines, Progress, evaluate, write_outputs
from rag.settings import Settings

MODEL_FILE = "sentence-model.json"
RERANK_FILE = "rerank-model.json"


def holdout_reviews(settings: Settings, engines: Engines) -> list[str]:
    """Every indexed document (a review of the collection) that the gold set asks about."""
    return sorted(_engine(settings, engines).search.documents)


def run_holdout(
    gold_path: Path,
    out_dir: Path,
    settings: Settings,
    doc: str,
    engines: Engines,
    progress: Progress | None = None,
    collected: fit.Rows | None = None,
    passages: rerank_fit.PassageRows | None = None,
) -> dict[str, Any]:
    """Refit what the configuration learns (the passage reranker, the sentence scorer) without
    `doc`'s questions, answer only those, and write the usual outputs. `collected` and
    `passages`: every gold question's sentence and passage rows, when already gathered
    (sentence rows only stand when the reranker is not refitted, as they follow its order)."""
    engine = _engine(settings, engines)
    if doc not in engine.search.documents:
        known = ", ".join(sorted(engine.search.documents))
        raise ValueError(f"--holdout-review {doc!r} is not an indexed document; one of: {known}")
    labels = {doc_id: d.case for doc_id, d in engine.search.documents.items()}
    gold = load_gold(gold_path)
    items = [item for item in gold if fit.about_review(item, doc, labels)]
    if not items:
        raise ValueError(f"no gold question is about {doc}")
    out_dir.mkdir(parents=True, exist_ok=True)
    info = {"gold": gold_path.name, "split": f"all but {doc}"}
    if settings.rerank.backend == "learned":
        settings = fit.train_reranker(gold, settings, out_dir / RERANK_FILE, doc, engines, info, passages)
        collected = None
    if settings.answer.scorer == "learned":
        settings = _fit_sentences(
            gold_path, gold, settings, doc, engines, out_dir / MODEL_FILE, collected, info
        )
    runs = evaluate(items, settings, engines=engines, progress=progress)
    metrics = write_outputs(out_dir, runs, items, gold_path)
    metrics["holdout_review"] = doc
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False), encoding="utf-8")
    return metrics


def _fit_sentences(gold_path, gold, settings, doc, engines, model: Path, collected, info: dict) -> Settings:
    if collected is None:
        fit.train(gold_path, settings, model, holdout=doc, engines=engines)
    else:
        engine = _engine(settings, engines)
        labels = {doc_id: d.case for doc_id, d in engine.search.documents.items()}
        others = {item.id for item in fit.training_items(gold, doc, labels)}
        scorer = fit.fit(collected.only(others), info, engine.extractive.chooser)
        model.write_text(scorer.to_json() + "\n", encoding="utf-8")
    answer = settings.answer.model_copy(update={"sentence_model": model})
    return settings.model_copy(update={"answer": answer})


def run_all(
    gold_path: Path, out_dir: Path, settings: Settings, progress: Progress | None = None
) -> dict[str, Any]:
    """Every review held out in turn; `summary.json` has each one's overall metrics and
    their mean over reviews (each review counts once, however many questions it has)."""
    engines = Engines(warm_up=False)
    gold = load_gold(gold_path)
    learned_rerank = settings.rerank.backend == "learned"
    passages = rerank_fit.collect(_engine(settings, engines), gold) if learned_rerank else None
    collected = None
    if settings.answer.scorer == "learned" and not learned_rerank:
        collected = fit.collect(_engine(settings, engines), gold, progress)
    per_review: dict[str, dict[str, Any]] = {}
    for doc in holdout_reviews(settings, engines):
        try:
            metrics = run_holdout(
                gold_path, out_dir / doc, settings, doc, engines, progress, collected, passages
            )
        except ValueError:
            continue  # no question about this document
        per_review[doc] = metrics["overall"]
    keys = [k for k, v in next(iter(per_review.values()), {}).items() if isinstance(v, int | float)]
    mean = {k: _mean([m.get(k) for m in per_review.values()]) for k in keys}
    summary = {"gold": str(gold_path), "reviews": per_review, "mean_over_reviews": mean}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def _mean(values: list[Any]) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float)]
    return round(sum(numbers) / len(numbers), 4) if numbers else None


def _engine(settings: Settings, engines: Engines):
    hand = settings.answer.model_copy(update={"scorer": "hand"})
    return engines.engine(settings.model_copy(update={"answer": hand}))
