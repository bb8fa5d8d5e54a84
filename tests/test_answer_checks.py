"""The checks that chosen sentences answer what was asked, on sentences written for the test."""

from rag.answer.extractive.checks import asks_why, restates_question, unsupported_judgement
from rag.answer.extractive.scoring import holds_detail
from rag.asks import expected_detail


def test_a_sentence_that_only_names_the_thing_asked_about_restates_the_question():
    question = "what were the 'further concerns' raised at the strategy meeting in the Vale case"
    assert restates_question(question, ["Further concerns were also raised at the strategy meeting."])
    assert not restates_question(
        question, ["At the strategy meeting the school reported bruises on her arm."]
    )
    # One sentence that says what they were is enough.
    assert not restates_question(
        question,
        ["Further concerns were raised at the strategy meeting.", "The nursery had seen a burn on his hand."],
    )


def test_a_yes_no_question_is_answered_by_repeating_it():
    assert not restates_question("did the school raise concerns?", ["The school raised concerns."])
    assert not restates_question("what did the school do?", [])


def test_a_judgement_the_question_takes_for_granted_must_be_made_by_a_sentence():
    why = "why did the Vale review blame the housing officer?"
    assert unsupported_judgement(why, ["The housing officer visited twice in March."]) == "blame"
    assert (
        unsupported_judgement(why, ["The review found the housing officer at fault for the delay."]) is None
    )
    tag = "The review criticised the midwife, didn't it?"
    assert unsupported_judgement(tag, ["The midwife saw the mother at home."]) == "criticism"
    assert asks_why(why) and not asks_why(tag)


def test_a_denied_judgement_is_not_made():
    question = "why did the review blame the school?"
    assert unsupported_judgement(question, ["The review does not seek to apportion blame to the school."])


def test_a_question_that_assumes_nothing_is_not_checked():
    assert (
        unsupported_judgement("what did the review say about the school?", ["The school was closed."]) is None
    )
    assert unsupported_judgement("why was the referral late?", ["Nobody was blamed."]) is None


def test_a_cause_of_death_must_be_stated_not_denied():
    assert expected_detail("what did the inquest give as the cause of death") == "cause"
    assert holds_detail("cause", "The cause of death was given as a head injury.")
    assert not holds_detail("cause", "The review did not set out to establish the cause of death.")


def test_a_question_for_the_longest_or_youngest_needs_a_sentence_that_singles_one_out():
    question = "what was the longest sentence any of the offenders received"
    assert expected_detail(question) == "sentence"
    total = "Nine offenders received prison sentences adding up to more than 40 years."
    one = "The longest sentence, 14 years in prison, was given to the oldest offender."
    assert holds_detail("sentence", total) and not holds_detail("sentence", total, question=question)
    assert holds_detail("sentence", one, question=question)


def test_which_agency_asks_for_one_by_name():
    question = "which support agency did the father go to after his release"
    assert expected_detail(question) == "named"
    assert not holds_detail("named", "He was referred to a local support agency after his release.")
    assert holds_detail("named", "He was referred to the Riverside Recovery Service after his release.")


def test_the_engine_corrects_a_false_premise_or_declines_a_why_built_on_it(settings, fake_embedder):
    from rag.answer.engine import Engine
    from rag.ingest import ingest

    settings.corpus_dir.mkdir()
    text = (
        "# Vale Safeguarding Children Partnership: Serious Case Review, Child W\n\n## Findings\n\n"
        "Child W lived with her mother in a flat. The housing officer visited the family twice in March and reported damp in the flat. "
        "The housing officer passed the report to the landlord, who did not reply.\n"
    )
    (settings.corpus_dir / "vale.md").write_text(text, encoding="utf-8")
    ingest(settings, embedder=fake_embedder)
    engine = Engine.load(settings, embedder=fake_embedder)
    tag = engine.answer("The Vale review blamed the housing officer for the damp flat, didn't it?")
    assert not tag.abstained and tag.citations, tag.reason
    assert tag.answer.startswith("No passage says that the review blamed anyone")
    why = engine.answer("why did the Vale review blame the housing officer for the damp flat?")
    assert why.abstained and why.reason == "premise not found: blame", why.answer


def test_a_count_of_the_topic_is_found_by_the_number_before_its_word():
    from rag.answer.extractive.scoring import counts_topic
    from rag.text import match_stems

    topic = match_stems("findings recommendations")
    assert counts_topic("The panel set out nine findings and eleven recommendations.", topic)
    assert counts_topic("It makes 12 detailed recommendations to the partnership.", topic)
    assert not counts_topic("Recommendation 12: the partnership should audit its findings.", topic)
    assert not counts_topic("Two social workers left the team.", topic)
