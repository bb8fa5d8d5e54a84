"""The extractive answerer: the best sentences of the top passages, each one cited.

Sentence choice is the hard half of answering from these reviews. A sentence scores by
its similarity to the question *without the case name* (the name routes, it does not
describe the topic), the topic words it contains, words typical of what is asked (a
failure, a recommendation, a lesson, a date) and the rank of its passage. Near-duplicates
are skipped, lists stay with their lead-in, cross-case answers are grouped per case and
each case reads in document order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from rag import prompts
from rag.query import Query
from rag.rerank import stem_set
from rag.retrieve.sentences import SentenceIndex, Unit
from rag.settings import AnswerSettings
from rag.types import Hit, Passage

_CUES: dict[str, re.Pattern[str]] = {
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
_DETAILS: dict[str, re.Pattern[str]] = {
    "age": re.compile(
        r"\b\d+[- ](?:year|month|week|day)s?[- ]old\b|\baged? \d+|"
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten)[- ](?:year|month|week)s?[- ]old\b",
        re.I,
    ),
    "date": re.compile(
        r"\bborn\b.*\b(?:\d{1,2}(?:st|nd|rd|th)? )?(?:january|february|march|april|may|june|"
        r"july|august|september|october|november|december)\b",
        re.I,
    ),
    "sentence": re.compile(
        r"\b(?:\d+|[a-z]+-[a-z]+|one|two|three|four|five|six|seven|eight|nine|ten|"
        r"twelve|eighteen|twenty)\s+(?:months?|years?)\b.*\b(?:jail|prison|custody|"
        r"parole|sentence)|\b(?:jail|prison|custody|sentenced to)\b.*\b\d+\s+(?:months?|years?)",
        re.I,
    ),
    "outcome": re.compile(r"\b(?:convicted|charged|acquitted|found guilty|pleaded|cautioned)\b", re.I),
    "condition": re.compile(r"\bdiagnosed with\b|\bsyndrome\b|\bdisorder\b|\bdisease\b", re.I),
    "name": re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.? [A-Z][a-z]+\b"),
}
_URL = re.compile(r"https?://\S+|www\.\S+")
_SECTION_REF = re.compile(r"\b(?:section|paragraph|para)\s+(\d+(?:\.\d+)*)", re.I)


@dataclass
class Chosen:
    hit: Hit
    unit: Unit
    score: float


@dataclass
class Draft:
    """What the answerer decided, before it is turned into an `Answer`."""

    chosen: list[Chosen]
    abstain: str | None = None  # the wording to show instead, when abstaining
    reason: str = ""


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, sentences: SentenceIndex, settings: AnswerSettings, passages: dict[str, Passage]):
        self.sentences = sentences
        self.settings = settings
        self.passages = passages
        self._vocabulary: set[str] | None = None

    def draft(self, query: Query, topic_vector: np.ndarray, hits: list[Hit]) -> Draft:
        """Choose the sentences to quote, or say why not."""
        top = hits[: self.settings.passages if not query.cross_case else len(hits)]
        scored = self._score_units(query, topic_vector, top)
        if not scored:
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, "no passages")
        best = max(c.score for c in scored)
        if best < self.settings.abstain_below:
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, f"weak evidence (best {best:.2f})")
        if self._off_topic(query, topic_vector, scored):
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, "off topic: words not in the reviews")
        chosen = self._select_cross_case(scored, best) if query.cross_case else self._select(scored)
        missing = self._missing_detail(query, scored, chosen)
        if missing:
            what = prompts.DETAIL_NAMES.get(missing, missing)
            return Draft([], prompts.ABSTAIN_MISSING_DETAIL.format(what=what), f"missing detail: {missing}")
        return Draft(chosen)

    def _off_topic(self, query: Query, topic_vector: np.ndarray, scored: list[Chosen]) -> bool:
        """Most of the question's topic words never occur in the collection and no sentence is
        close in meaning: a question about something the reviews do not cover ("climate
        change", "knife crime"), however well its other words match."""
        topic = stem_set(" ".join(query.topic_words))
        if not topic:
            return False
        known = len(topic & self.vocabulary()) / len(topic)
        closest = max(float(c.unit.vector @ topic_vector) for c in scored)
        return known < self.settings.known_words_below and closest < self.settings.off_topic_cosine

    def vocabulary(self) -> set[str]:
        """Word stems of the whole collection (built once)."""
        if self._vocabulary is None:
            words: set[str] = set()
            for passage in self.passages.values():
                words |= stem_set(f"{passage.section} {passage.text}")
            self._vocabulary = words
        return self._vocabulary

    # --- scoring ---------------------------------------------------------------------

    def _score_units(self, query: Query, topic_vector: np.ndarray, hits: list[Hit]) -> list[Chosen]:
        self.sentences.prepare([h.passage for h in hits])
        topic = stem_set(" ".join(query.topic_words))
        cue = _CUES.get(query.intent)
        s = self.settings
        out = []
        for rank, hit in enumerate(hits):
            prior = 1.0 / (1.0 + rank / 3.0)
            # A heading says what every sentence under it is about ("4. Childminder's
            # consultation with MASH"), even those that do not repeat its words.
            heading = _coverage(topic, hit.passage.section) * s.heading_share
            for unit in self.sentences.units(hit.passage):
                dense = float(unit.vector @ topic_vector)
                lexical = max(_coverage(topic, unit.text), heading)
                cue_hit = 1.0 if cue is not None and cue.search(unit.text) else 0.0
                fit = _section_fit(query.intent, hit.passage.section)
                score = (
                    s.dense_weight * dense
                    + s.lexical_weight * lexical
                    + s.cue_weight * cue_hit
                    + s.passage_weight * prior
                    + s.section_weight * fit
                )
                out.append(Chosen(hit, unit, score * _shape_penalty(unit)))
        return out

    # --- selection ---------------------------------------------------------------------

    def _select(self, scored: list[Chosen], limit: int | None = None) -> list[Chosen]:
        """Maximal marginal relevance within the sentence and word budgets; a sentence right
        after a chosen one ("This view was not challenged") gets a small bonus, since the
        reviews often make one point over two sentences."""
        s = self.settings
        limit = limit or s.max_sentences
        pool = sorted(scored, key=lambda c: -c.score)[:60]
        chosen: list[Chosen] = []
        words = 0
        while pool and len(chosen) < limit:
            picked = self._next(pool, chosen)
            if picked is None:
                break
            cand, value = pool.pop(picked[0]), picked[1]
            if chosen and value < s.relative_floor * chosen[0].score:
                break
            if chosen and words + cand.unit.words > s.max_words:
                continue  # too long for what is left of the budget; a shorter one may fit
            chosen.append(cand)
            words += cand.unit.words
        return chosen

    def _next(self, pool: list[Chosen], chosen: list[Chosen]) -> tuple[int, float] | None:
        s = self.settings
        best: tuple[int, float] | None = None
        for i, cand in enumerate(pool):
            similarity = max((float(cand.unit.vector @ c.unit.vector) for c in chosen), default=0.0)
            if similarity >= s.duplicate_cosine:
                continue
            value = cand.score - s.diversity * max(0.0, similarity - 0.5)
            if any(_follows(cand, c) for c in chosen):
                value += s.neighbour_bonus
            if best is None or value > best[1]:
                best = (i, value)
        return best

    def _select_cross_case(self, scored: list[Chosen], best: float) -> list[Chosen]:
        by_case: dict[str, list[Chosen]] = defaultdict(list)
        for c in scored:
            by_case[c.hit.passage.case].append(c)
        floor = max(self.settings.abstain_below, self.settings.case_floor * best)
        ranked = sorted(by_case.values(), key=lambda units: -max(u.score for u in units))
        chosen: list[Chosen] = []
        for units in ranked[: self.settings.max_cases]:
            if max(u.score for u in units) >= floor:
                chosen.extend(self._select(units, self.settings.per_case_sentences))
        return chosen

    def _missing_detail(self, query: Query, scored: list[Chosen], chosen: list[Chosen]) -> str | None:
        """The kind of detail the question asks for (an age, a sentence length...) must be in
        the quoted evidence; questions asking for a plausible detail the review never gives
        score as high as real ones, so similarity alone cannot catch them."""
        ref = _SECTION_REF.search(query.question)
        if ref and not any(_has_number(c.hit.passage, ref.group(1)) for c in scored):
            return f"section {ref.group(1)}"
        if query.expects is None:
            return None
        pattern = _DETAILS[query.expects]
        # The detail must sit in a sentence about the question's topic, not anywhere at all.
        floor = self.settings.relative_floor * max(c.score for c in scored)
        with_detail = [c for c in scored if pattern.search(c.unit.text) and c.score >= floor]
        if not with_detail:
            return query.expects
        best = max(with_detail, key=lambda c: c.score)
        if best not in chosen:
            chosen.insert(0, best)
        return None


def order_for_reading(chosen: list[Chosen], case_order: list[str]) -> list[list[Chosen]]:
    """Group per case (cases in `case_order`), each group in document order."""
    groups: dict[str, list[Chosen]] = defaultdict(list)
    for c in chosen:
        groups[c.hit.passage.case].append(c)
    ordered = [case for case in case_order if case in groups]
    ordered += [case for case in groups if case not in ordered]
    return [
        sorted(groups[case], key=lambda c: (c.hit.passage.doc_id, c.hit.passage.start, c.unit.start))
        for case in ordered
    ]


def _shape_penalty(unit: Unit) -> float:
    """Fragments (titles, verbless slide lines of a few words) are poor answers on their own."""
    ends_sentence = unit.text.rstrip().endswith((".", "?", "!", '"', "”", "’", ")"))
    if _URL.search(unit.text) and len(_URL.sub("", unit.text).split()) < 5:
        return 0.1  # a list of links
    if _is_agenda(unit.quote):
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


def _is_agenda(quote: str) -> bool:
    """A lead-in followed by a list of short topic names ("The SCR Panel focused on: Cross
    border working; consultation and referral processes; ...") names topics, it does not
    say anything about them."""
    lines = [line.strip() for line in quote.split("\n") if line.strip()]
    items = lines[1:]
    if len(items) < 2 or not lines[0].endswith((":", "–", "-")):
        return False
    return all(len(item.split()) <= 14 and not item.endswith(".") for item in items)


# Sections that usually hold what each kind of question asks for (slide and heading titles).
_SECTION_FITS = {
    "recommendation": re.compile(r"recommend|response|action", re.I),
    "what_went_wrong": re.compile(
        r"analysis|appraisal|issues|lessons|learning|summary|findings|"
        r"history|conclusion|complicating",
        re.I,
    ),
    "learning": re.compile(r"learning|lesson|issues|conclusion|practice", re.I),
    "timeline": re.compile(r"history|chronolog|case|background|story|summary", re.I),
}


def _section_fit(intent: str, section: str) -> float:
    """+1 when the passage's section suits the question, -1 when it is a recommendations
    section answering a question that is not about recommendations."""
    fits = _SECTION_FITS.get(intent)
    if fits is not None and fits.search(section):
        return 1.0
    if intent != "recommendation" and _SECTION_FITS["recommendation"].search(section):
        return -1.0
    return 0.0


def _coverage(topic: set[str], text: str) -> float:
    return len(topic & stem_set(text)) / len(topic) if topic else 0.0


def _follows(candidate: Chosen, chosen: Chosen) -> bool:
    """Whether `candidate` is the sentence right after `chosen` in the same passage."""
    if candidate.hit.passage.id != chosen.hit.passage.id:
        return False
    gap = candidate.hit.passage.text[chosen.unit.end : candidate.unit.start]
    return 0 <= candidate.unit.start - chosen.unit.end <= 3 and not gap.strip()


def _has_number(passage, number: str) -> bool:
    return bool(
        (passage.paragraph and passage.paragraph.startswith(number))
        or re.search(rf"(^|> ){re.escape(number)}\b", passage.section)
    )
