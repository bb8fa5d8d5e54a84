"""The conversation as HTML, copy text and print view; cards merged per passage; the reading
page's own small renderer; the conversation a browser keeps. Review text stays inert throughout."""

from __future__ import annotations

import re

from rag.answer.render import render
from rag.types import Answer, AnswerPart, Document
from rag.web.chat_html import conversation_html, conversation_sources, turn_html
from rag.web.export import answer_markdown_copy, answer_text, reference
from rag.web.history import restored_turns, stored_turns
from rag.web.pages import page_of, source_page
from rag.web.reading import document_html
from rag.web.sources import answer_cards, highlight_all, where
from tests.test_web_render import HOSTILE, _citation, _no_live_markup

PASSAGE = "First sentence here. The quoted sentence is this one. A later sentence follows it."


def _answer(citations: list[dict], grouped: bool = True) -> dict:
    parts = [AnswerPart("Case S (Norfolk, 2017)", f"Statement {c['n']}", (c["n"],)) for c in citations]
    answer = Answer(question="q", answer=render(parts, grouped), abstained=False, generator="extractive",
                    latency_ms=0.0, parts=parts, grouped=grouped)  # fmt: skip
    return {**answer.to_dict(), "citations": citations}


def _turn(n: int, citations: list[dict], question: str = "What went wrong?") -> dict:
    return {"n": n, "question": question, "case": None, "answer": _answer(citations)}


def _two_quotes_of_one_passage() -> list[dict]:
    return [
        _citation(n=1, text=PASSAGE, quote="First sentence here."),
        _citation(n=2, text=PASSAGE, quote="A later sentence follows it.", paragraph="4.1.18"),
    ]


# --- cards: one per passage ---------------------------------------------------------------------


def test_citations_of_one_passage_share_one_card_with_a_mark_each():
    html = answer_cards(_answer(_two_quotes_of_one_passage()), "", turn=2)
    assert html.count('<article class="scr-card"') == 1
    assert html.count("First sentence here.") == 1  # the passage is shown once
    assert re.findall(r'<mark data-n="(\d+)">', html) == ["1", "2"]
    assert 'id="cite-2-1"' in html and '<span class="scr-anchor" id="cite-2-2">' in html
    assert '<span class="scr-n">[1] [2]</span>' in html
    assert "para 4.1.17" in html and "para 4.1.18" in html  # where each quote is


def test_overlapping_quotes_share_one_mark():
    html = highlight_all(PASSAGE, [("First sentence here. The quoted", (1,)), ("The quoted sentence", (2,))])
    assert html == (
        '<mark data-n="1 2">First sentence here. The quoted sentence</mark> is this one. A later sentence follows it.'
    )


def test_cards_say_page_paragraph_and_section_and_open_a_pdf_at_its_page():
    pdf = _citation(doc_id="bexley-baby-f.pdf", page=3, page_end=4, paragraph="4.4.1", section="4 Events")
    assert where(pdf) == "pp. 3-4 · para 4.4.1 · 4 Events"
    card = answer_cards(_answer([pdf]), "http://host/scr/", turn=1)
    assert 'href="http://host/scr/files/bexley-baby-f.pdf#page=3"' in card
    markdown_card = answer_cards(_answer([_citation()]), "", turn=1)
    assert "scr-original" not in markdown_card  # a markdown file has no pages to open at


def test_each_answer_keeps_its_cards_and_only_the_latest_is_shown():
    turns = [_turn(1, [_citation(n=1)]), _turn(2, [_citation(n=1, doc_id="other.md")])]
    html = conversation_sources(turns, "")
    groups = re.findall(
        r'<section class="scr-turn-sources" id="sources-(\d)" data-turn="\d"( hidden)?>', html
    )
    assert groups == [("1", " hidden"), ("2", "")]
    assert 'id="cite-1-1"' in html and 'id="cite-2-1"' in html


# --- the chat window, copy and print ------------------------------------------------------------


def test_a_turn_links_its_markers_to_its_own_cards_and_holds_its_copies():
    html = turn_html(_turn(3, _two_quotes_of_one_passage(), question=f"Why {HOSTILE}?"))
    _no_live_markup(html)
    assert re.findall(r'href="#(cite-\d-\d)"', html) == ["cite-3-1", "cite-3-2"]
    assert '<pre class="scr-copy" data-format="text" hidden>Question: Why &lt;script&gt;' in html
    assert 'data-format="markdown"' in html and ">Sources (2)</button>" in html


def test_copied_text_ends_with_references_and_has_no_escapes():
    citations = [_citation(n=1, quote="the consultation (by phone) was *not* effective.", page=None)]
    text = answer_text("What went wrong?", _answer(citations))
    assert text.splitlines()[:3] == [
        "Question: What went wrong?",
        "",
        "- Case S (Norfolk, 2017): Statement 1 [1]",
    ]
    assert text.split("References\n")[1] == (
        "[1] Case S, \u201cLearning from Serious Case Reviews: Case S\u201d, Analysis > Consultation, para 4.1.17: "
        "\u201cthe consultation (by phone) was *not* effective.\u201d"
    )
    markdown = answer_markdown_copy("What went wrong?", _answer(citations))
    assert "- **Case S (Norfolk, 2017)**: Statement 1 [1]" in markdown
    assert "**References**\n\n- [1] Case S, " in markdown
    assert "\\" not in text + markdown


def test_a_reference_names_the_page_when_known():
    assert reference(_citation(page=4, page_end=5, quote="q")).endswith("para 4.1.17, pp. 4-5: \u201cq\u201d")


def test_print_view_lists_every_question_and_its_references():
    turns = [_turn(1, [_citation(n=1)], "First question?"), _turn(2, _two_quotes_of_one_passage(), "Second?")]
    html = conversation_html(turns)
    printed = html[html.index('<section class="scr-print">') :]
    assert re.findall(r"<h2>(Question \d)</h2>", printed) == ["Question 1", "Question 2"]
    assert "First question?" in printed and "Second?" in printed
    assert re.findall(r'<li value="(\d)">', printed) == ["1", "1", "2"]
    assert "scr-cite" not in printed  # no links on paper


def test_an_empty_chat_offers_the_examples():
    html = conversation_html([], examples=["What went wrong <b>?"])
    assert (
        '<button type="button" class="scr-example" data-index="0">What went wrong &lt;b&gt;?</button>' in html
    )


# --- the reading page -----------------------------------------------------------------------------

MARKDOWN = "# **Learning from reviews**\n\n## Case S\n\nA first paragraph\nover two lines.\n\n- one item\n- two <b>\n4. four\n"


def test_markdown_documents_read_as_headings_and_lists():
    html = document_html(MARKDOWN, markdown=True)
    assert html.startswith("<h2><strong>Learning from reviews</strong></h2><h3>Case S</h3>")
    assert "<p>A first paragraph\nover two lines.</p>" in html
    assert '<ul><li>one item</li><li>two &lt;b&gt;</li></ul><ol><li value="4">four</li></ol>' in html


def test_plain_text_reads_as_paragraphs_and_the_quote_is_marked_across_lines():
    start = MARKDOWN.index("first")
    end = MARKDOWN.index("over two") + len("over two")
    html = document_html(MARKDOWN, markdown=False, start=start, end=end)
    assert "<h2>" not in html and "<p># **Learning from reviews**</p>" in html
    assert '<p>A <mark id="quote">first paragraph</mark> <mark>over two</mark> lines.</p>' in html  # one line


def test_plain_text_keeps_the_line_breaks_a_page_did_not_make():
    text = "4.3 Involvement\n4.3.1 The referral was\nreceived late.\nThen nothing."
    assert (
        document_html(text, markdown=False)
        == "<p>4.3 Involvement\n4.3.1 The referral was received late.\nThen nothing.</p>"
    )


def test_marks_and_strong_nest_and_hostile_text_stays_text():
    text = f"# Head **bold {HOSTILE}** tail"
    start = text.index("bold")
    html = document_html(text, markdown=True, start=start, end=text.index("tail"))
    _no_live_markup(html)
    assert html.startswith('<h2>Head <mark id="quote"><strong>bold &lt;script&gt;')  # each piece nests
    assert html.endswith("</strong></mark><mark> </mark>tail</h2>")  # the ** themselves are not shown


def test_the_reading_page_links_back_and_opens_the_pdf_at_the_quoted_page():
    pages = ({"number": 1, "start": 0, "end": 20}, {"number": 2, "start": 20, "end": 60})
    pdf = Document(doc_id="r.pdf", title="T", path="r.pdf", kind="pdf", pages=pages, text="x" * 60)
    assert page_of(pdf, 25) == 2 and page_of(pdf, None) is None
    page = source_page(pdf, 25, 30, "http://host/scr/", back="../")
    assert '<a class="back" href="../">Back to the answers</a>' in page
    assert '<a class="original" href="http://host/scr/files/r.pdf#page=2">Original file, page 2</a>' in page
    one_page = ({"number": None, "start": 0, "end": len(MARKDOWN)},)  # how text files are stored
    markdown = Document(doc_id="m.md", title="M", path="m.md", kind="markdown", pages=one_page, text=MARKDOWN)
    assert page_of(markdown, 3) is None
    page = source_page(markdown, 3, 9, "http://host/")
    assert (
        "<h3>Case S</h3>" in page
        and '<a class="original" href="http://host/files/m.md">Original file</a>' in page
    )


# --- the conversation kept in the browser -----------------------------------------------------------


def test_the_browser_keeps_answers_without_their_retrieved_passages():
    turn = _turn(1, [_citation()])
    turn["answer"]["retrieved"] = [{"text": "long passage"}]
    kept = stored_turns([turn])
    assert (
        "retrieved" not in kept[0]["answer"] and kept[0]["answer"]["citations"] == turn["answer"]["citations"]
    )
    assert "retrieved" in turn["answer"]  # the page's own turns keep them


def test_a_stored_conversation_is_read_back_only_as_far_as_it_is_well_formed():
    good = [_turn(1, [_citation()]), _turn(2, [_citation()])]
    assert restored_turns(good) == good
    broken_citation = _turn(3, [{**_citation(), "n": "x"}])
    not_a_turn = {"n": 4, "question": "q", "answer": "text"}
    out_of_order = _turn(1, [_citation()])
    assert restored_turns([*good, broken_citation, not_a_turn, out_of_order]) == good
    assert restored_turns("not a list") == [] and restored_turns(None) == []
    assert restored_turns([{**good[0], "n": True}]) == []
    padded = _turn(1, [_citation(text="x" * 300_000)])  # bigger than any real answer
    assert restored_turns([padded]) == []
