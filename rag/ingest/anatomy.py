"""Review anatomy: what kind of section a passage sits in, read from its headings.

Case reviews share an anatomy whatever their board or format: a summary or introduction, the
method and terms of reference, the background and chronology, the analysis and findings, the
learning, the recommendations, the board's response, and references or appendices at the end.
A question asks for one part ("what did they recommend" -> recommendations), and some parts are
never an answer on their own (a reference list, a glossary).
"""

from __future__ import annotations

import re
from enum import StrEnum

from rag.types import Passage


class SectionType(StrEnum):
    SUMMARY = "summary"  # summary, introduction, purpose of the review
    METHODOLOGY = "methodology"  # terms of reference, scope, process, panel, family involvement
    BACKGROUND = "background"  # background, chronology, the story, family context
    ANALYSIS = "analysis"  # analysis, appraisal, findings, issues, themes, conclusions
    LEARNING = "learning"  # learning, lessons, implications for practice, key messages
    RECOMMENDATIONS = "recommendations"
    RESPONSE = "response"  # the board's response, action plan, what has been done since
    REFERENCES = "references"  # references, bibliography, footnotes, glossary, appendices, contents
    OTHER = "other"


# First match wins, so the specific kinds come before the ones whose words they contain.
_KINDS: list[tuple[SectionType, re.Pattern[str]]] = [
    (SectionType.REFERENCES, r"(?<!terms of )\breferences?\b|bibliograph|footnote|glossary|appendi|"
     r"background reading|further (?:information|reading)|useful (?:links|resources)|^contents$|"
     r"abbreviations|acronyms|^sources\b"),
    (SectionType.RESPONSE, r"(?:board|partnership|lscb|scb|scp|panel|management|agency|agencies)['’]?s? "
     r"response|response (?:to|from) (?:the )?(?:review|scr|report|recommendations|board|partnership)|"
     r"^responses?$|action plan|what (?:has|have) (?:been|we) (?:done|changed)|progress (?:made|since)|"
     r"since the review|next steps|improvements? (?:made|since)|actions? taken|action since"),
    (SectionType.RECOMMENDATIONS, r"recommend"),
    (SectionType.METHODOLOGY, r"methodolog|terms of reference|\bscope\b|review process|process of the|"
     r"(?:the|this) process|membership|contributors|\bpanel\b|involvement of|family (?:involvement|views)|"
     r"parallel (?:processes|proceedings)|independen|limitations|how (?:the|this) review|approach|"
     r"agencies involved|structure of (?:the|this) report|how this report"),
    (SectionType.LEARNING, r"learn|lesson|implications for|what this means|reflect|key messages|"
     r"questions for|practice points|for practitioners|what (?:can|should) (?:we|practitioners)"),
    (SectionType.ANALYSIS, r"analysis|appraisal|finding|issues|themes|what went wrong|assessment of|"
     r"practice (?:issues|episodes)|key (?:episodes|practice)|conclusion|good practice|complicating|"
     r"what worked|challenges"),
    (SectionType.BACKGROUND, r"background|chronolog|history|summary of (?:the )?(?:case|events)|"
     r"sequence of|story|case summary|\bfamily\b|what happened|key events|timeline|circumstances|"
     r"context|the child\b|pen picture|events|^the case$|what was .* like"),
    (SectionType.SUMMARY, r"summary|overview|introduction|purpose|why (?:we are here|this review)|"
     r"reasons? for|about this|what this review|factors leading|leading to the|why (?:the|this) review"),
]  # fmt: skip
_COMPILED = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _KINDS]
_NUMBER = re.compile(r"^(?:section\s+\w+\s*[-–:]?\s*|slide\s+\d+\s*[:.-]\s*|[\d.]+\s+|[ivx]+\.\s+)", re.I)


def heading_type(heading: str) -> SectionType:
    """The kind of section one heading names ('4 Analysis' -> analysis)."""
    text = _NUMBER.sub("", heading.strip()).strip()
    for kind, pattern in _COMPILED:
        if pattern.search(text):
            return kind
    return SectionType.OTHER


_DOCUMENT_TITLE = re.compile(
    r"serious case review|practice review|learning from|lessons from|safeguarding (?:children )?"
    r"(?:board|partnership)|^review\b",
    re.IGNORECASE,
)
# Kinds a sub-heading can name for itself, whatever the section it sits in.
_OWN_KINDS = (SectionType.RECOMMENDATIONS, SectionType.RESPONSE, SectionType.REFERENCES, SectionType.LEARNING)


def section_type(section: str) -> SectionType:
    """The kind of section for a heading path ('4 Analysis > Responding to injuries').

    Sub-headings are often topical ("The family", "Information sharing") and name no kind, so
    the outermost heading that names one decides; a sub-heading that is itself a
    recommendation, a response, a lesson or a reference list decides for itself. A document's
    title at the root ("Learning from the Serious Case Review: Child M") is not a section."""
    headings = [h for h in section.split(" > ") if h.strip()]
    if headings and _DOCUMENT_TITLE.search(headings[0]) and not re.match(r"\d", headings[0]):
        headings = headings[1:] or headings
    kinds = [heading_type(h) for h in headings]
    own = [k for k in kinds if k in _OWN_KINDS]
    if own:
        return own[-1]
    return next((k for k in kinds if k is not SectionType.OTHER), SectionType.OTHER)


# What each kind of question is answered from, best first.
WANTED: dict[str, tuple[SectionType, ...]] = {
    "recommendation": (SectionType.RECOMMENDATIONS, SectionType.RESPONSE),
    "what_went_wrong": (SectionType.ANALYSIS, SectionType.LEARNING, SectionType.SUMMARY),
    "learning": (SectionType.LEARNING, SectionType.ANALYSIS),
    "timeline": (SectionType.BACKGROUND, SectionType.SUMMARY),
    "summary": (SectionType.SUMMARY, SectionType.ANALYSIS, SectionType.RECOMMENDATIONS),
}
NEVER_AN_ANSWER = (SectionType.REFERENCES,)


def fit(intent: str, kind: SectionType | str) -> float:
    """+1 when the section is what the question asks for, -1 when it is recommendations or a
    response answering a question that is not about them, or a reference list; else 0."""
    if kind in NEVER_AN_ANSWER:
        return -1.0
    wanted = WANTED.get(intent, ())
    if kind in wanted:
        return 1.0
    if intent != "recommendation" and kind in WANTED["recommendation"]:
        return -1.0
    return 0.0



def of_passage(passage: Passage) -> str:
    """A passage's section type: as ingest typed it, else read from its heading (indexes
    made before passages carried a section type)."""
    return passage.section_type or section_type(passage.section)
