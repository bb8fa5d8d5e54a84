"""How the app looks in real Chromium: contrast of every text in light and dark (the chat
with an answer, the Reviews view, the reading page), and the <gradio-app> web component in
a host page whose global CSS must not restyle it, loading nothing from outside the app's
sub-path. Screenshots go to artifacts/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser_support import APP_TEXT, ask, contrast, show_reviews, themed_page
from tests.test_browser import ARTIFACTS, CHROMIUM, WAIT_MS, browser  # noqa: F401 (fixture)
from tests.web_support import CASE_S_QUESTION, NGINX, nginx_in_front, served_app, serving_settings

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed: bash scripts/setup-browser.sh"),
]


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("web-look")
    settings = serving_settings(hostile_index, root, root_path="/scr")
    with served_app(settings) as (base, _):
        yield base, root


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_keeps_its_contrast(browser, site, scheme):  # noqa: F811
    with themed_page(browser, site[0] + "/", scheme) as page:
        page.locator("#scr-feedback").get_by_text("Rate the latest answer").click(timeout=WAIT_MS)
        ask(page, "What was the weather like in Case S?")  # an abstention, with its label
        ask(page, CASE_S_QUESTION)
        assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
        chat = contrast(page)
        shot(page, f"look-chat-{scheme}.png")
        show_reviews(page)
        reviews = contrast(page)
        shot(page, f"look-reviews-{scheme}.png", full_page=False)
        link = _first_reading_link(page)
        page.goto(link)
        reading = contrast(page, "body *")
        assert _is_dark(page.evaluate("() => getComputedStyle(document.body).backgroundColor")) == (scheme == "dark")
        shot(page, f"look-reading-{scheme}.png", full_page=False)
    print(f"\n{scheme}: lowest contrast chat {chat['min']} ({chat['checked']} texts), "
          f"reviews {reviews['min']}, reading page {reading['min']}")  # fmt: skip
    assert chat["checked"] > 25 and reviews["checked"] > 40 and reading["checked"] >= 4
    low = chat["low"] + reviews["low"] + reading["low"]
    (ARTIFACTS / f"look-contrast-{scheme}.json").write_text(json.dumps(low, indent=1), encoding="utf-8")
    assert low == [], low


def _is_dark(color: str) -> bool:
    red, green, blue = (int(v) for v in re.findall(r"\d+", color)[:3])
    return red + green + blue < 3 * 64


def _first_reading_link(page) -> str:
    return page.locator("#scr-reviews a[href*='/source/']").first.get_attribute("href")


def test_the_titles_and_card_names_are_measured(browser, site):  # noqa: F811
    """The contrast test reads the texts people named: page title, "Sources", case names."""
    with themed_page(browser, site[0] + "/", "dark") as page:
        ask(page)
        measured = page.evaluate(
            "(selector) => [...document.querySelectorAll(selector)].map(e => e.textContent.trim())", APP_TEXT
        )
    assert "Serious Case Review answers" in measured and "Sources" in measured
    assert "Case S (Norfolk, 2017)" in measured
