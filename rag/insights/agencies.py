"""The agencies a review names: each kind of service, and each service it names by name,
with the first sentence that names it."""

from __future__ import annotations

import re
from collections import Counter

from rag.insights.sentences import Sentence, quote_of
from rag.insights.types import Item
from rag.text import normalise_space
from rag.types import Document

# Agencies a review names, as the kind of service, with the wording that names them.
AGENCIES: list[tuple[str, str]] = [
    ("Children's social care", r"children['’]?s? social care|\bCSC\b|children['’]?s services|social services|"
     r"social work(?:er|ers| team)|\bMASH\b|multi[- ]agency safeguarding hub|children['’]?s social work"),
    ("Police", r"\bpolice\b|constabulary"),
    ("Health visiting", r"health visit(?:or|ors|ing)"),
    ("Midwifery", r"\bmidwi(?:fe|ves|fery)\b|maternity"),
    ("GP", r"\bGPs?\b|general practi(?:ce|tioner)"),
    ("Hospital", r"\bhospitals?\b|paediatric(?:ian|s)? (?:ward|team|service)"),
    ("Emergency department", r"emergency department|\bA\s?&\s?E\b|accident and emergency"),
    ("Paediatrics", r"paediatrician|community paediatric"),
    ("School", r"\bschools?\b|head ?teacher|\bteachers?\b|designated safeguarding lead"),
    ("Early years / nursery", r"\bnurser(?:y|ies)\b|pre-?school|children['’]?s cent(?:re|er)|early years"),
    ("Childminder", r"child-?minders?\b"),
    ("Education", r"education (?:service|welfare)|\bthe local authority['’]?s? education"),
    ("Early help / family support",
     r"early help|family support (?:service|worker|practice)|troubled families|family cent(?:re|er)"),
    ("Psychology", r"psychologists?\b|psychology service"),
    ("Health commissioners", r"clinical commissioning groups?|\bCCGs?\b|primary care trusts?|\bPCTs?\b"),
    ("Police and Crime Commissioner", r"police and crime commissioner|\bPCC\b"),
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
    r"\b((?:[A-Z][\w'’]+\s+(?:and\s+|&\s+)?){1,5}(?:Hospital|Police|Constabulary|NHS (?:Foundation )?Trust|"
    r"Foundation Trust|Clinical Commissioning Group|Primary School|Academy|Council|Services?|Department|"
    r"Practice|Primary Care Trust|Partnership Trust))\b"
)
# A named service starts with its own name (a place, an organisation): "Essex Children's
# Services", not "Children's Services" or "The Health Visiting Service".
_GENERIC_START = re.compile(
    r"^(?:the|this|that|these|a|an|all|other|local|children['’]?s?|health|social|adult|adults|mental|family|"
    r"leaving|early|youth|primary|community|clinical|specialist|universal|maternity|midwifery|drug|alcohol|"
    r"substance|housing|education|police|probation|hospital|emergency|school|each|both|any|and)\b",
    re.IGNORECASE,
)


def agencies(document: Document, sentences: list[Sentence]) -> tuple[Item, ...]:
    """Each kind of service the review names, and each service it names by name. A kind is
    quoted where the review first uses its most used word for it ("midwife" in a review that
    says "midwife" ten times and "maternity" once), so the quote shows the review's own term."""
    found: dict[str, Item] = {}
    for name, pattern in _AGENCY_PATTERNS:
        sentence = _first_with_main_wording(sentences, pattern)
        if sentence is not None:
            found[name] = Item(name, quote_of(sentence, document))
    for sentence in sentences:
        for match in _NAMED_SERVICE.finditer(sentence.quote):
            for named in _services_in(normalise_space(match.group(1))):
                if named.lower() not in {k.lower() for k in found} and not _GENERIC_START.match(named):
                    found[named] = Item(named, quote_of(sentence, document))
    return tuple(found.values())


_SERVICE_END = r"(?:Police|Constabulary|Council|Trust|Services?|Hospital|Department|Practice|Academy|School)"
_JOINED = re.compile(rf"\b({_SERVICE_END})\s+(?:and|&)\s+")
_ROLE = re.compile(r"^.*\b(?:Director|Manager|Chair|Officer|Head|Lead|Chief Executive)\s+")


def _services_in(named: str) -> list[str]:
    """"West Yorkshire Police and Bradford Council" is two services; "Strategic Director
    Leicester City Council" is the council, not the person's title."""
    parts = _JOINED.sub(r"\1\n", named).split("\n")
    return [_ROLE.sub("", part) for part in parts if _ROLE.sub("", part)]


def _first_with_main_wording(sentences: list[Sentence], pattern: re.Pattern[str]) -> Sentence | None:
    uses: Counter[str] = Counter()
    first: dict[str, Sentence] = {}
    for sentence in sentences:
        for match in pattern.finditer(sentence.quote):
            wording = match.group().lower().rstrip("s")
            uses[wording] += 1
            first.setdefault(wording, sentence)
    if not uses:
        return None
    top = max(uses.values())
    return min((first[w] for w, n in uses.items() if n == top), key=sentences.index)
