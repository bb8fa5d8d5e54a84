"""Accessibility in real Chromium: names a screen reader reads, headings in order, every
control used from the keyboard alone, and axe-core scans (tests/data/axe) of the chat after
an answer, the /embed/ page, the Reviews view and the reading page, light and dark."""

from __future__ import annotations

import re

import pytest

from tests.browser_support import (
    BROWSER_TESTS,
    DESKTOP,
    PHONE,
    WAIT_MS,
    app_ready,
    ask,
    axe_scan,
    by_impact,
    serious,
    show_reviews,
    themed_page,
)
from tests.web_support import CASE_S_QUESTION, served_app, serving_settings

pytestmark = BROWSER_TESTS
QUESTION_NAME = "Question about the reviews"


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    settings = serving_settings(hostile_index, tmp_path_factory.mktemp("web-a11y"), root_path="/scr")
    with served_app(settings) as (base, _):
        yield base


def test_names_are_plain_text_and_the_sources_are_announced(browser, site):
    with themed_page(browser, site + "/") as page:
        question = page.get_by_role("textbox", name=QUESTION_NAME)
        question.wait_for(timeout=WAIT_MS)
        assert question.count() == 1
        ask(page)
        assert page.locator("#scr-sources").get_attribute("aria-live") == "polite"
        answer = page.locator("#scr-chat [aria-label^='Answer: ']").last
        page.wait_for_function(  # the name follows the text as gradio re-renders it
            "() => [...document.querySelectorAll('#scr-chat [aria-label]')].every(e => !/s message: /.test(e.getAttribute('aria-label')))"
        )
        name = answer.get_attribute("aria-label")
        shown = " ".join(answer.inner_text().split())
        assert not re.search(r"\\[()*_\[]|\*\*", name), name  # no markdown escapes or emphasis
        assert name == "Answer: " + shown[:400]
        asked = page.locator("#scr-chat [aria-label^='Your question: ']").last.get_attribute("aria-label")
        assert asked == f"Your question: {CASE_S_QUESTION}"


@pytest.mark.parametrize("view", ["chat", "reviews"])
def test_heading_levels_never_skip_one(browser, site, view):
    with themed_page(browser, site + "/") as page:
        ask(page, "What was the weather like in Case S?")  # an abstention: its closest passages too
        if view == "reviews":
            show_reviews(page)
        levels = page.evaluate(
            "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
            ".filter(h => h.getClientRects().length).map(h => Number(h.tagName[1]))"
        )
    assert levels[0] == 1 and len(levels) >= 2
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_every_control_works_from_the_keyboard(browser, site):
    with themed_page(browser, site + "/") as page:
        app_ready(page)  # before it, the case list may re-render under the keyboard's focus
        box = page.get_by_role("textbox", name=QUESTION_NAME)
        box.focus(timeout=WAIT_MS)
        assert tab_order(page, 5) == ["scr-ask", "scr-case", "scr-new", "scr-print", "scr-feedback"]
        box.focus()
        page.keyboard.press("Tab")  # Ask
        page.keyboard.press("Tab")  # the case list: open it, choose a case, move on
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#scr-case input').value !== 'All cases'")
        page.keyboard.press("Tab")
        assert focused_in(page) == "scr-new"
        assert page.locator("#scr-case input").get_attribute("aria-expanded") == "false"
        page.locator("#scr-case [role=listbox]").wait_for(state="hidden", timeout=2000)  # not over its label
        page.locator("#scr-case input").focus()  # back to all cases, by keyboard again
        page.keyboard.press("Control+a")
        page.keyboard.type("All cases")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        box.focus()
        page.keyboard.type(CASE_S_QUESTION)
        page.keyboard.press("Enter")  # sends the question
        page.locator("#scr-sources .scr-card").first.wait_for(timeout=WAIT_MS)
        _rate_by_keyboard(page)
        page.locator("#scr-new").focus()
        page.keyboard.press("Enter")  # a new chat
        page.locator("#scr-sources .scr-empty").wait_for(timeout=WAIT_MS)
        _open_reviews_by_keyboard(page)


def _rate_by_keyboard(page) -> None:
    page.locator("#scr-feedback button").first.focus()
    page.keyboard.press("Enter")  # opens "Rate the latest answer"
    page.locator("#scr-comment textarea").wait_for(timeout=WAIT_MS)
    page.keyboard.press("Tab")
    assert focused_in(page) == "scr-comment"
    page.keyboard.type("Clear and quoted.")
    page.keyboard.press("Tab")
    assert focused_in(page) == "scr-up"
    page.keyboard.press("Enter")
    page.get_by_text("your rating of the latest answer was saved").wait_for(timeout=WAIT_MS)


def _open_reviews_by_keyboard(page) -> None:
    page.locator("#scr-tab-ask-button").focus()
    page.keyboard.press("ArrowRight")
    if focused_in(page) != "scr-tab-reviews-button":  # tabs moved by Tab instead of arrows
        page.keyboard.press("Tab")
    assert focused_in(page) == "scr-tab-reviews-button"
    page.keyboard.press("Enter")
    page.locator("#scr-reviews .scr-review").first.wait_for(timeout=WAIT_MS)
    for _ in range(60):  # the matrix's cells are reached by Tab from the tab itself
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('button.scr-cell-button')"):
            break
    else:
        pytest.fail("Tab never reached a cell of the theme matrix")
    page.keyboard.press("Enter")
    assert page.locator("#scr-reviews .scr-tag-panel:visible").count() == 1


def tab_order(page, presses: int) -> list[str]:
    """The app element (id starting scr-) each Tab press lands in, from where focus is."""
    landed = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        landed.append(focused_in(page))
    return landed


def focused_in(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; const box = e && e.closest('[id^=scr-]');"
        " return box ? box.id : e.tagName; }"
    )


# --- axe-core -----------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious(browser, site, scheme, viewport):
    found: dict[str, list[dict]] = {}
    with themed_page(browser, site + "/", scheme, viewport=viewport, bypass_csp=True) as page:
        ask(page)
        found["chat after an answer"] = axe_scan(page)
        show_reviews(page)
        found["Reviews view"] = axe_scan(page)
        page.goto(page.locator("#scr-reviews a[href*='/source/']").first.get_attribute("href"))
        found["reading page"] = axe_scan(page)
        page.goto(site + "/embed/")
        ask(page)
        found["/embed/ after an answer"] = axe_scan(page)
    for where, violations in found.items():
        print(f"\n{scheme}, {viewport['width']} px, {where}: {by_impact(violations) or 'no violations'}")
        for violation in violations:
            print(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                print(f"      {node}")
    bad = {where: serious(violations) for where, violations in found.items() if serious(violations)}
    assert bad == {}, bad
