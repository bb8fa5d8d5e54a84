"""The report: SVG bars say what the numbers say, text is escaped, nothing is fetched."""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import replace

from rag.eval.report import charts
from rag.eval.report.context import build_report, worst_items
from rag.eval.report.render import TEMPLATES, md_cell, render_html, render_markdown
from rag.eval.report.sentences import compare_rows, winner_sentence
from rag.eval.score import by_case, by_category, score_item, summarise
from rag.eval.stats import paired_permutation_p

from .test_eval_metrics import answer, item

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> | *bold* & more"


def _bars(svg: str) -> list[float]:
    return [float(r.get("width")) for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("height") == "15"]


def test_bar_lengths_are_proportional_and_missing_values_say_na():
    svg = charts.bar_chart(
        "t", ["a", "b"], [("s1", [1.0, 0.5]), ("s2", [0.25, None])], width=880, label_width=210
    )
    plot_w = 880 - 210 - 70
    assert _bars(svg) == [plot_w, plot_w * 0.25, plot_w * 0.5]  # b/s2 is None: no bar
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "n/a" in texts and "50%" in texts and "25%" in texts and "100%" in texts


def test_chart_labels_are_escaped_and_the_svg_is_well_formed():
    svg = charts.bar_chart(HOSTILE, [HOSTILE], [(HOSTILE, [0.3])])
    root = ET.fromstring(svg)  # raises if escaping broke the markup
    assert HOSTILE in [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>" not in svg


class Page:
    """The inputs of a report: metrics.json, the Answer JSON, the scores and the gold items."""

    def __init__(self, metrics, results, scores, items):
        self.metrics, self.results, self.scores, self.items = metrics, results, scores, items

    def report(self):
        return build_report(self.metrics, self.results, self.scores, self.items)

    def html(self) -> str:
        return render_html(self.report())

    def markdown(self) -> str:
        return render_markdown(self.report())


def _page(with_compare: bool = False) -> Page:
    hostile = item(id="bad-1", question=HOSTILE, reference_answer=HOSTILE)
    items = [item(id="good-1"), hostile]
    results = [
        {"id": "good-1", **answer()},
        {"id": "bad-1", **answer(answer=HOSTILE, citations=[{**answer()["citations"][0], "quote": HOSTILE}])},
    ]
    scores = [score_item(i, r) for i, r in zip(items, results, strict=True)]
    overall = summarise(scores)
    settings = {
        "retrieve": {"dense_weight": 0.5, "bm25_weight": 1.0, "top_k": 12, "route_cases": True},
        "rerank": {"backend": "sentence"},
        "answer": {"max_sentences": 5, "max_words": 140},
    }
    metrics = {
        "gold": "eval/gold.jsonl",
        "generated": "2026-01-01T00:00:00+00:00",
        "settings": settings,
        "overall": overall,
        "by_category": by_category(scores),
        "by_case": by_case(scores),
        "gate": [{"metric": "hit@5", "value": 1.0, "bound": 0.9, "kind": "min", "passed": True}],
        "compare": {},
    }
    if with_compare:
        worse = {**overall, "evidence_recall@500w": 0.2, "mrr": 0.1}
        better_items = {f"q{i}": 0.5 for i in range(40)}
        worse_items = {f"q{i}": 0.2 for i in range(40)}
        metrics["compare"] = {
            "bm25-only": {"description": "BM25", "same_as": None, "overall": worse, "per_item": worse_items},
            "hybrid-rerank": {
                "description": "both",
                "same_as": "current",
                "overall": overall,
                "per_item": better_items,
            },
        }
    return Page(metrics, results, scores, items)


def test_html_escapes_every_text_and_needs_nothing_from_outside():
    html = _page(with_compare=True).html()
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count("<svg") == 3  # by question type, by case, configurations compared
    assert "All 1 quality checks pass." in html
    for metric in ("Evidence found (top 5)", "Evidence read in 500 words", "Citations on point"):
        assert metric in html


def test_failed_quality_checks_are_named_with_their_bounds():
    page = _page()
    page.metrics["gate"] = [
        {"metric": "hit@5", "value": 1.0, "bound": 0.9, "kind": "min", "passed": True},
        {"metric": "words_per_citation", "value": 31.0, "bound": 28.0, "kind": "max", "passed": False},
    ]
    assert "1 of 2 quality checks fail: Words per citation 31 words (at most 28 words)</div>" in page.html()
    assert "**Quality gate:** 1 of 2 checks pass." in page.markdown()
    page.metrics["gate"] = []
    assert "quality checks" not in page.html() and "Quality gate" not in page.markdown()


def test_worst_items_come_first_with_question_answer_and_citations():
    page = _page()
    assert [w.id for w in worst_items(page.results, page.scores, page.items)] == ["bad-1", "good-1"]
    html = page.html()
    table = html[html.index("Questions answered worst") :]
    assert table.index("bad-1") < table.index("good-1")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in table  # question, answer, quote
    assert "[1] Case S, t: &ldquo;&lt;script&gt;" in table


def test_compare_names_the_winner_and_hides_the_duplicate_current_row():
    page = _page(with_compare=True)
    rows = compare_rows(page.metrics)
    assert [row.name for row in rows] == ["bm25-only", "hybrid-rerank (= current settings)"]
    assert [row.description for row in rows] == ["BM25", "both"]
    sentence = winner_sentence(rows)
    assert sentence.startswith("hybrid-rerank (= current settings) finds the most evidence")
    assert "50.0% against 20.0% for bm25-only" in sentence
    # 40 questions each 0.3 better: no sign flip reaches the observed mean except all-positive.
    assert "is unlikely to be chance (p = 0.00, paired permutation test over 40 questions)" in sentence
    assert "cites the most" not in sentence  # equal citation recall: no second winner named
    rows = [replace(row, per_item={"a": 0.5, "b": 0.5}) for row in rows]
    rows[0] = replace(rows[0], per_item={"a": 0.2, "b": 0.2})
    assert "could well be chance (p = 0.5" in winner_sentence(rows)
    assert "Retrieval configurations compared" in page.html()
    assert "Retrieval configurations compared" not in _page().html()
    assert page.report().comparison is not None and _page().report().comparison is None


def test_the_best_configuration_is_found_from_the_numbers():
    page = _page(with_compare=True)
    overall = page.metrics["overall"]
    # Both show as 93.7%: only the higher number is the best. Not measured is never the best.
    page.metrics["compare"]["bm25-only"]["overall"] = {**overall, "hit@5": 0.9368, "abstention_recall": None}
    page.metrics["compare"]["hybrid-rerank"]["overall"] = {
        **overall,
        "hit@5": 0.9365,
        "abstention_recall": None,
    }
    table = page.report().comparison.table
    cells = {row.name: {v.key: v for v in row.values} for row in table.rows}
    bm25, hybrid = cells["bm25-only"], cells["hybrid-rerank (= current settings)"]
    assert bm25["hit@5"].text == hybrid["hit@5"].text == "93.7%"
    assert bm25["hit@5"].best and not hybrid["hit@5"].best
    assert bm25["hit@5"].number == 0.9368
    assert not bm25["abstention_recall"].best and bm25["abstention_recall"].text == "n/a"
    assert bm25["mrr"].best and hybrid["mrr"].best  # equal numbers: both the best
    html = page.html()
    assert html.count('class="n best">93.7%</td>') == 1


def test_paired_permutation_worked_examples():
    assert paired_permutation_p({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}) == (1.0, 2)  # mean diff 0
    # Diffs (1, 1): of the four sign patterns, (+,+) and (-,-) are as extreme as observed: p about 1/2.
    p, n = paired_permutation_p({"a": 1.0, "b": 1.0}, {"a": 0.0, "b": 0.0})
    assert n == 2 and 0.45 < p < 0.55
    assert paired_permutation_p({"a": 1.0}, {"z": 0.0}) == (1.0, 0)  # nothing paired
    # Diffs 0.1 x 20 and -0.1 x 20 and +0.4 (41 pairs, random resamples): the same p every time and
    # whatever order the ids come in.
    a = {f"q{i}": (0.6 if i < 20 else 0.4) for i in range(40)} | {"z": 0.9}
    b = {f"q{i}": 0.5 for i in range(40)} | {"z": 0.5}
    p, n = paired_permutation_p(a, b)
    assert n == 41 and 0.6 < p < 0.8  # about 0.69
    assert paired_permutation_p(dict(reversed(a.items())), b) == (p, 41)


def test_markdown_report_escapes_table_cells():
    md = _page(with_compare=True).markdown()
    assert md.startswith("# Evaluation report\n\n2 test questions (2 answerable, 0 to decline)")
    assert "## Headline numbers" in md and "## Retrieval configurations compared" in md
    worst_rows = [line for line in md.splitlines() if line.startswith("| bad-1") or "bad-1 (" in line]
    assert worst_rows and all(line.count(" | ") == 3 for line in worst_rows)  # pipes inside cells escaped
    assert "<script>" not in md
    assert "| Configuration | Evidence found (top 5) | Rank of first evidence (MRR) |" in md
    assert "| bm25-only | 100.0% | 0.100 | 20.0% |" in md


def test_markdown_cells_escape_markup_and_keep_line_breaks():
    assert md_cell("a | b *c* d_e <f>") == "a \\| b \\*c\\* d\\_e &lt;f&gt;"
    assert md_cell("one\n\n two") == "one<br> two"
    assert md_cell("") == " "


def test_report_says_whether_ir_measures_agrees():
    page = _page()
    page.metrics["ir_measures"] = {
        "mrr": page.metrics["overall"]["mrr"],
        "hit@5": page.metrics["overall"]["hit@5"],
    }
    assert "it agrees with ours" in page.html()
    page.metrics["ir_measures"]["mrr"] = 0.123
    assert "it DIFFERS from ours" in page.markdown()


def test_the_templates_ship_as_package_data():
    assert {p.name for p in TEMPLATES.glob("*.j2")} == {"report.html.j2", "report.md.j2"}
    pyproject = tomllib.loads((TEMPLATES.parents[3] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "report/templates/*.j2" in pyproject["tool"]["setuptools"]["package-data"]["rag.eval"]
