"""The evaluation report as Markdown: the same sections as the HTML page, without charts."""

from __future__ import annotations

from html import escape
from typing import Any

from rag.eval.metrics import COMPARE_COLUMNS, GROUP_COLUMNS, HEADLINE, METRICS, fmt
from rag.eval.report.html import (
    Page,
    compare_rows,
    cross_check,
    label,
    settings_line,
    verdict,
    winner_sentence,
    worst,
)


def _md(text: Any) -> str:
    """A table cell: pipes escaped, line breaks as <br>, markup characters neutralised."""
    text = escape(str(text), quote=False).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return "<br>".join(line for line in text.splitlines() if line.strip()) or " "


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def render_markdown(page: Page) -> str:
    m = page.metrics
    o = m["overall"]
    out = [
        "# Evaluation report",
        "",
        f"{o['items']} test questions ({o['answerable']} answerable, {o['unanswerable']} to decline) "
        f"from `{m['gold']}`, run {m['generated']}.",
        "",
        settings_line(m["settings"]),
        "",
    ]
    failed = [g for g in m.get("gate") or [] if not g["passed"]]
    if m.get("gate"):
        out += [f"**Quality gate:** {len(m['gate']) - len(failed)} of {len(m['gate'])} checks pass.", ""]
    out += ["## Headline numbers", ""]
    out += _md_table(
        ["Metric", "Value", "What it means"],
        [[_md(label(k)), fmt(k, o.get(k)), _md(METRICS[k].plain)] for k in HEADLINE],
    )
    for title, groups in (("By question type", m["by_category"]), ("By case", m["by_case"])):
        out += [f"## {title}", ""]
        out += _md_table(
            ["", "Questions", *[_md(label(k)) for k in GROUP_COLUMNS]],
            [
                [_md(n), str(g["items"]), *[fmt(k, g.get(k)) for k in GROUP_COLUMNS]]
                for n, g in groups.items()
            ],
        )
    rows = compare_rows(m)
    if len(rows) > 1:
        keys = COMPARE_COLUMNS
        out += ["## Retrieval configurations compared", "", winner_sentence(rows), ""]
        out += _md_table(
            ["Configuration", *[_md(label(k)) for k in keys]],
            [[_md(name), *[fmt(k, ov.get(k), True) for k in keys]] for name, ov, _ in rows],
        )
    out += ["## Questions answered worst", ""]
    out += _md_table(
        ["Question", "Answer", "Citations", "Expected"],
        [
            [
                _md(f"{item.id} ({item.category}): {item.question} — {verdict(row)}"),
                _md(result.get("answer", "")),
                _md(
                    "\n".join(
                        f"[{c['n']}] {' '.join(c['quote'].split())}" for c in result.get("citations", [])
                    )
                ),
                _md(item.reference_answer or "(should decline)"),
            ]
            for item, result, row in worst(page)
        ],
    )
    out += ["## How each number is computed", ""]
    out += _md_table(
        ["Metric", "Definition"], [[_md(f"{x.label} ({x.key})"), _md(x.definition)] for x in METRICS.values()]
    )
    out.append(cross_check(m))
    return "\n".join(out)
