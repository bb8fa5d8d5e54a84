"""Every metric on hand-made Answer JSON, with the expected values worked out by hand."""

from __future__ import annotations

import json
import random
import statistics

import numpy as np
import pytest

from rag.eval.gold import GoldError, GoldItem, load_gold
from rag.eval.metrics import (
    COMPARE_SERIES,
    HEADLINE,
    METRICS,
    ThresholdError,
    check,
    fmt,
    ir_measures_check,
    load_thresholds,
)
from rag.eval.score import (
    BUDGET_KEY,
    budget_texts,
    by_case,
    by_review,
    contains,
    score_item,
    summarise,
)
from rag.eval.stats import percentile

Q1 = "The childminder phoned the MASH for an anonymous consultation."  # 9 words
Q2 = "No referral was made to children's social care after the bruising."  # 11 words
C2 = "The stepfather was two years older than the mother and worked nights."  # 12 words
C3 = "The weather that winter was unusually cold."  # 7 words


def item(**overrides) -> GoldItem:
    data = {
        "id": "s-1",
        "question": "what went wrong with the consultation in Case S",
        "category": "what_went_wrong",
        "cases": ["Case S"],
        "answerable": True,
        "reference_answer": "",
        "key_points": ["phoned the MASH anonymously", "stepfather worked nights"],
        "evidence": [{"doc": "norfolk.md", "quote": Q1}, {"doc": "norfolk.md", "quote": Q2}],
        "history": [],
    }
    return GoldItem.model_validate({**data, **overrides})


def passage(pid: str, text: str) -> dict:
    return {"id": pid, "text": text}


def cite(n: int, quote: str) -> dict:
    return {"n": n, "quote": quote, "doc_id": "d", "case": "Case S", "section": "", "title": "t"}


def answer(**overrides) -> dict:
    """Retrieved: p1 (50 words, no evidence), p2 (300 words, holds Q1), p3 (100 words, none),
    p4 (71 words, Q2 at its end). Cited: Q1 itself, C2 (a key point's words) and C3 (padding)."""
    data = {
        "answer": "The childminder phoned the MASH anonymously [1]. The weather was cold [3].",
        "abstained": False,
        "latency_ms": 100.0,
        "retrieved": [
            passage("p1", " ".join(["background"] * 50)),
            passage("p2", Q1 + " " + " ".join(["context"] * 291)),
            passage("p3", " ".join(["other"] * 100)),
            passage("p4", " ".join(["intro"] * 60) + " " + Q2),
        ],
        "citations": [cite(1, Q1), cite(2, C2), cite(3, C3)],
    }
    return {**data, **overrides}


def test_contains_is_verbatim_modulo_whitespace_and_case_or_a_60_percent_run():
    assert contains(
        "Earlier text. THE CHILDMINDER phoned\n the MASH for an anonymous consultation. More.", Q1
    )
    # Q1 has 62 characters; its first 40 ("The childminder phoned the MASH for an a") are 65% of it.
    assert contains("The childminder phoned the MASH for an a", Q1)
    # 31 characters ("The childminder phoned the MASH") is exactly half: not enough.
    assert not contains("The childminder phoned the MASH", Q1)
    assert not contains("anything", "")


def test_word_budget_cuts_the_retrieved_list_after_500_words():
    texts = [r["text"] for r in answer()["retrieved"]]
    cut = budget_texts(texts)
    # 50 + 300 + 100 = 450 words, so only the first 50 words of p4 fit: Q2 (at its end) does not.
    assert [len(t.split()) for t in cut] == [50, 300, 100, 50]
    assert budget_texts(texts, 60) == [texts[0], " ".join(texts[1].split()[:10])]


def test_worked_example_of_every_per_item_metric():
    row = score_item(item(), answer()).to_dict()  # as written to scores.jsonl
    assert row["first_hit"] == 2 and row["rr"] == 0.5
    assert [row[f"hit@{k}"] for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    # Q1 is in p2 (rank 2), Q2 in p4 (rank 4).
    assert [row[f"evidence_recall@{k}"] for k in (1, 3, 5)] == [0.0, 0.5, 1.0]
    assert row[BUDGET_KEY] == 0.5  # Q2 lies beyond the first 500 words
    assert row["citation_recall"] == 0.5  # Q1 cited, Q2 not
    # Q1 overlaps evidence, C2 holds all stems of "stepfather worked nights", C3 supports nothing.
    assert row["citation_precision"] == pytest.approx(2 / 3)
    # "phoned the MASH anonymously" is in the answer text, "stepfather worked nights" is not.
    assert row["key_points"] == 0.5
    assert row["citations"] == 3 and row["cited_words"] == 9 + 12 + 7
    assert row["quality"] == pytest.approx((1.0 + 0.5 + 0.5) / 3, abs=1e-4)
    assert row["relevant_ranks"] == [2, 4] and row["retrieved_ids"] == ["p1", "p2", "p3", "p4"]


def test_scores_jsonl_rows_keep_their_keys_and_order():
    scores = score_item(item(), answer(error="RuntimeError: x"))
    assert list(scores.to_dict()) == [
        *("id", "category", "cases", "answerable", "abstained", "latency_ms"),
        *("citations", "cited_words", "answer_words", "error", "first_hit", "rr"),
        *("retrieved_ids", "relevant_ranks", "hit@1", "evidence_recall@1", "hit@3", "evidence_recall@3"),
        *("hit@5", "evidence_recall@5", "hit@10", "evidence_recall@10", BUDGET_KEY),
        *("citation_recall", "citation_precision", "key_points", "quality"),
    ]
    assert scores.error == "RuntimeError: x" and scores.quality == 0.0
    declined = score_item(item(answerable=False, evidence=[]), answer(abstained=True, citations=[]))
    assert list(declined.to_dict())[-2:] == ["answer_words", "quality"] and declined.retrieval is None


def test_evidence_is_matched_by_quote_text_whatever_the_document_is_called():
    renamed = item(evidence=[{"doc": "some-other-name.pdf", "quote": Q1}, {"doc": "x", "quote": Q2}])
    assert score_item(renamed, answer()) == score_item(item(), answer())


def test_unanswerable_and_abstained_items():
    declined = score_item(item(answerable=False, evidence=[]), answer(abstained=True, citations=[]))
    assert declined.quality == 1.0 and declined.retrieval is None and declined.citation_precision is None
    wrongly = score_item(item(), answer(abstained=True, citations=[], answer="The reviews don't say."))
    assert wrongly.quality == 0.0 and wrongly.citation_recall == 0.0
    assert wrongly.citation_precision is None  # no citations: precision is undefined, not 0


def test_summary_worked_example():
    rows = [
        score_item(item(id="a"), answer(latency_ms=100.0)),  # rr 1/2, answered
        score_item(  # evidence never retrieved and wrongly declined
            item(id="b"),
            answer(retrieved=[passage("x", "nothing here")], abstained=True, citations=[], latency_ms=300.0),
        ),
        score_item(item(id="c", answerable=False, evidence=[]), answer(abstained=True, latency_ms=200.0)),
        score_item(item(id="d", answerable=False, evidence=[]), answer(latency_ms=400.0)),
    ]
    m = summarise(rows)
    assert (m["items"], m["answerable"], m["unanswerable"]) == (4, 2, 2)
    assert m["mrr"] == 0.25 and m["hit@5"] == 0.5 and m["hit@1"] == 0.0
    assert m["evidence_recall@5"] == 0.5 and m[BUDGET_KEY] == 0.25
    assert m["citation_recall"] == 0.25  # (0.5 + 0) / 2
    assert m["citation_precision"] == 0.6667  # only item a has citations
    assert m["abstention_recall"] == 0.5  # c declined, d answered
    assert m["false_abstention_rate"] == 0.5  # b declined
    assert m["abstain_accuracy"] == 0.5  # a and c right, b and d wrong
    # Cited words: a 28 in 3 citations, c 28 in 3, d 28 in 3 (b cited nothing).
    assert m["words_per_citation"] == pytest.approx(84 / 9, abs=0.01)
    # Latencies 100, 200, 300, 400: the median is 250; the 95th percentile lies 0.95 x 3 = 2.85
    # ranks along, 85% of the way from 300 to 400.
    assert m["latency_p50_ms"] == 250.0 and m["latency_p95_ms"] == 385.0
    assert summarise([])["latency_p50_ms"] == 0.0


def test_percentile_agrees_with_the_median_and_with_numpy():
    rng = random.Random(3)
    for n in (1, 2, 5, 112):
        values = [rng.uniform(20, 400) for _ in range(n)]
        assert percentile(values, 50) == pytest.approx(statistics.median(values))
        for pct in (0, 1, 50, 95, 99, 100):
            assert percentile(values, pct) == pytest.approx(float(np.percentile(values, pct))), (n, pct)
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 99.5)


def test_every_described_metric_is_computed_and_every_view_is_drawn_from_the_descriptions():
    computed = summarise([score_item(item(), answer())])
    assert set(METRICS) <= set(computed)  # answer_words and the counts have no description
    assert HEADLINE[:2] == ("hit@5", "mrr") and "abstain_accuracy" not in HEADLINE
    assert "mrr" not in COMPARE_SERIES  # the compare chart is on a 0-100% axis
    assert [fmt("hit@5", 0.9368), fmt("hit@5", 0.9368, True), fmt("mrr", 0.81)] == ["94%", "93.7%", "0.81"]
    assert [fmt("latency_p50_ms", 1234.0), fmt("words_per_citation", 23.5), fmt("mrr", None)] == [
        "1.2 s",
        "24 words",
        "n/a",
    ]


def test_groups_by_case_count_multi_case_items_in_each():
    rows = [
        score_item(item(id="a", cases=["Case S", "Child H"]), answer()),
        score_item(item(id="b", cases=[]), answer()),
    ]
    groups = by_case(rows)
    assert set(groups) == {"Case S", "Child H", "(no case named)"}
    assert groups["Child H"]["items"] == 1 and groups["(no case named)"]["items"] == 1


def test_groups_by_review_tell_same_label_reviews_apart_by_document():
    quote = {"doc": "b.pdf", "quote": Q1}
    rows = [
        score_item(item(id="a", cases=["Child A"], reviews=["a.pdf"]), answer()),
        score_item(item(id="b", cases=["Child A"], evidence=[quote]), answer()),
        score_item(item(id="c", cases=["Child A"], answerable=False, evidence=[]), answer()),
    ]
    groups = by_review(rows)
    assert set(groups) == {"a.pdf", "b.pdf"}  # the item about no document is left out
    assert groups["a.pdf"]["items"] == 1 and groups["b.pdf"]["items"] == 1


def test_own_mrr_and_hit_at_k_agree_with_ir_measures():
    rng = random.Random(7)
    rows = []
    for n in range(60):
        texts = [
            Q1 if rng.random() < 0.15 else f"passage {n} {i} unrelated" for i in range(rng.randint(0, 12))
        ]
        retrieved = [passage(f"q{n}-p{i}", t) for i, t in enumerate(texts)]
        rows.append(score_item(item(id=f"q{n}"), answer(retrieved=retrieved)))
    own, library = summarise(rows), ir_measures_check(rows)
    assert 0 < own["mrr"] < 1 and own["hit@10"] > own["hit@1"]  # a mix of hits, misses and ranks
    for key in ("mrr", "hit@1", "hit@3", "hit@5", "hit@10"):
        assert library[key] == pytest.approx(own[key], abs=1e-4), key


GOOD = {
    "id": "x-1",
    "question": "q?",
    "category": "factual",
    "cases": [],
    "answerable": True,
    "reference_answer": "",
    "key_points": [],
    "evidence": [{"doc": "d", "quote": "q"}],
    "history": [],
}


def test_malformed_gold_file_errors_name_file_line_and_field(tmp_path):
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "x-3"}),
        json.dumps(GOOD | {"id": "x-4", "evidence": [{"doc": "d"}]}),
        json.dumps(GOOD | {"id": "x-5", "answerable": "yes"}),
        json.dumps(GOOD),
        json.dumps(GOOD | {"id": "x-7", "history": [{"role": "system", "content": "hi"}]}),
        json.dumps(GOOD | {"id": "x-8", "answerable": None}),
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(GoldError) as caught:
        load_gold(path)
    problems = caught.value.problems
    assert problems[0].startswith(f"{path}:2: not valid JSON")
    assert f"{path}:3: field 'answerable': Field required" in problems
    assert any(p.startswith(f"{path}:4: field 'evidence[0].quote'") for p in problems)
    assert any(p.startswith(f"{path}:5: field 'answerable'") for p in problems)
    assert f"{path}:6: field 'id': 'x-1' already used on line 1" in problems
    assert any(p.startswith(f"{path}:7: field 'history[0].role'") for p in problems)
    assert any(p.startswith(f"{path}:8: field 'answerable'") and "needs review" in p for p in problems)
    assert len(problems) == 7


def test_gold_file_extra_fields_are_ignored_and_empty_file_is_an_error(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(GOOD | {"notes": "free text"}) + "\n\n")
    assert [i.id for i in load_gold(path)] == ["x-1"]
    path.write_text("\n")
    with pytest.raises(GoldError, match="no gold items"):
        load_gold(path)


def test_thresholds_gate_min_and_max_and_refuse_latency(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[min]\n"hit@5" = 0.9\nkey_points = 0.5\n[max]\nfalse_abstention_rate = 0.05\n')
    checks = check({"hit@5": 0.95, "key_points": None, "false_abstention_rate": 0.1}, load_thresholds(path))
    assert {c.metric: c.passed for c in checks} == {
        "hit@5": True,
        "key_points": False,  # not measured counts as a failure
        "false_abstention_rate": False,
    }
    path.write_text("[max]\nlatency_p95_ms = 3000\n")
    with pytest.raises(ThresholdError, match="not gated"):
        load_thresholds(path)
    path.write_text("[min]\nhit_at_5 = 0.9\n")
    with pytest.raises(ThresholdError, match="unknown metric"):
        load_thresholds(path)
