"""What the browser tests share: Debian's chromium driven by Playwright (the `browser` fixture
is in conftest.py), pages in light or dark that record their requests, asking a question,
screenshots in artifacts/, the contrast of every visible text measured in the page, and axe-core
scans (tests/data/axe, vendored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.web_support import CASE_S_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
# Every browser test: it serves on loopback, takes a while, and needs Debian's chromium.
BROWSER_TESTS = [
    pytest.mark.loopback,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed: bash scripts/setup-browser.sh"),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).parent / "data" / "axe" / "axe.min.js"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WAIT_MS = 60_000
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# The cards of the answer whose sources are shown (every answer keeps its own, hidden).
SHOWN_CARDS = "#scr-sources .scr-turn-sources:not([hidden]) .scr-card"
# Text the app styles itself: the header, the panel title, the chat window (questions, answers,
# their labels and tools, the example questions), the sources, the Reviews view, the tab labels
# and the question box's own text.
APP_TEXT = (
    ".scr-title-block *, .scr-panel-title, #scr-chat *, #scr-sources *, #scr-reviews *, #scr-tabs [role=tab], "
    "#scr-question textarea, #scr-case label *, #scr-case input, #scr-feedback *"
)


@contextmanager
def page_on(browser, url: str, viewport: dict | None = None, **context_options) -> Iterator:
    """A page that records every request it and its frames make, so tests can check nothing
    left this machine."""
    context = browser.new_context(viewport=viewport or {"width": 1360, "height": 1000}, **context_options)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.requested = requested
    try:
        page.goto(url)
        yield page
    finally:
        context.close()


def themed_page(browser, url: str, scheme: str = "light", viewport=DESKTOP, bypass_csp: bool = False):
    """A page in the given colour scheme. `bypass_csp` lets a test add axe-core to pages whose
    policy forbids scripts."""
    return page_on(browser, url, viewport, color_scheme=scheme, bypass_csp=bypass_csp)


def app_ready(page) -> None:
    """Wait for the page's load events (the case list refreshed, the conversation restored)."""
    page.wait_for_function("() => document.documentElement.dataset.scrReady === 'true'", timeout=WAIT_MS)


def ask(page, question: str | None = None) -> None:
    """Type and send a question (or click the first example when `question` is None), and
    wait for its answer and its cards."""
    app_ready(page)  # a click before the conversation is restored could be overwritten by it
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


def show_reviews(page) -> None:
    page.get_by_role("tab", name="Reviews").click(timeout=WAIT_MS)
    page.locator("#scr-reviews .scr-review").first.wait_for(timeout=WAIT_MS)


def contrast(page, selector: str = APP_TEXT) -> dict:
    """{"min": lowest ratio found, "low": texts under their WCAG AA minimum, "checked": n}."""
    return page.evaluate(CONTRAST_JS, selector)


def axe_scan(page) -> list[dict]:
    """axe-core's violations on the page as it is now: id, impact, help and the offending nodes."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n')[1])}));
        }"""
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def by_impact(violations: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(violation["nodes"])
    return counts


# Every visible element with text of its own, and every text box's placeholder: its colour
# against the background it is painted on (the nearest opaque background, translucent ones
# blended in), as the WCAG 2 contrast ratio. Large text (24 px, or 18.66 px bold) needs 3:1,
# the rest 4.5:1.
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
      const style = getComputedStyle(e);
      if (style.backgroundImage !== 'none') return null;  // a gradient or picture: not measured
      const c = parse(style.backgroundColor);
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
  const ratioOf = (color, under) => {
    const fg = parse(color);
    if (under === null || fg === null) return null;
    const [a, b] = [luminance(blend(fg, under)), luminance(under)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const visible = (e) => {
    const style = getComputedStyle(e);
    return e.getClientRects().length && style.visibility !== 'hidden' && Number(style.opacity) > 0
      && style.clip !== 'rect(0px, 0px, 0px, 0px)' && !e.closest('[hidden]');
  };
  const texts = [];
  for (const e of document.querySelectorAll(selector)) {
    if (!visible(e)) continue;
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
      || (e.matches('input, textarea') && e.value);
    if (own) texts.push([e, getComputedStyle(e).color, (e.value || e.textContent).trim()]);
    if (e.matches('input[placeholder], textarea[placeholder]') && !e.value && e.placeholder) {
      texts.push([e, getComputedStyle(e, '::placeholder').color, 'placeholder: ' + e.placeholder]);
    }
  }
  let min = Infinity;
  const low = [];
  for (const [e, color, text] of texts) {
    const style = getComputedStyle(e);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const under = background(e);
    const ratio = ratioOf(color, under);
    if (ratio === null) {
      low.push({text: text.slice(0, 50), color, unmeasured: true});
      continue;
    }
    min = Math.min(min, ratio);
    if (ratio < needed) {
      low.push({text: text.slice(0, 50), ratio: Math.round(ratio * 100) / 100, needed,
                color, background: under.map(Math.round), element: e.tagName + '.' + e.className});
    }
  }
  return {min: Math.round(min * 100) / 100, low, checked: texts.length};
}
"""
