"""The report's sentences, shared by the HTML and Markdown pages and the `rag eval` summary:
the settings in words, which configuration wins, whether ir-measures agrees, why an item is bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.eval.metrics import METRICS, fmt
from rag.eval.score import BUDGET_KEY, WORD_BUDGET, ItemScore
from rag.eval.stats import paired_permutation_p

CURRENT_NAME = "current settings"


@dataclass(frozen=True)
class ConfigRow:
    """One configuration's results, as metrics.json records them."""

    name: str
    overall: dict[str, Any]
    per_item: dict[str, float]  # evidence recall within the word budget, by item id
    description: str = ""


def settings_line(settings: dict[str, Any]) -> str:
    r, rr, a = settings["retrieve"], settings["rerank"], settings["answer"]
    routed = "routed to the cases a question names" if r["route_cases"] else "not routed by case"
    scorer = settings.get("sentence_scorer") or {"kind": a.get("scorer", "hand")}
    return (
        f"Retrieval: dense weight {r['dense_weight']:g}, BM25 weight {r['bm25_weight']:g}, "
        f"top {r['top_k']} passages, {routed}; reranker: {rr['backend']}; "
        f"answers: up to {scorer.get('max_sentences', a['max_sentences'])} quoted sentences, "
        f"{a['max_words']} words. {_reranker_line(settings.get('passage_reranker', {}))}"
        f"{_scorer_line(scorer)}"
    )


def _reranker_line(reranker: dict[str, Any]) -> str:
    """The learned reranker's weights, largest first (nothing for the other rerankers)."""
    if reranker.get("kind") != "learned" or "weights" not in reranker:
        return ""
    fitted = reranker.get("fitted", {})
    return (
        f"Passages reranked by the learned model (fitted on the {fitted.get('split', '?')} questions: "
        f"{fitted.get('questions', '?')} questions, {fitted.get('positives', '?')} evidence passages of "
        f"{fitted.get('passages', '?')}); weights per standard deviation: {_weights(reranker['weights'])}. "
    )


def _weights(weights: dict[str, float]) -> str:
    largest_first = sorted(weights.items(), key=lambda kv: -abs(kv[1]))
    return ", ".join(f"{name} {value:+.2f}" for name, value in largest_first)


def _scorer_line(scorer: dict[str, Any]) -> str:
    """How sentences were scored; for the learned scorer, its weights, largest first."""
    if scorer.get("kind") != "learned" or "weights" not in scorer:
        return "Sentences scored by the hand-set weights."
    shown = _weights(scorer["weights"])
    fitted = scorer.get("fitted", {})
    return (
        f"Sentences scored by the learned model (fitted on the {fitted.get('split', '?')} questions: "
        f"{fitted.get('questions', '?')} questions, {fitted.get('positives', '?')} evidence sentences "
        f"of {fitted.get('sentences', '?')}); weights per standard deviation: {shown}."
    )


def compare_rows(metrics: dict[str, Any]) -> list[ConfigRow]:
    """One row per configuration, the current settings included once."""
    compare = metrics.get("compare") or {}
    rows = []
    if not any(c["same_as"] == "current" for c in compare.values()):
        rows.append(ConfigRow(CURRENT_NAME, metrics["overall"], metrics.get("per_item", {})))
    for name, c in compare.items():
        suffix = f" (= {CURRENT_NAME})" if c["same_as"] == "current" else ""
        rows.append(ConfigRow(name + suffix, c["overall"], c.get("per_item", {}), c.get("description", "")))
    return rows


def winner_sentence(rows: list[ConfigRow]) -> str:
    """Which configuration finds the most evidence within the reading budget (MRR breaks ties),
    and whether its lead over the next one could be chance (paired permutation test)."""
    if len(rows) < 2:
        return ""
    ranked = sorted(rows, key=lambda r: (-(r.overall.get(BUDGET_KEY) or 0), -(r.overall.get("mrr") or 0)))
    best, second = ranked[0], ranked[1]

    def versus(key: str) -> str:
        return f"{fmt(key, best.overall.get(key), True)} against {fmt(key, second.overall.get(key), True)}"

    text = (
        f"{best.name} finds the most evidence within the first {WORD_BUDGET} words retrieved: "
        f"{versus(BUDGET_KEY)} for {second.name} (evidence in the top 5: {versus('hit@5')}; "
        f"MRR {versus('mrr')})."
    )
    p, n = paired_permutation_p(best.per_item, second.per_item)
    if n:
        chance = "could well be chance" if p >= 0.05 else "is unlikely to be chance"
        text += f" The difference {chance} (p = {p:.2f}, paired permutation test over {n} questions)."
    citing = max(rows, key=lambda r: r.overall.get("citation_recall") or 0)
    recall = citing.overall.get("citation_recall") or 0
    if recall > (best.overall.get("citation_recall") or 0):
        text += f" {citing.name} cites the most evidence ({fmt('citation_recall', recall, True)})."
    return text


def cross_check(metrics: dict[str, Any]) -> str:
    """One line saying whether ir-measures (trec_eval) agrees with our MRR and hit@k."""
    library, overall = metrics.get("ir_measures") or {}, metrics["overall"]
    if not library:
        return ""
    agree = all(abs((library[k] or 0) - (overall.get(k) or 0)) < 1e-3 for k in library)
    values = ", ".join(f"{k} {library[k]:.3f}" for k in library)
    verdict = "agrees with" if agree else "DIFFERS from"
    return (
        f"Cross-check: ir-measures (trec_eval) computes {values} from the same judgements; it {verdict} ours."
    )


def verdict(score: ItemScore) -> str:
    """Why an item scored low, in words."""
    if score.error:
        return f"error: {score.error}"
    if not score.answerable:
        return "answered a question it should have declined"
    if score.abstained:
        return "declined although the reviews answer it"
    return "; ".join(f"{METRICS[k].label.lower()} {fmt(k, v)}" for k, v in score.quality_parts.items())
