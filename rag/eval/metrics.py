"""What each evaluation metric means and where the report shows it, the quality gate, and a
cross-check of the ranking metrics against ir-measures (trec_eval), the reference implementation."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rag.eval.score import BUDGET_KEY, K_VALUES, MATCH_FRACTION, WORD_BUDGET, ItemScore

# Where a metric is shown (Metric.shown), in the order of METRICS:
# "headline": a card of the report and a row of the terminal summary;
# "groups": a column of the by-question-type and by-case tables; "group_chart": a bar of their charts;
# "compare": a column of the configurations table (a bar of its chart when a rate);
# "terminal": a column of the configurations table `rag eval` prints.
View = Literal["headline", "groups", "group_chart", "compare", "terminal"]
_RETRIEVAL_VIEWS: tuple[View, ...] = ("headline", "groups", "compare", "terminal")


@dataclass(frozen=True)
class Metric:
    key: str  # as in metrics.json
    label: str
    plain: str  # one line a board member can read
    definition: str  # exactly how it is computed
    unit: str = "rate"  # "rate" (shown as %), "score", "words" or "ms"
    higher_is_better: bool = True
    gated: bool = True  # may appear in thresholds.toml
    shown: tuple[View, ...] = ()

    def format(self, value: float | None, precise: bool = False) -> str:
        """The value for people: rates as percentages; `precise` adds a digit (for comparing)."""
        if value is None:
            return "n/a"
        if self.unit == "ms":
            return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"
        if self.unit == "words":
            return f"{value:.0f} words"
        if self.unit == "score":
            return f"{value:.3f}" if precise else f"{value:.2f}"
        return f"{value:.1%}" if precise else f"{value:.0%}"


_CONTAINS = (
    f"A text 'contains' an evidence quote when, whitespace and case ignored, it holds the quote "
    f"verbatim or a single run of at least {MATCH_FRACTION:.0%} of its characters."
)
METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric(
            "hit@5",
            "Evidence found (top 5)",
            "How often a passage holding the evidence was among the first 5 passages the system read.",
            "Answerable items with evidence: 1 when any of the first 5 retrieved passages contains an "
            "evidence quote, else 0; averaged. hit@1, @3 and @10 likewise. " + _CONTAINS,
            shown=(*_RETRIEVAL_VIEWS, "group_chart"),
        ),
        Metric(
            "mrr",
            "Rank of first evidence (MRR)",
            "How close to the top the first useful passage is: 1.0 means always first, 0.5 second.",
            "Mean over answerable items of 1/rank of the first retrieved passage that contains an "
            "evidence quote (0 when none does). Cross-checked against ir-measures RR.",
            unit="score",
            shown=_RETRIEVAL_VIEWS,
        ),
        Metric(
            BUDGET_KEY,
            f"Evidence read in {WORD_BUDGET} words",
            f"Share of the evidence a reader would find in the first {WORD_BUDGET} words the system "
            "retrieved, so long passages earn no credit for length.",
            f"The retrieved list is cut after its first {WORD_BUDGET} words (the last passage "
            "truncated); per item, the share of evidence quotes contained in that text; averaged. "
            "evidence_recall@k is the same over the first k passages whatever their length.",
            shown=_RETRIEVAL_VIEWS,
        ),
        Metric(
            "citation_recall",
            "Evidence cited",
            "Share of the sentences a careful reader would quote that the answer actually cites.",
            "Per answerable item, the share of evidence quotes that overlap a cited span (either holds "
            "most of the other, as in 'contains'); averaged.",
            shown=(*_RETRIEVAL_VIEWS, "group_chart"),
        ),
        Metric(
            "citation_precision",
            "Citations on point",
            "Share of the answer's citations that support it rather than pad it.",
            "Per answerable item with citations, the share of cited spans that overlap an evidence "
            "quote or contain at least 60% of the word stems of a key point; averaged.",
            shown=_RETRIEVAL_VIEWS,
        ),
        Metric(
            "key_points",
            "Key points covered",
            "Share of the points a good answer should make that the answer makes.",
            "Per answerable item, the share of key points with at least 60% of their word stems "
            "(Snowball English; articles, pronouns, auxiliaries and prepositions left out, negations kept) "
            "in the answer text; averaged. Lexical, so a paraphrase can be missed.",
            shown=(*_RETRIEVAL_VIEWS, "group_chart"),
        ),
        Metric(
            "abstention_recall",
            "Declines when it should",
            "How often the system says the reviews don't say (or refuses) when they truly don't.",
            "Unanswerable items (answerable=false: out-of-collection cases, details the reviews never "
            "give, requests to identify people or to ignore the rules) whose answer abstained.",
            shown=("headline", "groups", "compare"),
        ),
        Metric(
            "false_abstention_rate",
            "Declines wrongly",
            "How often the system says the reviews don't say when they do.",
            "Answerable items whose answer abstained, over all answerable items.",
            higher_is_better=False,
            shown=("headline", "groups"),
        ),
        Metric(
            "abstain_accuracy",
            "Right call on declining",
            "How often the system correctly chose between answering and declining.",
            "All items: 1 when the answer abstained exactly when the item is unanswerable; averaged.",
            shown=("group_chart",),
        ),
        Metric(
            "words_per_citation",
            "Words per citation",
            "How long each quoted span is: short, exact quotes are easier to check.",
            "Words in all cited spans divided by the number of citations, over all items.",
            unit="words",
            higher_is_better=False,
            shown=("headline",),
        ),
        Metric(
            "latency_p50_ms",
            "Typical answer time",
            "Half of the questions were answered faster than this.",
            "Median of Engine.answer's own latency_ms over all items. Not gated: machines are noisy.",
            unit="ms",
            higher_is_better=False,
            gated=False,
            shown=("headline",),
        ),
        Metric(
            "latency_p95_ms",
            "Slow answer time",
            "95% of the questions were answered faster than this.",
            "95th percentile of the same latencies, linear between the closest ranks "
            "(statistics.quantiles, inclusive). Not gated.",
            unit="ms",
            higher_is_better=False,
            gated=False,
            shown=("headline",),
        ),
    ]
}
for _k in K_VALUES:
    if f"hit@{_k}" not in METRICS:
        METRICS[f"hit@{_k}"] = Metric(
            f"hit@{_k}", f"Evidence found (top {_k})", "", f"As hit@5, over the first {_k} passages."
        )
    METRICS[f"evidence_recall@{_k}"] = Metric(
        f"evidence_recall@{_k}",
        f"Evidence in top {_k}",
        "",
        f"As {BUDGET_KEY}, over the first {_k} passages.",
    )


def shown_in(view: View) -> tuple[str, ...]:
    """The keys of the metrics a view shows, in METRICS order."""
    return tuple(key for key, metric in METRICS.items() if view in metric.shown)


HEADLINE = shown_in("headline")
GROUP_COLUMNS = shown_in("groups")
GROUP_SERIES = shown_in("group_chart")
COMPARE_COLUMNS = shown_in("compare")
COMPARE_SERIES = tuple(k for k in COMPARE_COLUMNS if METRICS[k].unit == "rate")  # a 0-100% axis
TERMINAL_COLUMNS = shown_in("terminal")


def fmt(key: str, value: float | None, precise: bool = False) -> str:
    """A metric value for people (see Metric.format)."""
    return METRICS[key].format(value, precise)


# --- the quality gate --------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    metric: str
    value: float | None
    bound: float
    kind: str  # "min" | "max"

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.bound if self.kind == "min" else self.value <= self.bound


class ThresholdError(ValueError):
    pass


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    """`[min]` and `[max]` tables of metric = bound; latency and unknown metrics are refused."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdError(f"{path}: cannot read thresholds ({exc})") from exc
    out: dict[str, dict[str, float]] = {}
    for kind, table in data.items():
        if kind not in ("min", "max") or not isinstance(table, dict):
            raise ThresholdError(f"{path}: unexpected {kind!r}; use [min] and [max] tables")
        for key, bound in table.items():
            metric = METRICS.get(key)
            if metric is None:
                raise ThresholdError(f"{path}: [{kind}] {key}: unknown metric; known: {', '.join(METRICS)}")
            if not metric.gated:
                raise ThresholdError(f"{path}: [{kind}] {key}: not gated (machines are too noisy)")
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                raise ThresholdError(f"{path}: [{kind}] {key}: expected a number, got {bound!r}")
        out[kind] = {k: float(v) for k, v in table.items()}
    return out


def check(metrics: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[Check]:
    return [
        Check(key, metrics.get(key), bound, kind)
        for kind in ("min", "max")
        for key, bound in thresholds.get(kind, {}).items()
    ]


# --- reference implementation ------------------------------------------------------------


def ir_measures_check(scores: list[ItemScore]) -> dict[str, float | None]:
    """MRR and hit@k recomputed by ir-measures (pytrec_eval) from the same relevance
    judgements: a retrieved passage is relevant when it contains an evidence quote."""
    import ir_measures
    from ir_measures import RR, Success

    scored = [(s.id, s.retrieval) for s in scores if s.retrieval]
    if not scored:
        return {}
    qrels, run = [], []
    for qid, retrieval in scored:
        ids = retrieval.retrieved_ids
        # A relevant document no system retrieves, so a query without a hit still counts (as 0).
        qrels.append(ir_measures.Qrel(qid, "__evidence__", 1))
        qrels.extend(ir_measures.Qrel(qid, ids[rank - 1], 1) for rank in retrieval.relevant_ranks)
        run.extend(ir_measures.ScoredDoc(qid, pid, float(len(ids) - i)) for i, pid in enumerate(ids))
        if not ids:  # nothing retrieved: keep the query in the average
            run.append(ir_measures.ScoredDoc(qid, "__nothing__", 0.0))
    measures = [RR, *[Success @ k for k in K_VALUES]]
    values = ir_measures.calc_aggregate(measures, qrels, run)
    out: dict[str, float | None] = {"mrr": round(values[RR], 4)}
    out.update({f"hit@{k}": round(values[Success @ k], 4) for k in K_VALUES})
    return out
