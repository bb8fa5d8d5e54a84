"""Turn extracted text into what a reader expects to quote.

Every function maps text to text; offsets are taken on the result, so a citation's
start/end always point into the cleaned text that is stored beside the index.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\t\x0b"), " ")

# A word broken across a line end: "adip-\niscing". Only joined when the next line
# starts in lower case, so "Leicester-\nshire" style proper names and dashes survive.
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z])-\n[ ]*(?=[a-z])")
# Prefixes that keep their hyphen when a line breaks after them: "non-\naccidental" is
# "non-accidental", not "nonaccidental".
_HYPHENATED_PREFIX = re.compile(
    r"\b(non|multi|self|anti|pre|post|co|inter|cross|ex|sub|semi|well|under|over|mid|re)-\n[ ]*(?=[a-z])",
    re.IGNORECASE,
)
_MULTI_SPACE = re.compile(r"[ ]{2,}")
_MULTI_BLANK = re.compile(r"\n{3,}")
_PAGE_NUMBER_LINE = re.compile(
    r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")


def normalise_characters(text: str) -> str:
    """Ligatures to letters, odd spaces to spaces, invisible characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    return text.translate(_INVISIBLE).translate(_SPACES)


def tidy_whitespace(text: str) -> str:
    """Join hyphenated line breaks, collapse space runs, trim lines, at most one blank line."""
    text = _HYPHENATED_PREFIX.sub(r"\1-", text)
    text = _HYPHEN_BREAK.sub("", text)
    lines = [_MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _MULTI_BLANK.sub("\n\n", "\n".join(lines)).strip()


# Inline HTML left in exported text ("<p>No other issues were identified.</p>"): the words stay.
_INLINE_HTML = re.compile(
    r"</?(?:p|br|div|span|em|strong|b|i|u|sup|sub|font|li|ul|ol)\b[^>]*/?>", re.IGNORECASE
)


def strip_inline_html(text: str) -> str:
    return _INLINE_HTML.sub("", text)


def clean_text(text: str) -> str:
    """The full cleaning for one page or one text file."""
    return tidy_whitespace(normalise_characters(strip_inline_html(text)))


def is_page_number_line(line: str) -> bool:
    return bool(_PAGE_NUMBER_LINE.match(line))


def drop_standalone_page_numbers(text: str) -> str:
    """Remove running page numbers left in text exported from a PDF: a bare number
    alone on a line that follows a blank line (numbered paragraphs like "3.9" keep their dot)."""
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        after_blank = i == 0 or not lines[i - 1].strip()
        if after_blank and re.fullmatch(r"\s*\d{1,3}\s*", line):
            continue
        kept.append(line)
    return "\n".join(kept)


_SHORT_RUNNING_LINE = 12  # words


def strip_running_lines(pages: list[str], edge: int = 2) -> list[str]:
    """Remove headers, footers and page numbers: lines near a page's top or bottom that
    are page numbers, or that repeat (digits ignored) on at least half of the pages."""
    if not pages:
        return pages
    edge_lines = [_edge_keys(page, edge) for page in pages]
    counts: Counter[str] = Counter(key for keys in edge_lines for key in set(keys))
    threshold = max(3, (len(pages) + 1) // 2)
    # A long line is a running header only when nearly every page repeats it (a report's full
    # title across the top); a short one ("Child A - Overview") on half of them is enough.
    long_threshold = max(3, -(-len(pages) * 4 // 5))
    running = {
        key
        for key, n in counts.items()
        if key and n >= (threshold if len(key.split()) <= _SHORT_RUNNING_LINE else long_threshold)
    }
    return [_strip_page(page, running, edge) for page in pages]


def _edge_keys(page: str, edge: int) -> list[str]:
    lines = [line for line in page.split("\n") if line.strip()]
    return [_line_key(line) for line in lines[:edge] + lines[-edge:]]


def _line_key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _strip_page(page: str, running: set[str], edge: int) -> str:
    lines = page.split("\n")
    content_index = [i for i, line in enumerate(lines) if line.strip()]
    if len(content_index) <= edge:
        return page  # a page this short is all content (a title page, a one-line page)
    edges = set(content_index[:edge] + content_index[-edge:])
    # On a short page every line is near an edge: only page numbers are dropped there.
    long_page = len(content_index) > 2 * edge + 1
    drop = {
        i for i in edges if is_page_number_line(lines[i]) or (long_page and _is_running(lines[i], running))
    }
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


# A header read by OCR may have a slip or two ("Serious Case Bae" for "Serious Case Review");
# a line of several words this close to a running line is that line.
_NEAR_RUNNING = 0.85
_NEAR_MIN_WORDS = 4


def _is_running(line: str, running: set[str]) -> bool:
    key = _line_key(line)
    if key in running:
        return True
    if len(key.split()) < _NEAR_MIN_WORDS:
        return False
    return any(
        abs(len(key) - len(other)) <= 0.2 * len(other)
        and difflib.SequenceMatcher(None, key, other, autojunk=False).ratio() >= _NEAR_RUNNING
        for other in running
    )


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.MULTILINE)


def strip_markdown_inline(text: str) -> str:
    """Remove emphasis, links and escapes; keep '#' headings and list markers for the chunker."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _MD_RULE.sub("", text)
    return text.replace("**", "")
