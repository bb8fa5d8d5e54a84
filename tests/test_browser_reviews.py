"""The Reviews view in a real browser (Debian's chromium, driven by Playwright), served at a
sub-path on the fake-embedder index with a hand-built Collection whose quotes are real spans
of the indexed reviews: every card shown, the matrix's cells opening their cited sentences
(by mouse and keyboard) and linking to the highlighted passage, a phone's width, contrast in
light and dark. Screenshots go to /tmp/reviews-shots/ for people to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.insights import Collection, Quote
from tests.browser_support import BROWSER_TESTS, DESKTOP, PHONE, WAIT_MS
from tests.test_web_reviews import fake_collection
from tests.web_support import HOSTILE_FILE, served_app, serving_settings

SHOTS = Path("/tmp/reviews-shots")
# The fake collection's documents, as files of the indexed corpus.
DOCUMENTS = {
    "norfolk-case-s.md": "norfolk-case-s-learning-presentation.md",
    "hostile-case-x.txt": HOSTILE_FILE,
    "warwickshire-child-j.md": "warwickshire-child-j-review-report.md",
}

pytestmark = BROWSER_TESTS


def real_collection(documents) -> Collection:
    """The fake collection with every quote moved to a real sentence of a real document: the
    sentence holding the quoted text or its first markup, else the one at its offset."""

    def quote(doc_id: str, text: str, start: int, **where) -> Quote:
        real = DOCUMENTS[doc_id]
        body = documents[real].text
        markup = re.search(r"<\w+", text)
        anchors = [text, markup.group(0) if markup else None]
        at = next((body.find(a) for a in anchors if a and body.find(a) >= 0), (start * 7) % len(body))
        dot = body.rfind(". ", 0, at)
        begin = max(dot + 2 if dot >= 0 else 0, body.rfind("\n", 0, at) + 1)
        stop = min([i for i in (body.find(". ", at), body.find("\n", at)) if i >= 0] + [len(body)])
        end = stop + 1 if body[stop : stop + 1] == "." else stop
        if not body[begin:end].strip():
            begin, end = 0, min(len(body), 60)
        return Quote(real, begin, end, body[begin:end], **where)

    return fake_collection(quote)


@pytest.fixture(scope="module")
def site(hostile_index, tmp_path_factory):
    settings = serving_settings(hostile_index, tmp_path_factory.mktemp("web-reviews"), root_path="/scr")
    with served_app(settings) as (base, holder):
        engine = holder.get()
        built = engine.insights  # what the ingest made of the indexed reviews
        engine.insights = real_collection(engine.search.documents)
        try:
            yield base, engine.insights
        finally:
            engine.insights = built


@pytest.fixture
def built_insights(site, hostile_index):
    """The app showing the cards and tags the ingest itself made, for one test."""
    from rag import store
    from rag.insights import load_collection
    from rag.insights.taxonomy import load_taxonomy

    generation = store.open_current(hostile_index).path
    return load_collection(generation, load_taxonomy(hostile_index.corpus_dir))


@contextmanager
def reviews_page(browser, base: str, viewport=DESKTOP, scheme: str = "light") -> Iterator:
    """The page with its Reviews tab open; every request it makes is recorded."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.requested = requested
    try:
        page.goto(base + "/scr/")
        page.get_by_role("tab", name="Reviews").click(timeout=WAIT_MS)
        page.locator("#scr-reviews .scr-review").first.wait_for(timeout=WAIT_MS)
        yield page
    finally:
        context.close()


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def cell(page, review: str, theme: str):
    """The matrix's button for a review's tag of a theme."""
    return page.locator(f'#scr-reviews button.scr-cell-button[aria-label^="{review}: {theme},"]')


def test_every_review_has_its_card(browser, site):
    base, collection = site
    with reviews_page(browser, base) as page:
        cards = page.locator("#scr-reviews article.scr-review")
        names = [cards.nth(i).locator("h3").inner_text() for i in range(cards.count())]
        assert names == [c.name for c in collection.cards]
        hostile = page.locator("#scr-reviews article.scr-review", has_text="Case X")
        assert "<script>window.__xss = 1</script>" in hostile.inner_text()  # shown as text
        assert page.locator("#scr-reviews script, #scr-reviews img, #scr-reviews b").count() == 0
        assert page.evaluate("() => window.__xss") is None
        assert hostile.locator(".scr-not-stated").first.inner_text() == "not stated"
        assert hostile.locator(".scr-not-stated").first.is_visible()
        page.get_by_text("Show 2 more recommendations").click()
        recs = page.locator("#scr-reviews article.scr-review").first.locator(".scr-recs li")
        assert all(recs.nth(i).is_visible() for i in range(recs.count())) and recs.count() == 7
        shot(page, "reviews-desktop.png")
        assert all("//127.0.0.1" in url or url.startswith(("data:", "blob:")) for url in page.requested)


def test_the_cards_and_tags_the_ingest_made_are_all_shown(browser, site, built_insights, monkeypatch):
    base, shown = site
    assert built_insights.cards, "the ingest made no cards"
    monkeypatch.setattr(shown, "cards", built_insights.cards)  # the served collection, for this test
    monkeypatch.setattr(shown, "themes", built_insights.themes)
    with reviews_page(browser, base) as page:
        names = page.locator("#scr-reviews article.scr-review h3").all_inner_texts()
        assert names == [c.name for c in built_insights.cards]
        buttons = page.locator("#scr-reviews button.scr-cell-button")
        assert buttons.count() == sum(len(c.themes) for c in built_insights.cards)
        rows = page.locator("#scr-reviews .scr-matrix tbody th").all_inner_texts()
        assert sorted(rows) == sorted(t.name for t in built_insights.themes)
        shot(page, "reviews-ingested-desktop.png")


def test_a_matrix_cell_shows_its_cited_sentences_and_links_to_them(browser, site):
    base, collection = site
    card = collection.cards[0]
    tag = next(t for t in card.themes if t.theme == "professional_curiosity")
    with reviews_page(browser, base) as page:
        assert page.locator("#scr-reviews .scr-tag-panel:visible").count() == 0
        button = cell(page, card.name, tag.name)
        button.click()
        panel = page.locator("#scr-reviews .scr-tag-panel:visible")
        assert panel.count() == 1 and button.get_attribute("aria-expanded") == "true"
        assert panel.locator("h3").inner_text() == f"{tag.name} in {card.name}"
        shown = [q.split() for q in panel.locator("blockquote").all_inner_texts()]
        assert shown == [q.text.split() for q in tag.sentences]
        assert panel.locator(".scr-where").first.inner_text().startswith("p. 6 · para 4.1.17 · 4 Analysis")
        shot(page, "reviews-matrix-open.png", full_page=False)
        link = panel.locator("a", has_text="Read in context").first
        assert link.get_attribute("href").startswith(base + "/scr/source/")
        with page.context.expect_page() as opened:
            link.click()
        source = opened.value
        source.wait_for_load_state()
        assert source.locator("mark#quote").inner_text().split() == tag.sentences[0].text.split()
        source.close()
        panel.get_by_role("button", name="Close").click()  # back to the dot, the panel closed
        assert page.locator("#scr-reviews .scr-tag-panel:visible").count() == 0
        assert button.get_attribute("aria-expanded") == "false"
        assert page.evaluate("() => document.activeElement.dataset.tag") == button.get_attribute("data-tag")
        button.click()
        cell(page, collection.cards[1].name, "Information sharing").click()  # one panel at a time
        assert page.locator("#scr-reviews .scr-tag-panel:visible h3").all_inner_texts() == [
            f"Information sharing in {collection.cards[1].name}"
        ]
        assert button.get_attribute("aria-expanded") == "false"


def test_the_keyboard_reaches_a_cell_sees_its_focus_and_opens_it(browser, site):
    base, collection = site
    child_s, case_x = collection.cards[0], collection.cards[1]
    with reviews_page(browser, base) as page:
        cell(page, child_s.name, "Information sharing").focus()
        page.keyboard.press("Tab")  # the next tagged cell of the row: Case X's
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert focused.startswith(f"{case_x.name}: Information sharing, major theme")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        width = page.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
        assert outline != "none" and width >= 2
        page.keyboard.press("Enter")
        panel = page.locator("#scr-reviews .scr-tag-panel:visible")
        assert panel.locator("h3").inner_text() == f"Information sharing in {case_x.name}"
        assert "onerror=" in panel.inner_text() and panel.locator("img").count() == 0
        page.keyboard.press("Space")
        assert page.locator("#scr-reviews .scr-tag-panel:visible").count() == 0


def test_a_phone_has_no_sideways_scrolling(browser, site):
    base, collection = site
    with reviews_page(browser, base, viewport=PHONE) as page:
        width = page.evaluate("() => document.documentElement.clientWidth")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        boxes = page.locator("#scr-reviews article.scr-review").evaluate_all(
            "cards => cards.map(c => c.getBoundingClientRect().right)"
        )
        assert len(boxes) == len(collection.cards) and max(boxes) <= width
        matrix = page.locator("#scr-reviews .scr-matrix-wrap").bounding_box()
        assert matrix["x"] >= 0 and matrix["x"] + matrix["width"] <= width  # it scrolls inside itself
        cell(page, collection.cards[0].name, "Professional curiosity").click()
        shot(page, "reviews-phone.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_keeps_its_contrast(browser, site, scheme):
    base, collection = site
    with reviews_page(browser, base, scheme=scheme) as page:
        assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
        cell(page, collection.cards[0].name, "Professional curiosity").click()
        page.get_by_text("Show 2 more recommendations").click()
        low = page.evaluate(
            CONTRAST_JS, "#scr-reviews *, #scr-tabs [role=tab], .scr-title-block h1, .scr-title-block p"
        )
        assert low == [], low
        assert visible_heading_levels(page)[:2] == [1, 2]
        levels = visible_heading_levels(page)
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
        if scheme == "dark":
            shot(page, "reviews-dark.png")
            page.set_viewport_size(PHONE)
            shot(page, "reviews-dark-phone.png")


def visible_heading_levels(page) -> list[int]:
    return page.evaluate(
        "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
        ".filter(h => h.getClientRects().length).map(h => Number(h.tagName[1]))"
    )


# Every visible element with text of its own: its colour against the background it is
# painted on (the nearest opaque background, translucent ones blended in), WCAG 2 ratio.
CONTRAST_JS = """
(selector) => {
  const parse = (c) => {
    const m = c.match(/^rgba?\\(([^)]*)\\)$/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, under) => under.map((v, i) => v * (1 - top[3]) + top[i] * top[3]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c === null) return null;
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((under, top) => blend(top, under), [255, 255, 255]);
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const low = [];
  for (const element of document.querySelectorAll(selector)) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.clip === 'rect(0px, 0px, 0px, 0px)') continue;
    const under = background(element);
    const fg = parse(style.color);
    if (under === null || fg === null) {
      low.push({text: element.textContent.trim().slice(0, 40), color: style.color, unreadable: true});
      continue;
    }
    const [a, b] = [luminance(blend(fg, under)), luminance(under)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) {
      low.push({text: element.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100,
                color: style.color, background: under.map(Math.round)});
    }
  }
  return low;
}
"""
