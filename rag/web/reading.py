"""A document's text as a reading page: paragraphs, and for markdown its headings and lists,
with the cited span [start, end) marked.

A small renderer of its own, not a markdown library: it knows `#` headings, `-`/`*`/`+` and
numbered list items, `**strong**` and paragraphs, and nothing else, so a document can never
bring its own HTML, links or images. Every character of the document is escaped; the
offsets are those of the document's cleaned text, which citations point into.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from rag.web.sources import escape_text

_HEADING = re.compile(r"(#{1,6})[ \t]+")
_ITEM = re.compile(r"[ \t]*(?:([-*+])|(\d{1,3})[.)])[ \t]+")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Text from PDFs keeps the lines of the printed page: a line that does not end a sentence and is
# followed by one that does not start a numbered paragraph or a bullet was wrapped by the page.
_ENDS_SENTENCE = re.compile(r"[.:;?!)\"\u201d]\s*$")
_STARTS_ITEM = re.compile(r"\s*(?:[-*+\u2022\u25aa]|\d+(?:\.\d+)*[.)]?)\s")


@dataclass
class _Block:
    tag: str  # "p", "h2".."h4", "ul" or "ol" (one item)
    spans: list[tuple[int, int]]  # the block's text as ranges of the document
    number: str = ""  # a numbered item's own number, kept: "4." stays item 4
    wrapped: list[bool] = field(default_factory=list)  # per span after the first: joined by a space


def document_html(text: str, markdown: bool, start: int | None = None, end: int | None = None) -> str:
    """The document as HTML blocks; offsets out of range mark nothing. The first piece of
    the marked span has id="quote", so `#quote` scrolls to it."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        start = end = -1
    html, open_list, first_mark = [], "", [True]
    for block in _blocks(text, markdown):
        kind = block.tag if block.tag in ("ul", "ol") else ""
        if kind != open_list:
            html.append(f"</{open_list}>" if open_list else "")
            html.append(f"<{kind}>" if kind else "")
            open_list = kind
        pieces = [_inline(text, a, b, markdown, (start, end), first_mark) for a, b in block.spans]
        inner = _joined(pieces, block.wrapped)
        tag = "li" if kind else block.tag
        value = f' value="{int(block.number)}"' if block.number else ""
        html.append(f"<{tag}{value}>{inner}</{tag}>")
    if open_list:
        html.append(f"</{open_list}>")
    return "".join(html)


def _blocks(text: str, markdown: bool) -> list[_Block]:
    """Blank lines (and form feeds, which mark pages) end a paragraph; in markdown a heading
    or a list item is a block of its own."""
    blocks: list[_Block] = []
    paragraph: _Block | None = None
    at = 0
    for line in text.replace("\f", "\n").splitlines(keepends=True):
        body_end = at + len(line.rstrip("\r\n"))
        block = _markdown_block(text, at, body_end) if markdown else None
        if block is not None or not text[at:body_end].strip():
            paragraph = None
            if block is not None:
                blocks.append(block)
        elif paragraph is None:
            paragraph = _Block("p", [(at, body_end)])
            blocks.append(paragraph)
        else:
            wrapped = not markdown and _page_wrapped(text[slice(*paragraph.spans[-1])], text[at:body_end])
            paragraph.spans.append((at, body_end))
            paragraph.wrapped.append(wrapped)
        at += len(line)
    return blocks


def _page_wrapped(previous: str, line: str) -> bool:
    return not _ENDS_SENTENCE.search(previous) and not _STARTS_ITEM.match(line)


def _joined(pieces: list[str], wrapped: list[bool]) -> str:
    """A paragraph's lines: a line the page wrapped joined by a space, others by a line break."""
    html = pieces[0]
    for piece, soft in zip(pieces[1:], wrapped, strict=True):
        html += (" " if soft else "\n") + piece
    return html


def _markdown_block(text: str, at: int, end: int) -> _Block | None:
    heading = _HEADING.match(text, at, end)
    if heading:
        level = min(len(heading.group(1)) + 1, 4)  # the page's own title is the h1
        return _Block(f"h{level}", [(heading.end(), end)])
    item = _ITEM.match(text, at, end)
    if item:
        return _Block("ol" if item.group(2) else "ul", [(item.end(), end)], item.group(2) or "")
    return None


def _inline(text: str, lo: int, hi: int, markdown: bool, mark: tuple[int, int], first: list[bool]) -> str:
    """text[lo:hi] escaped, `**` pairs as <strong>, and the part inside `mark` in <mark>.
    Every piece is wrapped on its own, so the tags always nest."""
    strong = (
        [(m.start(), m.end(), m.start(1), m.end(1)) for m in _STRONG.finditer(text, lo, hi)]
        if markdown
        else []
    )
    hidden = [(s, s1) for s, _, s1, _ in strong] + [(e1, e) for _, e, _, e1 in strong]
    bold = [(s1, e1) for _, _, s1, e1 in strong]
    cuts = sorted({lo, hi, *(x for pair in hidden + bold for x in pair), *(x for x in mark if lo < x < hi)})
    out = []
    for a, b in itertools.pairwise(cuts):
        if a >= b or any(h0 <= a and b <= h1 for h0, h1 in hidden):
            continue
        piece = escape_text(text[a:b])
        if any(b0 <= a and b <= b1 for b0, b1 in bold):
            piece = f"<strong>{piece}</strong>"
        if mark[0] <= a and b <= mark[1]:
            label = ' id="quote"' if first[0] else ""
            first[0] = False
            piece = f"<mark{label}>{piece}</mark>"
        out.append(piece)
    return "".join(out)
