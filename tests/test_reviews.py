"""Any review collection: reviews identified without a catalog, labels that several reviews
share, page-accurate citations from multi-page PDFs. Real pypdf and Chroma on the real corpus;
the fake embedder where meaning does not matter (routing, pages), the real one where it does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag.ingest import ingest
from rag.ingest.load import load_file
from rag.settings import load_settings

from .conftest import CORPUS, FakeEmbedder

pytestmark = pytest.mark.integration

# What each uncatalogued document's own title page says (read from the documents).
UNCATALOGUED = {
    "blackpool-child-b-executive-summary.txt": ("Child B", "Blackpool", 2008, "executive summary"),
    "bradford-jack-serious-case-review.pdf": ("Jack", "Bradford", 2017, "full report"),
    "cumbria-child-n-learning-briefing.md": ("Child N", "Cumbria", 2016, "learning briefing"),
    "york-child-b-serious-case-review-findings.pdf": ("Child B", "City of York", None, "full report"),
    "city-hackney-child-q-lcspr-report.pdf": ("Child Q", "City & Hackney", 2022, "full report"),
    "sefton-child-a-overview-report.pdf": ("Child A", "Sefton", 2009, "full report"),
}

# A second Child S review from another board, written for this test: same label as Norfolk's
# Case S, nothing else in common.
OTHER_CHILD_S = """WESTSHIRE SAFEGUARDING CHILDREN PARTNERSHIP

LOCAL CHILD SAFEGUARDING PRACTICE REVIEW

CHILD S

Published March 2021

1. Introduction

1.1 This review concerns Child S, a boy of eleven who was neglected at home for several years.
Child S often arrived at school hungry and without a coat.

2. Findings

2.1 The school nurse recorded that Child S had lost weight but did not refer the concern to
children's social care. The school nurse assumed that the GP already knew.

2.2 Child S was not seen alone by any professional during the period under review.

3. Recommendations

3.1 The partnership should make sure school nurses know how to refer concerns about neglect.
"""


def test_uncatalogued_reviews_are_identified_from_their_own_pages(fake_index):
    from rag import store

    documents = store.open_current(fake_index).documents()
    for name, (label, place, year, doc_type) in UNCATALOGUED.items():
        doc = documents[name]
        assert (doc["case"], doc["place"], doc["year"], doc["doc_type"]) == (label, place, year, doc_type), name
        assert doc["case_source"] == "guessed" and "case" in doc["guessed"] and "board" in doc["guessed"]
        assert doc["board"].startswith(place) and "Safeguarding" in doc["board"]
        assert doc["review_type"], name
        assert doc["review_name"].startswith(label)
    # A catalogued review keeps what the catalog says.
    norfolk = documents["norfolk-case-s-learning-presentation.md"]
    assert norfolk["case"] == "Case S" and norfolk["review_name"] == "Case S (Norfolk, 2017)"
    assert "case" not in norfolk["guessed"]


@pytest.fixture(scope="module")
def two_child_s(tmp_path_factory):
    """Norfolk's Case S, another board's Child S and Warwickshire's Child J, real model."""
    from rag.answer.engine import Engine

    root = tmp_path_factory.mktemp("two-child-s")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("norfolk-case-s-learning-presentation.md", "warwickshire-child-j-review-report.md"):
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "catalog.toml").write_text(
        _catalog_entry("norfolk-case-s-learning-presentation.md")
        + _catalog_entry("warwickshire-child-j-review-report.md")
    )
    (corpus / "westshire-child-s-lcspr.txt").write_text(OTHER_CHILD_S)
    settings = load_settings(corpus_dir=corpus, index_dir=root / "index")
    report = ingest(settings)
    assert report.exit_code == 0, report.to_dict()
    return Engine.load(settings, warm_up=False)


def _catalog_entry(name: str) -> str:
    text = (CORPUS / "catalog.toml").read_text()
    start = text.index(f'[documents."{name}"]')
    end = text.find("[documents.", start + 1)
    return "\n" + text[start : end if end > 0 else None]


def test_a_label_two_reviews_share_names_both(two_child_s):
    answer = two_child_s.answer("what did the Child S review find?")
    first = answer.answer.splitlines()[0]
    assert first.startswith("Two reviews in this collection concern a")
    assert "Case S (Norfolk, 2017)" in first and "Child S (Westshire, 2021)" in first
    assert {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)", "Child S (Westshire, 2021)"}


def test_the_mission_question_still_cites_only_norfolk(two_child_s):
    answer = two_child_s.answer("what went wrong with the consultation in Case S")
    assert not answer.abstained and {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)"}
    assert "Two reviews" in answer.answer.splitlines()[0]  # and it says the label is shared


def test_a_detail_or_a_place_selects_the_review(two_child_s):
    nurse = two_child_s.answer("what did the school nurse do about child s losing weight?")
    assert {c.case for c in nurse.citations} == {"Child S (Westshire, 2021)"}
    place = two_child_s.answer("what did the Norfolk Child S review recommend?")
    assert {c.case for c in place.citations} == {"Case S (Norfolk, 2017)"}
    assert not place.answer.startswith("Two reviews")  # a place named it: nothing to disambiguate


def test_a_follow_up_stays_with_the_review_of_the_conversation(two_child_s):
    history = [
        {"role": "user", "content": "what went wrong with the consultation in Case S"},
        {"role": "assistant", "content": "The consultation was anonymous [1]."},
    ]
    answer = two_child_s.answer("and what did the board recommend about that?", history=history)
    assert answer.citations and {c.case for c in answer.citations} == {"Case S (Norfolk, 2017)"}


def test_a_question_naming_another_review_than_the_filter_says_so(two_child_s):
    answer = two_child_s.answer("what went wrong with the consultation in Case S", case="Child J (Warwickshire, 2017)")
    assert answer.abstained and answer.citations == []
    assert "Case S (Norfolk, 2017)" in answer.answer and "case filter" in answer.answer


# --- page-accurate citations -------------------------------------------------------------------

PDF_QUESTIONS = {
    "bexley-baby-f-overview-report.pdf": [
        "what went wrong with vitamin D advice for Baby F",
        "what did the Bexley review recommend",
        "what happened in the final days of Baby F's life",
    ],
    "sefton-child-a-overview-report.pdf": [
        "what went wrong in the Sefton Child A review",
        "what did the Sefton review recommend",
    ],
    "city-hackney-child-q-lcspr-report.pdf": ["what went wrong in the Child Q strip search"],
}


def _printed_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [_words(page.extract_text() or "") for page in PdfReader(path).pages]


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_every_quote_is_cited_on_the_page_it_is_printed_on(fake_index, fake_engine):
    checked = 0
    for name, questions in PDF_QUESTIONS.items():
        pages = _printed_pages(CORPUS / name)
        for question in questions:
            for c in fake_engine.answer(question).citations:
                if c.doc_id != name:
                    continue
                words = _words(c.quote).split()
                first, last = " ".join(words[:6]), " ".join(words[-6:])
                assert c.page is not None and first in pages[c.page - 1], (name, c.page, c.quote)
                assert last in pages[(c.page_end or c.page) - 1], (name, c.page_end, c.quote)
                checked += 1
    assert checked >= 12


def _pdf_with_a_sentence_across_pages(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Serious Case Review: Child T", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, "1.1 Child T was seen by the health visitor at home in May 2019.", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, "1.2 The referral that followed went to children's social care and", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 6, "was not acted on for six weeks. Child T was not seen again until July.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_a_sentence_cut_by_a_page_break_is_one_quote(tmp_path):
    """A sentence running from page 1 to page 2 is quoted whole and cited as pages 1-2."""
    from rag.answer.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    _pdf_with_a_sentence_across_pages(corpus / "child-t.pdf")
    document = load_file(corpus / "child-t.pdf", "child-t.pdf")
    assert len(document.pages) == 2 and document.pages[1].text.startswith("was not acted on")
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert ingest(settings, embedder=FakeEmbedder()).exit_code == 0
    engine = Engine.load(settings, embedder=FakeEmbedder(), warm_up=False)
    answer = engine.answer("what happened to the referral to children's social care for Child T?")
    cut = [c for c in answer.citations if "referral that followed" in c.quote]
    assert cut, answer.answer
    assert " ".join(cut[0].quote.split()).endswith("was not acted on for six weeks.")
    assert (cut[0].page, cut[0].page_end) == (1, 2)
    assert not any(c.quote.strip().startswith("was not acted on") for c in answer.citations)
