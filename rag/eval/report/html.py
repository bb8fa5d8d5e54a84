"""The evaluation report: one self-contained HTML page (inline SVG charts, no script, works
offline, every text escaped) and the same content as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, NamedTuple

from rag.eval.gold import GoldItem
from rag.eval.metrics import (
    COMPARE_COLUMNS,
    COMPARE_SERIES,
    GROUP_COLUMNS,
    GROUP_SERIES,
    HEADLINE,
    METRICS,
    fmt,
)
from rag.eval.report.charts import bar_chart
from rag.eval.score import BUDGET_KEY, WORD_BUDGET, ItemScore
from rag.eval.stats import paired_permutation_p

WORST = 12


@dataclass
class Page:
    metrics: dict[str, Any]  # as written to metrics.json
    results: list[dict[str, Any]]  # Answer JSON per item (current settings)
    rows: list[ItemScore]
    items: list[GoldItem]


def label(key: str) -> str:
    return METRICS[key].label


# --- shared pieces ------------------------------------------------------------------------


def settings_line(settings: dict[str, Any]) -> str:
    r, rr, a = settings["retrieve"], settings["rerank"], settings["answer"]
    routed = "routed to the cases a question names" if r["route_cases"] else "not routed by case"
    return (
        f"Retrieval: dense weight {r['dense_weight']:g}, BM25 weight {r['bm25_weight']:g}, "
        f"top {r['top_k']} passages, {routed}; reranker: {rr['backend']}; "
        f"answers: up to {a['max_sentences']} quoted sentences, {a['max_words']} words."
    )


class ConfigRow(NamedTuple):
    name: str
    overall: dict[str, Any]
    per_item: dict[str, float]  # evidence recall within the word budget, by item id


def compare_rows(metrics: dict[str, Any]) -> list[ConfigRow]:
    """One row per configuration, the current settings included once."""
    compare = metrics.get("compare") or {}
    rows = []
    if not any(c["same_as"] == "current" for c in compare.values()):
        rows.append(ConfigRow("current settings", metrics["overall"], metrics.get("per_item", {})))
    for name, c in compare.items():
        suffix = " (= current settings)" if c["same_as"] == "current" else ""
        rows.append(ConfigRow(name + suffix, c["overall"], c.get("per_item", {})))
    return rows


def winner_sentence(rows: list[ConfigRow]) -> str:
    """Which configuration finds the most evidence within the reading budget (MRR breaks ties),
    and whether its lead over the next one could be chance (paired permutation test)."""
    if len(rows) < 2:
        return ""
    ranked = sorted(rows, key=lambda r: (-(r.overall.get(BUDGET_KEY) or 0), -(r.overall.get("mrr") or 0)))
    (best, b, b_items), (second, s, s_items) = ranked[0], ranked[1]

    def versus(key: str) -> str:
        return f"{fmt(key, b.get(key), True)} against {fmt(key, s.get(key), True)}"

    text = (
        f"{best} finds the most evidence within the first {WORD_BUDGET} words retrieved: "
        f"{versus(BUDGET_KEY)} for {second} (evidence in the top 5: {versus('hit@5')}; "
        f"MRR {versus('mrr')})."
    )
    p, n = paired_permutation_p(b_items, s_items)
    if n:
        chance = "could well be chance" if p >= 0.05 else "is unlikely to be chance"
        text += f" The difference {chance} (p = {p:.2f}, paired permutation test over {n} questions)."
    name, cite, _ = max(rows, key=lambda r: r.overall.get("citation_recall") or 0)
    if (cite.get("citation_recall") or 0) > (b.get("citation_recall") or 0):
        text += f" {name} cites the most evidence ({fmt('citation_recall', cite['citation_recall'], True)})."
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


def worst(page: Page) -> list[tuple[GoldItem, dict[str, Any], ItemScore]]:
    by_id = {i.id: i for i in page.items}
    results = {r["id"]: r for r in page.results}
    rows = sorted((r for r in page.rows if r.quality < 1), key=lambda r: (r.quality, r.id))
    return [(by_id[r.id], results[r.id], r) for r in rows[:WORST]]


def verdict(row: ItemScore) -> str:
    if row.error:
        return f"error: {row.error}"
    if not row.answerable:
        return "answered a question it should have declined"
    if row.abstained:
        return "declined although the reviews answer it"
    return "; ".join(f"{label(k).lower()} {fmt(k, v)}" for k, v in row.quality_parts.items())


def group_chart(title: str, groups: dict[str, dict[str, Any]]) -> str:
    names = list(groups)
    series = [(label(key), [groups[g].get(key) for g in names]) for key in GROUP_SERIES]
    notes = [f"{groups[g]['items']} questions" for g in names]
    return bar_chart(title, names, series, notes=notes)


def compare_chart(rows: list[tuple[str, dict[str, Any]]]) -> str:
    groups = [label(k) for k in COMPARE_SERIES]
    series = [(name, [overall.get(k) for k in COMPARE_SERIES]) for name, overall, _ in rows]
    return bar_chart("Configurations compared", groups, series)


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;max-width:1100px;
margin:24px auto;padding:0 20px;line-height:1.45}
h1{font-size:26px;margin-bottom:4px}h2{margin-top:36px;border-bottom:2px solid #eee;padding-bottom:4px}
.sub{color:#555}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{border:1px solid #ddd;border-radius:8px;padding:12px 14px;background:#fafafa}
.card .v{font-size:28px;font-weight:700}.card .l{font-weight:600}.card .p{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:10px 0}
th,td{border:1px solid #ddd;padding:5px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}
td.n{text-align:right;white-space:nowrap}.best{font-weight:700}
.gate{padding:10px 14px;border-radius:8px;margin:16px 0;font-weight:600}
.pass{background:#e6f4ea;border:1px solid #9bd3ae}.fail{background:#fdecea;border:1px solid #f1a9a0}
.answer{white-space:pre-wrap}.quote{color:#444;font-size:12px;margin-top:4px}.small{font-size:12px;color:#555}
"""


def render_html(page: Page) -> str:
    m = page.metrics
    o = m["overall"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Evaluation report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>How well are questions about the reviews answered?</h1>",
        f"<p class='sub'>{o['items']} test questions ({o['answerable']} the reviews answer, "
        f"{o['unanswerable']} they do not or that must be refused) from {escape(m['gold'])}, "
        f"run {escape(m['generated'])}.<br>{escape(settings_line(m['settings']))}</p>",
        _gate_html(m.get("gate") or []),
        "<h2>Headline numbers</h2><div class='cards'>",
    ]
    for key in HEADLINE:
        metric = METRICS[key]
        parts.append(
            f"<div class='card'><div class='v'>{escape(fmt(key, o.get(key)))}</div>"
            f"<div class='l'>{escape(metric.label)}</div><div class='p'>{escape(metric.plain)}</div></div>"
        )
    parts.append("</div>")
    for title, groups in (("By question type", m["by_category"]), ("By case", m["by_case"])):
        parts += [f"<h2>{title}</h2>", group_chart(title, groups), _group_table_html(groups)]
    rows = compare_rows(m)
    if len(rows) > 1:
        parts += [
            "<h2>Retrieval configurations compared</h2>",
            f"<p>{escape(winner_sentence(rows))}</p>",
            compare_chart(rows),
            _compare_table_html(rows, m.get("compare") or {}),
        ]
    parts += [_worst_html(page), _definitions_html(), f"<p class='small'>{escape(cross_check(m))}</p>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def _gate_html(gate: list[dict[str, Any]]) -> str:
    if not gate:
        return ""
    failed = [g for g in gate if not g["passed"]]
    if not failed:
        return f"<div class='gate pass'>All {len(gate)} quality checks pass.</div>"
    items = ", ".join(
        f"{label(g['metric'])} {fmt(g['metric'], g['value'])} "
        f"({'at least' if g['kind'] == 'min' else 'at most'} {fmt(g['metric'], g['bound'])})"
        for g in failed
    )
    return f"<div class='gate fail'>{len(failed)} of {len(gate)} quality checks fail: {escape(items)}</div>"


def _group_table_html(groups: dict[str, dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(label(k))}</th>" for k in GROUP_COLUMNS)
    body = "".join(
        f"<tr><td>{escape(name)}</td><td class='n'>{g['items']}</td>"
        + "".join(f"<td class='n'>{escape(fmt(k, g.get(k)))}</td>" for k in GROUP_COLUMNS)
        + "</tr>"
        for name, g in groups.items()
    )
    return f"<table><tr><th></th><th>Questions</th>{head}</tr>{body}</table>"


def _compare_table_html(rows: list[tuple[str, dict[str, Any]]], compare: dict[str, Any]) -> str:
    keys = COMPARE_COLUMNS
    best = {k: max((fmt(k, o.get(k), True) for _, o, _ in rows), key=lambda v: _number(v)) for k in keys}
    head = "".join(f"<th>{escape(label(k))}</th>" for k in keys)
    body = ""
    for name, o, _ in rows:
        description = compare.get(name.split(" (=")[0], {}).get("description", "")
        shown = {k: fmt(k, o.get(k), True) for k in keys}
        cells = "".join(
            f"<td class='n{' best' if shown[k] == best[k] else ''}'>{escape(shown[k])}</td>" for k in keys
        )
        body += (
            f"<tr><td><b>{escape(name)}</b><div class='small'>{escape(description)}</div></td>{cells}</tr>"
        )
    return f"<table><tr><th>Configuration</th>{head}</tr>{body}</table><p class='small'>Best in bold.</p>"


def _number(text: str) -> float:
    try:
        return float(text.rstrip("%"))
    except ValueError:
        return float("-inf")


def _worst_html(page: Page) -> str:
    out = [
        "<h2>Questions answered worst</h2>",
        "<p class='small'>Lowest first: wrong decisions to decline, then answerable questions by the mean "
        "of evidence found (top 5), evidence cited and key points covered.</p>",
        "<table><tr><th>Question</th><th>Answer and citations</th><th>Expected</th></tr>",
    ]
    for item, result, row in worst(page):
        history = " <span class='small'>(follow-up)</span>" if item.history else ""
        expected = item.reference_answer or ("(should decline)" if not item.answerable else "")
        cites = "".join(
            f"<div class='quote'>[{c['n']}] {escape(c['case'])}, {escape(c['section'] or c['title'])}: "
            f"&ldquo;{escape(' '.join(c['quote'].split()))}&rdquo;</div>"
            for c in result.get("citations", [])
        )
        out.append(
            f"<tr><td><b>{escape(item.id)}</b> <span class='small'>{escape(item.category)}</span>{history}"
            f"<div>{escape(item.question)}</div><div class='small'>{escape(verdict(row))}</div></td>"
            f"<td><div class='answer'>{escape(result.get('answer', ''))}</div>{cites}</td>"
            f"<td>{escape(expected)}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _definitions_html() -> str:
    rows = "".join(
        f"<tr><td><b>{escape(m.label)}</b><div class='small'>{escape(m.key)}</div></td>"
        f"<td>{escape(m.definition)}</td></tr>"
        for m in METRICS.values()
    )
    return f"<h2>How each number is computed</h2><table>{rows}</table>"


def render_markdown(page: Page) -> str:
    from rag.eval.report.markdown import render_markdown as render

    return render(page)
