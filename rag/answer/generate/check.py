"""The citation check every generated answer passes before anyone reads it.

The model's answer is split into sentences. A sentence stays only when it cites at least
one numbered passage that supports it:

- a citation number with no passage behind it is removed;
- a citation is removed when no sentence of its passage is close in meaning to the
  generated sentence (embedding cosine below `check_min_cosine`);
- the sentence is removed when it has no citation left, when too few of its word stems
  occur in the passages it still cites (below `check_min_overlap`), when it states a
  number those passages do not contain, or when it repeats an instruction (an instruction
  found inside a passage is text, never support).

Removed sentences are dropped from the answer, not flagged, and listed with their reasons
in `Answer.check`. The thresholds were measured on tests/data/check_pairs.jsonl.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.retrieve.sentences import SentenceIndex, Unit
from rag.text import ITEM_START, match_stems, normalise_space, sentence_spans, strip_bullet
from rag.types import Hit

_MARKER = re.compile(r"\s*\[(?:passages?\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\]", re.I)
_LEADING_MARKERS = re.compile(r"^(?:\s*\[(?:passages?\s*)?\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*\])+", re.I)
_GLUED_MARKER = re.compile(r"([.!?])(\[(?:passages?\s*)?\d)", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#+\s*")
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_ABSTAIN = re.compile(r"^\W*the reviews in this collection (?:don[’']?t|do not) say\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {
    word: str(n)
    for n, word in enumerate(
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
        start=2,
    )
}
# Instructions planted in a document ("ignore previous instructions and ..."), whether the
# model repeats them or a passage holds them.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,60}?\b(?:instructions?|prompts?|rules|"
    r"guidelines|directions)\b"
    r"|\byou (?:are|must|should|will) (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot|llm)\b"
    r"|\b(?:system prompt|developer message|new instructions?)\b"
    r"|\bas an? (?:ai|language model)\b"
    r"|^\W*(?:tell|say to|answer|reply|respond)\b[^.\n]{0,40}\b(?:the user|the reader|everyone)\b",
    re.I,
)


@dataclass
class Sentence:
    """One sentence of the model's answer: its words without markers and the numbers it cites."""

    line: int
    bullet: bool
    claim: str
    cited: list[int] = field(default_factory=list)


@dataclass
class Support:
    """How well one numbered passage supports a sentence."""

    n: int
    hit: Hit
    unit: Unit  # the passage sentence that best supports it: the citation's quote
    overlap: float  # share of the sentence's word stems found in the passage
    cosine: float  # best cosine between the sentence and a sentence of the passage


@dataclass
class Checked:
    sentence: Sentence
    supports: list[Support]


@dataclass
class CheckResult:
    kept: list[Checked]
    said_abstain: bool  # the model gave the ABSTAIN sentence
    removed_sentences: list[dict[str, Any]] = field(default_factory=list)
    removed_citations: list[dict[str, Any]] = field(default_factory=list)


class CitationChecker:
    def __init__(self, sentences: SentenceIndex, embedder: Any, min_overlap: float, min_cosine: float):
        self.sentences = sentences
        self.embedder = embedder
        self.min_overlap = min_overlap
        self.min_cosine = min_cosine
        self._items: dict[str, np.ndarray] = {}  # vectors of list items, by text
        self._lock = threading.Lock()

    def check(self, text: str, passages: list[Hit]) -> CheckResult:
        """Keep the sentences of `text` that its numbered `passages` (1-based) support."""
        parsed = parse(text)
        result = CheckResult([], any(_ABSTAIN.match(s.claim) for s in parsed))
        self.sentences.prepare([h.passage for h in passages])
        todo = [s for s in parsed if s.cited and not _ABSTAIN.match(s.claim)]
        vectors = self.embedder.embed_passages([s.claim for s in todo]) if todo else []
        vector_of = {id(s): v for s, v in zip(todo, vectors, strict=True)}
        for sentence in parsed:
            if _ABSTAIN.match(sentence.claim):
                continue
            reason = self._reject_early(sentence)
            if reason is None:
                reason = self._judge(sentence, vector_of[id(sentence)], passages, result)
            if reason is not None:
                result.removed_sentences.append({"sentence": sentence.claim, "reason": reason})
        if result.kept:  # an answer with cited sentences is not an abstention
            result.removed_sentences += [
                {"sentence": s.claim, "reason": "says the reviews don't say, beside cited sentences"}
                for s in parsed
                if _ABSTAIN.match(s.claim)
            ]
        return result

    def _reject_early(self, sentence: Sentence) -> str | None:
        if INSTRUCTION.search(sentence.claim):
            return "repeats an instruction, not something the reviews say"
        if not sentence.cited:
            return "no citation"
        return None

    def _judge(self, sentence: Sentence, vector: np.ndarray, passages: list[Hit], result: CheckResult):
        """None when the sentence is kept (appended to result.kept), else why it was removed."""
        supports = []
        for n in dict.fromkeys(sentence.cited):
            if not 1 <= n <= len(passages):
                result.removed_citations.append(_removed(n, sentence, "no passage has this number"))
                continue
            support = self.support(n, sentence.claim, vector, passages[n - 1])
            if support is None or support.cosine < self.min_cosine:
                cosine = support.cosine if support else 0.0
                why = f"passage does not say this (cosine {cosine:.2f} < {self.min_cosine})"
                result.removed_citations.append(_removed(n, sentence, why))
                continue
            supports.append(support)
        if not supports:
            return "cites no passage that supports it"
        evidence = " ".join(_evidence(s.hit, self.sentences) for s in supports)
        overlap = _coverage(match_stems(sentence.claim), match_stems(evidence))
        if overlap < self.min_overlap:
            return f"its words are not in the cited passages (overlap {overlap:.2f} < {self.min_overlap})"
        missing = _numbers(sentence.claim) - _numbers(evidence)
        if missing:
            return f"states {', '.join(sorted(missing))}, which the cited passages do not"
        result.kept.append(Checked(sentence, supports))
        return None

    def support(self, n: int, claim: str, vector: np.ndarray, hit: Hit) -> Support | None:
        """The passage sentence that best supports `claim`, with the two measures."""
        units = [u for u in self.sentences.units(hit.passage) if not INSTRUCTION.search(u.text)]
        if not units:
            return None
        claim_stems = match_stems(claim)
        cosines = self._cosines(units, vector)
        fit = [c + _coverage(claim_stems, match_stems(u.text)) for c, u in zip(cosines, units, strict=True)]
        best = max(range(len(units)), key=fit.__getitem__)
        overlap = _coverage(claim_stems, match_stems(_evidence(hit, self.sentences)))
        return Support(n, hit, units[best], overlap, max(cosines))

    def _cosines(self, units: list[Unit], vector: np.ndarray) -> list[float]:
        """Cosine of each unit to the sentence; a list (lead-in and items, quoted together) counts
        its best item too, since a sentence usually restates one item, not the whole list."""
        items = [_list_items(u.quote) for u in units]
        todo = list(dict.fromkeys(t for ts in items for t in ts if t not in self._items))
        if todo:
            vectors = self.embedder.embed_passages(todo)
            with self._lock:
                self._items.update(zip(todo, vectors, strict=True))
        return [
            max([float(u.vector @ vector), *(float(self._items[t] @ vector) for t in ts)])
            for u, ts in zip(units, items, strict=True)
        ]


def parse(text: str) -> list[Sentence]:
    """Sentences of a model's answer, each with the citation numbers written after it."""
    text = _GLUED_MARKER.sub(r"\1 \2", _THINKING.sub("", text).replace("**", ""))
    out: list[Sentence] = []
    for i, line in enumerate(text.splitlines()):
        bullet = _BULLET.match(line)
        body = _HEADING.sub("", line[bullet.end() :] if bullet else line)
        for a, b in sentence_spans(body):
            piece = body[a:b]
            leading = _LEADING_MARKERS.match(piece)
            if leading:  # "... anonymous. [1] The next ...": the numbers belong to the sentence before
                if out:
                    out[-1].cited += _cited(leading.group())
                piece = piece[leading.end() :]
            claim = normalise_space(_MARKER.sub("", piece))
            if claim:
                out.append(Sentence(i, bool(bullet), claim, _cited(piece)))
    return out


def _cited(text: str) -> list[int]:
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for part in re.split(r"\s*(?:,|;|and)\s*", match.group(1)):
            ends = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
            span = range(ends[0], ends[-1] + 1) if len(ends) == 2 and ends[1] - ends[0] < 10 else ends
            numbers.extend(span)
    return numbers


def _list_items(quote: str) -> list[str]:
    """The items of a quoted list (each with its wrapped lines), or [] for a plain sentence."""
    parts = [normalise_space(strip_bullet(p.strip())) for p in ITEM_START.split(quote)]
    parts = [p for p in parts if p]
    return parts if len(parts) > 1 else []


def _evidence(hit: Hit, sentences: SentenceIndex) -> str:
    """What a passage can support: its sentences that are not planted instructions, and its
    case, title and section (a sentence may say "In Case S")."""
    p = hit.passage
    units = [u.text for u in sentences.units(p) if not INSTRUCTION.search(u.text)]
    return " ".join([p.case, p.title, p.section, p.paragraph or "", *units])


def _coverage(claim: set[str], evidence: set[str]) -> float:
    return len(claim & evidence) / len(claim) if claim else 0.0


def _numbers(text: str) -> set[str]:
    """Numbers in digits or words ("four" is 4); "one" is left out, as it is too often not a
    number ("one of the concerns")."""
    found = {m.rstrip(".,:") for m in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found


def _removed(n: int, sentence: Sentence, reason: str) -> dict[str, Any]:
    return {"n": n, "sentence": sentence.claim, "reason": reason}
