"""Sentence and word helpers shared by the chunker and the answerer, and what makes a
question readable at all."""

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


# "No concerns about ...", "did not seek to determine ...": a denial close before, same clause.
_DENIAL = re.compile(r"\b(?:no|not|never|neither|nor|without|absence of|none)\b[^.;:]{0,60}$", re.I)


def denied_before(text: str, start: int) -> bool:
    return bool(_DENIAL.search(text[:start]))


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
    if word.isdigit() and not text[: token.start()].strip():
        return False  # "1. The Board should ...": an item's number, not a sentence
    # "4.1." inside "paragraph 4.1. The" is a number, but "in 2015. The" ends a sentence.
    return not re.fullmatch(r"\d+(\.\d+)+", word)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def normalise_space(text: str) -> str:
    """Collapse all whitespace runs to one space (for display and quote matching)."""
    return " ".join(text.split())


# A list item's mark: a bullet character, "a)" / "(a)", or "1)".
BULLET = r"(?:[-*+•▪◦●■➢►]|\(?[a-z]\)|\d+\))"
BULLET_LINE = re.compile(rf"^\s*{BULLET}\s+")
ITEM_START = re.compile(rf"\n(?=\s*{BULLET}\s)")  # where the next list item of a quote starts
# A numbered paragraph's number ("4.1.17 "), which citations carry separately.
PARAGRAPH_NUMBER = re.compile(r"^\s*(?:[-*•]\s+)?\d{1,2}(?:\.\d{1,3}){1,3}\.?\s+(?=\S)")


_DATED_ENTRY = re.compile(
    r"^\s*(?:[-*•]\s+)?(?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? "
    r"\d{4}\s*[:–-]",
    re.IGNORECASE,
)


def unit_spans(text: str) -> list[tuple[int, int]]:
    """Citable units of a passage: sentences, with each bullet item a unit of its own
    and a line that does not end a sentence (a slide line, a title) closed at its end
    when the next line starts a new item or title. A short dated entry of a chronology
    ("Apr 2015: childminder phones MASH ... Advice given to record ...") stays whole."""
    spans: list[tuple[int, int]] = []
    for a, b in _line_groups(text):
        if _DATED_ENTRY.match(text[a:b]) and len(text[a:b].split()) <= 40:
            spans.append((a, b))
            continue
        spans.extend((a + s, a + e) for s, e in sentence_spans(text[a:b]))
    return [piece for a, b in _rejoined(text, spans) for piece in _around_markup(text, a, b)]


# Markup left in a passage (inline formatting is stripped at ingest): a script or style
# element with what it holds, a comment, any other tag. It is never part of a sentence.
MARKUP = re.compile(
    r"<(script|style)\b[^>]*>(?:.*?</\1\s*>|[^\n]*)|<!--.*?(?:-->|$)|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>",
    re.IGNORECASE | re.DOTALL,
)


def _around_markup(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The span a:b with its markup cut out: the text before and after a tag are units of
    their own ("... in March 2019. <script>...</script> IGNORE ..." is one sentence, then
    another), so a plain sentence next to markup is not lost with it."""
    found = list(MARKUP.finditer(text, a, b))
    if not found:
        return [(a, b)]
    pieces, start = [], a
    for match in found:
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, b))
    out = []
    for s, e in pieces:
        piece = text[s:e]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append((s + lead, s + len(piece.rstrip())))
    return out


_SENTENCE_END = (".", "?", "!", ":", ";", '"', "”", "’", ")")


def _rejoined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence cut by a page break or a stray blank line ("... a referral to" / "children's
    social care was made.") is one sentence again."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            pa, pb = out[-1]
            gap = text[pb:a]
            cut = not text[pa:pb].rstrip().endswith(_SENTENCE_END) and text[a : a + 1].islower()
            if cut and not gap.strip() and "\n" in gap:
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def _line_groups(text: str) -> list[tuple[int, int]]:
    """Runs of lines that belong together: a bullet item with its wrapped lines, or a
    paragraph whose lines wrap mid-sentence."""
    groups: list[tuple[int, int]] = []
    start = 0
    offset = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        end = offset + len(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or _breaks_before(line, nxt):
            if text[start:end].strip():
                groups.append((start, end))
            start = end + 1
        offset = end + 1
    return groups


_NUMBERED_ITEM = re.compile(r"^\s*\d{1,2}[.)]\s+[A-Z]")


def _breaks_before(line: str, nxt: str) -> bool:
    if not nxt.strip() or not line.strip():
        return True
    if BULLET_LINE.match(nxt):
        return True
    stripped = line.rstrip()
    # "... to the Board:" then "1. The Board should ...": the lead-in ends, item 1 begins.
    if stripped.endswith((":", ".", ";")) and _NUMBERED_ITEM.match(nxt):
        return True
    if stripped.endswith((":", ".", "?", "!", "”", '"', "’")) and nxt.lstrip()[:1].isupper():
        return True
    # A short line with no end punctuation followed by a capitalised line is a title or slide line.
    return len(stripped.split()) <= 8 and nxt.lstrip()[:1].isupper()


def strip_bullet(text: str) -> str:
    return BULLET_LINE.sub("", text, count=1)


# --- stopwords ---------------------------------------------------------------------------


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Question words, framing words and case vocabulary: none of them says what a question is about.
QUESTION_STOPWORDS = _word_set(
    """
    a an the and or but if of to in on at by for with from about as into over after before is
    are was were be been being do does did done have has had having can could should would may
    might must will shall what which who whom whose when where why how that this these those
    there their they them it its he she his her him we our you your i me my not no nor so than
    too very just also any all each some such more most other only own same both either neither
    case cases child children review reviews serious scr scrs tell say says said find found
    please give list show explain describe summarise summarize happen happened went go wrong did
    does document documents report reports mention mentions according talk talks timeline
    sequence events themselves yes didn't isn't wasn't doesn't don't put down one
    compare compared comparing comparison contrast
    """
)


# --- stems ------------------------------------------------------------------------------

_STEMMER = None
# Words too common to say anything about a topic when matching words of a question with text.
MATCH_FUNCTION_WORDS = frozenset(
    ["the", "and", "of", "to", "in", "a", "an", "was", "were", "is", "are", "for", "on"]
)


def stemmer():
    """The one Snowball English stemmer of the process (PyStemmer, loaded on first use)."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def match_stems(text: str) -> set[str]:
    """Stemmed word set, for lexical overlap that matches 'optimism' with 'optimistic'."""
    stem = stemmer().stemWord
    # Stems cut to five letters so "optimism" (optim) meets "optimistic" (optimist).
    tokens = (part for w in words(text.lower()) for part in w.split("-") if part)
    return {stem(t)[:5] for t in tokens if t not in MATCH_FUNCTION_WORDS}


# --- citation markers -------------------------------------------------------------------

CITATION_MARKER = re.compile(r"\[(\d+)\]")


def strip_markers(text: str) -> str:
    """Text without its [n] citation markers (and the space before each)."""
    return re.sub(r"\s*\[\d+\]", "", text)


def question_problem(question: str, limit: int) -> str:
    """Why every door (REST, chat, CLI) refuses a question: longer than `limit` characters, or
    holding a lone surrogate that no answer could be encoded with; "" when it can be read."""
    if len(question) > limit:
        return f"the question is {len(question):,} characters long; at most {limit:,} are read: shorten it"
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        return "the question holds characters that are not text (a lone surrogate): type it again"
    return ""


_LEAD_IN = re.compile(r"[:–-]\s*$")
MAX_LIST_WORDS = 90


def group_units(text: str) -> list[tuple[int, int, bool]]:
    """Sentence spans, with a lead-in ("... the advice provided:") joined to the items that
    follow it, so a list is never cited without what introduces it."""
    spans = unit_spans(text)
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(spans):
        a, b = spans[i]
        is_item = bool(BULLET_LINE.match(text[a:b]))
        next_is_item = i + 1 < len(spans) and BULLET_LINE.match(text[slice(*spans[i + 1])])
        if _LEAD_IN.search(text[a:b]) and next_is_item:
            j = i + 1
            while (
                j < len(spans)
                and BULLET_LINE.match(text[slice(*spans[j])])
                and len(text[a : spans[j][1]].split()) <= MAX_LIST_WORDS
            ):
                j += 1
            out.append((a, spans[j - 1][1], False))
            i = j
            continue
        if is_item:
            a += len(BULLET_LINE.match(text[a:b]).group())  # quote the item, not its bullet
        if number := PARAGRAPH_NUMBER.match(text[a:b]):
            a += len(number.group())  # the citation carries the paragraph number already
        out.append((a, b, is_item))
        i += 1
    return out


def readable(quote: str) -> str:
    """A quote as it reads in an answer: list items joined with semicolons."""
    lines = [strip_bullet(line).strip() for line in quote.split("\n") if line.strip()]
    if len(lines) > 1 and any(BULLET_LINE.match(line) for line in quote.split("\n")):
        head, items = lines[0], lines[1:]
        items = [item.rstrip(" .;,") for item in items]
        return normalise_space(f"{head} {'; '.join(items)}")
    return normalise_space(" ".join(lines))
