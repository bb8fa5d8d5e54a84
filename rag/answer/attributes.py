"""Questions that pick reviews by who the child was or what happened to them: "which reviews
are about a child who died?", "... about teenagers?", "... about babies?", "... about boys?".
They are answered from each review's card (the child's age and sex and the incident, each a
cited quote) and, for a death, from the first sentence that says the child died. General
English, never a review's own wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.insights import Quote, ReviewCard

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_COUNT = rf"(\d{{1,2}}|{'|'.join(_NUMBERS)})"
_UNIT = r"(year|month|week|day)s?"
_UNIT_AGE = re.compile(rf"\b{_COUNT}[- ]{_UNIT}[- ]old\b|\b(?:aged|age of) {_COUNT}(?: {_UNIT})?\b", re.I)
_PER_YEAR = {"year": 1.0, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365}


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.I)


_TEEN_WORDS = _words(r"\bteen(?:age|ager|aged)?s?\b", r"\badolescen\w*", r"\byoung (?:person|people)\b")
_BABY_WORDS = _words(
    r"\bbab(?:y|ies)\b", r"\binfants?\b", r"\bnew-?born", r"\bwithin (?:a|one) (?:month|week) of birth\b"
)
_TODDLER_WORDS = _words(r"\btoddlers?\b")
DEATH = _words(r"\b(?:died|death|killed|fatal(?:ly)?)\b")
_NOT_DEATH = _words(r"\b(?:not|never|no)\b[^.;]{0,40}\b(?:died|death)\b", r"\bdid not die\b", r"\bsurvived\b")
# The review's own child, not a child in general ("a review is required when a child dies").
_THIS_CHILD = _words(r"\b(?:the|this) (?:child|baby|infant|boy|girl)\b", r"\b(?:he|she) (?:had )?died\b",
                     r"\b(?:his|her) death\b")  # fmt: skip


@dataclass(frozen=True)
class Attribute:
    key: str  # "died" | "teenager" | "baby" | "young_child" | "boy" | "girl"
    asked: re.Pattern[str]  # the question's words for it (`describe` names it in the answer)


ATTRIBUTES = [
    Attribute("died", _words(
        r"\b(?:who|that) died\b", r"\bdied\b", r"\b(?:child|baby|infant) deaths?\b",
        r"\bdeath of (?:a|the) (?:child|baby|infant)\b", r"\bfatal")),
    Attribute("teenager", _words(
        r"\bteen(?:ager|agers|age)?s?\b", r"\badolescen\w*", r"\byoung people\b", r"\bolder children\b")),
    Attribute("baby", _words(r"\bbab(?:y|ies)\b", r"\binfants?\b", r"\bnew-?borns?\b")),
    Attribute("young_child", _words(
        r"\btoddlers?\b", r"\b(?:small|young|little) children\b", r"\bunder[- ]fives?\b", r"\bpre-?school")),
    Attribute("boy", _words(r"\bboys?\b")),
    Attribute("girl", _words(r"\bgirls?\b")),
]  # fmt: skip
_ABOUT = re.compile(
    r"\b(?:which|what|how many|list)\b.{0,25}\b(?:reviews|cases|scrs|reports)\b.{0,30}"
    r"\b(?:about|concern(?:s|ed|ing)?|involv(?:e|es|ed|ing)|were|was|where|whose|of)\b",
    re.I,
)
# Words a question of this kind uses besides the attribute: anything else narrows it to a
# topic ("which reviews about babies mention bruising?"), which the passages answer better.
_FRAME = frozenset(
    "reviews review cases case scrs scr reports report child children young person people rather than "  # noqa: SIM905
    "small little older who died death deaths which about concern involve collection these list show".split()
)


_CONTRAST = re.compile(r"\b(?:rather than|instead of|as opposed to|unlike|not|or)\b", re.I)


def asked_attributes(question: str, topic_words: list[str]) -> list[Attribute]:
    """What a "which reviews are about ..." question picks reviews by, if that is all it asks:
    every attribute it names ("a baby girl who died"), or the first where it sets one against
    the others ("teenagers rather than babies"). Empty for any other question."""
    if not _ABOUT.search(question):
        return []
    found = ((m.start(), a) for a in ATTRIBUTES if (m := a.asked.search(question)))
    named = sorted(found, key=lambda f: f[0])
    rest = [w for w in topic_words if w.lower() not in _FRAME and not _names_attribute(w)]
    if not named or rest:
        return []
    attributes = [a for _, a in named]
    return attributes[:1] if _CONTRAST.search(question) else attributes


def describe(attributes: list[Attribute]) -> str:
    """How the answer names the children asked about: "a baby girl who died", "a teenager"."""
    keys = {a.key for a in attributes}
    sex = "girl" if "girl" in keys else "boy" if "boy" in keys else ""
    age = next((k for k in ("baby", "young_child", "teenager") if k in keys), "")
    alone = {"baby": "baby", "young_child": "toddler or young child", "teenager": "teenager", "": "child"}
    before = {"baby": "baby", "young_child": "young", "teenager": "teenage", "": ""}
    noun = f"{before[age]} {sex}".strip() if sex else alone[age]
    return f"a {noun}" + (" who died" if "died" in keys else "")


def _names_attribute(word: str) -> bool:
    return any(a.asked.search(word) for a in ATTRIBUTES)


def child_died(text: str, label: str) -> bool:
    """A sentence saying the review's child died ("Baby F had died", "the death of Child N"),
    not that a child did not, nor that children in general do."""
    named = bool(label) and re.search(rf"\b{re.escape(label)}\b", text, re.I) is not None
    return states_death(text) and (named or bool(_THIS_CHILD.search(text)))


def age_in_years(text: str) -> float | None:
    """'five months old' -> 0.42, 'aged 15' -> 15, '7-month-old' -> 0.58; None when no age."""
    match = _UNIT_AGE.search(text)
    if not match:
        return None
    count, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    number = int(count) if count.isdigit() else _NUMBERS[count.lower()]
    return number * _PER_YEAR[(unit or "year").lower()]


def card_evidence(card: ReviewCard, attribute: Attribute) -> Quote | None:
    """The card's quote that shows the review is about a child with the attribute, if any.
    (A death not stated on the card is looked for in the review's sentences by the caller.)"""
    if attribute.key in ("boy", "girl"):
        sex = card.field("child_sex")
        wanted = "male" if attribute.key == "boy" else "female"
        return sex.quote if sex.stated and (sex.value or "").lower() == wanted else None
    if attribute.key == "died":
        incident = card.field("incident")
        return incident.quote if incident.quote and states_death(incident.quote.text) else None
    age = card.field("child_age")
    years = age_in_years(f"{age.value or ''} {age.quote.text}") if age.quote else None
    if years is not None:  # a stated age decides; words elsewhere may be about other children
        return age.quote if _years_fit(years, attribute.key) else None
    # Otherwise the card's other sentences about the child: an age there, or "baby", "teenage".
    for name in ("child_age", "incident", "child_sex"):  # sentences about the child
        field = card.field(name)
        if field.quote and _age_fits(f"{field.value or ''} {field.quote.text}", attribute.key):
            return field.quote
    return None


def states_death(text: str) -> bool:
    return bool(DEATH.search(text)) and not _NOT_DEATH.search(text)


def _years_fit(years: float, key: str) -> bool:
    return {"teenager": years >= 13, "baby": years < 1, "young_child": 1 <= years < 5}[key]


def _age_fits(text: str, key: str) -> bool:
    years = age_in_years(text)
    if years is not None:
        return _years_fit(years, key)
    words = {"teenager": _TEEN_WORDS, "baby": _BABY_WORDS, "young_child": _TODDLER_WORDS}[key]
    return bool(words.search(text))
