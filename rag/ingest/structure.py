"""Read a document's own structure: headings, numbered paragraphs, lists and slides.

`parse_blocks` turns cleaned text into a flat list of `Block`s, each an exact slice of
the text with the section path in force where it starts. The chunker packs blocks
into passages; it never needs to look at raw lines again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rag.ingest.anatomy import SectionType, heading_type

MINOR = 9  # level of unnumbered title lines ("The dangers of over optimism")

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_BULLET = re.compile(r"^(?:[-*+•▪◦●■□➢►]|\(?[a-z]\)|\(?[ivx]{1,4}\))\s+")
_NUMBERED_PARA = re.compile(r"^(?:[-*•]\s+)?(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(\S.*)$")
_BARE_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){0,3})\.?$")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.?\s+([A-Z‘'\"(].*)$")
# "Section Four - Key themes", "Part 2: Findings", "Chapter 3 Analysis": a top-level heading.
_WORDED_HEADING = re.compile(
    r"^((?:Section|Part|Chapter)\s+(?:\d{1,2}|[A-Z][a-z]+|[IVX]{1,4}))\s*[-–—:.]?\s+([A-Z].{1,80})$"
)
_TOC_LINE = re.compile(r"\s(?:page\s*)?\d{1,3}$", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?(?:p|br|div|span|em|strong|b|i|u|sup|sub)\b[^>]*>", re.IGNORECASE)
_CONT = re.compile(r"[\s,:;.\-–]*\b(?:cont(?:inued)?|contd)\b\.?\s*$", re.IGNORECASE)
_LEAD_IN_END = (":", "–", "-", "—")
_SUPERSCRIPTS = set("¹²³⁴⁵⁶⁷⁸⁹⁰")
# Words a heading never ends with: a line ending in one runs on into the next.
_RUNS_ON = {"and", "or", "of", "the", "a", "an", "to", "with", "for", "in", "on", "at", "by", "that", "which",
            "was", "were", "is", "are", "be", "as", "from", "but", "not", "had", "has", "have"}  # fmt: skip


@dataclass
class Block:
    """A paragraph, a list (with its lead-in) or a title line, as a slice of the text."""

    kind: str  # "para" | "list" | "title"
    start: int
    end: int
    text: str
    path: tuple[str, ...]  # major headings in force (numbered, markdown, slide titles)
    minor: str = ""  # the unnumbered title line in force, if any
    number: str | None = None  # numbered paragraph, e.g. "4.1.17"


@dataclass
class _Line:
    text: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Parser:
    text: str
    deck_title: str | None
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, title) stack
    minor: str = ""
    pending_number: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.headings)

    def set_heading(self, level: int, title: str) -> None:
        self.headings = [(lv, t) for lv, t in self.headings if lv < level]
        if title:
            self.headings.append((level, title))
        self.minor = ""
        self.pending_number = None

    def add(self, kind: str, lines: list[_Line], number: str | None = None) -> None:
        start, end = lines[0].start, lines[-1].end
        if kind == "title":
            self.minor = _strip_title(self.text[start:end])
        self.blocks.append(Block(kind, start, end, self.text[start:end], self.path, self.minor, number))


def parse_blocks(text: str) -> list[Block]:
    """Split cleaned text into structural blocks with their section paths."""
    lines = _lines(text)
    parser = _Parser(text=text, deck_title=_deck_title(lines))
    units = _units(lines)
    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else None
        _consume(parser, unit, following)
    return parser.blocks


def _lines(text: str) -> list[_Line]:
    out, offset = [], 0
    for raw in text.split("\n"):
        out.append(_Line(raw, offset, offset + len(raw)))
        offset += len(raw) + 1
    return out


def _units(lines: list[_Line]) -> list[list[_Line]]:
    """Group lines into units: runs of text lines, with every structural line starting
    a unit of its own (headings, bullets, numbered paragraphs)."""
    units: list[list[_Line]] = []
    current: list[_Line] = []
    for i, line in enumerate(lines):
        stripped = line.text.strip()
        if line.blank or _HTML_TAG.fullmatch(stripped):
            if current:
                units.append(current)
            current = []
            continue
        following = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
        if current and (_starts_unit(stripped) or _heading_between(current[-1].text, stripped, following)):
            units.append(current)
            current = []
        current.append(line)
        if _MD_HEADING.match(stripped) or _BARE_NUMBER.match(stripped):
            units.append(current)
            current = []
    if current:
        units.append(current)
    return units


def _heading_between(previous: str, line: str, following: str) -> bool:
    """A heading printed between paragraphs with no blank line around it (text taken from a
    PDF): a short line without sentence punctuation, after a finished sentence and before a
    line that starts a new one."""
    if not previous.rstrip().endswith((".", ":", ";", "!", "?", '"', "”")):
        return False
    if len(line.split()) > 10 or line.endswith((".", ";", ",")) or not following:
        return False
    if not (line[:1].isupper() or _NUMBERED_HEADING.match(line) or _WORDED_HEADING.match(line)):
        return False
    return following[:1].isupper() or following[:1].isdigit() or bool(_BULLET.match(following))


def _starts_unit(stripped: str) -> bool:
    return bool(
        _MD_HEADING.match(stripped)
        or _BULLET.match(stripped)
        or _NUMBERED_PARA.match(stripped)
        or _BARE_NUMBER.match(stripped)
    )


def _consume(p: _Parser, unit: list[_Line], following: list[_Line] | None) -> None:
    first = unit[0].text.strip()
    if md := _MD_HEADING.match(first):
        _markdown_heading(p, len(md.group(1)), md.group(2))
        return
    if bare := _BARE_NUMBER.match(first):
        # "4.22" alone numbers the next paragraph; "3." alone precedes a section title.
        p.pending_number = bare.group(1)
        return
    if _is_toc_line(first, unit):
        return
    if p.pending_number and "." not in p.pending_number and _is_title(unit, following):
        p.set_heading(1, f"{p.pending_number} {_strip_title(first)}")
        return
    if (worded := _WORDED_HEADING.match(first)) and _is_title(unit, following):
        p.set_heading(1, f"{worded.group(1)} - {_strip_title(worded.group(2))}")
        return
    if (heading := _NUMBERED_HEADING.match(first)) and _is_title(unit, following):
        level = heading.group(1).count(".") + 1
        p.set_heading(level, f"{heading.group(1)} {_strip_title(heading.group(2))}")
        return
    if _BULLET.match(first) and not _NUMBERED_PARA.match(first):
        _list_item(p, unit)
        return
    if _has_title_line(unit):
        # "Supervision\nThe importance of ..." : a sub-heading printed straight above its text.
        _title(p, unit[:1])
        _consume(p, unit[1:], following)
        return
    if _is_title(unit, following) and not (following and _is_lead_in(unit, following)):
        _title(p, unit)
        return
    _paragraph(p, unit)


_CONTENTS = re.compile(r"^(?:table of )?contents\b", re.IGNORECASE)


def _title(p: _Parser, unit: list[_Line]) -> None:
    text = unit[0].text.strip()
    if heading_type(text) is SectionType.REFERENCES and not _CONTENTS.match(text):
        # "Glossary of terms" after the conclusion: the back matter is a part of its own,
        # never a sub-heading of the section before it. (A contents list is not: what
        # follows it is the report itself, whose headings it may not share.)
        p.set_heading(1, _strip_title(text))
        return
    p.add("title", unit)


def _markdown_heading(p: _Parser, level: int, title: str) -> None:
    title = _strip_title(title)
    if p.deck_title and level == 1 and title.startswith(p.deck_title):
        # Every slide repeats the deck title: the slide's own title is what follows it.
        title = title[len(p.deck_title) :].strip(" :-–")
        p.set_heading(1, _CONT.sub("", title))
        return
    p.set_heading(level, _CONT.sub("", title))


def _paragraph(p: _Parser, unit: list[_Line]) -> None:
    first = unit[0].text.strip()
    last = p.blocks[-1] if p.blocks else None
    continues = first[:1].islower() and p.pending_number is None and not _NUMBERED_PARA.match(first)
    if continues and last is not None and last.kind == "para" and last.path == p.path:
        # A sentence running on across a page break (or a stray blank line) continues its paragraph.
        last.end = unit[-1].end
        last.text = p.text[last.start : last.end]
        return
    number = p.pending_number
    if numbered := _NUMBERED_PARA.match(first):
        number = numbered.group(1)
    p.pending_number = None
    p.add("para", unit, number)


def _list_item(p: _Parser, unit: list[_Line]) -> None:
    """Bullets join the list (or lead-in paragraph) right before them."""
    last = p.blocks[-1] if p.blocks else None
    joinable = (
        last is not None
        and last.path == p.path
        and not p.text[last.end : unit[0].start].strip()  # nothing (no heading) in between
        and (last.kind == "list" or (last.kind == "para" and last.text.rstrip().endswith(_LEAD_IN_END)))
    )
    if last is not None and joinable:
        end = unit[-1].end
        last.kind, last.end, last.text = "list", end, p.text[last.start : end]
        return
    p.add("list", unit)


def _is_title(unit: list[_Line], following: list[_Line] | None) -> bool:
    """A short single line without sentence punctuation, such as 'Responding to injuries:'."""
    if len(unit) != 1:
        return False
    text = unit[0].text.strip()
    if len(text.split()) > 12 or text.endswith((".", ";", ",")) or _BULLET.match(text):
        return False
    if "http" in text or text[:1] in _SUPERSCRIPTS:
        return False  # a footnote or a link, not a heading
    if text.split()[-1].lower() in _RUNS_ON:
        return False  # "... went to children's social care and": a sentence that runs on
        # (across a page break, say), never a heading
    return text[:1].isupper() or text[:1].isdigit() or text[:1] in "‘'\"("


def _has_title_line(unit: list[_Line]) -> bool:
    if len(unit) < 2 or not _is_title(unit[:1], None):
        return False
    first, second = unit[0].text.strip(), unit[1].text.strip()
    wrapped_sentence = len(first) >= 0.75 * len(second) or first.endswith((":", "–", "-"))
    return not wrapped_sentence and len(first.split()) <= 8 and second[:1].isupper()


def _is_lead_in(unit: list[_Line], following: list[_Line]) -> bool:
    text = unit[-1].text.rstrip()
    return text.endswith(_LEAD_IN_END) and bool(_BULLET.match(following[0].text.strip()))


def _is_toc_line(first: str, unit: list[_Line]) -> bool:
    return (
        len(unit) == 1
        and bool(_TOC_LINE.search(first))
        and len(first.split()) <= 10
        and bool(re.match(r"^\d", first))
    )


def _strip_title(title: str) -> str:
    return title.strip().rstrip(":").strip()


def _deck_title(lines: list[_Line]) -> str | None:
    """The title a slide deck repeats on every slide, if this text is one."""
    h1 = [
        m.group(2).strip()
        for line in lines
        if (m := _MD_HEADING.match(line.text.strip())) and len(m.group(1)) == 1
    ]
    if len(h1) < 3:
        return None
    title, count = Counter(h1).most_common(1)[0]
    return title if count >= 3 and count >= len(h1) // 3 else None
