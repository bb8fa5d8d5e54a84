"""A card for one review document: who, what happened, who was involved, what the review
found and recommended. Every value is read from the document's own sentences and carries the
span it was read from; what the document does not say is left "not stated".

All rules are about how case reviews are written in general (their anatomy, how they state an
age, name an agency or number a recommendation), never about one review's wording.
"""

from __future__ import annotations

import re

import numpy as np

from rag.insights.sentences import Sentence, quote_of
from rag.insights.types import Field, Item, Quote, ReviewCard, ThemeTag
from rag.text import normalise_space
from rag.types import Document, page_at

HEAD_CHARS = 3000  # the title page and what follows it
MOST_FINDINGS = 6
FINDING_PARTS = ("analysis", "learning", "summary")  # parts of a review that state its findings
FINDING_WORDS = (8, 45)  # a key finding is a full statement, not a heading or a page
_NUMBER_WORDS = (
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|a few|several)"
)
_UNIT = r"(?:days?|weeks?|months?|years?)"
_AGE = re.compile(
    rf"\b(?:aged?\s+(?:of\s+)?(?:just\s+|only\s+|around\s+|about\s+)?{_NUMBER_WORDS}(?:\s+and\s+a\s+half)?\s+{_UNIT}"
    rf"(?:\s+old)?|{_NUMBER_WORDS}[- ]{_UNIT.replace('s?', '')}[- ]old|{_NUMBER_WORDS}\s+{_UNIT}\s+old|"
    r"(?:a\s+)?(?:new[- ]?born|teenage(?:r|d)?|adolescen(?:t|ce)|infant|toddler)\b)",
    re.IGNORECASE,
)
_SEX_WORD = re.compile(
    r"\b(?:baby|infant|little|young|teenage|year[- ]old|month[- ]old|a)\s+(boy|girl)\b", re.I
)
_HE = re.compile(r"\b(he|his|him|himself)\b", re.I)
_SHE = re.compile(r"\b(she|her|hers|herself)\b", re.I)
_PARENT = re.compile(r"\b(?:mother|mum|father|dad|stepfather|partner|grandmother|grandfather|carer)\b", re.I)
_INCIDENT = re.compile(
    r"\b(?:died|death|dead|killed|murder(?:ed)?|manslaughter|fatal(?:ly)?|injur(?:y|ies|ed)|fractur(?:e|es|ed)|"
    r"bruis(?:e|es|ing|ed)|head injur|harm(?:ed)?|abused?|sexual(?:ly)?|exploit(?:ed|ation)|neglect(?:ed)?|"
    r"admitted to hospital|taken to hospital|suffered|assault(?:ed)?|overdose|suicide|drowned|"
    r"life[- ]threatening|brain|haemorrhage|rickets|malnutrition|starv)",
    re.IGNORECASE,
)
_FINDING_CUE = re.compile(
    r"\b(?:the review (?:found|concluded|identified|considers|has found|has concluded)|found that|concluded|"
    r"there was (?:a |an )?(?:lack|absence|failure|no )|did not|was not|were not|had not|missed|"
    r"should have|insufficient|inadequate|not effective|not shared|not recognised|opportunit(?:y|ies)|"
    r"need(?:s|ed)? to|learning)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(r"\?\s*$|^(?:please|click|see|contact|for more)\b", re.I)
_REC_START = re.compile(
    r"^\s*(?:[-*•–]\s*)?(?:\*\*)?(?:recommendation\s*(?:no\.?\s*)?|rec\.?\s*|r)?"
    r"(\d{1,2}(?:\.\d{1,2}){0,2})(?:\*\*)?\s*[.):–-]?\s+(?=\S)",
    re.IGNORECASE,
)
_REC_WORD = re.compile(r"\b(?:should|must|will|to (?:ensure|review|consider|seek|develop|provide|establish)|"
                       r"ensure|consider|recommend)", re.I)  # fmt: skip
_BULLET = re.compile(r"^\s*(?:[-*•–]|\(?[a-z]\)|\(?[ivx]+\))\s+", re.I)
# Agencies a review names, as the kind of service, with the wording that names them.
AGENCIES: list[tuple[str, str]] = [
    ("Children's social care", r"children['’]?s? social care|\bCSC\b|children['’]?s services|social services|"
     r"social work(?:er|ers| team)|\bMASH\b|multi[- ]agency safeguarding hub|children['’]?s social work"),
    ("Police", r"\bpolice\b|constabulary"),
    ("Health visiting", r"health visit(?:or|ors|ing)"),
    ("Midwifery", r"\bmidwi(?:fe|ves|fery)\b|maternity"),
    ("GP", r"\bGPs?\b|general practi(?:ce|tioner)"),
    ("Hospital", r"\bhospital\b|emergency department|\bA\s?&\s?E\b|"
     r"paediatric(?:ian|s)? (?:ward|team|service)"),
    ("Paediatrics", r"paediatrician|community paediatric"),
    ("School", r"\bschools?\b|head ?teacher|\bteachers?\b|designated safeguarding lead"),
    ("Early years / nursery", r"\bnurser(?:y|ies)\b|childminder|pre-?school|"
     r"children['’]?s cent(?:re|er)|early years"),
    ("Education", r"education (?:service|welfare)|\bthe local authority['’]?s? education"),
    ("Early help / family support", r"early help|family support (?:service|worker)|troubled families"),
    ("CAMHS / child mental health", r"\bCAMHS\b|child and adolescent mental health"),
    ("Adult mental health", r"adult mental health|mental health (?:service|team|trust)|psychiatri"),
    ("Substance misuse service",
     r"(?:drug|alcohol|substance misuse) (?:and alcohol )?(?:service|team|agency|worker)"),
    ("Probation", r"\bprobation\b|community rehabilitation company"),
    ("Housing", r"\bhousing\b"),
    ("Ambulance service", r"\bambulance\b|paramedic"),
    ("Youth offending / justice", r"youth offending|youth justice"),
    ("Domestic abuse service", r"\bMARAC\b|\bIDVA\b|domestic abuse (?:service|support|worker)|refuge"),
    ("Sexual health / other health", r"sexual health|school nurs(?:e|ing)|\bdentist|\bpharmac"),
    ("Legal / courts", r"\bCAFCASS\b|family court|\bcourt\b"),
]  # fmt: skip
_AGENCY_PATTERNS = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in AGENCIES]
_NAMED_SERVICE = re.compile(
    r"\b((?:[A-Z][\w'’]+\s+){1,4}(?:Hospital|Police|Constabulary|NHS (?:Foundation )?Trust|Foundation Trust|"
    r"Clinical Commissioning Group|Primary School|Academy|Council))\b"
)


def build_card(
    document: Document,
    sentences: list[Sentence],
    themes: tuple[ThemeTag, ...] = (),
    finding_scores: np.ndarray | None = None,
) -> ReviewCard:
    """`finding_scores`: per sentence, how strongly it expresses any theme (from the theme
    tagger), which ranks candidate key findings."""
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
        agencies=_agencies(document, sentences),
        key_findings=_key_findings(document, sentences, finding_scores),
        recommendations=recommendations(document, sentences),
        themes=themes,
    )


# --- title page values -------------------------------------------------------------------


def _span(document: Document, start: int, end: int, sentence: Sentence | None = None) -> Quote:
    pages = [(p["number"], p["end"]) for p in document.pages]
    page = page_at(pages, start) if pages else None
    return Quote(
        document.doc_id, start, end, document.text[start:end], page, None,
        sentence.passage.paragraph if sentence else None, sentence.passage.section if sentence else "",
        sentence.passage.id if sentence else "",
    )  # fmt: skip


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
            return Field(value, _span(document, start, end), "document")
    return Field(value, None, "catalog") if "board" not in document.guessed else Field()


def _type_wordings(review_type: str) -> tuple[str, ...]:
    short = {"serious case review": ("SCR",), "local child safeguarding practice review": ("LCSPR",),
             "child safeguarding practice review": ("CSPR",)}  # fmt: skip
    return short.get(review_type, ())


def _title(document: Document) -> Field:
    """The document's title as its first lines print it."""
    head = document.text[:HEAD_CHARS]
    for match in re.finditer(r"[^\n]+", head):
        line = match.group().strip(" #*\t")
        if len(line.split()) >= 2 and re.search(r"review|briefing|report|learning|summary|case", line, re.I):
            start = match.start() + match.group().find(line)
            return Field(normalise_space(line), _span(document, start, start + len(line)), "document")
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
            return Field(year, _span(document, start, end), "document")
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
    return re.compile(rf"\b(?:{label}|the (?:child|baby|infant|young person|boy|girl))\b", re.IGNORECASE)


def _story(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences that introduce the child and the events, first: summary and background,
    then the rest."""
    first = [s for s in sentences if s.section_type in ("summary", "background", "other")]
    return first + [s for s in sentences if s not in first]


def _child_age(document: Document, sentences: list[Sentence]) -> Field:
    child = _child_words(document)
    for sentence in _story(sentences):
        if not child.search(sentence.text):
            continue
        match = _AGE.search(sentence.quote)
        if match and not _PARENT.search(sentence.quote[max(match.start() - 30, 0) : match.start()]):
            return Field(normalise_space(match.group()), quote_of(sentence, document), "document")
    return Field()


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
        rf"\b{re.escape(document.case)}\b['’]?s?\s+(?:\w+\s+){{0,6}}?(he|his|him|she|her)\b", re.I
    )
    votes = {"male": [], "female": []}
    for sentence in sentences:
        for match in label.finditer(sentence.quote):
            between = sentence.quote[match.start() : match.start(1)]
            if _PARENT.search(between):
                continue
            votes["male" if _HE.fullmatch(match.group(1)) else "female"].append(sentence)
    value = max(votes, key=lambda k: len(votes[k]))
    if len(votes[value]) >= 2 and len(votes[value]) >= 3 * len(
        votes["female" if value == "male" else "male"]
    ):
        return Field(value, quote_of(votes[value][0], document), "document")
    return Field()


def _incident(document: Document, sentences: list[Sentence]) -> Field:
    """The first sentence of the story that says what happened to the child."""
    child = _child_words(document)
    best, best_score = None, 0.0
    for sentence in _story(sentences)[:80]:
        cues = len(_INCIDENT.findall(sentence.text))
        if not cues or len(sentence.text.split()) < 6:
            continue
        score = min(cues, 3) + (1.5 if child.search(sentence.text) else 0) - sentence.position
        if score > best_score:
            best, best_score = sentence, score
    if best is None:
        return Field()
    return Field(best.text, quote_of(best, document), "document")


# --- agencies, findings, recommendations -------------------------------------------------


def _agencies(document: Document, sentences: list[Sentence]) -> tuple[Item, ...]:
    """Each kind of service the review names, and each service it names by name, with the
    first sentence that names it."""
    found: dict[str, Item] = {}
    for sentence in sentences:
        for name, pattern in _AGENCY_PATTERNS:
            if name not in found and pattern.search(sentence.quote):
                found[name] = Item(name, quote_of(sentence, document))
        for match in _NAMED_SERVICE.finditer(sentence.quote):
            named = normalise_space(match.group(1))
            if named.lower() not in {k.lower() for k in found} and not named.startswith(("The ", "This ")):
                found[named] = Item(named, quote_of(sentence, document))
    return tuple(found.values())


def _key_findings(
    document: Document, sentences: list[Sentence], scores: np.ndarray | None
) -> tuple[Item, ...]:
    """The statements of what the review found: sentences of its analysis, findings, learning
    and summary that say what went wrong (or right), ranked by how clearly they express a
    recurring theme and use a finding's wording; one per passage."""
    ranked = []
    for i, sentence in enumerate(sentences):
        words = len(sentence.text.split())
        if sentence.section_type not in ("analysis", "learning", "summary") or _INSTRUCTION.search(
            sentence.text
        ):
            continue
        if not FINDING_WORDS[0] <= words <= FINDING_WORDS[1]:
            continue
        cue = 1.0 if _FINDING_CUE.search(sentence.text) else 0.0
        theme = float(scores[i]) if scores is not None and len(scores) > i else 0.0
        section = 0.3 if sentence.section_type in ("analysis", "learning") else 0.0
        ranked.append((theme + 0.5 * cue + section, i))
    chosen, passages = [], set()
    for _, i in sorted(ranked, key=lambda si: (-si[0], si[1])):
        if sentences[i].passage.id in passages:
            continue
        passages.add(sentences[i].passage.id)
        chosen.append(i)
        if len(chosen) == MOST_FINDINGS:
            break
    return tuple(Item(sentences[i].text, quote_of(sentences[i], document)) for i in sorted(chosen))


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
    spans = [(p.start, p.end) for p in region]
    headings = _headings(sentences)

    def kept(items: list[Item]) -> list[Item]:
        return _one_numbering(
            [i for i in items if _is_recommendation(i.text) and _key(i.text) not in headings]
        )

    labelled, numbered = kept(_labelled_items(document)), kept(_numbered_items(document, spans))
    # Labels win, unless the section's numbered list holds every labelled item and more.
    within = all(any(n.quote.start <= i.quote.start < n.quote.end for n in numbered) for i in labelled)
    best = numbered if numbered and (within or not labelled) else labelled
    best = best or kept(_listed_items(document, spans))
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


def _is_recommendation(text: str) -> bool:
    """Not a lead-in ("The review makes the following recommendations:"), an instruction to
    the reader, or a heading ("Background reading and references")."""
    words = len(text.split())
    heading = words <= 6 and not re.search(r"[.;]", text) and not _REC_WORD.search(text)
    return words >= 4 and not heading and not _LEAD_IN.search(text.strip()) and not _INSTRUCTION.search(text)


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


def _labelled_items(document: Document) -> list[Item]:
    """Items under a label line of their own ("Recommendation:", "Recommendation 2:")."""
    text = document.text
    items = []
    for match in _LABEL_LINE.finditer(text):
        number = match.group(1) or match.group(2) or ""
        rest = match.group(3).strip(" *")
        if rest and not number:  # "Recommendations of the review are ..." is prose, not a label
            continue
        begin = match.start(3) if rest else _next_text(text, match.end())
        end = _item_end(text, begin)
        body = _clean(text[begin:end])
        if body:
            items.append(Item(body, _span(document, begin, end), number or str(len(items) + 1)))
    return items if len(items) >= 1 and _labels_are_headings(items) else []


def _labels_are_headings(items: list[Item]) -> bool:
    return all(len(i.text.split()) >= 4 for i in items)


def _numbered_items(document: Document, spans: list[tuple[int, int]]) -> list[Item]:
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
        end = _item_end(text, begin, stop)
        body = _clean(text[begin:end])
        if body and (
            _REC_WORD.search(body) or re.match(r"that\b", body, re.I)
        ):  # not a numbered paragraph about them
            items.append(Item(body, _span(document, begin, end), number))
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
            items.append(Item(body, _span(document, begin, end)))
            k += 1
    return items


def _belongs(line: str, after_lead_in: bool) -> bool:
    """A line continues the list item above it: indented, or a short item after a lead-in."""
    return bool(_SUB_LINE.match(line)) or after_lead_in and _short_item(line)


def _short_item(line: str) -> bool:
    """A sub-item printed flush with its parent: a short list item after a lead-in."""
    match = _TOP_BULLET.match(line)
    return bool(match) and len(match.group(1).split()) <= 5


def _next_text(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _span_end(spans: list[tuple[int, int]], offset: int) -> int:
    return next((end for start, end in spans if start <= offset < end), offset)


def _item_end(text: str, begin: int, stop: int | None = None) -> int:
    """Where an item that starts at `begin` ends: before the next heading, label or
    recommendation, at `stop`, or at the end of the text."""
    stop = len(text) if stop is None else stop
    offset = text.find("\n", begin)
    end = stop if offset < 0 or offset > stop else offset
    while 0 <= offset < stop:
        nxt = text.find("\n", offset + 1)
        line = text[offset + 1 : stop if nxt < 0 or nxt > stop else nxt]
        if line.strip() and (
            _STOP_LINE.match(line) or _LABEL_LINE.match(line) and re.search(r"recommend", line, re.I)
        ):
            break
        if line.strip():
            end = offset + 1 + len(line)
        offset = nxt
    while end > begin and text[end - 1].isspace():
        end -= 1
    return end


def _stops_item(line: str) -> bool:
    labelled = _LABEL_LINE.match(line) and re.search(r"recommend", line, re.IGNORECASE)
    return bool(_STOP_LINE.match(line) or labelled)


def _clean(body: str) -> str:
    body = normalise_space(re.sub(r"\*\*", "", body)).strip(" :")
    return re.sub(r"^(?:for|to) [^:]{3,80}:\s*", "", body)  # "for the Board: That ..." -> "That ..."
