"""A card for one review document: who, what happened, who was involved, what the review
found and recommended. Every value is read from the document's own sentences and carries the
span it was read from; what the document does not say is left "not stated".

All rules are about how case reviews are written in general (their anatomy, how they state an
age, name an agency or number a recommendation), never about one review's wording.
"""

from __future__ import annotations

import re

import numpy as np

from rag.insights.agencies import agencies
from rag.insights.findings import FindingsModel, key_findings
from rag.insights.recommendations import recommendations
from rag.insights.sentences import Sentence, quote_of
from rag.insights.spans import span
from rag.insights.types import Field, Item, ReviewCard, ThemeTag
from rag.text import normalise_space
from rag.types import Document

HEAD_CHARS = 3000  # the title page and what follows it
_NUMBER_WORDS = (
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|a few|several)"
)
_UNIT = r"(?:days?|weeks?|months?|years?)"
_AGE = re.compile(
    rf"\b(?:aged?\s+(?:of\s+)?(?:just\s+|only\s+|around\s+|about\s+)?{_NUMBER_WORDS}(?:\s+and\s+a\s+half)?"
    rf"(?:\s+{_UNIT}(?:\s+old)?)?\b|"
    rf"{_NUMBER_WORDS}[- ]{_UNIT.replace('s?', '')}[- ]old|{_NUMBER_WORDS}\s+{_UNIT}\s+old|"
    r"(?:a\s+)?(?:new[- ]?born|teenage(?:r|d)?|adolescen(?:t|ce)|infant|toddler)\b)",
    re.IGNORECASE,
)
_SEX_WORD = re.compile(
    r"\b(?:baby|infant|little|young|teenage|year[- ]old|month[- ]old|a)\s+(boy|girl)\b", re.I
)
_PRONOUN_SUBJECT = re.compile(r"^(?:he|she)\b", re.I)
_STORY_PARTS = ("summary", "background", "other")
_INCIDENT_HEADING = re.compile(
    r"\b(?:incident|what happened|circumstances (?:of|leading|that led)|events (?:leading|that led)|"
    r"(?:summary|outline) of (?:the )?(?:case|events))\b",
    re.I,
)
_INCIDENT_SCORE = 1.0  # prefer the account of what happened over other mentions
_HE = re.compile(r"\b(he|his|him|himself)\b", re.I)
_SHE = re.compile(r"\b(she|her|hers|herself)\b", re.I)
_PARENT = re.compile(r"\b(?:mother|mum|father|dad|stepfather|partner|grandmother|grandfather|carer)\b", re.I)
_SOMEONE_ELSE = re.compile(  # someone else named before a pronoun may be who it stands for
    r"\b(?:worker|visitor|nurse|doctor|officer|teacher|paediatrician|midwife|sister|brother|gp)\b", re.I
)
_INCIDENT = re.compile(
    r"\b(?:died|death|dead|killed|murder(?:ed)?|manslaughter|fatal(?:ly)?|injur(?:y|ies|ed)|fractur(?:e|es|ed)|"
    r"bruis(?:e|es|ing|ed)|head injur|harm(?:ed)?|abused?|sexual(?:ly)?|exploit(?:ed|ation)|neglect(?:ed)?|"
    r"admitted to hospital|taken to hospital|suffered|assault(?:ed)?|overdose|suicide|drowned|"
    r"life[- ]threatening|brain|haemorrhage|rickets|malnutrition|starv)",
    re.IGNORECASE,
)
def build_card(
    document: Document,
    sentences: list[Sentence],
    themes: tuple[ThemeTag, ...] = (),
    finding_scores: np.ndarray | None = None,
    findings: FindingsModel | None = None,
) -> ReviewCard:
    """`finding_scores`: per sentence, how strongly it expresses any theme (from the theme
    tagger), one of what ranks candidate key findings; `findings`: the ranker (default: the
    packaged one)."""
    fields = {
        "title": _title(document),
        "board": _named_value(document, document.board),
        "year": _year(document),
        "review_type": _named_value(
            document, document.review_type, also=_type_wordings(document.review_type)
        ),
        "child_age": _child_age(document, sentences),
        "child_sex": _child_sex(document, sentences),
        "incident": _incident(document, sentences),
    }
    return ReviewCard(
        review=document.review,
        name=document.review_name,
        documents=(document.doc_id,),
        fields=fields,
        agencies=agencies(document, sentences),
        key_findings=tuple(
            Item(sentences[i].text, quote_of(sentences[i], document))
            for i in key_findings(sentences, finding_scores, findings or FindingsModel.load())
        ),
        recommendations=recommendations(document, sentences),
        themes=themes,
    )


# --- title page values -------------------------------------------------------------------


def _find(document: Document, value: str, limit: int | None = None) -> re.Match[str] | None:
    """`value` in the text, any case, any whitespace between its words."""
    words = [re.escape(w) for w in value.split()]
    if not words:
        return None
    pattern = re.compile(r"\s+".join(words).replace("'", "['’]").replace("’", "['’]"), re.IGNORECASE)
    return pattern.search(document.text, 0, limit or len(document.text))


def _line_at(document: Document, match: re.Match[str]) -> tuple[int, int]:
    """The printed line (or sentence, when the line is long) holding a match."""
    text = document.text
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    end = len(text) if end < 0 else end
    if end - start > 300:
        start, end = match.start(), match.end()
    while start < end and text[start] in "#*-• \t>":
        start += 1
    while end > start and text[end - 1] in "*# \t":
        end -= 1
    return start, end


def _named_value(document: Document, value: str, also: tuple[str, ...] = ()) -> Field:
    """A value known from the catalog or the identity guess, cited where the text says it."""
    if not value:
        return Field()
    for wording in (value, *also):
        match = _find(document, wording)
        if match:
            start, end = _line_at(document, match)
            return Field(value, span(document, start, end), "document")
    return Field(value, None, "catalog") if "board" not in document.guessed else Field()


def _type_wordings(review_type: str) -> tuple[str, ...]:
    short = {"serious case review": ("SCR",), "local child safeguarding practice review": ("LCSPR",),
             "child safeguarding practice review": ("CSPR",)}  # fmt: skip
    return short.get(review_type, ())


_TITLE_WORDS = re.compile(r"review|briefing|report|learning|summary|case", re.IGNORECASE)
_BOARD_LINE = re.compile(
    r"safeguarding (?:children )?(?:board|partnership)|safeguarding children\s*$|^board\s*$", re.I
)
_NOT_TITLE = re.compile(r"author|prepared|published|\d{4}|[.:]\s*$", re.IGNORECASE)
TITLE_LINES = 4


def _title(document: Document) -> Field:
    """The document's title as its title page prints it: the first line naming a review,
    briefing or report, with the short title lines right after it ("CHILD A", "Overview
    Report"), but not the board, a date or an author."""
    head = document.text[:HEAD_CHARS]
    lines = list(re.finditer(r"[^\n]+", head))
    for k, match in enumerate(lines):
        line = match.group().strip(" #*\t")
        if len(line.split()) < 2 or not _TITLE_WORDS.search(line):
            continue
        start = match.start() + match.group().find(line)
        end = start + len(line)
        parts = [line]
        for nxt in lines[k + 1 : k + TITLE_LINES]:
            more = nxt.group().strip(" #*\t")
            if not more or len(more.split()) > 8 or _NOT_TITLE.search(more) or nxt.start() > end + 2:
                break
            if _BOARD_LINE.search(more):  # the board's name, printed between title lines
                end = nxt.end()
                continue
            parts.append(more)
            end = nxt.start() + nxt.group().find(more) + len(more)
        return Field(normalise_space(" – ".join(parts)), span(document, start, end), "document")
    if document.title:
        return _named_value(document, document.title)
    return Field()


_PUBLISHED = re.compile(
    r"(?:published|publication|date(?:d)?|completed|final(?: report| version)?|version|issued|presented|"
    r"approved)[^\n]{0,40}?\b((?:19[89]\d|20[0-4]\d))\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+"
    r"((?:19[89]\d|20[0-4]\d))\b",
    re.IGNORECASE,
)


def _year(document: Document) -> Field:
    """The year the review was published or completed, as the title page or the end says it."""
    for region in (slice(0, HEAD_CHARS), slice(max(len(document.text) - HEAD_CHARS, 0), len(document.text))):
        for match in _PUBLISHED.finditer(document.text, region.start, region.stop):
            year = match.group(1) or match.group(2)
            start, end = _line_at(document, match)
            if _about_events(document.text[start:end]):
                continue
            return Field(year, span(document, start, end), "document")
    if document.year and "year" not in document.guessed:
        return Field(str(document.year), None, "catalog")
    return Field()


_EVENT_DATE = re.compile(
    r"\b(?:died|death|born|birth|incident|admitted|working together|act\b|guidance)", re.I
)


def _about_events(line: str) -> bool:
    """A date of what happened (a death, a referral), or of guidance, not of the review."""
    return bool(
        re.search(
            r"\b(?:died|death|born|birth|incident|admitted|working together|act\b|guidance)", line, re.I
        )
    )


# --- the child and what happened ---------------------------------------------------------


def _child_words(document: Document) -> re.Pattern[str]:
    label = re.escape(document.case) if document.case else r"(?!x)x"
    return re.compile(
        rf"\b(?:{label}|(?:the|this) (?:child|baby|infant|young person|boy|girl))\b", re.IGNORECASE
    )


def _story_order(sentences: list[Sentence]) -> list[int]:
    """Indexes of the sentences that introduce the child and the events first (summary and
    background, and sections about the incident), then the rest."""
    first = [i for i, s in enumerate(sentences) if s.section_type in _STORY_PARTS or _tells_the_incident(s)]
    chosen = set(first)
    return first + [i for i in range(len(sentences)) if i not in chosen]


def _story(sentences: list[Sentence]) -> list[Sentence]:
    return [sentences[i] for i in _story_order(sentences)]


def _tells_the_incident(sentence: Sentence) -> bool:
    """Under a heading such as "The incident that led to the review" or "What happened"."""
    return bool(_INCIDENT_HEADING.search(sentence.passage.section or ""))


def _child_age(document: Document, sentences: list[Sentence]) -> Field:
    """The child's age as the story gives it: in a sentence about the child (or one that goes
    on about them, "She died ... aged 13 months"), preferring the account of what happened;
    a timeline's "Age 3 weeks:" marks when an event was, not how old the child is."""
    about_child = _about_child(document, sentences)
    best, best_score = None, -1.0
    for order, i in enumerate(_story_order(sentences)):
        sentence = sentences[i]
        if not about_child[i]:
            continue
        for match in _AGE.finditer(sentence.quote):
            timeline = sentence.quote[match.end() : match.end() + 2].lstrip().startswith(":")
            if timeline or _PARENT.search(sentence.quote[max(match.start() - 30, 0) : match.start()]):
                continue
            score = _INCIDENT_SCORE * (bool(_INCIDENT.search(sentence.text)) + _tells_the_incident(sentence))
            score -= order / max(len(sentences), 1)
            if score > best_score:
                best, best_score = (normalise_space(match.group()), sentence), score
    if best is None:
        return Field()
    return Field(best[0], quote_of(best[1], document), "document")


def _about_child(document: Document, sentences: list[Sentence]) -> list[bool]:
    """Per sentence: whether it is about the child, by name or by a pronoun that goes on
    from the sentence before."""
    child, out = _child_words(document), []
    for i, sentence in enumerate(sentences):
        named = bool(child.search(sentence.text))
        goes_on = i > 0 and out[i - 1] and bool(_PRONOUN_SUBJECT.match(sentence.text))
        out.append(named or goes_on)
    return out


def _child_sex(document: Document, sentences: list[Sentence]) -> Field:
    """Stated ("a baby boy"), or told by the pronouns the review uses with the child's label."""
    for sentence in _story(sentences):
        match = _SEX_WORD.search(sentence.quote)
        if match:
            value = "male" if match.group(1).lower() == "boy" else "female"
            return Field(value, quote_of(sentence, document), "document")
    if not document.case:
        return Field()
    label = re.compile(
        rf"\b{re.escape(document.case)}\b['’]?s?\s+(?:[\w,]+\s+){{0,9}}?(he|his|him|she|her)\b", re.I
    )
    votes = {"male": [], "female": []}
    for sentence in sentences:
        for match in label.finditer(sentence.quote):
            between = sentence.quote[match.start() : match.start(1)]
            if _PARENT.search(between) or _SOMEONE_ELSE.search(between):
                continue
            votes["male" if _HE.fullmatch(match.group(1)) else "female"].append(sentence)
    value = max(votes, key=lambda k: len(votes[k]))
    against = len(votes["female" if value == "male" else "male"])
    # One clear use is enough when nothing says otherwise: a short summary may name the
    # child with a pronoun only once.
    if votes[value] and len(votes[value]) >= 3 * against:
        return Field(value, quote_of(votes[value][0], document), "document")
    return Field()


# The statutory criteria for a review, which every review restates: not what happened.
_CRITERIA = re.compile(
    r"(?:criteria|is (?:undertaken|required|carried out|held)|must be (?:considered|undertaken)|"
    r"(?:are|is) (?:commissioned|conducted) when)\b.{0,80}\b(?:child|abuse|neglect)|"
    r"\b(?:when|where) (?:a child|abuse or neglect)\b.{0,40}\b(?:known or suspected|dies|died)|"
    r"\bknown or suspected\b",
    re.IGNORECASE,
)


def _incident(document: Document, sentences: list[Sentence]) -> Field:
    """The sentence of the story that best says what happened to the child (with the next one
    when it goes on about the injuries), not what happened to a parent."""
    child = _child_words(document)
    best, best_score = None, 0.0
    for i in _story_order(sentences)[:80]:
        sentence = sentences[i]
        cues = len(_INCIDENT.findall(sentence.text))
        if not cues or len(sentence.text.split()) < 6 or _CRITERIA.search(sentence.text):
            continue
        if _PARENT.search(" ".join(sentence.text.split()[:4])):  # the parent's story, not the child's
            continue
        score = min(cues, 3) + (1.5 if child.search(sentence.text) else 0) - sentence.position
        score += _INCIDENT_SCORE * _tells_the_incident(sentence)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return Field()
    return _incident_field(document, sentences, best)


def _incident_field(document: Document, sentences: list[Sentence], i: int) -> Field:
    first, last = sentences[i], sentences[i]
    following = sentences[i + 1] if i + 1 < len(sentences) else None
    if (
        following is not None
        and following.passage.id == first.passage.id
        and _INCIDENT.search(following.text)
        and not _PARENT.search(" ".join(following.text.split()[:4]))
    ):
        last = following
    text = normalise_space(document.text[first.start : last.end])
    return Field(text, span(document, first.start, last.end, first), "document")


# --- agencies, findings, recommendations -------------------------------------------------
