"""The report: SVG bars say what the numbers say, text is escaped, nothing is fetched."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from rag.eval.report import charts
from rag.eval.report import html as report
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


def _page(with_compare: bool = False) -> report.Page:
    hostile = item(id="bad-1", question=HOSTILE, reference_answer=HOSTILE)
    items = [item(id="good-1"), hostile]
    results = [
        {"id": "good-1", **answer()},
        {"id": "bad-1", **answer(answer=HOSTILE, citations=[{**answer()["citations"][0], "quote": HOSTILE}])},
    ]
    rows = [score_item(i, r) for i, r in zip(items, results, strict=True)]
    overall = summarise(rows)
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
        "by_category": by_category(rows),
        "by_case": by_case(rows),
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
    return report.Page(metrics, results, rows, items)


def test_html_escapes_every_text_and_needs_nothing_from_outside():
    html = report.render_html(_page(with_compare=True))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count("<svg") == 3  # by question type, by case, configurations compared
    assert "All 1 quality checks pass." in html
    for metric in ("Evidence found (top 5)", "Evidence read in 500 words", "Citations on point"):
        assert metric in html


def test_worst_items_come_first_with_question_answer_and_citations():
    page = _page()
    assert [i.id for i, _, _ in report.worst(page)] == ["bad-1", "good-1"]
    html = report.render_html(page)
    table = html[html.index("Questions answered worst") :]
    assert table.index("bad-1") < table.index("good-1")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in table  # question, answer, quote


def test_compare_names_the_winner_and_hides_the_duplicate_current_row():
    page = _page(with_compare=True)
    rows = report.compare_rows(page.metrics)
    assert [row.name for row in rows] == ["bm25-only", "hybrid-rerank (= current settings)"]
    sentence = report.winner_sentence(rows)
    assert sentence.startswith("hybrid-rerank (= current settings) finds the most evidence")
    assert "50.0% against 20.0% for bm25-only" in sentence
    # 40 questions each 0.3 better: no sign flip reaches the observed mean except all-positive.
    assert "is unlikely to be chance (p = 0.00, paired permutation test over 40 questions)" in sentence
    assert "cites the most" not in sentence  # equal citation recall: no second winner named
    rows = [row._replace(per_item={"a": 0.5, "b": 0.5}) for row in rows]
    rows[0] = rows[0]._replace(per_item={"a": 0.2, "b": 0.2})
    assert "could well be chance (p = 0.5" in report.winner_sentence(rows)
    assert "Retrieval configurations compared" in report.render_html(page)
    assert "Retrieval configurations compared" not in report.render_html(_page())


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
    md = report.render_markdown(_page(with_compare=True))
    assert "## Headline numbers" in md and "## Retrieval configurations compared" in md
    worst_rows = [line for line in md.splitlines() if line.startswith("| bad-1") or "bad-1 (" in line]
    assert worst_rows and all(line.count(" | ") == 3 for line in worst_rows)  # pipes inside cells escaped
    assert "<script>" not in md


def test_report_says_whether_ir_measures_agrees():
    page = _page()
    page.metrics["ir_measures"] = {
        "mrr": page.metrics["overall"]["mrr"],
        "hit@5": page.metrics["overall"]["hit@5"],
    }
    assert "it agrees with ours" in report.render_html(page)
    page.metrics["ir_measures"]["mrr"] = 0.123
    assert "it DIFFERS from ours" in report.render_markdown(page)
