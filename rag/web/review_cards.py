"""One card per review as HTML: its facts, what happened, agencies, key findings,
recommendations and themes, every value with a link to its quote on the reading page.

Everything taken from a review passes through `escape_text`, so a quote holding `<script>`
or `${...}` shows as those characters; a value the review does not state says "not stated".
"""

from __future__ import annotations

from rag.insights import NOT_STATED, Field, Item, Quote, ReviewCard, ThemeTag
from rag.web.sources import escape_text, source_link

# How a card labels its scalar fields (rag.insights.SCALAR_FIELDS), in the order it shows them.
FACT_LABELS = {
    "title": "Title",
    "board": "Board",
    "year": "Year",
    "review_type": "Review type",
    "child_age": "Child's age",
    "child_sex": "Child's sex",
}
LIST_SHOWN = 5  # list items shown before "Show N more"
STRENGTH_WORDS = {"major": "major theme", "minor": "minor theme"}


def where(quote: Quote) -> str:
    """'pp. 3-4 · para 4.1.17 · 4 Analysis': the parts a reader uses to find the quote."""
    if quote.page and quote.page_end and quote.page_end != quote.page:
        page = f"pp. {quote.page}\u2013{quote.page_end}"
    else:
        page = f"p. {quote.page}" if quote.page else ""
    parts = [page, f"para {quote.paragraph}" if quote.paragraph else "", quote.section or ""]
    return " · ".join(p for p in parts if p)


def quote_link(quote: Quote, link_base: str, what: str, text: str = "source") -> str:
    """A link to the quote highlighted on the reading page; its accessible name says whose
    source it is, and the quote itself is its tooltip."""
    url = source_link(link_base, quote.doc_id, quote.start, quote.end)
    place = where(quote)
    label = f"Source of {what}" + (f", {place}" if place else "") + " (opens the review)"
    return (
        f'<a class="scr-src" href="{escape_text(url)}" target="_blank" rel="noopener" '
        f'aria-label="{escape_text(label)}" title="{escape_text(quote.text)}">{escape_text(text)}</a>'
    )


def not_stated() -> str:
    return f'<span class="scr-not-stated">{NOT_STATED}</span>'


def field_html(field: Field, link_base: str, what: str) -> str:
    """A value and its source link, "from the catalog" when only the catalog says it, or
    "not stated"."""
    if not field.stated:
        return not_stated()
    value = f'<span class="scr-value">{escape_text(str(field.value))}</span>'
    if field.quote is not None:
        return f"{value} {quote_link(field.quote, link_base, what)}"
    if field.source == "catalog":
        return f'{value} <span class="scr-from">(from the catalog)</span>'
    return value


def review_card(card: ReviewCard, index: int, link_base: str) -> str:
    heading = f"scr-review-{index}-name"
    facts = "".join(
        f'<div class="scr-fact"><dt>{label}</dt>'
        f"<dd>{field_html(card.field(name), link_base, f'the {label.lower()}')}</dd></div>"
        for name, label in FACT_LABELS.items()
    )
    incident = field_html(card.field("incident"), link_base, "what happened")
    return (
        f'<article class="scr-review" id="scr-review-{index}" aria-labelledby="{heading}" '
        f'data-review="{escape_text(card.review)}">'
        f'<h3 id="{heading}">{escape_text(card.name)}</h3>'
        f'<dl class="scr-facts">{facts}</dl>'
        f'<section class="scr-part scr-incident"><h4>What happened</h4><p>{incident}</p></section>'
        f"{items_section('Agencies', 'scr-agencies', card.agencies, link_base, 'agency')}"
        f"{items_section('Key findings', 'scr-findings', card.key_findings, link_base, 'key finding')}"
        f"{items_section('Recommendations', 'scr-recs', card.recommendations, link_base, 'recommendation')}"
        f'<section class="scr-part scr-themes"><h4>Themes</h4>{theme_chips(card.themes)}</section>'
        "</article>"
    )


def items_section(heading: str, css: str, items: tuple[Item, ...], link_base: str, what: str) -> str:
    """A list of items, numbered as the review numbers them; long lists show the first few
    and keep the rest behind "Show N more"."""
    if not items:
        return f'<section class="scr-part {css}"><h4>{heading}</h4><p>{not_stated()}</p></section>'
    rows = [item_html(item, i, link_base, what) for i, item in enumerate(items, 1)]
    shown, rest = rows[:LIST_SHOWN], rows[LIST_SHOWN:]
    more = ""
    if rest:
        more = (
            f'<details class="scr-more"><summary>Show {len(rest)} more {heading.lower()}</summary>'
            f'<ul class="scr-items">{"".join(rest)}</ul></details>'
        )
    return (
        f'<section class="scr-part {css}">'
        f'<h4>{heading} <span class="scr-count-note">({len(items)})</span></h4>'
        f'<ul class="scr-items">{"".join(shown)}</ul>{more}</section>'
    )


def item_html(item: Item, position: int, link_base: str, what: str) -> str:
    number = f'<span class="scr-num">{escape_text(item.number)}</span> ' if item.number else ""
    named = f"{what} {item.number}" if item.number else f"{what} {position}"
    if what == "agency":
        named = f"agency: {item.text}"
    value = f'<span class="scr-value">{escape_text(item.text)}</span>'
    body = f'<span class="scr-item-body">{value} {quote_link(item.quote, link_base, named)}</span>'
    return f'<li class="scr-numbered">{number}{body}</li>' if item.number else f"<li>{body}</li>"


def theme_chips(tags: tuple[ThemeTag, ...]) -> str:
    """The review's themes, major first; strength shown by the marker's shape and in words."""
    if not tags:
        return '<p><span class="scr-not-stated">no theme found</span></p>'
    ordered = sorted(tags, key=lambda t: (t.strength != "major", -t.score, t.name))
    chips = "".join(
        f'<li class="scr-chip scr-{_strength(t)}">{marker(t.strength)}{escape_text(t.name)}'
        f'<span class="scr-sr">, {STRENGTH_WORDS[_strength(t)]}</span></li>'
        for t in ordered
    )
    return f'<ul class="scr-chips" aria-label="Themes">{chips}</ul>'


def marker(strength: str | None) -> str:
    """The matrix's dot: filled for a major theme, half filled for a minor one, a ring for none
    (decorative: the text beside it says the same)."""
    kind = strength if strength in STRENGTH_WORDS else "none"
    return f'<span class="scr-dot scr-dot-{kind}" aria-hidden="true"></span>'


def _strength(tag: ThemeTag) -> str:
    return tag.strength if tag.strength in STRENGTH_WORDS else "minor"
