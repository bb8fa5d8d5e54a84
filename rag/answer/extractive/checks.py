"""Checks that the chosen sentences answer what was asked, beyond being about its topic: a
sentence that only repeats the question ("The post-mortem also identified other possible
injuries.") does not say what they were, and a question that assumes a judgement ("why did
the review blame the police?") is answered only when a sentence makes that judgement.
General English, never a review's own wording."""

from __future__ import annotations

import re

from rag.text import denied_before, match_stems

# Questions answered by yes or no: a sentence restating the question answers them.
_YES_NO = re.compile(r"^\s*(?:did|does|do|was|were|is|are|has|had|have|could|would|can|will|should)\b", re.I)
# Verbs that report that something was found or said, not what it was.
_REPORTING = match_stems(
    "also identified identify found find noted note recorded record said say stated state described "
    "describe mentioned mention reported report showed show revealed reveal included include there "
    "this that these those some other further"
)
NEW_WORDS = 1  # a sentence adding fewer content words than this to the question restates it

# A judgement a question may take for granted; each with the stems that make it in a sentence.
_JUDGEMENTS: dict[str, re.Pattern[str]] = {
    "blame": re.compile(r"\b(?:blam\w*|fault\w*|culpab\w*|scapegoat\w*)\b", re.I),
    "criticism": re.compile(r"\b(?:criticis\w*|criticiz\w*|critical of|condemn\w*|censur\w*)\b", re.I),
    "praise": re.compile(r"\b(?:prais\w*|commend\w*|exemplary|good practice)\b", re.I),
}
# "Why did the review blame ...", "the review criticised X, didn't it?": the question asserts it.
_WHY_DID = r"\bwhy (?:did|does|was|were|has|had)\b"
_WHY = re.compile(rf"^\W*why\b|{_WHY_DID}", re.I)
_ASSERTED = re.compile(rf"{_WHY_DID}|\b(?:didn't|did not|wasn't|doesn't) (?:it|they)\b", re.I)


def restates_question(question: str, sentences: list[str]) -> bool:
    """Every sentence only repeats what the question says: it names the thing asked about but
    not what it was. Yes/no questions are exempt (repeating them answers them)."""
    if not sentences or _YES_NO.match(question):
        return False
    known = match_stems(question) | _REPORTING
    return all(len(match_stems(s) - known) < NEW_WORDS for s in sentences)


def unsupported_judgement(question: str, sentences: list[str]) -> str | None:
    """The judgement a question takes for granted ("why did the review blame ...") when none of
    the sentences makes it; None when the question assumes none or a sentence makes it."""
    if not _ASSERTED.search(question):
        return None
    for judgement, pattern in _JUDGEMENTS.items():
        if pattern.search(question) and not any(_asserts(pattern, s) for s in sentences):
            return judgement
    return None


def asks_why(question: str) -> bool:
    return bool(_WHY.search(question))


def _asserts(pattern: re.Pattern[str], text: str) -> bool:
    """The sentence makes the judgement: "the review does not seek to apportion blame" does not."""
    return any(not denied_before(text, m.start()) for m in pattern.finditer(text))
