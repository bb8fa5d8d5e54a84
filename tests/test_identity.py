"""Review identity guessed from a document: title pages written for these tests, not taken
from the corpus, in the shapes published reviews use."""

from __future__ import annotations

from rag.ingest.catalog import CatalogEntry, describe
from rag.ingest.identity import display_name, guess_review, place_names, review_aliases, review_id

UPPER_TITLE_PAGE = """WESTSHIRE SAFEGUARDING CHILDREN PARTNERSHIP
LOCAL CHILD SAFEGUARDING PRACTICE REVIEW
CHILD T
Overview report
Lead reviewer: Alex Morgan, Independent Reviewer
Published November 2021"""

BODY = (
    "1.1 This review concerns Child T, who was seven months old when admitted to hospital in 2020. "
    "Child T lived with her mother. The Westshire Safeguarding Children Partnership (WSCP) commissioned "
    "the review. Child T's health visitor saw her twice."
)


def test_an_upper_case_title_page_gives_every_fact():
    guess = guess_review(UPPER_TITLE_PAGE + "\n" + BODY, UPPER_TITLE_PAGE)
    assert guess.label == "Child T"
    assert guess.board == "Westshire Safeguarding Children Partnership"
    assert guess.place == "Westshire" and guess.year == 2021 and guess.acronym == "WSCP"
    assert guess.review_type == "local child safeguarding practice review"
    assert guess.doc_type == "full report" and guess.author == "Alex Morgan"


def test_a_boards_short_form_used_without_being_spelled_out_is_an_alias():
    head = "City of Eastbury Safeguarding Children Board\nSerious Case Review: Child V\nJune 2016"
    body = " The CESCB agreed the terms of reference. The LSCB chair wrote to the CESCB in May. NHS staff took part."
    guess = guess_review(head + body, head)
    assert guess.acronym == "CESCB"  # not the generic "LSCB", nor "NHS"
    assert "cescb" in review_aliases(guess.label, guess.place, guess.year, guess.acronym)
    # "LSCB" names any Local Safeguarding Children Board: never one board's alias.
    head = "Eastbury, Westbury and Northam Local Safeguarding Children Board\nSerious Case Review: Child V"
    guess = guess_review(head + " The LSCB met. The LSCB agreed. The LSCB wrote.", head)
    assert guess.acronym == ""


def test_a_first_name_used_as_the_reviews_name():
    head = "Northdale Safeguarding Children Board\nSerious Case Review\nEXECUTIVE SUMMARY\nRORY\nMarch 2015"
    body = ' "Rory" is not his real name. Rory was fourteen. Rory stopped attending school. Rory was groomed.'
    guess = guess_review(head + body, head)
    assert guess.label == "Rory" and guess.doc_type == "executive summary" and guess.place == "Northdale"


def test_labels_of_other_kinds_and_passing_mentions():
    text = "Family Z were known to services. Family Z moved twice. A similar case, Child P, was noted."
    assert guess_review(text).label == "Family Z"
    assert guess_review("The review of Baby W. Baby W was born early.").label == "Baby W"
    assert guess_review("Nothing labelled here, only a CHILD IN NEED plan in 2012.").label == ""


def test_a_board_named_mid_sentence_is_cut_at_the_place():
    text = "This report was published by the Eastbury and Flint Local Safeguarding Children Board in 2011."
    guess = guess_review(text)
    assert guess.board == "Eastbury and Flint Local Safeguarding Children Board"
    assert place_names(guess.place) == ["Eastbury", "Flint"]


def test_place_names_drop_generic_words_and_keep_short_forms():
    assert place_names("City & Hackney") == ["Hackney"]
    assert place_names("City of York") == ["City of York", "York"]
    assert place_names("Nottinghamshire") == ["Nottinghamshire", "Notts"]  # as people write it
    assert "the staffs review" in review_aliases("Child K", "Staffordshire", 2012)


def test_display_name_id_and_aliases():
    assert display_name("Child S", "Norfolk", 2017) == "Child S (Norfolk, 2017)"
    assert display_name("the Calderdale child", "Calderdale", 2019) == "the Calderdale child (2019)"
    assert review_id("Child S", "Norfolk", 2017, "x.pdf") == "child-s-norfolk-2017"
    aliases = review_aliases("Child S", "Surrey", 2014, "SSCP")
    for alias in ("child s", "case s", "surrey", "the surrey review", "the 2014 surrey review", "sscp"):
        assert alias in aliases
    assert "baby s" not in aliases  # another kind of label is another review


def test_a_guess_never_overrides_the_catalog():
    entry = CatalogEntry(title="Confirmed title", case="Case T", board="Other Safeguarding Children Board")
    info = describe("t.pdf", UPPER_TITLE_PAGE + "\n" + BODY, UPPER_TITLE_PAGE, entry)
    assert (info.title, info.case, info.board, info.place) == ("Confirmed title", "Case T",
        "Other Safeguarding Children Board", "Other")  # fmt: skip
    assert info.year == 2021 and "year" in info.guessed and "case" not in info.guessed
    assert info.case_source == "catalog" and info.review_name == "Case T (Other, 2021)"


def test_without_a_catalog_everything_is_marked_guessed():
    info = describe("t.pdf", UPPER_TITLE_PAGE + "\n" + BODY, UPPER_TITLE_PAGE, None)
    assert info.case == "Child T" and info.case_source == "guessed"
    assert {"case", "board", "year", "doc_type", "review_type"} <= set(info.guessed)
    assert info.review == "child-t-westshire-2021" and "the westshire review" in info.aliases
