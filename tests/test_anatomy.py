"""Section types read from headings written for these tests, in the shapes reviews use."""

import pytest

from rag.ingest.anatomy import SectionType, fit, section_type
from rag.ingest.structure import parse_blocks

T = SectionType


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("3 Analysis of practice > The family home", T.ANALYSIS),  # a topical sub-heading
        ("Part 2: Findings > Working with fathers", T.ANALYSIS),
        ("7 Recommendations > Health", T.RECOMMENDATIONS),
        ("5 Learning and Recommendations > Learning point 2", T.LEARNING),
        ("5 Learning and Recommendations > Recommendation 3", T.RECOMMENDATIONS),
        ("9 The Partnership's response > Progress since the review", T.RESPONSE),
        ("2 Terms of Reference", T.METHODOLOGY),
        ("Appendix 1: Glossary", T.REFERENCES),
        ("References", T.REFERENCES),
        ("4 Chronology of key events", T.BACKGROUND),
        ("1 Introduction", T.SUMMARY),
        ("Learning from a Local Child Safeguarding Practice Review > Slide 4: Timeline", T.BACKGROUND),
        ("6 Conclusions", T.ANALYSIS),
        ("Something else entirely", T.OTHER),
    ],
)
def test_section_types(path, kind):
    assert section_type(path) == kind


def test_fit_maps_questions_to_sections():
    assert fit("recommendation", T.RECOMMENDATIONS) == 1.0
    assert fit("what_went_wrong", T.ANALYSIS) == 1.0
    assert fit("what_went_wrong", T.RECOMMENDATIONS) == -1.0
    assert fit("factual", T.REFERENCES) == -1.0
    assert fit("factual", T.BACKGROUND) == 0.0


def test_headings_without_blank_lines_as_pdf_text_has_them():
    text = (
        "2.4.1 The mother was seen at home.\n3. Findings of the review\n3.1 Information sharing\n"
        "3.1.1 Records were not shared between the GP and the health visitor.\nSection Four - Recommendations\n"
        "4.1 The partnership should audit referrals."
    )
    paths = {b.text.split()[0]: " > ".join(b.path) for b in parse_blocks(text) if b.kind == "para"}
    assert paths["3.1.1"] == "3 Findings of the review > 3.1 Information sharing"
    assert section_type(paths["3.1.1"]) == T.ANALYSIS
    assert paths["4.1"] == "Section Four - Recommendations"


def test_a_glossary_after_the_conclusion_is_back_matter_not_part_of_the_conclusion():
    text = (
        "Section Seven - Conclusion\n7.1 Agencies did not share what each of them knew about the family.\n"
        "List of abbreviations\nLADO: Local authority designated officer.\nMARAC: Multi-agency risk "
        "assessment conference.\n"
    )
    kinds = {b.text[:4]: section_type(" > ".join(b.path)) for b in parse_blocks(text) if b.kind == "para"}
    assert kinds == {"7.1 ": T.ANALYSIS, "LADO": T.REFERENCES}
