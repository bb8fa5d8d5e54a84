"""The agencies a review names: each kind of service, and each service it names by name,
with the first sentence that names it."""

from __future__ import annotations

import re

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


def agencies(document: Document, sentences: list[Sentence]) -> tuple[Item, ...]:
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
