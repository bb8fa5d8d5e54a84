"""What makes a sentence a good answer to a kind of question: cue words, section fit,
detail patterns and shape. Pure functions over text, so each rule is testable alone."""

from __future__ import annotations

import re

from rag.ingest import anatomy
from rag.retrieve.sentences import Unit
from rag.text import denied_before, match_stems
from rag.types import Passage

CUES: dict[str, re.Pattern[str]] = {
    "what_went_wrong": re.compile(
        r"\b(not|no|never|lack|lacked|failed|failure|missed|ineffective|not effective|delay|"
        r"delayed|unable|incomplete|without|limited|different|difficult|difficulty|wrong|poor|"
        r"should have|did not|was not|were not|inconsistent|erroneously|risk|risks|concern)\b",
        re.I,
    ),
    "recommendation": re.compile(
        r"\b(recommend\w*|should|ensure|must|to request|assurance|review of|is undertaken|"
        r"that the|board to)\b",
        re.I,
    ),
    "learning": re.compile(
        r"\b(learning|lesson\w*|important|importance|need to|needs to|must|should|ensure|"
        r"practitioners|professionals need)\b",
        re.I,
    ),
    "timeline": re.compile(
        r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(later|"
        r"before|after|subsequently|days?|weeks?|months?)\b",
        re.I,
    ),
}
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozen"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# What a sentence must hold to answer a question that asks for a kind of detail (query.py
# decides what is asked). General English: numbers in digits and words, "aged two months".
DETAILS: dict[str, re.Pattern[str]] = {
    "age": re.compile(
        rf"\b(?:\d+|{_NUMBER_WORDS}|[a-z]+-(?:year|month|week))[- ](?:years?|months?|weeks?|days?)[- ]old\b|"
        rf"\baged? (?:\d+|{_NUMBER_WORDS}|about|nearly|almost|just)\b|"
        rf"\b(?:\d+|{_NUMBER_WORDS})[- ]year[- ]old\b|"
        r"\bin (?:his|her|their) (?:first|second|third|\w+th) year\b",
        re.I,
    ),
    "date": re.compile(
        rf"\bborn\b.*\b(?:\d{{1,2}}(?:st|nd|rd|th)? )?(?:{_MONTHS})\b",
        re.I,
    ),
    "when": re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\b|\b(?:{_MONTHS}),? (?:19|20)\d\d\b|"
        r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
        re.I,
    ),
    "sentence": re.compile(
        rf"\b(?:\d+|[a-z]+-[a-z]+|{_NUMBER_WORDS})\s+(?:months?|years?)\b.*\b(?:jail|prison|custody|"
        r"parole|sentence|detention)|\b(?:jail|prison|custody|sentenced to|detention)\b.*\b(?:\d+|"
        rf"{_NUMBER_WORDS})\s+(?:months?|years?)|\blife (?:sentence|imprisonment)\b",
        re.I,
    ),
    "number": re.compile(rf"\b\d[\d,.]*%?|\b(?:{_NUMBER_WORDS}|once|twice|several times|percent)\b", re.I),
    # How long something takes or may take: a number of days, weeks, months, hours.
    "duration": re.compile(
        rf"\b(?:\d+|{_NUMBER_WORDS})\s+(?:working\s+)?(?:days?|weeks?|months?|hours?)\b|"
        r"\bwithin (?:a|one|the same|twenty-four) (?:day|week|month|hours?)\b",
        re.I,
    ),
    # How often something happens in a population: per year, a percentage, a rate per n.
    "rate": re.compile(
        r"\b(?:each|per|every|a) year\b|\bannually\b|\d+(?:\.\d+)?\s?%|\bper cent\b|"
        r"\bper (?:1,?000|10,?000|100,?000)\b|\b(?:one|1) in (?:\d[\d,]*|every)\b",
        re.I,
    ),
    "regulator": re.compile(
        r"\b(?:gmc|nmc|hcpc|gdc|social work england|general medical council|nursing and midwifery council|"
        r"health and care professions council|fitness to practi[cs]e|struck off|"
        r"referred to (?:the|his|her|their) (?:professional )?"
        r"(?:regulator|regulatory body|professional body))\b",
        re.I,
    ),
    "outcome": re.compile(
        r"\b(?:convicted|charged|acquitted|found guilty|pleaded|cautioned|dismissed|sacked|struck off|"
        r"disciplinary|misconduct|suspended|no further action|reprimand\w*|written warning)\b",
        re.I,
    ),
    "cause": re.compile(
        r"\bcause of (?:his |her |their |the )?death\b|\bdied (?:of|from)\b|\bdeath was (?:caused|due)\b|"
        r"\bdied\b.*\b(?:while|after|as a result|because|following)\b|"
        r"\bsudden (?:unexpected |infant )death\b",
        re.I,
    ),
    "substance": re.compile(
        r"\b(?:heroin|cocaine|crack|methadone|cannabis|amphetamines?|ecstasy|mdma|ketamine|diazepam|"
        r"benzodiazepines?|opiates?|opioids?|buprenorphine|subutex|mephedrone|spice|alcohol|vodka|"
        r"lager|wine|cider|beer)\b",
        re.I,
    ),
    "faith": re.compile(
        r"\b(?:muslim|christian|jewish|hindu|sikh|buddhist|catholic|rastafarian|jehovah|islam\w*|"
        r"church|mosque|synagogue|temple|faith)\b",
        re.I,
    ),
    "condition": re.compile(r"\bdiagnosed with\b|\bsyndrome\b|\bdisorder\b|\bdisease\b", re.I),
    "name": re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.? [A-Z][a-z]+\b"),
    # A place or a thing by its name: "Vale General Hospital", "the Brook Traffic Light Tool",
    # a quoted title.
    "named": re.compile(
        r"\b(?:[A-Z][\w'’]+ (?:and |& |of )?){1,5}(?:Hospital|School|Academy|College|Trust|Centre|Center|"
        r"Tool|Toolkit|Framework|Model|Court|Prison|Nursery|Police|Constabulary|Charity|Team|Service|"
        r"Services|Unit|Agency|Project|Partnership|Council|Aid|Association|Society|Ward)\b|"
        r"[\"“‘][A-Z][^\"”’]{3,60}[\"”’]"
    ),
    # A day of a month: "4 May 2015", "May 4th", "04/05/2015".
    "day": re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTHS})\b|\b(?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?\b|"
        r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b",
        re.I,
    ),
    # A quantity with its unit, or money: "six cans of lager", "120mg", "£300".
    "amount": re.compile(
        r"£\s?\d|\b\d[\d,.]*\s?(?:mg|ml|g|kg|mcg|units?|litres?|pints?|bottles?|cans?|glasses|grams?|"
        rf"milligrams?|micrograms?|%|per cent|pounds)\b|\b(?:{_NUMBER_WORDS}|half a|a few|several)\s+"
        r"(?:units|bottles|cans|pints|glasses|litres|grams|pounds|tablets)\b",
        re.I,
    ),
}
# Labels with a number ("Sibling 1", "Adult 2", "Recommendation 7") are names, not figures: a
# question asking how many must not be answered by them.
_NUMBERED_LABEL = re.compile(
    r"\b(?:child|sibling|adult|baby|mother|father|parent|person|professional|man|woman|male|female|"
    r"recommendation|finding|section|paragraph|para|appendix|page|stage|phase|figure|table|chapter|"
    r"learning point|lesson|theme|key (?:issue|message))\s+\d+(?:\.\d+)*\b",
    re.I,
)


# Details a sentence must state, not deny: "the review did not seek to determine the cause of
# death" names a cause of death without giving one.
_STATED_ONLY = frozenset({"cause"})
# "The longest sentence", "the youngest sibling": the answer must single one out too; a total
# ("sentences amounting to 34 years") does not answer it.
_SUPERLATIVE = re.compile(
    r"\b(?:longest|shortest|largest|smallest|biggest|highest|lowest|greatest|maximum|minimum|"
    r"youngest|oldest|eldest)\b",
    re.I,
)
_COUNT = re.compile(rf"\b(?:\d+|{_NUMBER_WORDS})\s+(?P<counted>(?:[a-z-]+\s+)?[a-z-]+)", re.I)
_COUNTED = frozenset({"sentence", "duration", "number", "amount", "age"})


def counts_topic(text: str, topic: set[str]) -> bool:
    """"Fourteen recommendations", "3 strategy meetings": a number right before a word of the
    question's topic (`topic`: its stems), the very count "how many recommendations" asks for."""
    for found in _COUNT.finditer(_NUMBERED_LABEL.sub("", text)):
        if match_stems(found.group("counted")) & topic:
            return True
    return False


def holds_detail(kind: str, text: str, holder: re.Pattern[str] | None = None, question: str = "") -> bool:
    """Whether a sentence holds the kind of detail asked for (and, when the question asks it of
    someone other than the child, names that person; when it asks for the most or least of
    something, singles one out)."""
    if holder is not None and not holder.search(text):
        return False
    if kind in _COUNTED and _SUPERLATIVE.search(question) and not _SUPERLATIVE.search(text):
        return False
    plain = _NUMBERED_LABEL.sub("", text)
    found = DETAILS[kind].finditer(plain)
    return any(kind not in _STATED_ONLY or not denied_before(plain, m.start()) for m in found)
_URL = re.compile(r"https?://\S+|www\.\S+")
SECTION_REF = re.compile(r"\b(?:section|paragraph|para)\s+(\d+(?:\.\d+)*)", re.I)


def shape_penalty(unit: Unit) -> float:
    """Fragments (titles, verbless slide lines of a few words) are poor answers on their own."""
    ends_sentence = unit.text.rstrip().endswith((".", "?", "!", '"', "”", "’", ")"))
    if _URL.search(unit.text) and len(_URL.sub("", unit.text).split()) < 5:
        return 0.1  # a list of links
    if is_agenda(unit.quote):
        return 0.6
    if unit.text[:1].islower():
        return 0.6  # a fragment: text cut out of a column or table
    if unit.text.rstrip().endswith(":"):
        return 0.5  # a lead-in whose list is not in this passage
    if unit.words < 5 and not ends_sentence:
        return 0.3  # a heading
    if unit.words < 9 and not ends_sentence:
        return 0.6
    return 1.0


def is_agenda(quote: str) -> bool:
    """A lead-in followed by a list of short topic names ("The SCR Panel focused on: Cross
    border working; consultation and referral processes; ...") names topics, it does not
    say anything about them."""
    lines = [line.strip() for line in quote.split("\n") if line.strip()]
    items = lines[1:]
    if len(items) < 2 or not lines[0].endswith((":", "–", "-")):
        return False
    return all(len(item.split()) <= 14 and not item.endswith(".") for item in items)


def section_fit(intent: str, passage: Passage) -> float:
    """+1 when the passage's kind of section suits the question, -1 when it is recommendations
    answering a question that is not about them or a reference list (review anatomy)."""
    return anatomy.fit(intent, anatomy.of_passage(passage))


# --- what is never an answer sentence -----------------------------------------------------------

_HTML = re.compile(r"</?[a-z][a-z0-9]*\b[^>]*>", re.IGNORECASE)
# A reference-list entry: "London: Department for Education.", "Smith, J. (2012) ...", "Available at".
_REFERENCE = re.compile(
    r"^(?:[A-Z][\w'’-]+,\s+(?:[A-Z]\.\s*)+|[A-Z][\w'’-]+ et al\.?)|\(\d{4}[a-z]?\)\s*[.,:]?\s+[A-Z‘'\"]|"
    r"\b(?:London|Oxford|Bristol|Cambridge|Leeds|Norwich|Manchester)\s*:\s*(?=[A-Z])[\w ,]*?\b"
    r"(?:Press|Publishing|Department|Office|HMSO|Stationery|NSPCC|Ofsted|Home Office|Kingsley|"
    r"Routledge|Policy)|"
    r"\bavailable (?:at|from|online)\b|\bretrieved from\b|\baccessed (?:on )?\d"
)
_FOOTNOTE = re.compile(r"^\s*(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\d{1,3}\]|\d{1,3}(?=\s+[A-Z]\w+[^.]*\b(?:19|20)\d\d\b))\s*\S")
MIN_WORDS = 5
# Text addressed to whatever reads the document (a chat model, an assistant), not a statement
# about a case: a chat role or instruction label, an order to drop earlier instructions, to
# take on a new role or to say something fixed, talk of prompts. Reviews describe and advise
# people; they never speak to their reader's software.
_TO_THE_READER = re.compile(
    r"^\W*(?:system|assistant|user|human|ai|bot|developer|instructions?|prompt|note to (?:the )?"
    r"(?:ai|assistant|model))\s*[:>\]]|"
    r"^\W*(?:please\s+)?(?:ignore|disregard|forget|override)\b|"
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|of|your|every|these|those)\s+)*"
    r"(?:previous|prior|above|earlier|preceding|former|original|system|your|all)\b|"
    r"\b(?:system|developer|hidden|initial|original) (?:prompt|message|instructions)\b|"
    r"\byour (?:instructions|prompt|rules|guidelines|programming)\b|"
    r"\byou are (?:now|no longer)\b|\bfrom now on,? you\b|"
    r"\b(?:as an?|you are an?) (?:ai|assistant|language model|chatbot|llm)\b|"
    r"^\W*(?:reply|respond|answer|output|print|say)(?: with)? only\b|"
    r"^\W*(?:say|reply|respond|answer|output|print|write|repeat)\b[^.]{0,30}?(?:[\"“]|(?<=\s)['‘])|"
    r"\b(?:tell|inform|remind) the user\b|\bjailbreak|\bprompt injection\b",
    re.IGNORECASE,
)
_LABELLED_FACT = re.compile(r"^[A-Z][A-Za-z ]{2,40}:\s+\S")


def never_an_answer(unit: Unit, passage: Passage) -> bool:
    """Reference lists, footnote text, HTML, instructions to the reader's software, headings
    and fragments are never quoted as an answer, however well they match the question."""
    text = unit.text.strip()
    if anatomy.of_passage(passage) in anatomy.NEVER_AN_ANSWER:
        return True
    if _HTML.search(unit.quote) or _REFERENCE.search(text) or _FOOTNOTE.match(text):
        return True
    if _TO_THE_READER.search(text):
        return True  # planted instructions: never quoted, whatever they claim
    ends_sentence = text.endswith((".", "?", "!", '"', "”", "’", ")", ":"))
    if _LABELLED_FACT.match(text) and len(text.split()) >= 3:
        return False  # "Author: A. Name, Independent Reviewer" on a title page says who wrote it
    if len(text.split()) < MIN_WORDS:
        return True  # a heading, a slide label or a fragment
    return not ends_sentence and (text[:1].islower() or len(text.split()) < 9)


_SUPERSCRIPT_MARKS = re.compile(r"(?<=\w)[¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?<=[a-z.,;])\[\d{1,3}\](?=\s|$)")


def without_footnote_marks(text: str) -> str:
    """An answer statement without footnote marks ("Stage 2¹²" -> "Stage 2")."""
    return _SUPERSCRIPT_MARKS.sub("", text)


def coverage(topic: set[str], text: str) -> float:
    return len(topic & match_stems(text)) / len(topic) if topic else 0.0


def has_number(passage: Passage, number: str) -> bool:
    return bool(
        (passage.paragraph and passage.paragraph.startswith(number))
        or re.search(rf"(^|> ){re.escape(number)}\b", passage.section)
    )
