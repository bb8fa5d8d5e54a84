"""A real browser (Debian's chromium, driven by Playwright) on the chat page: directly, through
nginx at a sub-path, embedded as a web component, and on a review full of markup.
Screenshots go to artifacts/ for people to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser_support import (  # noqa: F401  (other browser tests import these from here)
    BROWSER_ARGS,
    BROWSER_TESTS,
    CHROMIUM,
    WAIT_MS,
    artifact,
    ask,
    only_local,
    page_on,
)
from tests.web_support import (
    CASE_S_QUESTION,
    HOSTILE_QUESTION,
    NGINX,
    nginx_in_front,
    served_app,
    serving_settings,
)

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("web-browser")
    settings = serving_settings(hostile_index, root, root_path="/scr")
    with served_app(settings) as (base, _):
        yield base, root, settings


def test_example_question_gives_a_cited_answer(browser, site):
    with page_on(browser, site[0] + "/") as page:
        ask(page)  # the example "What went wrong with the consultation in Case S?"
        answer = page.locator("#scr-chat .bot").last
        assert re.search(r"\[1\]", answer.inner_text())
        cards = page.locator("#scr-sources .scr-card")
        assert cards.count() >= 1
        assert {cards.nth(i).locator(".scr-case").inner_text() for i in range(cards.count())} == {"Case S (Norfolk, 2017)"}
        assert cards.first.locator("mark").first.inner_text().strip()  # the quote is highlighted
        _rate_latest_answer(page)
        page.screenshot(path=str(artifact("chat.png")), full_page=True)
        only_local(page.requested, site[0].split("//")[1])
    record = json.loads(site[2].serve.feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "down" and record["comment"] == "Missed the second call."
    assert record["question"] == CASE_S_QUESTION and record["answer"]["citations"]


def _rate_latest_answer(page) -> None:
    page.locator("#scr-feedback").get_by_text("Rate the latest answer").click()
    page.locator("#scr-comment textarea").fill("Missed the second call.")
    page.locator("#scr-down").click()
    page.get_by_text("your rating of the latest answer was saved").wait_for(timeout=WAIT_MS)


def test_abstention_looks_different_from_an_answer(browser, site):
    with page_on(browser, site[0] + "/") as page:
        page.locator("#scr-question textarea").fill("What was the weather like in Case S?", timeout=WAIT_MS)
        page.locator("#scr-ask").click()
        page.locator("#scr-sources .scr-abstained").wait_for(timeout=WAIT_MS)
        label = page.locator("#scr-chat .bot").last.locator("em").first
        assert label.text_content() == "Not found in the reviews"
        assert label.evaluate("e => getComputedStyle(e).textTransform") == "uppercase"
        assert page.locator("#scr-sources .scr-card:not(.scr-related)").count() == 0
        page.screenshot(path=str(artifact("abstention.png")), full_page=True)
        page.locator("#scr-new").click()
        page.locator("#scr-sources .scr-empty").wait_for(timeout=WAIT_MS)
        assert page.locator("#scr-chat .bot").count() == 0


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: bash scripts/setup-browser.sh")
def test_through_nginx_at_a_sub_path(browser, site):
    with nginx_in_front(site[0], site[1] / "nginx-browser") as public, page_on(browser, public) as page:
        ask(page, CASE_S_QUESTION)
        card = page.locator("#scr-sources .scr-card").first
        assert card.locator(".scr-case").inner_text() == "Case S (Norfolk, 2017)"
        page.screenshot(path=str(artifact("chat-nginx.png")), full_page=True)
        link = card.locator("a.scr-context")
        assert link.get_attribute("href").startswith(public + "source/")
        with page.context.expect_page() as opened:
            link.click()
        source = opened.value
        source.wait_for_load_state()
        # the reading page marks the quote piece by piece (a mark per paragraph or list item)
        marked = " ".join(source.locator("mark").all_inner_texts())
        first = card.get_attribute("data-n").split()[0]  # the card links to its first quote
        assert marked.split() == card.locator(f'mark[data-n~="{first}"]').inner_text().split()
        source.screenshot(path=str(artifact("source-in-context.png")))
        only_local(page.requested, "127.0.0.1")


def test_web_component_embeds_the_chat(browser, site):
    with page_on(browser, site[0] + "/embedding") as page:
        component = page.locator("gradio-app")
        component.locator("#scr-question textarea").fill(CASE_S_QUESTION, timeout=WAIT_MS)
        component.locator("#scr-ask").click()
        component.locator(".scr-card .scr-case").first.wait_for(timeout=WAIT_MS)
        assert component.locator(".scr-card .scr-case").first.inner_text() == "Case S (Norfolk, 2017)"
        page.screenshot(path=str(artifact("embedding.png")), full_page=True)
        only_local(page.requested, site[0].split("//")[1])


def test_embed_page_works_in_an_iframe(browser, site):
    # A page of the app's own origin hosts the iframe: frame-ancestors allows 'self' and
    # serve.embed_origins only.
    with page_on(browser, site[0] + "/api/cases") as page:
        page.set_content(f'<iframe src="{site[0]}/embed/" style="width:1000px;height:900px;border:0"></iframe>')
        frame = page.frame_locator("iframe")
        frame.locator("#scr-question textarea").fill(CASE_S_QUESTION, timeout=WAIT_MS)
        frame.locator("#scr-ask").click()
        frame.locator(".scr-card .scr-case").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(artifact("iframe.png")))


def test_review_full_of_markup_renders_as_text(browser, site):
    with page_on(browser, site[0] + "/") as page:
        ask(page, HOSTILE_QUESTION)
        assert page.locator("#scr-sources .scr-case").first.inner_text() == "Case X (2020)"
        for area in ("#scr-chat", "#scr-sources"):
            assert page.locator(f"{area} script, {area} img, {area} iframe").count() == 0
        shown = page.locator("#scr-chat").inner_text() + page.locator("#scr-sources").inner_text()
        assert "<script>" in shown or "onerror=" in shown  # visible as the text it is
        page.locator("#scr-sources a.scr-context").first.click()
        page.wait_for_timeout(500)
        for opened in page.context.pages:
            assert opened.evaluate("() => window.__xss") is None
        page.screenshot(path=str(artifact("hostile-review.png")), full_page=True)
