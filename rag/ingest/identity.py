"""What review a document belongs to, guessed from the document itself when no catalog says.

Published reviews name themselves on their title page: the board or partnership, the review
type, the label ("Child S", "Baby F", "Family X", or a first name such as "Jack"), a date, an
author. These rules read that page first and the text after it, in general English; nothing
here knows any particular review.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

TITLE_PAGE_CHARS = 1500  # of a text file; a PDF's title page is its first page

_KIND = r"(?:Child(?:ren)?|Baby|Infant|Young\s+Person|Family|Adult|Sibling(?:s)?)"
# "Child S", "CHILD S", "Baby F", "Family X", "Child 1", "Children A and B" (first letter kept).
_LABEL = re.compile(rf"\b({_KIND}|{_KIND.upper()})\s+([A-Z]{{1,2}}\d{{0,2}}|\d{{1,3}})\b(?![’'-]\w)")
_NOT_LETTERS = {"IN", "OF", "AT", "TO", "IS", "AS", "OR", "ON", "AN", "BY", "NO", "UP", "IT", "BE", "WE", "I"}
# A first name used as the review's name: '"Jack" is not his real name', 'known as Ellie'.
_NAMED = [
    re.compile(r"[\"“‘']([A-Z][a-z]{2,15})[\"”’'] (?:is|was) not (?:the|his|her|their) (?:\w+ )?real name"),
    re.compile(r"\b(?:known|referred to) (?:throughout |in this report )?as [\"“‘']?([A-Z][a-z]{2,15})\b"),
    re.compile(r"\b(?:pseudonym|the name) [\"“‘']([A-Z][a-z]{2,15})[\"”’']"),
]
_NOT_NAMES = {
    "Child", "Children", "Baby", "Infant", "Family", "Adult", "Mother", "Father", "Contents", "Introduction",
    "Summary", "Overview", "Executive", "Report", "Review", "Board", "Partnership", "Serious", "Case",
    "Learning", "Briefing", "Findings", "Recommendations", "Published", "Version", "Final", "Draft",
    "Appendix", "Glossary", "Section", "Part", "Chapter", "The", "This", "Local", "Safeguarding",
}  # fmt: skip
_BOARD = re.compile(
    r"((?:(?:[A-Z][\w'’.]*|of|and|&|the|OF|AND|THE),?[ \t\n]+){1,8}?)"
    r"((?i:(?:Local\s+)?(?:Children'?s?\s+)?Safeguarding\s+(?:Children'?s?\s+|Adults\s+)?(?:Assurance\s+)?"
    r"(?:Board|Partnership|Arrangements)))"
)
# Words of a title line that can run into a board's name but are never part of a place.
_NOT_PLACE = {
    "serious", "case", "review", "executive", "summary", "overview", "report", "learning", "briefing",
    "published", "by", "this", "final", "version", "child", "practice", "the", "of", "and", "for",
}  # fmt: skip
_ACRONYM_AFTER = re.compile(r"\s*\(([A-Z]{3,7})\)")
_REVIEW_TYPES = [  # most specific first
    ("local child safeguarding practice review", r"local child safeguarding practice review|\bLCSPR\b"),
    ("child safeguarding practice review", r"child safeguarding practice review|\bCSPR\b"),
    ("safeguarding adults review", r"safeguarding adults? review"),
    ("domestic homicide review", r"domestic homicide review"),
    ("rapid review", r"rapid review"),
    ("serious case review", r"serious case review|\bSCR\b"),
    ("learning review", r"learning review|practice learning review"),
]
_DOC_TYPES = [
    ("learning briefing", r"briefing|\b\d+[- ]minute\b|learning summary"),
    ("presentation", r"presentation|slides?\b"),
    ("executive summary", r"executive summary"),
    ("full report", r"overview report|full report|review report|findings and recommendations|final report"),
]
_SLIDE = re.compile(r"^#{1,3}\s*slide\s+\d+", re.IGNORECASE | re.MULTILINE)
_AUTHOR = re.compile(
    r"\b(?:(?:independent|lead|report)\s+)?(?:author|reviewer|lead reviewer|overview author)s?\s*[:\-–]\s*"
    r"([A-Z][\w.'’-]+(?:[ \t]+[A-Z][\w.'’-]+){0,3})",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")


@dataclass(frozen=True)
class ReviewGuess:
    """What a document says about the review it belongs to ("" / None where it does not say)."""

    label: str = ""
    board: str = ""
    place: str = ""
    year: int | None = None
    review_type: str = ""
    doc_type: str = ""
    author: str = ""
    acronym: str = ""


def guess_review(text: str, title_page: str | None = None) -> ReviewGuess:
    """Read the title page first, then the rest of the text."""
    head = title_page if title_page is not None else text[:TITLE_PAGE_CHARS]
    board, acronym = guess_board(text, head)
    return ReviewGuess(
        label=guess_label(text, head),
        board=board,
        place=place_of(board),
        year=guess_year(head) or guess_year(text[:4000]),
        review_type=_first_kind(_REVIEW_TYPES, head) or _first_kind(_REVIEW_TYPES, text[:6000]),
        doc_type=guess_doc_type(text, head),
        author=guess_author(head) or guess_author(text[:6000]),
        acronym=acronym,
    )


def guess_label(text: str, head: str) -> str:
    """The review's label: the most used "Child X"-style label mentioned at least twice (one
    on the title page counts for three more), else a first name the review uses, else the one
    label the document names, if its title page is about it (a short briefing that says
    "Child Q was ..." once), else ""."""
    found: Counter[str] = Counter()
    for kind, mark in _LABEL.findall(text):
        if mark not in _NOT_LETTERS:
            found[f"{' '.join(kind.split()).capitalize().replace('Children', 'Child')} {mark}"] += 1
    on_title_page = {label for label in found if re.search(rf"\b{label}\b", head, re.IGNORECASE)}
    mentioned_twice = [label for label, n in found.items() if n >= 2]
    if mentioned_twice:
        return max(mentioned_twice, key=lambda label: found[label] + 3 * (label in on_title_page))
    named = guess_first_name(text, head)
    if not named and len(found) == 1 and on_title_page and _names_its_subject(head, next(iter(found))):
        return next(iter(found))
    return named


def _names_its_subject(head: str, label: str) -> bool:
    """The label is what the title page is about: a title line ending in it ("Review of Child
    Q"), or the subject of a sentence ("Child Q was ..."), not a passing mention ("... as
    with Child P")."""
    kind, mark = label.split(" ", 1)
    said = rf"(?i:{kind})\s+{re.escape(mark)}\b"
    if re.search(rf"^[^\n.]{{0,150}}\b{said}[ \t]*$", head, re.MULTILINE):  # long board names
        return True
    return bool(re.search(rf"(?:^|[.!?][\"'’”)\]]*\s+){said}(?:['’]s)?\s+[a-z]", head, re.MULTILINE))


def guess_first_name(text: str, head: str) -> str:
    """A first name the review is named by: said so in the text, or a title-page line of one
    capitalised word that the text goes on to use again and again."""
    for pattern in _NAMED:
        for name in pattern.findall(head + "\n" + text[:20000]):
            if name not in _NOT_NAMES and len(re.findall(rf"\b{name}\b", text)) >= 3:
                return name
    for line in head.splitlines():
        word = line.strip(" #*:-–").strip()
        if re.fullmatch(r"[A-Z][A-Za-z]{2,15}", word):
            name = word.capitalize()
            if name not in _NOT_NAMES and len(re.findall(rf"\b{name}\b", text)) >= 5:
                return name
    return ""


def guess_board(text: str, head: str) -> tuple[str, str]:
    """The board or partnership that published the review, and its acronym when the text
    gives one ("... Board (BSCB)")."""
    found: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    acronyms: Counter[str] = Counter()
    for source, weight in ((head, 3), (text[:20000], 1)):
        for match in _BOARD.finditer(source):
            name = _tidy_board(match.group(1) + match.group(2))
            if not name:
                continue
            key = name.lower()
            found[key] += weight
            if not name.isupper() and key not in spelled:
                spelled[key] = name
            after = _ACRONYM_AFTER.match(source, match.end())
            if after:
                acronyms[(key, after.group(1))] += 1
    if not found:
        return "", ""
    key = found.most_common(1)[0][0]
    name = spelled.get(key) or _title_case(key)
    given = [(n, acronym) for (board, acronym), n in acronyms.items() if board == key]
    return name, max(given)[1] if given else used_initialism(name, text)


_CAPS = re.compile(r"\b[A-Z]{4,8}\b")


def used_initialism(board: str, text: str) -> str:
    """The short form a review uses for its board without spelling it out ("WSCB" for
    Warwickshire Safeguarding Children Board, "CHSCB" for City of London & Hackney ...): a
    capitals word used at least twice that starts with the board's first initial and whose
    letters are the initials of some of its words, in order, ending with its last. It must be
    longer than the initials of the kind of board alone: "LSCB" names every Local Safeguarding
    Children Board, so it is no alias of one."""
    words = re.findall(r"[A-Za-z']+", board)
    initials = "".join(w[0] for w in words).upper()
    kind_at = next((i for i, w in enumerate(words) if w.lower() in {"local", "safeguarding"}), 0)
    kind = len(words) - kind_at
    counts = Counter(_CAPS.findall(text))
    fits = [
        (n, word) for word, n in counts.items()
        if n >= 2 and len(word) > kind and word[0] == initials[:1] and word[-1] == initials[-1:]
        and _in_order(word, initials)
    ]  # fmt: skip
    return max(fits)[1] if fits else ""


def _in_order(letters: str, within: str) -> bool:
    rest = iter(within)
    return all(letter in rest for letter in letters)


def _tidy_board(raw: str) -> str:
    words = " ".join(raw.replace("’", "'").split()).strip(" ,").split()
    board_at = next(i for i, w in enumerate(words) if w.lower() in {"local", "safeguarding", "children's"})
    start = 0
    while start < board_at and words[start].lower().strip(",") in _NOT_PLACE:
        start += 1
    if start == board_at:
        return ""
    return " ".join(words[start:])


def _title_case(text: str) -> str:
    small = {"of", "and", "the"}
    words = text.split()
    return " ".join(w if w in small and i else w.capitalize() for i, w in enumerate(words))


def place_of(board: str) -> str:
    """The place a board serves: its name before "(Local) Safeguarding ..." ("" when the name
    has no such phrase)."""
    parts = re.split(r"\s+(?:local\s+)?(?:children'?s?\s+)?safeguarding\b", board or "", flags=re.IGNORECASE)
    return parts[0].strip(" ,") if len(parts) > 1 else ""


_GENERIC_PLACE_WORDS = {"city", "county", "borough", "district", "council", "metropolitan", "royal"}


# The short forms people write for English counties ("the Staffs review", "Notts").
_COUNTY_SHORT = {
    "bedfordshire": "Beds", "berkshire": "Berks", "buckinghamshire": "Bucks", "cambridgeshire": "Cambs",
    "derbyshire": "Derbys", "gloucestershire": "Glos", "hampshire": "Hants", "hertfordshire": "Herts",
    "lancashire": "Lancs", "leicestershire": "Leics", "lincolnshire": "Lincs",
    "northamptonshire": "Northants", "nottinghamshire": "Notts", "oxfordshire": "Oxon",
    "shropshire": "Shrops", "staffordshire": "Staffs",
    "warwickshire": "Warks", "wiltshire": "Wilts", "worcestershire": "Worcs", "yorkshire": "Yorks",
}  # fmt: skip


def place_names(place: str) -> list[str]:
    """'City of London & Hackney' -> ['City of London', 'Hackney']; 'City of York' -> also 'York';
    'Staffordshire' -> also 'Staffs'."""
    parts = [p.strip() for p in re.split(r",|\s+and\s+|\s*&\s*", place) if p.strip()]
    names = []
    for part in parts:
        if part.lower() in _GENERIC_PLACE_WORDS:
            continue  # "City" of "City & Hackney" is no name anyone types for the review
        names.append(part)
        short = re.sub(r"^(?:City|County|Borough|Royal Borough|London Borough) of\s+", "", part)
        if short != part:
            names.append(short)
        county = _COUNTY_SHORT.get(short.lower())
        if county:
            names.append(county)
    return list(dict.fromkeys(names))


def guess_year(text: str) -> int | None:
    """The latest year on the page: a review is published after the events it describes."""
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None


def guess_doc_type(text: str, head: str) -> str:
    if len(_SLIDE.findall(text)) >= 3:
        return "presentation"
    kind = _first_kind(_DOC_TYPES, head)
    if kind:
        return kind
    return "full report" if len(text.split()) > 2500 else ""


def guess_author(text: str) -> str:
    match = _AUTHOR.search(text)
    if not match:
        return ""
    name = match.group(1).strip(" .,")
    return "" if name.split()[0].lower() in {"on", "of", "the", "and", "for"} else name


def _first_kind(kinds: list[tuple[str, str]], text: str) -> str:
    for name, pattern in kinds:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return ""


# --- the review's name, id and the aliases people type ---------------------------------------

_CHILD_OF_PLACE = re.compile(
    r"\bchild who (?:died|was (?:seriously )?(?:injured|harmed)|lived) in ([A-Z][a-z]+(?: [A-Z][a-z]+)?)"
)


def unlabelled_place(text: str) -> str:
    """Where a briefing that never labels the child says it happened ("a child who died in X")."""
    match = _CHILD_OF_PLACE.search(text)
    return match.group(1) if match else ""


def display_name(label: str, place: str, year: int | None, fallback: str = "") -> str:
    """'Child S (Norfolk, 2017)': what citations, headings and the case filter show."""
    name = label or fallback
    shown_place = "" if place and place.lower() in name.lower() else place  # "the Calderdale child"
    where = ", ".join(str(x) for x in (shown_place, year) if x)
    return f"{name} ({where})" if where else name


def review_id(label: str, place: str, year: int | None, fallback: str) -> str:
    """A stable slug for the review ('child-s-norfolk-2017'); documents sharing it are one review."""
    parts = [label, place, str(year or "")] if label else [fallback]
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(p for p in parts if p).lower()).strip("-")
    return slug or re.sub(r"[^a-z0-9]+", "-", fallback.lower()).strip("-")


def review_aliases(label: str, place: str, year: int | None, acronym: str = "") -> list[str]:
    """What people type for a review: its label, its place and board ('the Surrey review',
    'surrey', 'the 2014 Surrey review', 'surrey child s'), and the board's acronym."""
    names = [label.lower()] if label else []
    letter = re.fullmatch(r"(child|case) ([a-z0-9]{1,3})", label.lower())
    if letter:  # "Child S" is also typed "case s"
        names += [f"{kind} {letter.group(2)}" for kind in ("child", "case")]
    for where in (p.lower() for p in place_names(place)):
        names += [where, f"the {where} review", f"the {where} scr", f"the {where} case"]
        if year:
            names.append(f"the {year} {where} review")
        if label:
            names += [f"{where} {label.lower()}", f"{label.lower()} {where}"]
    if acronym:
        names.append(acronym.lower())
    return list(dict.fromkeys(n for n in names if n))
