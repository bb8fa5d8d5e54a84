"""What a question asks for, by rules on its wording: the kind of answer (intent), a kind of
detail the answer must contain, a request to refuse, and the parts of a question that asks
several things in turn. General English, never a review's own wording."""

from __future__ import annotations

import re

Intent = str  # "what_went_wrong" | "recommendation" | "learning" | "timeline" | "factual"

_INTENTS: list[tuple[Intent, re.Pattern[str]]] = [
    ("recommendation", re.compile(r"recommend|should (the board|agencies)|action plan|response", re.I)),
    (
        "what_went_wrong",
        re.compile(
            r"went wrong|wrong|fail|failure|missed|mistake|problem|poor|"
            r"not effective|ineffective|concern|issue|gap|weakness",
            re.I,
        ),
    ),
    ("learning", re.compile(r"learn|lesson|learning|takeaway|practice point|improve", re.I)),
    ("timeline", re.compile(r"\bwhen\b|timeline|chronolog|sequence|what happened|date|order of", re.I)),
]
# What kind of detail a question asks for; the answer must contain one (rag.answer.extractive
# .scoring.DETAILS) or the reviews are said not to give it. First match wins.
_EXPECTS: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"date of birth|\bborn on\b|\bwhen was .* born\b", re.I)),
    # "Exact date" asks for a day, not a month or a year.
    ("day", re.compile(r"\bexact date\b|\b(?:on )?what day\b|\bwhich day\b", re.I)),
    ("when", re.compile(r"\b(?:what|which|exact) date\b|\bdate of (?:the|his|her)\b|\bon what day\b", re.I)),
    (
        "sentence",
        re.compile(
            r"\bjailed\b|\bsentenced? (to|for)\b|\bhow long .*(prison|jail|sentence|custody)|\bprison\b|"
            r"\blength of .*sentence|\bsentence length|\blongest .*sentence",
            re.I,
        ),
    ),
    (
        "duration",
        re.compile(
            r"\btimescales?\b|\bworking days\b|\bwithin how (?:many|long)\b|\bhow many (?:days|weeks)\b", re.I
        ),
    ),
    ("age", re.compile(r"\bhow old\b|\bage\b|\baged\b", re.I)),
    (
        "rate",
        re.compile(
            r"\b(?:how many|how much|what (?:number|percentage|proportion)|figures?|rates?)\b.*"
            r"\b(?:each|per|every|a) year\b|\bstatistics\b|\bnational(?:ly)? (?:figures|rates?)\b|"
            r"\b(?:how many|how much)\b.*\b(?:in|across) (?:the uk|england|wales|britain|the country)\b",
            re.I,
        ),
    ),
    # "How much had she drunk" asks for a quantity: a count of people cannot answer it.
    ("amount", re.compile(r"\bhow much\b(?! (?:time|longer|later|earlier|support|help|contact))", re.I)),
    ("number", re.compile(r"\bhow many\b|\bwhat (?:number|percentage|proportion)\b", re.I)),
    (
        "regulator",
        re.compile(
            r"\b(?:gmc|nmc|hcpc|gdc|social work england|general medical council|regulator|"
            r"fitness to practi[cs]e|struck off|professional body)\b",
            re.I,
        ),
    ),
    (
        "outcome",
        re.compile(
            r"\b(convicted|charged|prosecuted|sacked|dismissed|struck off)\b|"
            r"\bwhere does .* live now\b|\b(?:iopc|misconduct)\b",
            re.I,
        ),
    ),
    ("cause", re.compile(r"\bcause of death\b|\bwhat did .* die (?:of|from)\b", re.I)),
    ("substance", re.compile(r"\b(?:which|what) (?:drugs?|substances?)\b|\bwhat was .* using\b", re.I)),
    ("faith", re.compile(r"\b(?:what|which) (?:religion|faith)\b", re.I)),
    ("condition", re.compile(r"medical condition|diagnos(is|ed) with|born with", re.I)),
    # "Which hospital / tool / school ..." asks which one by name: a generic "specialist
    # agencies" or "a risk assessment tool" does not answer it.
    (
        "named",
        re.compile(
            r"\bwhich (?:[\w'-]+ ){0,4}?(?:hospital|school|tool|framework|model|charity|prison|court|nursery|"
            r"police force|trust|app|website|agency|service|organi[sz]ation|team|unit|ward|project)\b"
            r"(?= (?:did|was|were|is|does|had|has|do)\b)",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(
            r"\bnames? of\b|\bnamed?\b.*\b(worker|doctor|gp|nurse|officer)\b|\bwhat was .* called\b|"
            r"\bwho (?:was|were) the\b.*\b(?:chair|author|reviewer|manager|officer|worker|doctor|gp|"
            r"nurse|judge|consultant|paediatrician|head ?teacher)s?\b",
            re.I,
        ),
    ),
]
# People a detail can belong to other than the child ("how old was the mum"): the detail
# must then be said of them. Each group lists the words a review may use for the same person.
_ROLES: dict[str, str] = {
    "mother": r"mother|mum|mom|mummy",
    "father": r"father|dad|daddy",
    "stepparent": r"step-?(?:father|mother|dad|mum)",
    "partner": r"partner|boyfriend|girlfriend",
    "grandparent": r"grand(?:mother|father|parents?|ma|pa)|gran|nan|nana",
    "sibling": r"siblings?|brothers?|sisters?|half-(?:brother|sister|sibling)s?",
    "parents": r"parents",
    "carer": r"carers?|foster carers?|childminder",
    "uncle_aunt": r"uncle|aunt|auntie",
}
ROLE_PATTERNS = {role: re.compile(rf"\b(?:{words})\b", re.I) for role, words in _ROLES.items()}
# The words after a detail's cue that name whose detail it is, up to where the question moves
# on ("how old was the baby when mum ..." asks the baby's age, not the mother's).
_MOVES_ON = frozenset("when after before at in who that and on with to go went got used use".split())  # noqa: SIM905

_REFUSALS: list[tuple[str, re.Pattern[str]]] = [
    (
        "instructions",
        re.compile(
            r"ignore (all |any |the |your |previous |prior |above )*(instructions|rules)|"
            r"system (prompt|override)|"
            r"new policy|forget (you|that you|your)|you are now|disregard|overrides? the rest|"
            r"no longer need citations|outside knowledge",
            re.I,
        ),
    ),
    (
        "identify",
        re.compile(
            r"real names?|real identit|actual names?|\bsurname\b|\bidentify (the|them|him|her)\b|"
            r"which family|home address|where (do|does) (they|the family|she|he) live|naming and shaming|"
            r"\bwho (is|are) (case|child|baby) [a-z]\b",
            re.I,
        ),
    ),
    (
        "opinion",
        re.compile(
            r"should be (sacked|fired|dismissed|prosecuted|punished|struck off|jailed)|who (is|was) to blame|"
            r"your (own )?(opinion|view)|\bjust guess\b|\bguess\b.*\bwhich\b|tabloid|who killed|"
            r"which of .* killed",
            re.I,
        ),
    ),
]

# Where a question asks a second thing: "... and what/how/why ...", or after a semicolon.
_NEXT_CLAUSE = re.compile(r"[,;]?\s+and\s+(?=(?:what|how|why|when|who|which|where)\b)|;\s*", re.I)


def intent_of(text: str) -> Intent:
    return _first_match(_INTENTS, text) or "factual"


def expected_detail(text: str) -> str | None:
    """The kind of detail asked for ("age", "date", "sentence" ...), if any."""
    return _first_match(_EXPECTS, text)


def detail_holder(text: str, expects: str | None) -> str | None:
    """Whose detail a question asks for, when it is someone other than the child: "how old was
    the mum" -> "mother". None when it names no one else or asks for no detail."""
    if expects is None:
        return None
    cue = dict(_EXPECTS)[expects].search(text)
    if cue is None:
        return None
    window: list[str] = []
    for word in re.findall(r"[\w'-]+", text[cue.end() :])[:6]:
        if word.lower() in _MOVES_ON and window:
            break
        window.append(word)
    words = " ".join(window)
    return next((role for role, pattern in ROLE_PATTERNS.items() if pattern.search(words)), None)


def refusal_of(text: str) -> str | None:
    """"identify" | "opinion" | "instructions" for a request to refuse, else None."""
    return _first_match(_REFUSALS, text)


def clauses(question: str) -> list[str]:
    """The question split where it asks a next thing ("... and what ...")."""
    return [c for c in _NEXT_CLAUSE.split(question) if c.strip()]


def _first_match(rules: list[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    return next((name for name, pattern in rules if pattern.search(text)), None)
