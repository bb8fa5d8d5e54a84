"""The review x theme matrix as HTML: a row per theme, a column per review, a dot per tag
(filled: major, half filled: minor, ring: not tagged, each with its words for screen readers)
and, per theme, how many reviews discuss it with a bar. A tagged cell is a button; activating
it shows the sentences the tag was made from, each with where it is and a link to read it in
context. The sentences of every tag are in the page already (hidden): `MATRIX_JS` only shows
the one asked for, so the matrix needs no server round trip and works offline.
"""

from __future__ import annotations

from rag.insights import Collection, Quote, ReviewCard, Theme, ThemeTag
from rag.web.review_cards import STRENGTH_WORDS, marker, where
from rag.web.sources import escape_text, source_link

# Runs once when the Reviews view's gr.HTML is mounted (`element` is the component); one
# listener on the component, so it keeps working when the view is rendered again.
MATRIX_JS = """
element.addEventListener('click', (event) => {
  const close = event.target.closest('button[data-close]');
  if (close && element.contains(close)) {  // back to the dot the sentences belong to
    const dot = element.querySelector('button[data-tag="' + close.dataset.close + '"]');
    if (dot) { dot.click(); dot.focus(); dot.scrollIntoView({block: 'nearest'}); }
    return;
  }
  const button = event.target.closest('button[data-tag]');
  if (!button || !element.contains(button)) return;
  const root = button.closest('.scr-reviews');
  const panel = root && root.querySelector('#' + CSS.escape(button.dataset.tag));
  if (!panel) return;
  const opening = panel.hidden;
  root.querySelectorAll('.scr-tag-panel').forEach((p) => { p.hidden = !(opening && p === panel); });
  root.querySelectorAll('button[data-tag]').forEach((b) => {
    b.setAttribute('aria-expanded', String(opening && b.dataset.tag === button.dataset.tag));
  });
  const hint = root.querySelector('.scr-tag-hint');
  if (hint) hint.hidden = opening;
  if (opening) panel.scrollIntoView({block: 'nearest'});
});
"""


def theme_rows(collection: Collection) -> list[tuple[Theme, int]]:
    """The taxonomy's themes with how many reviews discuss each, most discussed first."""
    counted = [(t, len(collection.reviews_with(t.id))) for t in collection.themes]
    return sorted(counted, key=lambda tc: (-tc[1], tc[0].name.lower()))


def tag_id(review: int, theme: int) -> str:
    return f"scr-tag-{review}-{theme}"


def matrix_section(collection: Collection, link_base: str) -> str:
    rows = theme_rows(collection)
    cards = collection.cards
    tags = {(c.review, t.theme): t for c in cards for t in c.themes}
    most = max([n for _, n in rows] + [1])
    columns = "".join(
        f'<th scope="col" class="scr-col">'
        f'<a href="#scr-review-{i}" title="{escape_text(c.name)}"><span>{escape_text(c.name)}</span></a></th>'
        for i, c in enumerate(cards)
    )
    body = []
    panels = []
    for j, (theme, count) in enumerate(rows):
        cells = []
        for i, card in enumerate(cards):
            tag = tags.get((card.review, theme.id))
            cells.append(_cell(card, tag, tag_id(i, j)))
            if tag is not None:
                panels.append(tag_panel(card, theme, tag, tag_id(i, j), link_base))
        share = round(100 * count / most)
        body.append(
            f'<tr><th scope="row" class="scr-theme-name">{escape_text(theme.name)}</th>{"".join(cells)}'
            f'<td class="scr-count"><span class="scr-bar" aria-hidden="true"><span style="width: {share}%">'
            f'</span></span><span class="scr-count-n">{count}</span></td></tr>'
        )
    legend = (
        f'<p class="scr-legend"><span class="scr-key">{marker("major")} major theme</span> '
        f'<span class="scr-key">{marker("minor")} minor theme</span> '
        f'<span class="scr-key">{marker(None)} not tagged.</span> '
        "Choose a dot to read the sentences the review says it in.</p>"
    )
    table = (
        '<div class="scr-matrix-wrap" role="region" aria-labelledby="scr-matrix-heading" tabindex="0">'
        '<table class="scr-matrix"><caption class="scr-sr">Themes (rows) by review (columns); '
        "the last column counts the reviews discussing each theme</caption>"
        f'<thead><tr><th scope="col" class="scr-corner">Theme</th>{columns}'
        '<th scope="col" class="scr-count-head">Reviews</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    hint = '<p class="scr-tag-hint">The cited sentences of the dot you choose appear here.</p>'
    return (
        '<section class="scr-matrix-section" aria-labelledby="scr-matrix-heading">'
        '<h2 id="scr-matrix-heading">Themes across the reviews</h2>'
        f"{legend}{table}"
        f'<div class="scr-tag-panels" aria-live="polite">{hint}{"".join(panels)}</div></section>'
    )


def _cell(card: ReviewCard, tag: ThemeTag | None, panel: str) -> str:
    if tag is None:
        return f'<td class="scr-cell">{marker(None)}<span class="scr-sr">not tagged</span></td>'
    strength = STRENGTH_WORDS.get(tag.strength, "minor theme")
    count = len(tag.sentences)
    label = f"{card.name}: {tag.name}, {strength}; show {count} cited sentence{'s' * (count != 1)}"
    return (
        f'<td class="scr-cell"><button type="button" class="scr-cell-button" data-tag="{panel}" '
        f'aria-controls="{panel}" aria-expanded="false" aria-label="{escape_text(label)}" '
        f'title="{escape_text(tag.name)}: {strength}">{marker(tag.strength)}</button></td>'
    )


def tag_panel(card: ReviewCard, theme: Theme, tag: ThemeTag, panel: str, link_base: str) -> str:
    strength = STRENGTH_WORDS.get(tag.strength, "minor theme")
    sentences = "".join(_sentence(q, n, link_base) for n, q in enumerate(tag.sentences, 1))
    if not sentences:
        sentences = '<li><span class="scr-not-stated">no sentence kept for this tag</span></li>'
    return (
        f'<section class="scr-tag-panel" id="{panel}" hidden aria-labelledby="{panel}-heading">'
        f'<div class="scr-tag-head"><h3 id="{panel}-heading">{escape_text(theme.name)} '
        f'<span class="scr-in">in</span> {escape_text(card.name)}</h3>'
        f'<button type="button" class="scr-close" data-close="{panel}">Close</button></div>'
        f'<p class="scr-tag-meta">{marker(tag.strength)}{strength}: '
        f"{escape_text(theme.definition)}</p>"
        f'<ol class="scr-sentences">{sentences}</ol></section>'
    )


def _sentence(quote: Quote, n: int, link_base: str) -> str:
    url = source_link(link_base, quote.doc_id, quote.start, quote.end)
    place = where(quote)
    return (
        f'<li><blockquote class="scr-sentence">{escape_text(quote.text)}</blockquote>'
        f'<p class="scr-where">{escape_text(place)}{" · " if place else ""}'
        f'<a class="scr-src" href="{escape_text(url)}" target="_blank" rel="noopener" '
        f'aria-label="Read sentence {n} in context (opens the review)">Read in context</a></p></li>'
    )
