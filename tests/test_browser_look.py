"""How the app looks in real Chromium: contrast of every text in light and dark (the chat
with an answer, the Reviews view, the reading page), and the <gradio-app> web component in
a host page whose global CSS must not restyle it, loading nothing from outside the app's
sub-path. Screenshots go to artifacts/."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser_support import (
    APP_TEXT,
    ARTIFACTS,
    BROWSER_TESTS,
    DESKTOP,
    PHONE,
    WAIT_MS,
    ask,
    contrast,
    show_reviews,
    themed_page,
)
from tests.web_support import CASE_S_QUESTION, NGINX, nginx_in_front, served_app, serving_settings

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("web-look")
    settings = serving_settings(hostile_index, root, root_path="/scr")
    with served_app(settings) as (base, _):
        yield base, root


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_keeps_its_contrast(browser, site, scheme, viewport):
    with themed_page(browser, site[0] + "/", scheme, viewport=viewport) as page:
        page.locator("#scr-feedback").get_by_text("Rate the latest answer").click(timeout=WAIT_MS)
        ask(page, "What was the weather like in Case S?")  # an abstention, with its label
        ask(page, CASE_S_QUESTION)
        assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
        chat = contrast(page)
        size = "" if viewport is DESKTOP else "-phone"
        shot(page, f"look-chat-{scheme}{size}.png")
        show_reviews(page)
        reviews = contrast(page)
        shot(page, f"look-reviews-{scheme}{size}.png", full_page=False)
        link = _first_reading_link(page)
        page.goto(link)
        reading = contrast(page, "body *")
        assert _is_dark(page.evaluate("() => getComputedStyle(document.body).backgroundColor")) == (scheme == "dark")
        shot(page, f"look-reading-{scheme}{size}.png", full_page=False)
    print(f"\n{scheme}{size}: lowest contrast chat {chat['min']} ({chat['checked']} texts), "
          f"reviews {reviews['min']}, reading page {reading['min']}")  # fmt: skip
    assert chat["checked"] > 25 and reviews["checked"] > 40 and reading["checked"] >= 4
    low = chat["low"] + reviews["low"] + reading["low"]
    (ARTIFACTS / f"look-contrast-{scheme}{size}.json").write_text(json.dumps(low, indent=1), encoding="utf-8")
    assert low == [], low


def _is_dark(color: str) -> bool:
    red, green, blue = (int(v) for v in re.findall(r"\d+", color)[:3])
    return red + green + blue < 3 * 64


def _first_reading_link(page) -> str:
    return page.locator("#scr-reviews a[href*='/source/']").first.get_attribute("href")


def test_the_titles_and_card_names_are_measured(browser, site):
    """The contrast test reads the texts people named: page title, "Sources", case names."""
    with themed_page(browser, site[0] + "/", "dark") as page:
        ask(page)
        measured = page.evaluate(
            "(selector) => [...document.querySelectorAll(selector)].map(e => e.textContent.trim())", APP_TEXT
        )
    assert "Serious Case Review answers" in measured and "Sources" in measured
    assert "Case S (Norfolk, 2017)" in measured


# --- the web component in a host page with aggressive global CSS ------------------------------

HOST_CSS = """
header { background: #00305e; color: #fff; padding: 2em; margin: 1em; border: 4px solid gold; }
h1, h2, h3 { font-size: 40px; color: #c00; margin: 2em 0; font-family: Georgia, serif; text-transform: uppercase; }
p { margin: 3em; color: #333; font-size: 22px; }
button { background: red; color: yellow; padding: 2em; border: 3px dotted blue; font-size: 30px; }
a { color: orange; font-weight: 900; text-decoration: none; }
blockquote { margin: 4em; font-style: italic; border: 5px solid green; background: #eee; color: #000; }
article { border: 10px dashed blue; padding: 3em; background: pink; }
mark { background: lime; } summary { color: red; font-size: 30px; }
textarea { background: black; color: lime; font-size: 30px; }
"""
# What such rules change, on the cards, the panel title, the chat window and the chat's controls.
STYLED = [
    "#scr-sources article.scr-card", "#scr-sources .scr-card header", "#scr-sources .scr-n",
    "#scr-sources .scr-case", "#scr-sources .scr-title", "#scr-sources .scr-where",
    "#scr-sources blockquote.scr-passage", "#scr-sources mark", "#scr-sources a.scr-context",
    "#scr-sources .scr-why summary", ".scr-panel-title", "#scr-ask", "#scr-new", "#scr-question textarea",
    "#scr-chat article.scr-turn", "#scr-chat .scr-q p", "#scr-chat .scr-a > *", "#scr-chat a.scr-cite",
    "#scr-chat .scr-tools button", "#scr-chat .scr-print h2", "#scr-print", "#scr-sources .scr-sources-for",
    "#scr-sources .scr-sources-q", "#scr-sources button.scr-back-to-chat",
]  # fmt: skip
PROPERTIES = [
    "background-color", "color", "font-family", "font-size", "font-weight", "font-style", "line-height",
    "text-transform", "letter-spacing", "text-decoration-line", "margin-top", "margin-right",
    "margin-bottom", "margin-left", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border-top-width", "border-left-width", "border-left-style", "border-left-color",
]  # fmt: skip
COMPUTED_JS = """([selectors, properties]) => Object.fromEntries(selectors.map(s => {
  const e = document.querySelector(s);
  if (!e) return [s, null];
  const style = getComputedStyle(e);
  return [s, Object.fromEntries(properties.map(p => [p, style.getPropertyValue(p)]))];
}))"""


def host_page(public: str, css: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Intranet news</title>'
        f'<style>{css}</style><script type="module" src="{public}gradio.js"></script></head><body>'
        "<header><h1>Intranet news</h1></header><main><h2>Ask the reviews</h2><p>Our own page text.</p>"
        f'<gradio-app src="{public}embed/"></gradio-app></main></body></html>'
    )


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: bash scripts/setup-browser.sh")
def test_a_host_page_css_does_not_restyle_the_web_component(browser, site, tmp_path):
    pages = tmp_path / "intranet"
    pages.mkdir()
    intranet = f"location /intranet/ {{ alias {pages}/; }}"
    with nginx_in_front(site[0], tmp_path / "nginx", server_extra=intranet) as public:
        origin = public.removesuffix("/scr/")
        (pages / "hostile.html").write_text(host_page(public, HOST_CSS), encoding="utf-8")
        (pages / "plain.html").write_text(host_page(public, ""), encoding="utf-8")
        plain, _ = _embedded_styles(browser, f"{origin}/intranet/plain.html", "plain")
        hostile, requested = _embedded_styles(browser, f"{origin}/intranet/hostile.html", "hostile")
    assert [s for s in STYLED if plain[s] is None] == []
    differ = {
        s: {p: (plain[s][p], hostile[s][p]) for p in PROPERTIES if plain[s][p] != hostile[s][p]}
        for s in STYLED
    }
    assert {s: d for s, d in differ.items() if d} == {}
    host = f"{origin}/intranet/hostile.html"
    outside = [u for u in requested if u != host and not u.startswith((public, "data:", "blob:"))]
    print("\nrequests of the embedded component:\n  " + "\n  ".join(_request_summary(requested, origin)))
    assert outside == [], outside
    assert any(re.search(r"/scr/assets/index-[\w-]+\.css$", u) for u in requested)  # its main stylesheet


def _embedded_styles(browser, url: str, name: str) -> tuple[dict, list[str]]:
    with themed_page(browser, url) as page:
        page.locator("gradio-app #scr-question textarea").wait_for(timeout=WAIT_MS)
        ask(page)
        page.wait_for_timeout(500)  # gradio keeps a stream open: the network never goes idle
        shot(page, f"look-embedded-{name}.png")
        return page.evaluate(COMPUTED_JS, [STYLED, PROPERTIES]), list(page.requested)


def _request_summary(requested: list[str], origin: str) -> list[str]:
    """Each path once, with gradio's hashed chunk names counted rather than listed."""
    paths = [u.removeprefix(origin) for u in requested]
    chunks = [p for p in paths if re.fullmatch(r"/scr/assets/[\w.-]+\.(js|css)", p) and "index-" not in p]
    listed = sorted({p.split("?")[0] for p in paths if p not in chunks})
    return [*listed, f"/scr/assets/<chunk>.js|css x{len(set(chunks))}"]


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: bash scripts/setup-browser.sh")
def test_a_page_of_another_site_loads_the_component_from_under_the_prefix(browser, hostile_index, tmp_path):
    """On another origin gradio resolved its stylesheet against the app's bare origin:
    /assets/... at the site root, outside the proxy's sub-path."""
    with static_site(tmp_path / "other-site") as (other, folder):
        settings = serving_settings(hostile_index, tmp_path, root_path="/scr", embed_origins=[other])
        with served_app(settings) as (base, _), nginx_in_front(base, tmp_path / "nginx") as public:
            (folder / "news.html").write_text(host_page(public, HOST_CSS), encoding="utf-8")
            with themed_page(browser, f"{other}/news.html") as page:
                ask(page)
                requested = list(page.requested)
    outside = [u for u in requested if u != f"{other}/news.html" and not u.startswith((public, "data:", "blob:"))]
    assert outside == [], outside
    assert any(re.search(r"/scr/assets/index-[\w-]+\.css$", u) for u in requested)


@contextmanager
def static_site(folder: Path) -> Iterator[tuple[str, Path]]:
    """Another web site on loopback: serves the files of `folder` (the host page)."""
    folder.mkdir(parents=True)
    handler = functools.partial(QuietFiles, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: bash scripts/setup-browser.sh")
def test_the_embedded_component_keeps_its_contrast_in_dark_mode(browser, site, tmp_path):
    pages = tmp_path / "intranet"
    pages.mkdir()
    with nginx_in_front(site[0], tmp_path / "nginx", server_extra=f"location /intranet/ {{ alias {pages}/; }}") as public:
        (pages / "plain.html").write_text(host_page(public, ""), encoding="utf-8")
        with themed_page(browser, public.removesuffix("/scr/") + "/intranet/plain.html", "dark") as page:
            ask(page)
            assert page.locator("gradio-app.dark, gradio-app .dark").count() >= 1  # gradio's dark theme
            measured = contrast(page)
            shot(page, "look-embedded-dark.png", full_page=False)
    print(f"\nembedded, dark: lowest contrast {measured['min']} ({measured['checked']} texts)")
    assert measured["checked"] > 25 and measured["low"] == [], measured["low"]
