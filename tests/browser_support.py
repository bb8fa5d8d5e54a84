"""What the browser tests share: Debian's chromium driven by Playwright, pages that record
their requests, asking a question, and screenshots in artifacts/ (the `browser` fixture is in
conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.web_support import CASE_S_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WAIT_MS = 60_000
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# The cards of the answer whose sources are shown (every answer keeps its own, hidden).
SHOWN_CARDS = "#scr-sources .scr-turn-sources:not([hidden]) .scr-card"


@contextmanager
def page_on(browser, url: str, viewport: dict | None = None, **context_options) -> Iterator:
    """A page that records every request, so tests can check nothing left this machine."""
    context = browser.new_context(viewport=viewport or {"width": 1360, "height": 1000}, **context_options)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))  # every page and frame
    page = context.new_page()
    page.requested = requested
    page.goto(url)
    try:
        yield page
    finally:
        context.close()


def ask(page, question: str | None = None) -> None:
    """Type and send a question (or click the first example when `question` is None), and
    wait for its answer's cards."""
    answered = page.locator("#scr-chat .scr-turn:not(.scr-pending)").count()
    if question is None:
        page.get_by_text(CASE_S_QUESTION).first.click(timeout=WAIT_MS)
    else:
        page.locator("#scr-question textarea").fill(question, timeout=WAIT_MS)
        page.locator("#scr-ask").click()
    page.locator(f"#scr-chat .scr-turn:not(.scr-pending) >> nth={answered}").wait_for(timeout=WAIT_MS)
    page.locator(f"#scr-sources #sources-{answered + 1}").wait_for(state="attached", timeout=WAIT_MS)


def only_local(requested: list[str], host: str) -> None:
    outside = [url for url in requested if not url.startswith(("data:", "blob:")) and f"//{host}" not in url]
    assert not outside, outside


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
