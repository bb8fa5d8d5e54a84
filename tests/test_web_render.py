"""Answers and sources as HTML and chat markdown: highlighting, structure, and inert review text."""

from __future__ import annotations

import re

from rag import prompts
from rag.answer.render import render
from rag.types import Answer, AnswerPart, Document
from rag.web.chat_html import answer_html, draft_html
from rag.web.pages import source_page
from rag.web.reading import document_html
from rag.web.sources import citation_card, escape_text, highlight, sources_panel, where

HOSTILE = (
    '<script>alert(1)</script> <img src=x onerror="alert(2)"> ${alert(3)} {{x}} `y` [z](javascript:alert(4))'
)


def _citation(**overrides):
    citation = {
        "n": 1,
        "doc_id": "norfolk-case-s.md",
        "title": "Learning from Serious Case Reviews: Case S",
        "case": "Case S",
        "page": 4,
        "section": "Analysis > Consultation",
        "paragraph": "4.1.17",
        "quote": "the consultation was not effective.",
        "text": "Complexity meant that the consultation was not effective. Advice was given.",
        "start": 120,
        "end": 155,
        "score": 1.2,
        "passage_id": "norfolk-case-s.md#0017",
    }
    return {**citation, **overrides}


def _no_live_markup(html: str) -> None:
    assert not re.search(r"<\s*(script|img|iframe|svg)", html, re.I), html
    assert "onerror=" not in html.replace("onerror=&quot;", "")  # only as escaped text
    assert "${" not in html and "{{" not in html and "`" not in html


def test_escape_text_turns_markup_and_template_syntax_into_entities():
    escaped = escape_text(HOSTILE)
    _no_live_markup(escaped)
    assert "&lt;script&gt;" in escaped and "&#36;&#123;alert(3)&#125;" in escaped


def test_highlight_marks_exactly_the_quote_inside_its_passage():
    citation = _citation()
    html = highlight(citation["text"], citation["quote"])
    assert html == (
        "Complexity meant that <mark>the consultation was not effective.</mark> Advice was given."
    )


def test_highlight_of_hostile_passage_escapes_around_and_inside_the_mark():
    text = f"Before {HOSTILE} after."
    html = highlight(text, HOSTILE)
    _no_live_markup(html)
    assert html.startswith("Before <mark>&lt;script&gt;")


def test_citation_card_shows_case_title_location_and_reading_link():
    card = citation_card(_citation(), "http://host/scr/")
    assert '<span class="scr-case">Case S</span>' in card
    assert "Learning from Serious Case Reviews: Case S" in card
    assert "p. 4 · para 4.1.17 · Analysis &gt; Consultation" in card
    assert 'href="http://host/scr/source/norfolk-case-s.md?start=120&amp;end=155#quote"' in card
    assert 'id="cite-1-1"' in card  # answer 1's citation 1


def test_citation_card_of_hostile_review_is_inert():
    card = citation_card(
        _citation(
            title=HOSTILE,
            case=HOSTILE,
            section=HOSTILE,
            text=f"x {HOSTILE} y",
            quote=HOSTILE,
            doc_id='a"><script>.md',
        ),  # fmt: skip
        "",
    )
    _no_live_markup(card)
    assert "%22%3E%3Cscript%3E" in card  # the document id is URL-encoded in the link


def test_where_leaves_out_missing_parts():
    assert where({"page": None, "paragraph": None, "section": "Summary"}) == "Summary"
    assert where({"page": 2, "paragraph": "3.1", "section": ""}) == "p. 2 · para 3.1"


def _answer(parts: list[AnswerPart], grouped: bool = False, **fields) -> dict:
    """An Answer JSON as the engine makes it: text rendered from its parts."""
    answer = Answer(question="q", answer=render(parts, grouped), abstained=False, generator="extractive",
                    latency_ms=0.0, parts=parts, grouped=grouped, **fields)  # fmt: skip
    return answer.to_dict()


def test_answer_html_keeps_case_labels_and_escapes_sentences():
    parts = [
        AnswerPart("Case S", "It was <b>late</b>", (1,)),
        AnswerPart("Case S", "Then *nothing*", (2,)),
        AnswerPart("Child J", "Plain", (3,), line=1),
    ]
    answer = _answer(parts, grouped=True)
    assert answer["answer"].splitlines()[0] == "- **Case S**: It was <b>late</b> [1] Then *nothing* [2]"
    html = answer_html(answer, turn=4)
    items = re.findall(r"<li>(.*?)</li>", html)
    assert len(items) == 2 and html.startswith("<ul>") and html.endswith("</ul>")
    assert items[0].startswith(
        '<strong class="scr-review">Case S</strong>: It was &lt;b&gt;late&lt;/b&gt; <a '
    )
    assert "Then *nothing* <a " in items[0]  # shown as the characters the review has
    assert re.findall(r'href="#(cite-[\d-]+)"', html) == ["cite-4-1", "cite-4-2", "cite-4-3"]


def test_a_review_label_is_escaped_in_html():
    answer = _answer([AnswerPart(f"Child {HOSTILE}", "Plain", (1,))], grouped=True)
    html = answer_html(answer, turn=1)
    _no_live_markup(html)
    assert '<strong class="scr-review">Child &lt;script&gt;alert(1)&lt;/script&gt; &lt;img' in html


def test_only_real_citations_become_links():
    parts = [AnswerPart("", "[1]: javascript:alert(1) and", (2,)), AnswerPart("", "more", (3,))]
    html = answer_html(_answer(parts), turn=1)
    assert html.startswith("<p>[1]: javascript:alert(1) and <a ")
    assert re.findall(r'data-n="(\d+)"', html) == ["2", "3"]
    draft = draft_html("- **Case S**: It was <b>late</b> [1]\nsecond line [2]")
    assert draft == (
        '<ul><li><strong class="scr-review">Case S</strong>: It was &lt;b&gt;late&lt;/b&gt; [1]</li></ul>'
        "<p>second line [2]</p>"
    )


def test_abstention_is_labelled_differently_from_an_answer():
    def declined(text: str, reason: str) -> dict:
        return {**_answer([AnswerPart("", text, kind="notice")], reason=reason), "abstained": True}

    label = re.compile(r'^<p class="scr-label-line"><em class="scr-label">([^<]+)</em></p>')
    abstained = answer_html(declined(prompts.ABSTAIN_WEAK_EVIDENCE, "weak evidence (best 0.30)"), 1)
    refused = answer_html(declined(prompts.REFUSE_IDENTIFY, "refused: identify"), 1)
    answered = answer_html(_answer([AnswerPart("", "It was late", (1,))]), 1)
    assert label.match(abstained).group(1) == "Not found in the reviews"
    assert label.match(refused).group(1) == "Not answered"
    assert not label.match(answered)


def test_sources_panel_for_an_answer_lists_a_card_per_citation():
    other = _citation(n=2, case="Child J", passage_id="warwickshire-child-j.md#0003", text="Another passage.")
    answer = {"abstained": False, "citations": [_citation(n=1), other]}
    html = sources_panel(answer, "", turn=3)
    assert html.count('class="scr-card"') == 2
    assert 'id="cite-3-2"' in html and "Child J" in html


def test_sources_panel_for_an_abstention_shows_a_notice_and_related_passages():
    related = {"doc_id": "d.md", "title": "T", "case": "Case S", "page": None, "paragraph": None,
               "section": "S", "text": HOSTILE}  # fmt: skip
    html = sources_panel({"abstained": True, "citations": [], "related": [related]}, "")
    assert "scr-notice" in html and "scr-related" in html and 'scr-card"' not in html
    _no_live_markup(html)


def test_source_page_marks_the_quote_and_escapes_the_document():
    document = Document(doc_id="x.txt", title=HOSTILE, case="Case X", board=HOSTILE, year=2020, path="x.txt",
                        text=f"Intro. {HOSTILE} The quote is here. End.")  # fmt: skip
    start = document.text.index("The quote")
    page = source_page(document, start, start + len("The quote is here."), "http://host/")
    _no_live_markup(page)
    assert '<mark id="quote">The quote is here.</mark>' in page


def test_out_of_range_offsets_mark_nothing():
    assert "<mark" not in document_html("short text", False, 5, 500)
    assert "<mark" not in document_html("short text", False, 6, 2)
    assert "<mark" not in document_html("short text", False, None, None)


def test_a_card_says_on_request_why_its_sentence_was_chosen():
    card = citation_card(
        {**_citation(), "why": {"cosine": 0.41, "cue": 0.15, "passage_rank": 0.0, "shape": 1.0}}, ""
    )
    assert '<details class="scr-why"><summary>Why this sentence</summary>' in card
    assert card.index("close in meaning") < card.index("words typical")  # biggest first
    assert "ranked high" not in card  # a part that added nothing is not listed
    assert "whole sentence (1 = yes): 1.00" in card
    assert "scr-why" not in citation_card(_citation(), "")
