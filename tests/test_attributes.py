"""Picking reviews by who the child was: rules on sentences written for these tests, and an
engine over made-up reviews answering from their cards."""

from __future__ import annotations

import pytest

from rag.answer.attributes import ATTRIBUTES, age_in_years, asked_attributes, child_died, describe
from rag.answer.engine import Engine
from rag.ingest import ingest


@pytest.mark.parametrize(
    "text, years",
    [
        ("He was an 18-month-old boy.", 1.5),
        ("The girl, aged 15, was excluded.", 15),
        ("She was aged nine weeks at the time.", 9 / 52),
        ("a three year old child", 3),
        ("The family moved in 2015.", None),
    ],
)
def test_ages_in_words_and_digits(text, years):
    got = age_in_years(text)
    assert (got is None) if years is None else got == pytest.approx(years)


@pytest.mark.parametrize(
    "question, topic, key",
    [
        ("Which reviews are about a child who died?", ["child", "died"], "died"),
        (
            "which of these cases concern teenagers rather than babies?",
            ["teenagers", "rather", "babies"],
            "teenager",
        ),
        ("list the reviews about babies", ["list", "babies"], "baby"),
        ("what reviews involve toddlers", ["toddlers"], "young_child"),
        ("which reviews about babies mention bruising?", ["babies", "bruising"], None),  # the passages answer
        ("what did the review about the baby recommend?", ["baby", "recommend"], None),  # not "which reviews"
    ],
)
def test_which_attribute_a_question_picks_reviews_by(question, topic, key):
    attributes = asked_attributes(question, topic)
    assert (attributes[0].key if attributes else None) == key and len(attributes) <= 1


def test_a_question_naming_several_attributes_wants_them_all():
    attributes = asked_attributes("which reviews are about baby girls who died?", ["baby", "girls", "died"])
    assert [a.key for a in attributes] == ["baby", "girl", "died"]  # in the order asked
    assert describe(attributes) == "a baby girl who died"
    by_key = {a.key: a for a in ATTRIBUTES}
    assert describe([by_key["teenager"]]) == "a teenager" and describe([by_key["died"]]) == "a child who died"


def test_a_death_is_the_reviews_own_child_and_not_denied():
    assert child_died("Child W died in hospital two days later.", "Child W")
    assert child_died("The baby died at home in the spring.", "Child W")
    assert not child_died("A review is required when a child has died or been seriously harmed.", "Child W")
    assert not child_died("Child W was not a child who had died, but one who harmed others.", "Child W")


def _review(board: str, label: str, story: str) -> str:
    return f"# {board} Safeguarding Children Partnership: Serious Case Review, {label}\n\n## Summary\n\n{story}\n"


def test_which_reviews_concern_a_baby_or_a_death_is_answered_from_the_cards(settings, fake_embedder):
    settings.corpus_dir.mkdir()
    reviews = {
        "vale.md": _review("Vale", "Child W", "Child W was a baby girl aged four months when she died at home. "
                           "The health visitor had seen her twice."),
        "dale.md": _review("Dale", "Child T", "Child T was a boy aged 15 when he was excluded from school. "
                           "He went missing from home several times."),
    }  # fmt: skip
    for name, text in reviews.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    ingest(settings, embedder=fake_embedder)
    engine = Engine.load(settings, embedder=fake_embedder)
    for question, wanted in [
        ("which reviews are about babies?", "Child W"),
        ("which reviews are about a child who died?", "Child W"),
        ("which reviews concern teenagers?", "Child T"),
        ("which reviews are about a baby who died?", "Child W"),
    ]:
        answer = engine.answer(question)
        assert answer.generator == "cards", (question, answer.reason)
        assert {c.case.split(" (")[0] for c in answer.citations} == {wanted}, (question, answer.answer)
        assert answer.answer.startswith("1 of the 2 reviews")


def test_why_a_review_was_held_is_answered_with_what_happened_from_its_card(settings, fake_embedder):
    settings.corpus_dir.mkdir()
    story = (
        "Child W was a baby girl aged four months when she died at home. The health visitor saw her twice."
    )
    (settings.corpus_dir / "vale.md").write_text(_review("Vale", "Child W", story), encoding="utf-8")
    ingest(settings, embedder=fake_embedder)
    engine = Engine.load(settings, embedder=fake_embedder)
    answer = engine.answer("why was the Vale review held?")
    assert answer.generator == "cards" and not answer.abstained, answer.reason
    assert [c.quote for c in answer.citations] == [story.split(". ")[0] + "."]
    assert engine.answer("why was the Vale review not published?").generator != "cards"
    assert engine.answer("why was the Vale review commissioned").generator == "cards"
    # Asking why the review said something is a question about the review's text.
    assert engine.answer("why did the Vale review blame the health visitor?").generator != "cards"
