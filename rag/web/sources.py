"""An answer's sources as HTML: a card per quoted passage, with every piece of review text
escaped (the answer itself is rag.web.chat_html).

Review text is untrusted: a document may contain `<script>`, `onerror=` or markdown links.
Everything taken from a document passes through `escape_text`, so it always renders as the
characters it is, never as markup.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote as url_quote

from rag.types import REFUSED

# gr.HTML treats its value as a JS template and Handlebars template; entities keep `${...}`,
# `{{...}}` and backticks in review text from ever being evaluated there.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def escape_text(text: str) -> str:
    """Text as inert HTML: markup characters and template syntax become entities."""
    return html.escape(text or "", quote=True).translate(_TEMPLATE_CHARS)


def where(citation: dict[str, Any]) -> str:
    """'pp. 3-4 · para 4.1.17 · 4 Analysis > Injuries': the parts a reader uses to find it."""
    return " · ".join(p for p in where_parts(citation) if p)


def where_parts(citation: dict[str, Any]) -> list[str]:
    """Page (or pages), paragraph and section, each '' when the review does not say."""
    page, page_end = citation.get("page"), citation.get("page_end")
    pages = (
        f"pp. {page}-{page_end}" if page and page_end and page_end != page else f"p. {page}" if page else ""
    )
    paragraph = citation.get("paragraph")
    return [pages, f"para {paragraph}" if paragraph else "", citation.get("section") or ""]


def highlight(text: str, quote: str) -> str:
    """The passage escaped, with the quoted span wrapped in <mark>."""
    return highlight_all(text, [(quote, ())])


def highlight_all(text: str, quotes: list[tuple[str, tuple[int, ...]]]) -> str:
    """The passage escaped, with each quote marked (`data-n`: the citations it stands for).
    Quotes that overlap share one mark; a quote not found in the passage marks nothing."""
    spans = []
    for quote, numbers in quotes:
        at = text.find(quote) if quote else -1
        if at >= 0:
            spans.append([at, at + len(quote), list(numbers)])
    html, done = "", 0
    for start, end, numbers in _merged(spans):
        label = f' data-n="{" ".join(str(int(n)) for n in numbers)}"' if numbers else ""
        html += f"{_passage_html(text[done:start])}<mark{label}>{_passage_html(text[start:end])}</mark>"
        done = end
    return html + _passage_html(text[done:])


def _merged(spans: list[list]) -> list[list]:
    merged: list[list] = []
    for start, end, numbers in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] += numbers
        else:
            merged.append([start, end, numbers])
    return merged


def _passage_html(text: str) -> str:
    """Escaped, with blank lines closed up: a card is narrow, and a highlighted blank line
    reads as a stray bar."""
    return escape_text(_BLANK_LINES.sub("\n", text))


def source_link(link_base: str, doc_id: str, start: int | None = None, end: int | None = None) -> str:
    """URL of the reading page for a document, scrolled to the quote when offsets are given."""
    url = f"{link_base}source/{url_quote(doc_id, safe='')}"
    if start is not None and end is not None:
        url += f"?start={int(start)}&end={int(end)}#quote"
    return url


def original_link(link_base: str, path: str, page: int | None = None) -> str:
    """URL of the original file; a PDF opens at `page` (browsers' PDF viewers read #page=N)."""
    url = f"{link_base}files/{url_quote(path)}"
    return f"{url}#page={int(page)}" if page and path.lower().endswith(".pdf") else url


# --- the sources panel ------------------------------------------------------------------------


def citation_card(citation: dict[str, Any], link_base: str, turn: int = 1) -> str:
    """One card for one citation (see `passage_card` for several citations of one passage)."""
    return passage_card([citation], link_base, turn)


def passage_card(citations: list[dict[str, Any]], link_base: str, turn: int) -> str:
    """One card for the citations of an answer that quote the same passage: the passage once,
    each quote marked in it. Its id is `cite-<turn>-<first n>`; the other numbers get anchors."""
    first = citations[0]
    numbers = [int(c["n"]) for c in citations]
    anchors = "".join(f'<span class="scr-anchor" id="cite-{turn}-{n}"></span>' for n in numbers[1:])
    places = dict.fromkeys(where(c) for c in citations)  # in order, each once
    quotes = [(c.get("quote", ""), (int(c["n"]),)) for c in citations]
    return (
        f'<article class="scr-card" id="cite-{turn}-{numbers[0]}" data-turn="{turn}" '
        f'data-n="{" ".join(map(str, numbers))}" tabindex="-1">{anchors}'
        f'<header><span class="scr-n">{" ".join(f"[{n}]" for n in numbers)}</span> '
        f'<span class="scr-case">{escape_text(first.get("case", ""))}</span></header>'
        f'<div class="scr-title">{escape_text(first.get("title", ""))}</div>'
        f'<div class="scr-where">{escape_text(" | ".join(p for p in places if p))}</div>'
        # tabindex: a passage taller than its box scrolls, and the keyboard must reach it too
        f'<blockquote class="scr-passage" tabindex="0">{highlight_all(first.get("text", ""), quotes)}'
        "</blockquote>"
        f"{_card_links(first, link_base)}{why_details(first.get('why') or {})}</article>"
    )


def _card_links(citation: dict[str, Any], link_base: str) -> str:
    link = source_link(link_base, citation["doc_id"], citation.get("start"), citation.get("end"))
    links = (
        f'<a class="scr-context" href="{escape_text(link)}" target="_blank" rel="noopener">'
        "Read in context</a>"
    )
    page = citation.get("page")
    if page and str(citation["doc_id"]).lower().endswith(".pdf"):  # a document's id is its path
        original = original_link(link_base, citation["doc_id"], page)
        links += (
            f' <a class="scr-original" href="{escape_text(original)}" target="_blank" rel="noopener">'
            f"Open the PDF at page {int(page)}</a>"
        )
    return f'<p class="scr-links">{links}</p>'


def same_passage_groups(citations: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """An answer's citations grouped by the passage they quote, in order of first citation."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for citation in citations:
        key = (citation.get("doc_id"), citation.get("passage_id") or citation.get("text", ""))
        groups.setdefault(key, []).append(citation)
    return list(groups.values())


# What the sentence scorer's parts are called on a card (citations[].why).
_WHY_LABELS = {
    "cosine": "close in meaning to the question",
    "cosine_gap": "as close as the closest sentence",
    "topic_words": "uses the question's words",
    "heading_words": "its heading uses the question's words",
    "cue": "words typical of what is asked",
    "section_fit": "in the kind of section asked for",
    "passage_rank": "its passage ranked high",
    "passage_score": "its passage scored high",
    "length": "length",
    "position": "position in the passage",
    "list_item": "a list item",
    "intercept": "starting point",
    "shape": "a whole sentence (1 = yes)",
}


def why_details(why: dict[str, float]) -> str:
    """A closed disclosure listing what made the scorer choose the sentence, biggest first."""
    if not why:
        return ""
    shape = why.get("shape")
    parts = sorted(((k, v) for k, v in why.items() if k != "shape"), key=lambda kv: -abs(kv[1]))
    rows = "".join(
        f"<li>{escape_text(_WHY_LABELS.get(k, k))}: {v:+.2f}</li>" for k, v in parts if abs(v) >= 0.005
    )
    if shape is not None:
        rows += f"<li>{escape_text(_WHY_LABELS['shape'])}: {shape:.2f}</li>"
    return f'<details class="scr-why"><summary>Why this sentence</summary><ul>{rows}</ul></details>'


def related_card(hit: dict[str, Any], link_base: str) -> str:
    link = source_link(link_base, hit["doc_id"])
    return (
        '<article class="scr-card scr-related">'
        f'<header><span class="scr-case">{escape_text(hit.get("case", ""))}</span></header>'
        f'<div class="scr-title">{escape_text(hit.get("title", ""))}</div>'
        f'<div class="scr-where">{escape_text(where(hit))}</div>'
        f'<blockquote class="scr-passage" tabindex="0">{_passage_html(hit.get("text", ""))}</blockquote>'
        f'<a class="scr-context" href="{escape_text(link)}" target="_blank" rel="noopener">'
        f"Open the review</a></article>"
    )


def sources_panel(answer: dict[str, Any] | None, link_base: str = "", turn: int = 1) -> str:
    """Cards for an answer, one per quoted passage; for an abstention, a notice and the related
    passages."""
    if not answer:
        return '<div class="scr-sources scr-empty">Sources for the latest answer appear here.</div>'
    return f'<div class="scr-sources">{answer_cards(answer, link_base, turn)}</div>'


def answer_cards(answer: dict[str, Any], link_base: str, turn: int) -> str:
    if answer.get("abstained"):
        related = "".join(related_card(h, link_base) for h in answer.get("related", []))
        heading = '<h4 class="scr-related-heading">Closest passages</h4>' if related else ""
        return (
            '<div class="scr-abstained">'
            '<div class="scr-notice">No cited answer: the reviews do not say this.</div>'
            f"{heading}{related}</div>"
        )
    groups = same_passage_groups(answer.get("citations", []))
    return "".join(passage_card(g, link_base, turn) for g in groups)


def status_label(answer: dict[str, Any]) -> str:
    """How the page labels an answer that is not a cited answer."""
    refused = str(answer.get("reason") or "").startswith(REFUSED)
    return "Not answered" if refused else "Not found in the reviews"
