"""The example questions on the real corpus with the real model, Chroma and BM25."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rag import prompts
from rag.answer.extractive.model import PACKAGED_MODEL, load_model

# On the session's real index (`real_engine` in conftest.py): building it takes 15 s or more.
pytestmark = [pytest.mark.integration, pytest.mark.slow]


EVAL = Path(__file__).resolve().parent.parent / "eval"


def _text(answer) -> str:
    return " ".join(answer.answer.split()).lower()


def test_consultation_in_case_s(real_engine):
    """The anonymous consultation, the child not named, the advice, the differing
    recollections and why it was not effective."""
    answer = real_engine.answer("what went wrong with the consultation in Case S")
    text = _text(answer)
    assert not answer.abstained
    assert "anonymous consultation" in text and "child not named" in text
    assert "advice" in text
    assert "recollect" in text or "quite different" in text
    assert "not effective" in text
    assert {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)"}


def test_which_reviews_mention_over_optimism(real_engine):
    answer = real_engine.answer("which reviews mention over-optimism?")
    cited = {c.doc_id for c in answer.citations}
    # The reviews that discuss over-optimism, as hand-labelled from the documents.
    labels = [json.loads(line) for line in (EVAL / "themes.jsonl").read_text().splitlines() if line.strip()]
    discuss = {row["document"] for row in labels if row["theme"] == "over_optimism" and row["present"]}
    assert len(cited & discuss) >= 4 and cited <= discuss, cited
    assert f"{len(cited)} of the {len(real_engine.insights.cards)} reviews" in answer.answer


def test_a_fact_asked_about_a_theme_word_is_not_answered_with_the_theme_list(real_engine):
    """"Stepfather" is a word of the hidden-men theme, but the question asks who was convicted."""
    answer = real_engine.answer("in which reviews was the stepfather convicted or sentenced, and for what?")
    assert answer.generator != "cards", answer.reason
    assert real_engine.answer("which reviews discuss hidden men?").generator == "cards"


def test_follow_up_about_recommendations(real_engine):
    first = real_engine.answer("what went wrong with the consultation in Case S")
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}]
    answer = real_engine.answer("and what did the board recommend about that?", history=history)
    assert not answer.abstained and {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)"}
    assert "consultations" in _text(answer) and "not named" in _text(answer)


@pytest.mark.parametrize(
    "question",
    [
        "How old was the Calderdale child when they died?",
        "how long was child S's stepfather jailed for",
        "What did the Child P serious case review find?",
        "What is the capital of France?",
        "What do the reviews say about climate change?",
        "what about knife crime in the reviews",
        "what did the review say about the family's pet dog",
    ],
)
def test_unanswerable_questions_abstain(real_engine, question):
    answer = real_engine.answer(question)
    assert answer.abstained and answer.answer.startswith(prompts.ABSTAIN)


def test_child_j_fracture_opinion(real_engine):
    answer = real_engine.answer(
        "why was there a delay in deciding whether Child J's fracture was non-accidental?"
    )
    text = _text(answer)
    assert not answer.abstained and {c.case for c in answer.citations} == {"Child J (Warwickshire, 2017)"}
    assert "consultant" in text or "strategy meeting" in text


def test_the_mission_question_typed_in_a_hurry_gets_the_same_passages(real_engine):
    """Slips of the keys and chat shorthand are read as meant, and the answer says so."""
    clean = real_engine.answer("what went wrong with the consultation in Case S")
    typed = real_engine.answer("wat went wrong with the consltation in case s")
    assert not typed.abstained
    assert typed.question == "wat went wrong with the consltation in case s"
    assert typed.understood_as == "what went wrong with the consultation in case s"
    assert typed.answer.startswith(prompts.UNDERSTOOD_AS.format(text=typed.understood_as))
    assert {c.quote for c in typed.citations} == {c.quote for c in clean.citations}
    assert clean.understood_as == "" and not clean.answer.startswith("Showing")


def test_a_misspelt_place_reaches_its_review(real_engine):
    answer = real_engine.answer("what did the norflok review recomend")
    assert not answer.abstained
    assert {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)"}


@pytest.mark.parametrize(
    ("question", "review"),
    [
        ("case s consultation", "Case S (Norfolk, 2017)"),
        ("child s consultation", "Case S (Norfolk, 2017)"),
        ("norflok consultation with the MASH", "Case S (Norfolk, 2017)"),
        ("the warwickshire scr findings", "Child J (Warwickshire, 2017)"),
        ("the warwickshre scr findings", "Child J (Warwickshire, 2017)"),
        ("leicester review recs", "Child F (Leicester, Leicestershire and Rutland, 2009)"),
        ("leicster review recs", "Child F (Leicester, Leicestershire and Rutland, 2009)"),
        ("derbyshrie child h injuries", "Child H (Derbyshire, 2009)"),
    ],
)
def test_routing_tolerates_slips(real_engine, question, review):
    query = real_engine.analyse(question)
    assert query.case_names == [review] and not query.unknown_cases


def test_every_citation_says_why_it_was_chosen(real_engine):
    """The hand-set scorer's parts add up to the score, before the shape factor."""
    answer = real_engine.answer("what went wrong with the consultation in Case S")
    assert answer.citations
    for citation in answer.citations:
        why = dict(citation.to_dict()["why"])
        shape = why.pop("shape")
        assert {"cosine", "topic_words", "cue", "passage_rank", "section_fit"} == set(why)
        assert sum(why.values()) * shape == pytest.approx(citation.score, abs=1e-3)


def test_the_learned_scorer_says_why_too(real_index):
    """The packaged model: its features' log-odds add up to the score's, before the shape."""
    from rag.answer.engine import Engine

    settings = real_index.model_copy(
        update={"answer": real_index.answer.model_copy(update={"scorer": "learned"})}
    )
    answer = Engine.load(settings, warm_up=False).answer(
        "what did the Child J review recommend about strategy meetings?"  # not the card's whole list
    )
    assert answer.citations and not answer.abstained
    for citation in answer.citations:
        why = dict(citation.to_dict()["why"])
        shape = why.pop("shape")
        model = load_model(PACKAGED_MODEL)
        p = citation.score / shape
        log_odds = math.log(p / (1 - p)) * model.temperature
        assert {"intercept", "cosine", "heading_words", "passage_rank"} <= set(why)
        assert sum(why.values()) == pytest.approx(log_odds, abs=2e-2)
