"""What the evaluation report says, built once from metrics.json and the per-item results;
`rag.eval.report.render` lays it out as HTML (with inline SVG charts) and as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.eval.gold import GoldItem
from rag.eval.metrics import (
    COMPARE_COLUMNS,
    COMPARE_SERIES,
    GROUP_COLUMNS,
    GROUP_SERIES,
    HEADLINE,
    METRICS,
    Metric,
    fmt,
)
from rag.eval.report.charts import bar_chart
from rag.eval.report.sentences import (
    ConfigRow,
    compare_rows,
    cross_check,
    settings_line,
    verdict,
    winner_sentence,
)
from rag.eval.score import ItemScore

WORST = 12  # questions listed under "Questions answered worst"


@dataclass(frozen=True)
class Value:
    """One metric value: the number, and how it is shown."""

    key: str
    number: float | None
    text: str
    best: bool = False  # the best of its column (configurations compared)


@dataclass(frozen=True)
class Card:
    """A headline number."""

    metric: Metric
    value: Value


@dataclass(frozen=True)
class GateResult:
    """One threshold of the quality gate, as recorded in metrics.json."""

    label: str
    value: str
    bound: str
    kind: str  # "min" | "max"
    passed: bool

    @property
    def text(self) -> str:
        return f"{self.label} {self.value} ({'at least' if self.kind == 'min' else 'at most'} {self.bound})"


@dataclass(frozen=True)
class Row:
    """A row of a table of metrics: a group of questions, or a configuration."""

    name: str
    values: list[Value]
    items: int = 0  # questions in the group
    description: str = ""  # what the configuration changes


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]  # metric labels
    rows: list[Row]
    chart: str  # inline SVG


@dataclass(frozen=True)
class Comparison:
    """The configurations compared: who wins and whether it could be chance, then the table."""

    sentence: str
    table: Table


@dataclass(frozen=True)
class Quote:
    n: int
    case: str
    where: str  # section, else document title
    text: str

    @property
    def marked(self) -> str:
        return f"[{self.n}] {self.text}"


@dataclass(frozen=True)
class WorstItem:
    id: str
    category: str
    follow_up: bool
    question: str
    verdict: str
    answer: str
    quotes: list[Quote]
    expected: str


@dataclass(frozen=True)
class Report:
    items: int
    answerable: int
    unanswerable: int
    gold: str
    generated: str
    settings: str
    gate: list[GateResult]
    headline: list[Card]
    groups: list[Table]
    comparison: Comparison | None
    worst: list[WorstItem]
    definitions: list[Metric]
    cross_check: str
    insights: list[Table] = ()  # type: ignore[assignment]  # review cards and theme tags

    @property
    def gate_failed(self) -> list[GateResult]:
        return [g for g in self.gate if not g.passed]


def build_report(
    metrics: dict[str, Any], results: list[dict[str, Any]], scores: list[ItemScore], items: list[GoldItem]
) -> Report:
    """The report of one run: `metrics` as written to metrics.json, `results` the Answer JSON
    and `scores` the per-item scores of the current settings, `items` the gold items."""
    overall = metrics["overall"]
    return Report(
        items=overall["items"],
        answerable=overall["answerable"],
        unanswerable=overall["unanswerable"],
        gold=metrics["gold"],
        generated=metrics["generated"],
        settings=settings_line(metrics["settings"]),
        gate=[_gate_result(g) for g in metrics.get("gate") or []],
        headline=[Card(METRICS[k], _value(k, overall.get(k))) for k in HEADLINE],
        groups=[
            *([_group_table("Train and test split", metrics["by_split"])] if metrics.get("by_split") else []),
            _group_table("By question type", metrics["by_category"]),
            _group_table("By case", metrics["by_case"]),
            *([_group_table("By review document", metrics["by_review"])] if metrics.get("by_review") else []),
        ],
        comparison=_comparison(compare_rows(metrics)),
        worst=worst_items(results, scores, items),
        definitions=list(METRICS.values()),
        cross_check=cross_check(metrics),
        insights=insights_tables(metrics.get("insights")),
    )


def _plain(key: str, number: float | None) -> Value:
    return Value(key, number, "n/a" if number is None else f"{number:.2f}")


def _complete(cards: dict[str, Any]) -> str:
    return f"{cards['recommendations_complete']}/{cards['reviews_with_recommendations']}"


def insights_tables(insights: dict[str, Any] | None) -> list[Table]:
    """Card field accuracy and theme tagging, by review split, each with a chart."""
    if not insights:
        return []
    tables = []
    cards = insights.get("cards") or {}
    if cards:
        fields = list(next(iter(cards.values()))["per_field"])
        rows = [
            Row(split, [_plain("overall", c["overall"])] + [_plain(f, c["per_field"][f]) for f in fields]
                + [Value("complete", None, _complete(c))], items=c.get("reviews", 0))
            for split, c in cards.items()
        ]  # fmt: skip
        series = [(split, [c["per_field"][f] for f in fields]) for split, c in cards.items()]
        chart = bar_chart("Review cards: field accuracy", fields, series)
        columns = ["overall", *fields, "recommendations complete"]
        tables.append(Table("Review cards: field accuracy by review split", columns, rows, chart))
    themes = insights.get("themes") or {}
    if themes:
        keys = ("precision", "recall", "f1")
        rows = [
            Row(split, [_plain(k, t["overall"][k]) for k in keys], items=t["overall"]["labelled"])
            for split, t in themes.items()
        ]
        test = themes.get("test") or next(iter(themes.values()))
        names = list(test["per_theme"])
        series = [(k, [test["per_theme"][n][k] for n in names]) for k in ("precision", "recall")]
        chart = bar_chart("Theme tagging on the test reviews, per theme", names, series)
        tables.append(Table("Theme tagging by review split", list(keys), rows, chart))
    return tables


def _value(key: str, number: float | None, precise: bool = False, best: bool = False) -> Value:
    return Value(key, number, fmt(key, number, precise), best)


def _gate_result(gate: dict[str, Any]) -> GateResult:
    key = gate["metric"]
    return GateResult(
        METRICS[key].label, fmt(key, gate["value"]), fmt(key, gate["bound"]), gate["kind"], gate["passed"]
    )


def _group_table(title: str, groups: dict[str, dict[str, Any]]) -> Table:
    rows = [
        Row(name, [_value(k, g.get(k)) for k in GROUP_COLUMNS], items=g["items"])
        for name, g in groups.items()
    ]
    series = [(METRICS[k].label, [g.get(k) for g in groups.values()]) for k in GROUP_SERIES]
    notes = [f"{g['items']} questions" for g in groups.values()]
    chart = bar_chart(title, list(groups), series, notes=notes)
    return Table(title, [METRICS[k].label for k in GROUP_COLUMNS], rows, chart)


def _comparison(configs: list[ConfigRow]) -> Comparison | None:
    if len(configs) < 2:
        return None
    best = {key: _best(key, [c.overall.get(key) for c in configs]) for key in COMPARE_COLUMNS}
    rows = [
        Row(
            c.name,
            [_compared(k, c.overall.get(k), best[k]) for k in COMPARE_COLUMNS],
            description=c.description,
        )
        for c in configs
    ]
    groups = [METRICS[k].label for k in COMPARE_SERIES]
    series = [(c.name, [c.overall.get(k) for k in COMPARE_SERIES]) for c in configs]
    chart = bar_chart("Configurations compared", groups, series)
    columns = [METRICS[k].label for k in COMPARE_COLUMNS]
    return Comparison(winner_sentence(configs), Table("Configurations compared", columns, rows, chart))


def _compared(key: str, number: float | None, best: float | None) -> Value:
    return _value(key, number, precise=True, best=number is not None and number == best)


def _best(key: str, numbers: list[float | None]) -> float | None:
    """The best of the measured values: the highest, or the lowest where lower is better."""
    measured = [n for n in numbers if n is not None]
    if not measured:
        return None
    return max(measured) if METRICS[key].higher_is_better else min(measured)


def worst_items(
    results: list[dict[str, Any]], scores: list[ItemScore], items: list[GoldItem]
) -> list[WorstItem]:
    """The WORST lowest-quality items (ties by id), with what was answered and what was expected."""
    by_id = {i.id: i for i in items}
    answers = {r["id"]: r for r in results}
    ranked = sorted((s for s in scores if s.quality < 1), key=lambda s: (s.quality, s.id))
    return [_worst_item(by_id[s.id], answers[s.id], s) for s in ranked[:WORST]]


def _worst_item(item: GoldItem, answer: dict[str, Any], score: ItemScore) -> WorstItem:
    quotes = [
        Quote(c["n"], c.get("case", ""), c.get("section") or c.get("title", ""), " ".join(c["quote"].split()))
        for c in answer.get("citations", [])
    ]
    return WorstItem(
        id=item.id,
        category=item.category,
        follow_up=bool(item.history),
        question=item.question,
        verdict=verdict(score),
        answer=answer.get("answer", ""),
        quotes=quotes,
        expected=item.reference_answer or ("(should decline)" if not item.answerable else ""),
    )
