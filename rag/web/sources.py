"""Answers and their sources as HTML and chat markdown, with every piece of review text escaped.

Review text is untrusted: a document may contain `<script>`, `onerror=` or markdown links.
Everything taken from a document passes through `escape_text` (HTML) or `escape_markdown`
(chat), so it always renders as the characters it is, never as markup.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote as url_quote

from rag.answer.render import render
from rag.types import REFUSED, AnswerPart

# gr.HTML treats its value as a JS template and Handlebars template; entities keep `${...}`,
# `{{...}}` and backticks in review text from ever being evaluated there.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})
# Markdown punctuation that could turn review text into links, emphasis, code or HTML.
_MARKDOWN_CHARS = re.compile(r"([\\`*_\[\]()#!|~$])")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])")
# An escaped citation marker after a word: shown as a plain "[n]" again. Never at the start of
# a line, where "[n]: url" would define a markdown link.
_ESCAPED_MARKER = re.compile(r"(?<=\S )\\\[(\d+)\\\]")


def escape_text(text: str) -> str:
    """Text as inert HTML: markup characters and template syntax become entities."""
    return html.escape(text or "", quote=True).translate(_TEMPLATE_CHARS)


def escape_markdown(text: str) -> str:
    """Text as inert markdown: punctuation escaped, HTML characters as entities."""
    text = (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_CHARS.sub(r"\\\1", text)
    return _LIST_START.sub(r"\1\2\\\3", text)


def where(citation: dict[str, Any]) -> str:
    """'p. 3 · para 4.1.17 · 4 Analysis > Injuries': the parts a reader uses to find it."""
    parts = [
        f"p. {citation['page']}" if citation.get("page") else "",
        f"para {citation['paragraph']}" if citation.get("paragraph") else "",
        citation.get("section") or "",
    ]
    return " · ".join(p for p in parts if p)


def highlight(text: str, quote: str) -> str:
    """The passage escaped, with the quoted span wrapped in <mark>."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return _passage_html(text)
    end = at + len(quote)
    return f"{_passage_html(text[:at])}<mark>{_passage_html(quote)}</mark>{_passage_html(text[end:])}"


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


# --- the sources panel ------------------------------------------------------------------------


def citation_card(citation: dict[str, Any], link_base: str) -> str:
    link = source_link(link_base, citation["doc_id"], citation.get("start"), citation.get("end"))
    return (
        f'<article class="scr-card" id="cite-{int(citation["n"])}">'
        f'<header><span class="scr-n">[{int(citation["n"])}]</span> '
        f'<span class="scr-case">{escape_text(citation.get("case", ""))}</span></header>'
        f'<div class="scr-title">{escape_text(citation.get("title", ""))}</div>'
        f'<div class="scr-where">{escape_text(where(citation))}</div>'
        # tabindex: a passage taller than its box scrolls, and the keyboard must reach it too
        f'<blockquote class="scr-passage" tabindex="0">'
        f'{highlight(citation.get("text", ""), citation.get("quote", ""))}</blockquote>'
        f'<a class="scr-context" href="{escape_text(link)}" target="_blank" rel="noopener">'
        f"Read in context</a>{why_details(citation.get('why') or {})}</article>"
    )


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


def sources_panel(answer: dict[str, Any] | None, link_base: str = "") -> str:
    """Citation cards for an answer; for an abstention, a notice and the related passages."""
    if not answer:
        return '<div class="scr-sources scr-empty">Sources for the latest answer appear here.</div>'
    if answer.get("abstained"):
        related = "".join(related_card(h, link_base) for h in answer.get("related", []))
        heading = '<h3 class="scr-related-heading">Closest passages</h3>' if related else ""
        return (
            '<div class="scr-sources scr-abstained">'
            '<div class="scr-notice">No cited answer: the reviews do not say this.</div>'
            f"{heading}{related}</div>"
        )
    cards = "".join(citation_card(c, link_base) for c in answer.get("citations", []))
    return f'<div class="scr-sources">{cards}</div>'


# --- the chat message ---------------------------------------------------------------------------


def answer_markdown(answer: dict[str, Any]) -> str:
    """The answer for the chat window, rendered from its parts with review text escaped.
    Abstentions and refusals open with an emphasised label paragraph, which the page styles
    (an answer never starts that way: its own underscores and asterisks are escaped)."""
    parts = [AnswerPart.from_dict(p) for p in answer.get("parts") or []]
    if parts:
        text = render(parts, bool(answer.get("grouped")), escape=escape_markdown)
    else:
        text = draft_markdown(answer.get("answer") or "")
    if answer.get("abstained"):
        return f"_{status_label(answer)}_\n\n{text}"
    return text


def draft_markdown(text: str) -> str:
    """Answer text still being written (streamed), escaped line by line; list items kept."""
    lines = []
    for line in text.splitlines():
        bullet, body = ("- ", line[2:]) if line.startswith("- ") else ("", line)
        lines.append(bullet + _ESCAPED_MARKER.sub(r"[\1]", escape_markdown(body)))
    return "\n".join(lines)


def status_label(answer: dict[str, Any]) -> str:
    """How the page labels an answer that is not a cited answer."""
    refused = str(answer.get("reason") or "").startswith(REFUSED)
    return "Not answered" if refused else "Not found in the reviews"
