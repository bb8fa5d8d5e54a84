"""Review cards and theme tags: the taxonomy file, the readers on made-up reviews (fake
embedder), and the cards, tags and collection answers of the real corpus (real model)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from rag.insights.agencies import agencies
from rag.insights.cards import build_card
from rag.insights.recommendations import recommendations
from rag.insights.sentences import document_sentences
from rag.insights.taxonomy import TaxonomyError, load_taxonomy
from rag.insights.themes import keyword_pattern
from rag.types import Document, Passage

EVAL = Path(__file__).resolve().parent.parent / "eval"
CORPUS = EVAL.parent / "corpus"


# --- the taxonomy ------------------------------------------------------------------------


def test_packaged_taxonomy_has_the_recurring_themes_each_with_phrasings_and_keywords():
    themes = {t.id: t for t in load_taxonomy()}
    assert len(themes) >= 20
    for wanted in ("over_optimism", "hidden_men", "disguised_compliance", "voice_of_child", "record_keeping"):
        assert themes[wanted].phrasings and themes[wanted].keywords and themes[wanted].definition


def test_an_organisations_themes_file_adds_and_replaces_themes(tmp_path):
    (tmp_path / "themes.toml").write_text(
        '[themes.county_lines]\nname = "County lines"\ndefinition = "Exploitation to carry drugs."\n'
        'phrasings = ["He was exploited to carry drugs between towns."]\nkeywords = ["county lines"]\n\n'
        '[themes.neglect]\nname = "Neglect (local wording)"\ndefinition = "d"\nphrasings = ["p"]\nkeywords = []\n'
    )
    themes = {t.id: t for t in load_taxonomy(tmp_path)}
    assert themes["county_lines"].keywords == ("county lines",)
    assert themes["neglect"].name == "Neglect (local wording)"
    assert "over_optimism" in themes


@pytest.mark.parametrize(
    "body, named",
    [
        ("[themes.x]\nname = 1\n", "`name`"),
        ('[themes.x]\nname = "X"\ndefinition = "d"\nphrasings = []\nkeywords = []\n', "phrasing"),
        ("not toml [[[", "cannot be read"),
    ],
)
def test_a_broken_themes_file_is_named_with_what_to_fix(tmp_path, body, named):
    (tmp_path / "themes.toml").write_text(body)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(tmp_path)
    assert "themes.toml" in str(caught.value) and named in str(caught.value)


def test_keywords_match_whole_words_with_hyphen_or_space_and_plurals():
    pattern = keyword_pattern(("over-optimism", "hidden man"))
    assert pattern.search("There was over optimism about the parents")
    assert pattern.search("Over-Optimism was a theme")
    assert pattern.search("the hidden mans")  # plural forms are tolerated
    assert not pattern.search("moreover-optimistic")


# --- readers on made-up reviews ----------------------------------------------------------


def _document(sections: list[tuple[str, str, str]], case: str = "Child Z") -> tuple[Document, list[Passage]]:
    """(heading, section type, text) per section, as the chunker would make them."""
    text, passages = "", []
    for i, (heading, kind, body) in enumerate(sections):
        start = len(text)
        text += body + "\n\n"
        passages.append(
            Passage(
                id=f"z#{i}", doc_id="z.md", title="Serious Case Review: Child Z", case=case, board="",
                year=2020, page=None, page_end=None, section=heading, paragraph=None, start=start,
                end=start + len(body), text=body, ordinal=i, review="child-z", review_name=f"{case} (Testshire, 2020)",
                section_type=kind,
            )
        )  # fmt: skip
    document = Document(
        doc_id="z.md", title="Serious Case Review: Child Z", case=case, board="Testshire Safeguarding Children Board",
        year=2020, review="child-z", review_name=f"{case} (Testshire, 2020)", review_type="serious case review",
        text=text.rstrip(),
    )  # fmt: skip
    return document, passages


def _recommendations(sections):
    document, passages = _document(sections)
    return [(i.number, i.text) for i in recommendations(document, document_sentences(document, passages))]


def test_numbered_recommendations_keep_their_numbers_and_skip_the_lead_in_and_the_next_heading():
    found = _recommendations([
        ("Contents", "references", "1 Introduction\n9 Recommendations\n10 References"),
        ("9 Recommendations", "recommendations",
         "9 Recommendations\n\nThe review makes the following recommendations to the Board:\n\n"
         "1. The Board should seek assurance that referrals are followed up.\n"
         "2. Health services should record who lives in the household,\nincluding any new partner.\n"
         "3. The Board should monitor the implementation of these recommendations."),
        ("10 References", "references", "10 References\n\nWorking Together (2018)."),
    ])  # fmt: skip
    assert [n for n, _ in found] == ["1", "2", "3"]
    assert (
        found[1][1] == "Health services should record who lives in the household, including any new partner."
    )


def test_recommendations_wrapped_in_short_lines_are_whole_and_stop_before_a_signature():
    found = _recommendations([
        ("8 Recommendations", "recommendations",
         "8 Recommendations\n\n8.1\n\nThreshold guidance\nThe Board to make sure that\nevery agency knows the\n"
         "threshold for referral.\n\n8.2\n\nManagers should review\nsupervision records\nevery month.\n\n"
         "A. Reviewer\nIndependent Author"),
    ])  # fmt: skip
    assert found == [
        (
            "8.1",
            "Threshold guidance The Board to make sure that every agency knows the threshold for referral.",
        ),
        ("8.2", "Managers should review supervision records every month."),
    ]


def test_paragraph_numbers_left_between_passages_still_number_the_recommendations():
    # The chunker leaves a paragraph number on a line of its own out of both passages.
    bodies = [
        "8 Recommendations\n\nThe review makes the following recommendations:",
        "Health visitors should see every new baby at home within ten days.",
        "The Board should audit home visits within a year.",
    ]
    text, passages = "", []
    for i, (gap, body) in enumerate(zip(["", "\n8.1\n\n", "\n8.2\n\n"], bodies, strict=True)):
        text += gap
        start = len(text)
        text += body + "\n"
        passages.append(_document([("8 Recommendations", "recommendations", body)])[1][0])
        passages[-1] = replace(passages[-1], id=f"z#{i}", start=start, end=start + len(body), ordinal=i)
    document = replace(_document([])[0], text=text)
    found = [(i.number, i.text) for i in recommendations(document, document_sentences(document, passages))]
    assert found == [("8.1", bodies[1]), ("8.2", bodies[2])]


def _agencies(text: str) -> dict[str, str]:
    document, passages = _document([("3 Analysis", "findings", text)])
    return {i.text: i.quote.text for i in agencies(document, document_sentences(document, passages))}


def test_an_agency_is_quoted_where_the_review_first_uses_its_own_main_word_for_it():
    found = _agencies(
        "The maternity unit booked the mother late. The midwife saw her at home. "
        "A second midwife visited in May. The midwife was not told about the partner."
    )
    assert "midwife" in found["Midwifery"] and "maternity" not in found["Midwifery"]


def test_services_named_by_name_are_listed_apart_from_the_kinds_of_service():
    found = _agencies(
        "Eastshire Children's Services held the case until the move. "
        "Westshire Police and Northam Council shared a referral. "
        "The Health Visiting Service was not told. "
        "The Strategic Director Northam City Council commissioned the review. "
        "A childminder cared for the baby. He was taken to the emergency department twice."
    )
    assert {
        "Eastshire Children's Services",
        "Westshire Police",
        "Northam Council",
        "Northam City Council",
    } <= set(found)
    assert not {
        "The Health Visiting Service",
        "Health Visiting Service",
        "Strategic Director Northam City Council",
    } & set(found)
    assert "childminder" in found["Childminder"] and "emergency department" in found["Emergency department"]


def test_recommendations_labelled_one_by_one_after_learning_points_are_all_found():
    found = _recommendations([
        ("6 Learning and recommendations > Learning Point 1", "learning",
         "Learning Point 1:\n\nStrategy meetings need medical advice.\n\nRecommendation:\n\n"
         "The Board to request that hospitals review how advice reaches strategy meetings.\n\n"
         "Learning Point 2:\n\nHousing moves need planning.\n\nQuestion to the Board:\n\n"
         "The Board to consider housing arrangements.\n\nRecommendation:\n\n"
         "The Board to request assurance about support for families moving on."),
    ])  # fmt: skip
    assert [t for _, t in found] == [
        "The Board to request that hospitals review how advice reaches strategy meetings.",
        "The Board to request assurance about support for families moving on.",
    ]


def test_listed_recommendations_keep_their_sub_items():
    found = _recommendations([
        ("Slide 9: Recommendations for the Board", "recommendations",
         "- Build confidence in networks to use respectful certainty\n- Support practitioners working with:\n"
         "- avoidant families\n- disguised compliance\n- Multi-agency training to reflect this learning"),
    ])  # fmt: skip
    assert [n for n, _ in found] == ["1", "2", "3"]
    assert "avoidant families" in found[1][1] and "disguised compliance" in found[1][1]


def test_a_review_without_recommendations_has_none_even_if_its_contents_list_names_the_section():
    assert _recommendations([("Contents", "other", "1 Introduction\n8 Recommendations\n9 Appendix")]) == []


def test_card_reads_the_child_and_what_happened_from_the_story_and_cites_them():
    document, passages = _document([
        ("1 Introduction", "summary",
         "This review concerns Child Z, a baby girl who was admitted to hospital aged seven weeks "
         "with a fractured skull. Her mother said she had fallen."),
        ("4 Analysis", "analysis",
         "The review found that professionals did not question the explanation given by the parents."),
    ])  # fmt: skip
    card = build_card(document, document_sentences(document, passages))
    assert card.field("child_sex").value == "female"
    assert card.field("child_age").value == "aged seven weeks"
    assert "fractured skull" in card.field("incident").value
    for name in ("child_sex", "child_age", "incident"):
        quote = card.field(name).quote
        assert document.text[quote.start : quote.end] == quote.text
    assert not card.field("year").stated or card.field("year").quote is None  # no date printed: not read


@pytest.mark.parametrize(
    "story, sex",
    [
        ("Child Z was a cheerful, healthy, outgoing two year old when she was taken to hospital.", "female"),
        ("Child Z was seen at home by the health visitor when she called in May.", None),  # hers
    ],
)
def test_one_pronoun_used_of_the_child_tells_the_sex_but_not_one_of_someone_else(story, sex):
    document, passages = _document([("1 Summary", "summary", story)])
    assert build_card(document, document_sentences(document, passages)).field("child_sex").value == sex


def test_card_takes_the_age_from_the_account_of_what_happened_not_from_a_timeline_or_a_parent():
    document, passages = _document([
        ("1 Introduction", "summary",
         "The mother of Child Z had been abused as a teenager and was known to children's services. "
         "Child Z lived with her mother and her older brother in a flat."),
        ("2 Timeline", "background",
         "Age 3 weeks: Child Z was seen by the health visitor at home with a small bruise."),
        ("3 The incident that led to the review", "background",
         "Child Z was taken to hospital by ambulance with a head injury. She died two days later, "
         "aged eleven months. The police began an investigation into the death."),
    ])  # fmt: skip
    card = build_card(document, document_sentences(document, passages))
    assert card.field("child_age").value == "aged eleven months"
    incident = card.field("incident")
    # the sentence that says what happened, run on to the next one about it; never the mother's story
    assert (
        incident.value.startswith("Child Z was taken to hospital")
        and "She died two days later" in incident.value
    )
    assert document.text[incident.quote.start : incident.quote.end] == incident.quote.text


def test_key_findings_are_the_reviews_statements_of_what_it_found_one_per_passage(monkeypatch):
    monkeypatch.setattr("rag.insights.findings.MOST_FINDINGS", 2)
    document, passages = _document([
        ("1 Introduction", "summary",
         "This review was commissioned by the board after Child Z was admitted to hospital with burns."),
        ("2 Methodology", "methodology",
         "The reviewer met the practitioners involved and read the records of each of the agencies."),
        ("3 Background", "background",
         "The family moved to the area in the spring and registered with a new practice in the town."),
        ("5 Findings", "analysis",
         "The review found that the health visitor did not share her concerns about the home with the "
         "social worker. There was no discussion of the burns at the strategy meeting, which lacked "
         "the police and the school."),
        ("6 Learning", "learning",
         "Practitioners did not challenge the father's account, and the opportunity to see the child "
         "alone was missed."),
    ])  # fmt: skip
    card = build_card(document, document_sentences(document, passages))
    found = [item.text[:40] for item in card.key_findings]
    # the two statements of what went wrong, in document order; the second sentence of the
    # findings section waits behind the learning section's: one finding per passage
    assert found == ["The review found that the health visitor", "Practitioners did not challenge the fath"]


def test_a_findings_model_made_for_other_features_names_the_command_that_refits_it(tmp_path):
    from rag.insights.findings import PACKAGED_MODEL, FindingsModel

    data = json.loads(PACKAGED_MODEL.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    stale = tmp_path / "findings_model.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="rag.eval.findings_fit"):
        FindingsModel.load(stale)


# --- the real corpus ----------------------------------------------------------------------


def test_every_labelled_recommendation_of_the_bundled_reviews_is_on_its_card(real_engine):
    from rag.eval.insights import holds, load_card_labels

    labels = load_card_labels(EVAL / "cards.jsonl")
    cards = {doc: c for c in real_engine.insights.cards for doc in c.documents}
    missing = {}
    for doc, label in labels.items():
        wanted = label["recommendations"]
        if wanted.get("not_stated"):
            continue
        texts = [f"{i.text} {i.quote.text}" for i in cards[doc].recommendations]
        lost = [w for w in wanted["items"] if not any(holds(t, w) for t in texts)]
        if lost:
            missing[doc] = lost
    # One review (its agency recommendations printed as numbered lines below the board's)
    # is known to lose some; every other review must have all of its recommendations.
    assert len(missing) <= 1, json.dumps(missing, indent=1)


def test_card_quotes_are_exact_document_text_and_theme_tags_cite_sentences(real_engine):
    documents = real_engine.search.documents
    assert len(real_engine.insights.cards) == len({d.review for d in documents.values()})
    for card in real_engine.insights.cards:
        quotes = [f.quote for f in card.fields.values() if f.quote]
        quotes += [i.quote for i in (*card.agencies, *card.key_findings, *card.recommendations)]
        quotes += [q for t in card.themes for q in t.sentences]
        for quote in quotes:
            assert documents[quote.doc_id].text[quote.start : quote.end] == quote.text, (card.name, quote)
        assert all(t.sentences for t in card.themes)


def test_theme_tags_of_the_test_reviews_hold_up_against_the_hand_labels(real_engine):
    from rag.eval.insights import insights_metrics

    scores = insights_metrics(real_engine.insights, EVAL)["themes"]["test"]["overall"]
    # The tagger never saw these reviews' labels; a floor well below today's figures
    # (precision 0.72, recall 0.81) catches a reader or a model that broke.
    assert scores["precision"] >= 0.6 and scores["recall"] >= 0.6, scores


def test_key_findings_of_the_test_reviews_hold_the_hand_picked_ones(real_engine):
    from rag.eval.insights import insights_metrics

    found = insights_metrics(real_engine.insights, EVAL)["cards"]["test"]["per_field"]["key_findings"]
    # The ranker never saw these reviews' labels. Today 0.42 of the hand-picked findings are
    # on the test cards; the earlier hand-set ranking found 0.18.
    assert found >= 0.3, found


def test_collection_questions_are_answered_from_the_cards_with_citations(real_engine):
    listing = real_engine.answer("Which reviews are in this collection?")
    assert listing.generator == "cards" and not listing.abstained
    assert len([p for p in listing.parts if p.kind == "statement"]) == len(real_engine.insights.cards)
    themed = real_engine.answer("Which reviews discuss disguised compliance, and how many?")
    tagged = real_engine.insights.reviews_with("disguised_compliance")
    assert f"{len(tagged)} of the {len(real_engine.insights.cards)} reviews" in themed.answer
    assert {c.case for c in themed.citations} == {card.name for card, _ in tagged}
    mentioned = real_engine.answer("Which reviews mention disguised compliance?")
    quotes = [c.quote.lower() for c in mentioned.citations]
    assert quotes and all("disguis" in q and "complian" in q for q in quotes)  # the words, in any form
    assert f"{len(mentioned.citations)} of the {len(real_engine.insights.cards)} reviews" in mentioned.answer
    recs = real_engine.answer("What did the Child J review recommend?")
    card = next(c for c in real_engine.insights.cards if c.name.startswith("Child J"))
    assert len(recs.citations) == len(card.recommendations) >= 4
    narrowed = real_engine.answer("What did the Child J review recommend about housing?")
    assert narrowed.generator != "cards"  # one topic of the review: the passages answer it


def test_which_reviews_mention_any_phrase_lists_every_review_using_it_or_a_glossary_form(real_engine):
    # the reviews whose own text speaks of CSE, read from the source files, not the index
    sources = [*CORPUS.glob("*.md"), *CORPUS.glob("*.txt"), *(CORPUS / "_sources").glob("*.txt")]
    using = {p.stem for p in sources if re.search(r"\bCSE\b|sexual(?:ly)? exploit", p.read_text("utf-8"))}
    answer = real_engine.answer("which SCRs involve child sexual exploitation (CSE)?")
    assert answer.generator == "cards" and not answer.abstained
    cited = {Path(c.doc_id).stem for c in answer.citations}
    assert cited == using, answer.answer
    assert f"{len(cited)} of the {len(real_engine.insights.cards)} reviews" in answer.answer
    none = real_engine.answer("Which reviews mention a trampoline?")
    assert none.abstained and "None of the" in none.answer and not none.citations
