"""Weighted reciprocal rank fusion and the spread across cases, on worked examples."""

from rag.retrieve import fuse, spread_across_cases
from rag.types import Hit, Passage


def _passage(pid: str, case: str = "Case S") -> Passage:
    return Passage(pid, "d", "t", case, "b", None, None, None, "", None, 0, 1, pid, 0)


PASSAGES = {p: _passage(p) for p in "abcd"}


def test_rrf_scores_match_the_formula():
    hits = fuse([(["a", "b"], 1.0), (["b", "c"], 0.5)], PASSAGES, rrf_k=60)
    scores = {h.passage.id: h.score for h in hits}
    assert abs(scores["a"] - 1 / 61) < 1e-12
    assert abs(scores["b"] - (1 / 62 + 0.5 / 61)) < 1e-12
    assert abs(scores["c"] - 0.5 / 62) < 1e-12
    assert [h.passage.id for h in hits] == ["b", "a", "c"]
    b = next(h for h in hits if h.passage.id == "b")
    assert (b.dense_rank, b.bm25_rank) == (2, 1)


def test_zero_weight_ignores_a_ranking():
    hits = fuse([(["a"], 0.0), (["c", "d"], 1.0)], PASSAGES, rrf_k=60)
    assert [h.passage.id for h in hits][:2] == ["c", "d"]


def test_spread_puts_every_case_near_the_top():
    hits = [Hit(_passage(f"s{i}", "Case S"), 1 - i / 10) for i in range(5)]
    hits += [Hit(_passage("h0", "Child H"), 0.2), Hit(_passage("f0", "Child F"), 0.1)]
    spread, head = spread_across_cases(hits, per_case=2)
    assert [h.passage.id for h in spread[:3]] == ["s0", "h0", "f0"]
    assert head == 4 and {h.passage.id for h in spread} == {h.passage.id for h in hits}
