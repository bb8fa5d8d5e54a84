"""The sentence scorers, fitting them, and the train/test split of a gold set."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.answer.extractive.features import FEATURES, INDEX, LEARNED
from rag.answer.extractive.model import PACKAGED_MODEL, HandScorer, LearnedScorer, load_model
from rag.eval.fit import Rows, about_review, fit, training_items
from rag.eval.gold import TEST_SHARE, GoldError, GoldItem, in_split, splits
from rag.settings import AnswerSettings


def _row(**values: float) -> np.ndarray:
    row = np.zeros(len(FEATURES))
    for name, value in values.items():
        row[INDEX[name]] = value
    return row


def _scorer(**weights: float) -> LearnedScorer:
    n = len(LEARNED)
    coef = np.array([weights.get(name, 0.0) for name in LEARNED])
    return LearnedScorer(LEARNED, np.zeros(n), np.ones(n), coef, -1.0, 0.5, 0.7, 4)


def test_a_learned_score_rises_with_a_positively_weighted_feature():
    scorer = _scorer(cosine=2.0, shape=0.5)
    low, high, fragment = scorer.score(
        np.vstack([_row(cosine=0.1, shape=1), _row(cosine=0.9, shape=1), _row(cosine=0.9, shape=0.4)])
    )
    assert 0 < low < high < 1 and fragment == pytest.approx(0.4 * high)


def test_why_adds_up_to_the_score():
    scorer = _scorer(cosine=2.0, topic_words=1.0, passage_rank=-0.5)
    row = _row(cosine=0.7, topic_words=0.5, passage_rank=1.0, shape=0.5)
    why = scorer.why(row)
    shape = why.pop("shape")
    probability = float(scorer.score(row[None, :])[0]) / shape  # a fragment's score is cut
    assert shape == 0.5
    assert sum(why.values()) == pytest.approx(math.log(probability / (1 - probability)), abs=1e-3)
    assert why["cosine"] == pytest.approx(1.4) and why["passage_rank"] == pytest.approx(-0.5)


def test_a_model_file_round_trips_and_a_bad_one_names_itself(tmp_path):
    scorer = _scorer(cosine=1.5)
    again = LearnedScorer.from_json(scorer.to_json())
    rows = np.vstack([_row(cosine=0.2), _row(cosine=0.8)])
    assert np.allclose(again.score(rows), scorer.score(rows)) and again.max_sentences == 4
    bad = tmp_path / "model.json"
    bad.write_text('{"features": ["cosine", "moon_phase"]}')
    with pytest.raises(ValueError, match=r"model\.json.*moon_phase"):
        load_model(bad)


def test_the_packaged_model_loads_and_says_what_it_was_fitted_on():
    model = load_model(PACKAGED_MODEL)
    assert model.fitted["split"] == "train" and model.fitted["positives"] > 0
    assert set(model.features) <= set(FEATURES)
    assert 0 < model.abstain_below < 1 and 0 < model.relative_floor <= 1


def test_the_hand_scorer_is_the_weighted_sum_it_always_was():
    s = AnswerSettings()
    row = _row(
        cosine=0.6, topic_words=0.25, heading_words=1.0, cue=1.0, passage_rank=0.5, section_fit=1.0, shape=0.8
    )
    lexical = max(0.25, 1.0 * s.heading_share)
    expected = (
        s.dense_weight * 0.6
        + s.lexical_weight * lexical
        + s.cue_weight
        + s.passage_weight * 0.5
        + s.section_weight
    ) * 0.8
    assert HandScorer(s).score(row[None, :])[0] == pytest.approx(expected)


def test_fitting_learns_which_feature_marks_the_quoted_sentences():
    rng = np.random.default_rng(7)
    features, labels, per_question = [], [], []
    for _ in range(40):
        rows = []
        for is_evidence in (1, 0, 0, 0, 0):
            row = _row(
                cosine=rng.normal(0.6 if is_evidence else 0.3, 0.1), length=rng.normal(3, 0.5), shape=1
            )
            rows.append(row)
            features.append(row)
            labels.append(is_evidence)
        per_question.append(np.vstack(rows))
    scorer = fit(Rows(features, labels, per_question), {"split": "train"})
    weights = scorer.weights()
    assert weights["cosine"] > 1.0 and abs(weights["length"]) < 0.5
    best = [scorer.score(q).max() for q in per_question]
    assert scorer.abstain_below <= np.quantile(best, 0.05)


def _item(item_id: str, category: str = "factual", **extra) -> GoldItem:
    return GoldItem.model_validate(
        {"id": item_id, "question": "q?", "category": category, "answerable": True, **extra}
    )


def test_the_split_is_stratified_and_the_same_every_time():
    items = [_item(f"{cat}-{i}", cat) for cat in ("factual", "cross_case", "unanswerable") for i in range(20)]
    assigned = splits(items)
    assert assigned == splits(list(reversed(items)))  # order of the file does not matter
    for cat in ("factual", "cross_case", "unanswerable"):
        held_out = sum(assigned[f"{cat}-{i}"] == "test" for i in range(20))
        assert held_out == round(20 * TEST_SHARE)
    assert {i.id for i in in_split(items, "test")} | {i.id for i in in_split(items, "train")} == {
        i.id for i in items
    }
    with pytest.raises(GoldError, match="unknown split"):
        in_split(items, "validation")


def test_a_held_out_review_teaches_nothing():
    about = _item("a", evidence=[{"doc": "kent.pdf", "quote": "x"}])
    named = _item("b", cases=["Child K"])
    listed = _item("c", category="cross_case", reviews=["kent.pdf", "york.pdf"])
    other = _item("d", evidence=[{"doc": "york.pdf", "quote": "y"}])
    labels = {"kent.pdf": "Child K", "york.pdf": "Child Y"}
    assert [about_review(i, "kent.pdf", labels) for i in (about, named, listed, other)] == [
        True,
        True,
        True,
        False,
    ]
    assert [i.id for i in training_items([about, named, listed, other], "kent.pdf", labels)] == ["d"]
