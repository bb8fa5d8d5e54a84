"""Sentence and word helpers shared by the chunker and the answerer."""

from __future__ import annotations

import re

# Tokens after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "eg",
    "ie",
    "etc",
    "cf",
    "vs",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "no",
    "nos",
    "approx",
    "para",
    "paras",
    "ch",
    "fig",
    "vol",
    "pp",
    "p",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "ltd",
    "co",
}
# End punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'’”)\]]*\s+")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'‘“(\[]?[A-Z0-9•\-–]")
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; hard line wraps are not boundaries."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end >= len(text) or not _is_boundary(text, match.start(), end):
            continue
        stop = match.end() - len(match.group()) + len(match.group().rstrip())
        if stop > start:
            spans.append((start, stop))
        start = end
    tail = text[start:].rstrip()
    if tail.strip():
        spans.append((start, start + len(tail)))
    return spans


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def _is_boundary(text: str, dot: int, after: int) -> bool:
    if not _NEXT_STARTS_SENTENCE.match(text, after):
        return False
    token = re.search(r"([\w.]+)$", text[:dot])
    if token is None:
        return True
    word = token.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return False
    # "4.1." inside "paragraph 4.1. The" is a number, but "in 2015. The" ends a sentence.
    return not re.fullmatch(r"\d+(\.\d+)+", word)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def normalise_space(text: str) -> str:
    """Collapse all whitespace runs to one space (for display and quote matching)."""
    return " ".join(text.split())
