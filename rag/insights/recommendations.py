"""A review's recommendations, numbered as it numbers them, each complete, with the span
it is printed in."""

from __future__ import annotations

import re

from rag.insights.sentences import Sentence, quote_of
from rag.insights.spans import INSTRUCTION, span
from rag.insights.types import Item
from rag.text import normalise_space
from rag.types import Document

Set = set[str] | frozenset[str]

_REC_WORD = re.compile(r"\b(?:should|must|will|to (?:ensure|review|consider|seek|develop|provide|establish)|"
                       r"ensure|make sure|consider|recommend)", re.I)  # fmt: skip


def recommendations(document: Document, sentences: list[Sentence]) -> tuple[Item, ...]:
    """The review's recommendations, numbered as it numbers them, each complete.

    Reviews print them in a few ways, tried in turn: under a label of their own
    ("Recommendation:", "Recommendation 3:", "2. Recommendation for the Board", anywhere in
    the document, as reviews that pair each learning point with a recommendation do); as
    numbered lines or paragraphs of the recommendations section; as its list items. An item
    runs until the next one, a heading or a label. Where none of these is found, each
    statement of what someone should do in that section is one, numbered in order."""
    region = sorted(
        {s.passage.id: s.passage for s in sentences if s.section_type == "recommendations"}.values(),
        key=lambda p: p.start,
    )
    spans = _joined(document.text, [(p.start, p.end) for p in region])
    headings = _headings(sentences)

    def kept(items: list[Item], listed: bool = False) -> list[Item]:
        items = [i for i in items if _is_recommendation(i.text, listed) and _key(i.text) not in headings]
        return _one_numbering(items)

    labelled, numbered = (
        kept(_labelled_items(document, headings)),
        kept(_numbered_items(document, spans, headings)),
    )
    # Labels win, unless the section's numbered list holds every labelled item and more.
    within = all(any(n.quote.start <= i.quote.start < n.quote.end for n in numbered) for i in labelled)
    best = numbered if numbered and (within or not labelled) else labelled
    best = best or kept(_listed_items(document, spans), listed=True)
    if best:
        return tuple(best)
    out = []
    for sentence in sentences:
        stated = sentence.section_type == "recommendations" and _REC_WORD.search(sentence.text)
        if stated and _is_recommendation(sentence.text):
            out.append(Item(sentence.text, quote_of(sentence, document), str(len(out) + 1)))
    return tuple(out)


# An item's own label: singular ("Recommendation 2:", "2. Recommendation for the Board");
# "9 Recommendations" is the heading of a section (or its line in the contents), not an item.
_LABEL_LINE = re.compile(
    r"^[#* \t]*(?:(\d{1,2})[.)]?[ \t]*)?\**[ \t]*recommendation(?!s)[ \t]*(?:no\.?[ \t]*)?(\d{1,2})?"
    r"(?:[ \t]+(?:for|to)[ \t]+[^\n:]{0,80})?[ \t]*\**[ \t]*[:.–-]?[ \t]*\**[ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_STOP_LINE = re.compile(r"^\s*(?:#|(?:\*\*)?[A-Z][^\n]{0,60}:\s*(?:\*\*)?$)")
_LEAD_IN = re.compile(
    r"(?:makes? the following|following recommendations|"
    r"recommendations? (?:are|is) (?:made|as follows|set out)|"
    r"recommendations (?:below|for)\b.*:$|:$)",
    re.IGNORECASE,
)
_NUMBER_LINE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\*\*)?(?:recommendation\s*)?(\d{1,2}(?:\.\d{1,2}){0,2})(?:\*\*)?"
    r"\s*[.):–-]?\s*(?:\*\*)?\s*(.*)$",
    re.IGNORECASE,
)
_TOP_BULLET = re.compile(r"^[-*•]\s+(.*)$")
_SUB_LINE = re.compile(r"^\s+\S")


def _headings(sentences: list[Sentence]) -> set[str]:
    """Every heading of the document, as `_key` reads it, with and without its number."""
    out = set()
    for section in {s.passage.section for s in sentences}:
        for heading in section.split(" > "):
            out.add(_key(heading))
            out.add(_key(re.sub(r"^[\d.]+\s*", "", heading)))
    return out


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_recommendation(text: str, listed: bool = False) -> bool:
    """Not a lead-in ("The review makes the following recommendations:"), an instruction to
    the reader, or a numbered heading ("8 Background reading and references"); a list item
    is never a heading."""
    words = len(text.split())
    heading = not listed and words <= 6 and not re.search(r"[.;]", text) and not _REC_WORD.search(text)
    return words >= 4 and not heading and not _LEAD_IN.search(text.strip()) and not INSTRUCTION.search(text)


def _one_numbering(items: list[Item]) -> list[Item]:
    """Items of one list share a numbering style: where most are "1", "2" and a few "6.2",
    the few are paragraphs about the list, not items of it. Unnumbered items (list items)
    are numbered in order."""
    if not items:
        return items
    dotted = [i for i in items if "." in i.number]
    if dotted and len(dotted) * 2 < len(items):
        items = [i for i in items if "." not in i.number]
    if all(not i.number for i in items):
        items = [Item(i.text, i.quote, str(k + 1)) for k, i in enumerate(items)]
    return items


def _labelled_items(document: Document, headings: set[str]) -> list[Item]:
    """Items under a label line of their own ("Recommendation:", "Recommendation 2:")."""
    text = document.text
    items = []
    for match in _LABEL_LINE.finditer(text):
        number = match.group(1) or match.group(2) or ""
        rest = match.group(3).strip(" *")
        if rest and not number:  # "Recommendations of the review are ..." is prose, not a label
            continue
        begin = match.start(3) if rest else _next_text(text, match.end())
        end = _item_end(text, begin, headings=headings)
        body = _clean(text[begin:end])
        if body:
            items.append(Item(body, span(document, begin, end), number or str(len(items) + 1)))
    return items if len(items) >= 1 and _labels_are_headings(items) else []


def _labels_are_headings(items: list[Item]) -> bool:
    return all(len(i.text.split()) >= 4 for i in items)


def _numbered_items(document: Document, spans: list[tuple[int, int]], headings: set[str]) -> list[Item]:
    """Numbered lines of the recommendations section ("1.", "4.2", a number alone on its line)."""
    text = document.text
    starts: list[tuple[int, int, str]] = []  # (line start, text start, number)
    for a, b in spans:
        for line in re.finditer(r"[^\n]+", text[a:b]):
            match = _NUMBER_LINE.match(line.group())
            if match:
                at = a + line.start()
                body = at + match.start(2) if match.group(2).strip() else _next_text(text, a + line.end())
                starts.append((at, body, match.group(1)))
    items = []
    for k, (_, begin, number) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else _span_end(spans, begin)
        end = _item_end(text, begin, stop, headings)
        body = _clean(text[begin:end])
        if not _REC_WORD.search(re.sub(r"\brecommendations?\b", "", body, flags=re.I)):
            # Nothing asked of anyone before a known heading: the number stands above a
            # subheading ("4.3 / Recommendations linked with ... / The findings ... should"),
            # so its item runs on past it.
            end = _item_end(text, begin, stop)
            body = _clean(text[begin:end])
        if body and (
            _REC_WORD.search(body) or re.match(r"that\b", body, re.I)
        ):  # not a numbered paragraph about them
            items.append(Item(body, span(document, begin, end), number))
    return items


def _listed_items(document: Document, spans: list[tuple[int, int]]) -> list[Item]:
    """Top-level list items of the recommendations section, each with its sub-items."""
    text = document.text
    items: list[Item] = []
    for a, b in spans:
        lines = [(a + m.start(), a + m.end(), m.group()) for m in re.finditer(r"[^\n]+", text[a:b])]
        k = 0
        while k < len(lines):
            start, end, line = lines[k]
            match = _TOP_BULLET.match(line)
            if not match:
                k += 1
                continue
            begin = start + match.start(1)
            leads_in = line.rstrip().endswith(":")
            while k + 1 < len(lines) and (
                _SUB_LINE.match(lines[k + 1][2]) or leads_in and _short_item(lines[k + 1][2])
            ):
                k += 1
                end = lines[k][1]
            body = _clean(text[begin:end])
            items.append(Item(body, span(document, begin, end)))
            k += 1
    return items


def _belongs(line: str, after_lead_in: bool) -> bool:
    """A line continues the list item above it: indented, or a short item after a lead-in."""
    return bool(_SUB_LINE.match(line)) or after_lead_in and _short_item(line)


def _short_item(line: str) -> bool:
    """A sub-item printed flush with its parent: after a lead-in ("working with:"), a short
    item that goes on the lead-in's sentence (it starts in lower case)."""
    match = _TOP_BULLET.match(line)
    return bool(match) and match.group(1)[:1].islower() and len(match.group(1).split()) <= 8


def _joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans next to each other with only paragraph numbers between ("4.3" on a line of its
    own, which passages leave out): one span, so the numbers are read with their items."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and re.fullmatch(r"[\s\d.]*", text[out[-1][1] : start]):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _next_text(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _span_end(spans: list[tuple[int, int]], offset: int) -> int:
    return next((end for start, end in spans if start <= offset < end), offset)


def _item_end(text: str, begin: int, stop: int | None = None, headings: Set[str] = frozenset()) -> int:
    """Where an item that starts at `begin` ends: before the next heading (a known one, or a
    short line standing alone between blank lines), label or recommendation, at `stop`, or at
    the end of the text."""
    stop = len(text) if stop is None else stop
    lines, at = [], begin
    for line in text[begin:stop].split("\n"):  # every line once, blank ones included
        lines.append((at, line))
        at += len(line) + 1
    end = begin
    for k, (at, line) in enumerate(lines):
        if k and line.strip():
            before = not lines[k - 1][1].strip()
            after = k + 1 >= len(lines) or not lines[k + 1][1].strip()
            # After a finished sentence, a short line set apart on either side is the next
            # heading or a signature ("Susan Nash / Independent Overview Author"), not more item.
            finished = text[begin:end].rstrip().endswith((".", ";"))
            apart = before and after or finished and (before or after)
            if _stops_item(line) or _key(line) in headings or apart and _heading_like(line):
                break
        if line.strip():
            end = at + len(line)
    while end > begin and text[end - 1].isspace():
        end -= 1
    return end


def _heading_like(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 12 and not _TOP_BULLET.match(line) and not re.search(r"[.:;,]\s*$", line)


def _stops_item(line: str) -> bool:
    # A line going on in lower case ("recommendation on information systems in ...") carries
    # on a sentence; it is no label.
    goes_on = line.lstrip()[:1].islower()
    labelled = _LABEL_LINE.match(line) and re.search(r"recommend", line, re.IGNORECASE) and not goes_on
    return bool(_STOP_LINE.match(line) or labelled)


def _clean(body: str) -> str:
    body = normalise_space(re.sub(r"\*\*", "", body)).strip(" :")
    return re.sub(r"^(?:for|to) [^:]{3,80}:\s*", "", body)  # "for the Board: That ..." -> "That ..."
