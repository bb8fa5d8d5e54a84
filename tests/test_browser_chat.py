"""The chat flow in a real browser (Debian's chromium, driven by Playwright), at 1366x900 and
390x844, directly, at /embed/ and through nginx at a sub-path: new turns scroll into view,
[n] shows its own answer's card at the highlighted quote, pages and PDF links, the reading
page, copy, print and reload. Measured positions go to artifacts/chat-figures.json and
screenshots to artifacts/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser_support import (
    BROWSER_TESTS,
    DESKTOP,
    PHONE,
    SHOWN_CARDS,
    WAIT_MS,
    artifact,
    ask,
    page_on,
    show_reviews,
)
from tests.web_support import CASE_S_QUESTION, NGINX, nginx_in_front, served_app, serving_settings

QUESTIONS = [
    CASE_S_QUESTION,
    "How did agencies share information about Child H?",
    "What did the Bexley Baby F review find about health visiting?",
    "What did the Child J review recommend?",
    "What happened to Jack in Bradford?",
    "What were the lessons about child protection medicals for the Calderdale child?",
    "What did the York review find about neglect?",
    "What went wrong with the referral for Child Q in Hackney?",
    "What did the Sefton review say about the health visitor?",
    "How did the police share information in Case S?",
]
BEXLEY = QUESTIONS[2]
FIGURES: dict[str, object] = {}

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("web-chat")
    settings = serving_settings(hostile_index, root, root_path="/scr")
    with served_app(settings) as (base, _):
        yield base, root
    (artifact("chat-figures.json")).write_text(json.dumps(FIGURES, indent=1), encoding="utf-8")


def rect(page, selector: str) -> dict:
    """The element's box in the window: top, bottom, left, right (px)."""
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
    )


def inside(inner: dict, outer: dict, slack: float = 1) -> bool:
    return inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack


def window(page) -> dict:
    size = page.viewport_size
    return {"top": 0, "bottom": size["height"], "left": 0, "right": size["width"]}


def latest_turn_in_view(page) -> dict:
    """Where the latest question and the first line of its answer are, and whether both are
    inside the chat window and the browser window."""
    turn = "#scr-chat .scr-turn:last-child"
    question, answer_start = rect(page, f"{turn} .scr-q"), rect(page, f"{turn} .scr-a > :first-child")
    chat = rect(page, "#scr-chat")
    first_line = {**answer_start, "bottom": min(answer_start["bottom"], answer_start["top"] + 26)}
    seen = all(inside(box, area) for box in (question, first_line) for area in (chat, window(page)))
    return {"question_top": round(question["top"]), "answer_top": round(answer_start["top"]),
            "chat": [round(chat["top"]), round(chat["bottom"])], "visible": seen}  # fmt: skip


def ask_and_keep(page, question: str) -> None:
    """Ask, and wait until the browser has stored the answer (a moment after it is shown)."""
    before = page.evaluate("() => localStorage.getItem('scr-conversation')")
    ask(page, question)
    page.wait_for_function("b => localStorage.getItem('scr-conversation') !== b", arg=before, timeout=WAIT_MS)


# --- 1. every new turn in view ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device", "path", "turns"),
    [("desktop", "/", 10), ("phone", "/", 10), ("desktop", "/embed/", 3), ("phone", "/embed/", 3),
     ("desktop", "nginx /scr/", 3), ("phone", "nginx /scr/embed/", 3)],
)  # fmt: skip
def test_every_new_turn_scrolls_into_view(browser, site, device, path, turns):
    viewport = DESKTOP if device == "desktop" else PHONE
    with app_url(site, path) as url, page_on(browser, url, viewport=viewport) as page:
        seen = []
        for question in QUESTIONS[:turns]:
            ask(page, question)
            page.wait_for_timeout(150)  # the scroll follows gradio's re-render
            seen.append(latest_turn_in_view(page))
        box = rect(page, "#scr-question textarea")
        FIGURES[f"scroll {device} {path}"] = {
            "turns": seen,
            "question_box": [round(box["top"]), round(box["bottom"])],
        }
        assert all(s["visible"] for s in seen), seen
        if device == "desktop":  # the question box is reachable without scrolling
            assert inside(box, window(page)), box
        name = re.sub(r"[^a-z]+", "-", f"chat {device} {path}").strip("-")
        page.screenshot(path=str(artifact(f"{name}.png")))


@contextmanager
def app_url(site, path: str) -> Iterator[str]:
    """The app's URL for `path`; 'nginx /scr/...' is through nginx at the sub-path /scr."""
    if not path.startswith("nginx "):
        yield site[0] + path
        return
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed: bash scripts/setup-browser.sh")
    with nginx_in_front(site[0], site[1] / re.sub(r"\W+", "-", path)) as public:
        yield public + path.removeprefix("nginx /scr/")


def test_on_a_phone_the_latest_sources_are_one_tap_away(browser, site):
    with page_on(browser, site[0] + "/", viewport=PHONE) as page:
        for question in QUESTIONS[:3]:
            ask(page, question)
        button = page.locator("#scr-chat .scr-turn:last-child .scr-show-sources")
        assert inside(rect(page, "#scr-chat .scr-turn:last-child .scr-show-sources"), window(page))
        button.click()
        first_card = f"{SHOWN_CARDS} >> nth=0"
        assert page.locator("#sources-3").is_visible() and not page.locator("#scr-chat").is_visible()
        FIGURES["phone sources card top after one tap"] = round(rect(page, first_card)["top"])
        assert rect(page, first_card)["top"] < PHONE["height"]
        shown, total = _passage_marks_in_view(page)
        FIGURES["phone: cards with the quote in view after one tap"] = f"{shown} of {total}"
        assert shown == total
        page.screenshot(path=str(artifact("chat-phone-sources.png")))
        page.locator("#sources-3 .scr-back-to-chat").click()
        assert page.locator("#scr-chat").is_visible() and latest_turn_in_view(page)["question_top"] >= 0


# --- 2. [n] shows its own answer's card at the highlighted quote --------------------------------------


def _passage_marks_in_view(page) -> tuple[int, int]:
    """(cards whose first highlighted quote is inside the visible part of its passage box, cards)."""
    return page.evaluate(
        """sel => { const cards = [...document.querySelectorAll(sel)];
        const ok = cards.filter(c => { const p = c.querySelector('.scr-passage'), m = p.querySelector('mark');
          if (!m) return true; const pr = p.getBoundingClientRect(), mr = m.getBoundingClientRect();
          return mr.top >= pr.top - 1 && mr.top + Math.min(mr.height, 20) <= pr.bottom + 1; });
        return [ok.length, cards.length]; }""",
        SHOWN_CARDS,
    )


def test_every_card_opens_its_passage_at_the_highlighted_quote(browser, site):
    with page_on(browser, site[0] + "/", viewport=DESKTOP) as page:
        for question in QUESTIONS[:4]:
            ask(page, question)
        for turn, question in enumerate(QUESTIONS[:4], start=1):
            page.locator(f"#turn-{turn} .scr-show-sources").click()
            page.wait_for_timeout(100)
            shown, total = _passage_marks_in_view(page)
            FIGURES[f"cards with the quote in view: {question}"] = f"{shown} of {total}"
            assert shown == total, question


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_citation_of_an_earlier_answer_shows_its_card_at_the_quote(browser, site, device):
    viewport = DESKTOP if device == "desktop" else PHONE
    with page_on(browser, site[0] + "/", viewport=viewport) as page:
        ask(page, CASE_S_QUESTION)
        ask(page, QUESTIONS[1])
        cites = page.locator("#turn-1 a.scr-cite")
        last = cites.nth(cites.count() - 1)
        n = last.get_attribute("data-n")
        page.locator("#turn-1 .scr-q").scroll_into_view_if_needed()
        if device == "desktop":  # by keyboard: a [n] is a link like any other
            last.focus()
            page.keyboard.press("Enter")
        else:
            last.click()
        page.wait_for_timeout(150)
        assert page.locator("#sources-1").is_visible() and not page.locator("#sources-2").is_visible()
        card = page.locator(f"#cite-1-{n}").locator("xpath=ancestor-or-self::article[1]")
        mark = card.locator(f'mark[data-n~="{n}"]')
        passage = rect_of(card.locator(".scr-passage"))
        panel = rect(page, "#scr-sources") if device == "desktop" else window(page)
        FIGURES[f"[{n}] of answer 1 ({device})"] = {
            "card": rect_of(card),
            "mark": rect_of(mark),
            "passage": passage,
        }
        assert inside(rect_of(card.locator("header")), panel) and inside(
            rect_of(card.locator("header")), window(page)
        )
        assert inside(rect_of(mark, lines=1), passage)  # the quote is in the passage box's visible part
        assert inside(rect_of(mark, lines=1), window(page))
        assert card.evaluate("e => e === document.activeElement")  # the keyboard goes on from the card
        if device == "desktop":
            assert "scr-selected" in page.locator("#turn-1").get_attribute("class")
            page.locator("#turn-2 .scr-a p, #turn-2 .scr-a li").first.click()  # selecting answer 2
            assert page.locator("#sources-2").is_visible() and not page.locator("#sources-1").is_visible()
        page.screenshot(path=str(artifact(f"citation-{device}.png")))


def rect_of(locator, lines: int = 0) -> dict:
    box = locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; }"
    )
    return {**box, "bottom": min(box["bottom"], box["top"] + 24 * lines)} if lines else box


def test_a_card_never_repeats_a_passage_of_its_answer(browser, site):
    with page_on(browser, site[0] + "/", viewport=DESKTOP) as page:
        ask(page, CASE_S_QUESTION)
        passages = page.locator(f"{SHOWN_CARDS} .scr-passage").all_inner_texts()
        citations = page.locator("#turn-1 a.scr-cite").count()
        assert len(passages) == len(set(passages)) and citations > len(passages)  # some cards hold several
        numbers = re.findall(r"\[(\d+)\]", " ".join(page.locator(f"{SHOWN_CARDS} .scr-n").all_inner_texts()))
        assert sorted(map(int, numbers)) == list(range(1, citations + 1))  # every [n] has its card


# --- 3. pages, the PDF at its page, the reading page -------------------------------------------------


def test_pdf_citations_show_their_page_and_open_at_it(browser, site):
    with page_on(browser, site[0] + "/", viewport=DESKTOP) as page:
        ask(page, BEXLEY)
        card = page.locator(SHOWN_CARDS).filter(has=page.locator("a.scr-original")).first
        page_number = re.search(r"\bp+\. (\d+)", card.locator(".scr-where").inner_text()).group(1)
        link = card.locator("a.scr-original").get_attribute("href")
        assert link.endswith(f"/files/bexley-baby-f-overview-report.pdf#page={page_number}"), link
        response = page.request.get(link.split("#")[0])
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        with page.context.expect_page() as opened:
            card.locator("a.scr-context").click()
        reading = opened.value
        reading.wait_for_load_state()
        original = reading.locator("a.original")
        assert original.inner_text() == f"Original file, page {page_number}"
        assert original.get_attribute("href").endswith(f"#page={page_number}")


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: bash scripts/setup-browser.sh")
def test_the_reading_page_renders_markdown_and_leads_back_to_the_chat(browser, site):
    with nginx_in_front(site[0], site[1] / "nginx-chat") as public, page_on(browser, public, DESKTOP) as page:
        ask_and_keep(page, CASE_S_QUESTION)
        with page.context.expect_page() as opened:
            page.locator(SHOWN_CARDS).first.locator("a.scr-context").click()
        reading = opened.value
        reading.wait_for_load_state()
        text = reading.locator("main .text")
        assert text.locator("h2").count() >= 2 and text.locator("li").count() >= 5
        assert not re.search(r"^#+ ", text.inner_text(), re.M)  # no raw markdown headings
        assert inside(rect(reading, "mark#quote"), window(reading))
        reading.screenshot(path=str(artifact("reading-page.png")))
        reading.locator("a.back").click()
        reading.wait_for_load_state()
        assert reading.url == public  # relative: the proxy's sub-path is kept
        reading.locator("#scr-chat .scr-turn").first.wait_for(timeout=WAIT_MS)  # the conversation kept
        assert CASE_S_QUESTION in reading.locator("#scr-chat .scr-q").first.inner_text()


# --- 4. copy, print, reload ------------------------------------------------------------------------


def test_copy_gives_the_answer_with_its_references_and_no_escapes(browser, site):
    options = {"permissions": ["clipboard-read", "clipboard-write"]}
    with page_on(browser, site[0] + "/", DESKTOP, **options) as page:
        ask(page, CASE_S_QUESTION)
        quote = page.locator(f"{SHOWN_CARDS} mark").first.inner_text()
        page.locator("#turn-1 button[data-copy=text]").click()
        page.get_by_text("Text copied").wait_for(timeout=WAIT_MS)
        text = page.evaluate("() => navigator.clipboard.readText()")
        page.locator("#turn-1 button[data-copy=markdown]").click()
        page.get_by_text("Markdown copied").wait_for(timeout=WAIT_MS)
        markdown = page.evaluate("() => navigator.clipboard.readText()")
    FIGURES["copied text"] = text
    assert text.startswith(f"Question: {CASE_S_QUESTION}\n")
    body, references = text.split("\nReferences\n")
    cited = set(re.findall(r"\[(\d+)\]", body))
    listed = re.findall(r"^\[(\d+)\] Case S \(Norfolk, 2017\), \u201c", references, re.M)
    assert cited and cited == set(listed)  # every pasted [n] resolves
    assert " ".join(quote.split()) in " ".join(references.split())
    assert "**References**" in markdown and re.search(r"^- \[1\] Case S", markdown, re.M)
    assert "\\" not in text and "\\" not in markdown


def test_the_print_view_holds_every_question_and_its_references(browser, site):
    with page_on(browser, site[0] + "/", DESKTOP) as page:
        ask(page, CASE_S_QUESTION)
        ask(page, BEXLEY)
        page.emulate_media(media="print")
        printed = page.locator(".scr-print")
        assert printed.is_visible() and not page.locator(".scr-turns").is_visible()
        assert (
            not page.locator("#scr-sources").is_visible() and not page.locator("#scr-question").is_visible()
        )
        text = printed.inner_text()
        assert CASE_S_QUESTION in text and BEXLEY in text and text.count("References") == 2
        page.screenshot(path=str(artifact("print-view.png")), full_page=True)
        page.pdf(path=str(artifact("conversation.pdf")))


def test_the_print_view_prints_with_the_reviews_tab_open(browser, site):
    with page_on(browser, site[0] + "/", DESKTOP) as page:
        ask(page, CASE_S_QUESTION)
        show_reviews(page)
        page.emulate_media(media="print")
        printed = page.locator(".scr-print")
        assert printed.is_visible() and CASE_S_QUESTION in printed.inner_text()
        assert not page.locator("#scr-reviews").is_visible()


def test_a_reload_keeps_the_conversation_in_this_browser_only(browser, site):
    with page_on(browser, site[0] + "/", DESKTOP) as page:
        ask_and_keep(page, CASE_S_QUESTION)
        ask_and_keep(page, QUESTIONS[1])
        page.reload()
        page.locator("#scr-chat #turn-2").wait_for(timeout=WAIT_MS)
        assert page.locator("#scr-chat .scr-turn").count() == 2
        assert page.locator("#sources-2").is_visible()
        page.locator("#turn-1 a.scr-cite").first.click()  # the earlier answer keeps its sources
        assert page.locator("#sources-1").is_visible()
        ask(page, BEXLEY)  # the conversation goes on: answer 3
        assert page.locator("#turn-3").count() == 1
        with page_on(browser, site[0] + "/", DESKTOP) as other:  # another browser profile
            other.locator("#scr-chat .scr-empty-chat").wait_for(timeout=WAIT_MS)
        page.locator("#scr-new").click()
        page.locator("#scr-chat .scr-empty-chat").wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(300)
        page.reload()
        page.locator("#scr-chat .scr-empty-chat").wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(500)
        assert page.locator("#scr-chat .scr-turn").count() == 0


def test_the_web_component_links_citations_too(browser, site):
    with page_on(browser, site[0] + "/embedding", DESKTOP) as page:
        component = page.locator("gradio-app")
        component.locator("#scr-question textarea").fill(CASE_S_QUESTION, timeout=WAIT_MS)
        component.locator("#scr-ask").click()
        component.locator("#turn-1:not(.scr-pending) a.scr-cite").first.wait_for(timeout=WAIT_MS)
        cites = component.locator("#turn-1 a.scr-cite")
        n = cites.nth(cites.count() - 1).get_attribute("data-n")
        cites.nth(cites.count() - 1).click()
        card = component.locator(f"#cite-1-{n}").locator("xpath=ancestor-or-self::article[1]")
        assert inside(rect_of(card.locator("header")), rect_of(component.locator("#scr-sources")))


# --- the new markup's colours in both themes -------------------------------------------------------

CONTRAST_JS = """selectors => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
  return selectors.map((s) => { const e = document.querySelector(s); const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
    return [s, Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100]; });
}"""
# The chat's own markup outside the cards (the cards' colours, and so those of the links on
# them, are app.css's).
NEW_MARKUP = ["#turn-1 .scr-q p", "#turn-1 a.scr-cite", "#turn-1 .scr-turn-label", "#turn-1 .scr-show-sources",
              "#turn-1 button[data-copy]", "#sources-1 .scr-sources-for", "#sources-1 .scr-sources-q",
              "#turn-2 .scr-label"]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chat_markup_keeps_its_contrast_in_both_themes(browser, site, scheme):
    with page_on(browser, site[0] + "/", DESKTOP, color_scheme=scheme) as page:
        ask(page, BEXLEY)
        ask(page, "What was the weather like in Case S?")  # an abstention: its label
        page.locator("#turn-1 .scr-show-sources").click()
        ratios = dict(page.evaluate(CONTRAST_JS, NEW_MARKUP))
        FIGURES[f"contrast of the chat's own markup ({scheme})"] = ratios
        assert ("dark" in page.evaluate("document.body.className")) == (scheme == "dark")
        assert all(r >= 4.5 for r in ratios.values()), ratios
        page.screenshot(path=str(artifact(f"chat-{scheme}.png")))
