"""A review's key findings: the sentences that state what the review found, ranked by a small
logistic model fitted on hand-picked findings of other reviews (`python -m rag.eval.findings_fit`).

The features describe how case reviews state their findings in general (a finding's wording,
the kind of section it sits in, its shape and place), never one review's wording, so the model
carries over to reviews it has not seen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.insights.sentences import Sentence
from rag.insights.spans import INSTRUCTION
from rag.insights.themes import Logistic

PACKAGED_MODEL = Path(__file__).resolve().parent.parent / "data" / "findings_model.json"
MOST_FINDINGS = 6
FINDING_WORDS = (8, 60)  # a key finding is a full statement, not a heading or a page
SECTION_KINDS = ("analysis", "learning", "summary", "background", "methodology", "recommendations")
FINDING_FEATURES = (
    "theme",  # how likely it is to express its most likely theme (the theme tagger)
    "found",  # "the review found / concluded ...", "the central finding"
    "deficit",  # says what was missing or went wrong
    "modal",  # "should", "must", "needs to": a lesson or a recommendation
    "finding_heading",  # its section heading speaks of findings or conclusions
    *(f"in_{kind}" for kind in SECTION_KINDS),
    "position",  # 0 at the document's start, 1 at its end
    "log_words",
    "opens_passage",  # the first sentence of its passage
    "unpunctuated",  # no full stop at the end: a title line, a heading or a list fragment
)

_FOUND = re.compile(
    r"\b(?:(?:the|this) (?:review|panel|reviewers?|author|report)s? (?:has |have )?"
    r"(?:found|finds|concluded|concludes|identified|identifies|considers|considered|shows|showed|noted)|"
    r"(?:central|key|main|overarching|principal) (?:finding|conclusion|issue|learning)|"
    r"found that|concluded that)\b",
    re.IGNORECASE,
)
_DEFICIT = re.compile(
    r"\b(?:not|no|never|lack(?:ed|ing)?|absence|absent|fail(?:ed|ure|ures)?|missed|insufficient|inadequate|"
    r"limited|poor|weak|without|unclear|ineffective|below the standard|"
    r"too (?:little|late|optimistic))\b|n't\b",
    re.IGNORECASE,
)
_MODAL = re.compile(r"\b(?:should|must|needs? to|ought to|have to|has to)\b", re.IGNORECASE)
_FINDING_HEADING = re.compile(r"finding|conclu|key (?:issues|messages|learning)|analysis", re.IGNORECASE)
_END = re.compile(r"[.!?;:][\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class FindingsModel:
    ranker: Logistic

    def to_json(self) -> str:
        data = {"features": list(FINDING_FEATURES), "ranker": self.ranker.__dict__}
        return json.dumps(data, indent=1, default=float)

    @classmethod
    def load(cls, path: Path = PACKAGED_MODEL) -> FindingsModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("features") != list(FINDING_FEATURES):
            raise ValueError(f"{path}: made for other features; refit with `python -m rag.eval.findings_fit`")
        return cls(Logistic.from_dict(data["ranker"]))


def candidates(sentences: list[Sentence]) -> list[int]:
    """The sentences that could be a key finding at all: full statements outside the parts
    that only describe the review or its answers to it."""
    out = []
    for i, sentence in enumerate(sentences):
        words = len(sentence.text.split())
        if sentence.section_type in ("references", "response") or INSTRUCTION.search(sentence.text):
            continue
        if FINDING_WORDS[0] <= words <= FINDING_WORDS[1]:
            out.append(i)
    return out


def finding_features(sentences: list[Sentence], theme: np.ndarray | None) -> np.ndarray:
    """One row of FINDING_FEATURES per sentence; `theme` is the tagger's per-sentence strength."""
    rows, previous = [], None
    for i, sentence in enumerate(sentences):
        text = sentence.text
        rows.append(
            [
                float(theme[i]) if theme is not None and len(theme) > i else 0.0,
                bool(_FOUND.search(text)),
                bool(_DEFICIT.search(text)),
                bool(_MODAL.search(text)),
                bool(_FINDING_HEADING.search(sentence.passage.section or "")),
                *(sentence.section_type == kind for kind in SECTION_KINDS),
                sentence.position,
                float(np.log1p(len(text.split()))),
                sentence.passage.id != previous,
                not _END.search(text),
            ]
        )
        previous = sentence.passage.id
    return np.array(rows, dtype=float).reshape(len(sentences), len(FINDING_FEATURES))


def key_findings(sentences: list[Sentence], theme: np.ndarray | None, model: FindingsModel) -> list[int]:
    """Indexes of the key findings, in document order: the most probable candidates, one per
    passage, so the findings cover different parts of the review."""
    pool = candidates(sentences)
    if not pool:
        return []
    probability = model.ranker.probabilities(finding_features(sentences, theme)[pool])
    chosen, passages = [], set()
    for rank in np.argsort(-probability, kind="stable"):
        i = pool[int(rank)]
        if sentences[i].passage.id in passages:
            continue
        passages.add(sentences[i].passage.id)
        chosen.append(i)
        if len(chosen) == MOST_FINDINGS:
            break
    return sorted(chosen)
