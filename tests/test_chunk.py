"""Chunk boundaries on small hand-made documents, checked by hand, plus invariants on the corpus."""

import re
from pathlib import Path

import pytest

from rag.ingest.catalog import load_catalog
from rag.ingest.chunk import chunk_document
from rag.ingest.job import scan_corpus
from rag.ingest.load import load_file
from rag.settings import ChunkSettings
from rag.text import normalise_space, sentences, word_count
from rag.types import DocumentInfo

from .conftest import CORPUS

INFO = DocumentInfo(doc_id="doc.txt", title="T", case="Child X", board="B")
SMALL = ChunkSettings(min_words=10, target_words=40, max_words=60)


def _chunk(tmp_path: Path, name: str, text: str, settings: ChunkSettings = SMALL):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return chunk_document(load_file(path, name), INFO, settings)


def _filler(n: int, word: str = "word") -> str:
    return " ".join([word] * (n - 1)) + " end."


def test_numbered_paragraphs_become_passages_with_their_numbers(tmp_path):
    text = (
        "4 Analysis\n\n"
        f"4.1.16 {_filler(30, 'fracture')}\n\n"
        f"4.1.17 {_filler(30, 'strategy')}\n\n"
        f"4.1.18 {_filler(30, 'delay')}\n"
    )
    passages = _chunk(tmp_path, "doc.txt", text)
    assert [p.paragraph for p in passages] == ["4.1.16", "4.1.17", "4.1.18"]
    assert all(p.section == "4 Analysis" for p in passages)
    assert "strategy" in passages[1].text and "fracture" not in passages[1].text


def test_bare_paragraph_numbers_on_their_own_line_number_the_next_paragraph(tmp_path):
    text = f"3.\n\nLearning from the review\n\n3.4\n\n{_filler(20)}\n\n3.5\n\n{_filler(20)}\n"
    passages = _chunk(tmp_path, "doc.txt", text, ChunkSettings(min_words=5, target_words=20, max_words=60))
    assert [p.paragraph for p in passages] == ["3.4", "3.5"]
    assert passages[0].section == "3 Learning from the review"


def test_headings_build_the_section_path(tmp_path):
    text = (
        "# Review\n\n## Analysis\n\n### Responding to injuries\n\n"
        f"{_filler(20)}\n\n## Recommendations\n\n{_filler(20)}\n"
    )
    passages = _chunk(tmp_path, "doc.md", text)
    assert [p.section for p in passages] == [
        "Review > Analysis > Responding to injuries",
        "Review > Recommendations",
    ]


def test_slide_deck_title_is_dropped_and_continued_slides_merge(tmp_path):
    slide = "# Serious Case Review: Case S\n## {title}\n- {body}\n\n"
    text = (
        slide.format(title="Summary of the Case", body="A three year old girl was injured.")
        + slide.format(title="Summary of the Case", body="Extra facts.")
        + slide.format(title="Summary of the Case, cont.", body="More facts on the case.")
        + slide.format(title="Methodology", body="Interviews with professionals.")
    )
    passages = _chunk(tmp_path, "deck.md", text, ChunkSettings(min_words=10, target_words=100, max_words=200))
    assert [p.section for p in passages] == ["Summary of the Case", "Methodology"]
    assert "More facts on the case." in passages[0].text
    assert "Serious Case Review" not in passages[0].text


def test_list_stays_with_its_lead_in(tmp_path):
    text = (
        f"{_filler(30, 'context')}\n\n"
        "The advice given was:\n- to speak to Mum\n- to record any comments\n- to refer if concerns escalate\n"
    )
    passages = _chunk(tmp_path, "doc.md", text, ChunkSettings(min_words=5, target_words=20, max_words=60))
    lead = next(p for p in passages if "The advice given was:" in p.text)
    assert "to refer if concerns escalate" in lead.text


def test_long_paragraph_is_split_between_sentences_never_inside(tmp_path):
    sentences_in = [f"Sentence number {i} talks about the review findings in detail." for i in range(30)]
    passages = _chunk(tmp_path, "doc.txt", " ".join(sentences_in) + "\n")
    assert len(passages) > 1
    assert all(p.words <= SMALL.max_words for p in passages)
    out = [s for p in passages for s in sentences(normalise_space(p.text))]
    assert out == sentences_in


def test_short_title_line_starts_a_subsection(tmp_path):
    text = (
        "6 Issues for Agencies\n\nThe dangers of over optimism\n\n"
        f"{_filler(20, 'optimism')}\n\nResponding to injuries:\n\n{_filler(20, 'injury')}\n"
    )
    passages = _chunk(tmp_path, "doc.txt", text)
    assert [p.section for p in passages] == [
        "6 Issues for Agencies > The dangers of over optimism",
        "6 Issues for Agencies > Responding to injuries",
    ]


CORPUS_FILES = sorted(scan_corpus(CORPUS, "catalog.toml"))
_MD_HEADING_LINE = re.compile(r"(?m)^#{1,6}[ \t].*$")
READABLE_MEDIAN = 60


def _median(values: list[int]) -> int:
    values = sorted(values)
    return values[len(values) // 2]


def _median_section_words(text: str) -> int:
    """Median length of the text under each markdown heading (the whole text if it has none),
    counted from the text itself, not from the chunker's blocks."""
    return _median([n for part in _MD_HEADING_LINE.split(text) if (n := word_count(part))])


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_passages_are_exact_slices_with_sane_sizes(name):
    catalog = load_catalog(CORPUS / "catalog.toml")
    settings = ChunkSettings()
    doc = load_file(CORPUS / name, name)
    info = catalog.describe(name, doc.text)
    if name in catalog.entries:
        assert info.case == catalog.entries[name].case
    else:  # not catalogued: the label is guessed, and the document names it
        assert info.case_source == "guessed" and info.case, name
        assert info.case.lower() in normalise_space(doc.text).lower()
    passages = chunk_document(doc, info, settings)
    assert passages, name
    assert len({p.id for p in passages}) == len(passages)
    for p in passages:
        span = normalise_space(doc.text[p.start : p.end])
        for line in p.text.split("\n"):
            assert normalise_space(line) in span  # every line of the passage is in its span
        assert p.words <= settings.max_words
        assert p.case == info.case
    # A passage never joins two sections that are not nested (two slides of a deck), so a deck
    # of short slides has short passages: the median passage must be a readable paragraph, or
    # where the document's own sections are shorter than that, as long as its median section.
    floor = min(READABLE_MEDIAN, _median_section_words(doc.text))
    median = _median([p.words for p in passages])
    assert median >= floor, f"median passage of {median} words, want >= {floor}"


def test_case_s_consultation_slides_are_found_with_section_paths():
    name = "norfolk-case-s-learning-presentation.md"
    doc = load_file(CORPUS / name, name)
    passages = chunk_document(
        doc, load_catalog(CORPUS / "catalog.toml").describe(name, doc.text), ChunkSettings()
    )
    hit = [p for p in passages if "meant that the consultation was not effective" in normalise_space(p.text)]
    assert len(hit) == 1
    assert hit[0].section.startswith(
        "Appraisal of Practice and Analysis > 4. Childminder's consultation with MASH"
    )


def test_child_j_numbered_paragraph_carries_its_number():
    name = "warwickshire-child-j-review-report.md"
    doc = load_file(CORPUS / name, name)
    passages = chunk_document(
        doc, load_catalog(CORPUS / "catalog.toml").describe(name, doc.text), ChunkSettings()
    )
    hit = next(p for p in passages if "The delay in confirming the type of fracture" in p.text)
    assert hit.paragraph is not None and "4.1.18" in hit.paragraph.split("-")[0] + hit.paragraph
    assert hit.section.startswith("4 Analysis")
