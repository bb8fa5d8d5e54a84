"""Choosing the sentences to quote: score every sentence of the top passages, then pick
by maximal marginal relevance within the sentence and word budgets, per case for questions
across reviews; or decide that the evidence does not answer the question.

Sentence choice is the hard half of answering from these reviews. A sentence scores by
its similarity to the question *without the case name* (the name routes, it does not
describe the topic), the topic words it contains, words typical of what is asked (a
failure, a recommendation, a lesson, a date) and the rank of its passage.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from rag import prompts
from rag.answer.citations import Chosen
from rag.answer.extractive.checks import asks_why, restates_question, unsupported_judgement
from rag.answer.extractive.features import INDEX, Candidate, passage_features, with_gaps
from rag.answer.extractive.model import get_scorer
from rag.answer.extractive.scoring import (
    CUES,
    SECTION_REF,
    counts_topic,
    has_number,
    holds_detail,
    never_an_answer,
)
from rag.asks import ROLE_PATTERNS
from rag.query import Query
from rag.retrieve.sentences import SentenceIndex
from rag.settings import AnswerSettings
from rag.text import match_stems
from rag.types import Hit, Passage

Candidates = list[Candidate] | None


@dataclass
class Draft:
    """What the answerer decided, before it is turned into an `Answer`."""

    chosen: list[Chosen]
    abstain: str | None = None  # the wording to show instead, when abstaining
    reason: str = ""
    notice: str = ""  # a line to say before the answer ("no passage says ..., as the question assumes")


class SentenceChooser:
    """Decides which sentences of the retrieved passages answer a question."""

    def __init__(self, sentences: SentenceIndex, settings: AnswerSettings, passages: dict[str, Passage]):
        self.sentences = sentences
        self.settings = settings
        self.passages = passages
        self.scorer = get_scorer(settings)
        self._vocabulary: set[str] | None = None

    def draft(
        self,
        query: Query,
        topic_vector: np.ndarray,
        hits: list[Hit],
        candidates: list[Candidate] | None = None,
    ) -> Draft:
        """Choose the sentences to quote, or say why not. `candidates`: the sentences of these
        hits with their features, when already known (fitting replays choice many times)."""
        top = hits[: self.settings.passages if not query.cross_case else len(hits)]
        scored = self._score_units(query, topic_vector, top, candidates)
        if not scored:
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, "no passages")
        best = max(c.score for c in scored)
        if best < self.scorer.abstain_below:
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, f"weak evidence (best {best:.2f})")
        if self._off_topic(query, topic_vector, scored):
            return Draft([], prompts.ABSTAIN_WEAK_EVIDENCE, "off topic: words not in the reviews")
        named = set(query.cases) if query.case_source == "question" else set()
        if query.cross_case:
            chosen = self._select_cross_case(scored, best, named)
        elif query.parts:
            chosen, missing = self._select_each_part(query, topic_vector, top)
            if missing:
                return self._missing(missing)
        else:
            chosen = self._select(scored)
        missing = self._missing_detail(query, scored, chosen)
        if missing:
            return self._missing(missing)
        return self._checked(query, chosen)

    @staticmethod
    def _checked(query: Query, chosen: list[Chosen]) -> Draft:
        """The chosen sentences, unless they only repeat the question or do not make the
        judgement it takes for granted (rag.answer.extractive.checks)."""
        texts = [c.unit.text for c in chosen]
        if not query.cross_case and restates_question(query.question, texts):
            return Draft([], prompts.ABSTAIN_RESTATED, "sentences only restate the question")
        judgement = unsupported_judgement(query.question, texts)
        if not judgement:
            return Draft(chosen)
        # "Why did the review blame ..." has no answer when it did not; "it blamed X, didn't it?"
        # has one: no, and what the review does say.
        premise = prompts.PREMISE_NOT_FOUND.format(what=prompts.JUDGEMENT_NAMES[judgement])
        if asks_why(query.question):
            return Draft([], f"{prompts.ABSTAIN} {premise}", f"premise not found: {judgement}")
        return Draft(chosen, notice=f"{premise} What the passages do say:")

    @staticmethod
    def _missing(detail: str) -> Draft:
        what = prompts.DETAIL_NAMES.get(detail, detail)
        return Draft([], prompts.ABSTAIN_MISSING_DETAIL.format(what=what), f"missing detail: {detail}")

    def _off_topic(self, query: Query, topic_vector: np.ndarray, scored: list[Chosen]) -> bool:
        """Most of the question's topic words never occur in the collection and no sentence is
        close in meaning: a question about something the reviews do not cover ("climate
        change", "knife crime"), however well its other words match."""
        # Shorthand is known by definition: the glossary read it with its long forms. Words the
        # glossary added count when the collection has them, but are never unknown: "recs",
        # added for "recommendations", is not a word the question used.
        shorthand = {word for form in query.shorthand for word in form.split()}
        topic = match_stems(" ".join(w for w in query.topic_words if w not in shorthand))
        known_words = topic & self.vocabulary()
        unknown = (topic - known_words) & match_stems(query.question)
        if not known_words | unknown:
            return False
        known = len(known_words) / len(known_words | unknown)
        if query.case_source == "question" and len(unknown) < 2:
            return False  # it names a review of the collection; one stray word ("fed into") is no topic
        closest = max(float(c.unit.vector @ topic_vector) for c in scored)
        return known < self.settings.known_words_below and closest < self.settings.off_topic_cosine

    def vocabulary(self) -> set[str]:
        """Word stems of the whole collection (built once)."""
        if self._vocabulary is None:
            words: set[str] = set()
            for passage in self.passages.values():
                words |= match_stems(f"{passage.section} {passage.text}")
            self._vocabulary = words
        return self._vocabulary

    # --- scoring ---------------------------------------------------------------------

    def _score_units(
        self,
        query: Query,
        topic_vector: np.ndarray,
        hits: list[Hit],
        candidates: list[Candidate] | None = None,
    ) -> list[Chosen]:
        if candidates is None:
            candidates = self.candidates(query, topic_vector, hits)
        if not candidates:
            return []
        rows = np.vstack([c.features for c in candidates])
        scores = self.scorer.score(rows)
        return [Chosen(c.hit, c.unit, float(v), c.features) for c, v in zip(candidates, scores, strict=True)]

    def candidates(self, query: Query, topic_vector: np.ndarray, hits: list[Hit]) -> list[Candidate]:
        """Every sentence of the passages that may be quoted, with its features."""
        self.sentences.prepare([h.passage for h in hits])
        topic = match_stems(" ".join(query.topic_words))
        intents = (query.intent, *(part.intent for part in query.parts))
        cues = [CUES[i] for i in intents if i in CUES]
        out: list[Candidate] = []
        for rank, hit in enumerate(hits):
            units = [u for u in self.sentences.units(hit.passage) if not never_an_answer(u, hit.passage)]
            rows = passage_features(intents, topic, topic_vector, rank, hit, units)
            for unit, row in zip(units, rows, strict=True):
                row[INDEX["cue"]] = 1.0 if any(cue.search(unit.text) for cue in cues) else 0.0
                out.append(Candidate(hit, unit, row))
        with_gaps([c.features for c in out])
        return out

    # --- selection ---------------------------------------------------------------------

    def _select(self, scored: list[Chosen], limit: int | None = None) -> list[Chosen]:
        """Maximal marginal relevance within the sentence and word budgets; a sentence right
        after a chosen one ("This view was not challenged") gets a small bonus, since the
        reviews often make one point over two sentences."""
        s = self.settings
        limit = limit or self.scorer.max_sentences
        pool = sorted(scored, key=lambda c: -c.score)[:60]
        chosen: list[Chosen] = []
        words = 0
        while pool and len(chosen) < limit:
            picked = self._next(pool, chosen)
            if picked is None:
                break
            cand, value = pool.pop(picked[0]), picked[1]
            if chosen and value < self.scorer.relative_floor * chosen[0].score:
                break
            if chosen and words + cand.unit.words > s.max_words:
                continue  # too long for what is left of the budget; a shorter one may fit
            chosen.append(cand)
            words += cand.unit.words
        return chosen

    def _select_each_part(
        self, query: Query, topic_vector: np.ndarray, hits: list[Hit]
    ) -> tuple[list[Chosen], str | None]:
        """For a question that asks two things ("what happened ... and what was the learning"):
        the best sentences for each thing, scored as if it were asked alone, sharing the
        sentence budget; a sentence two parts both choose is quoted once. A part asking for a
        detail ("... and what date was the ICPC?") needs that detail among its own sentences:
        the other part's evidence cannot stand in for it. Returns the detail missing, if any."""
        share = max(2, self.scorer.max_sentences // len(query.parts))
        chosen: list[Chosen] = []
        seen: set[tuple[str, int]] = set()
        for part in query.parts:
            alone = replace(
                query,
                intent=part.intent,
                topic_words=list(part.topic_words),
                parts=[],
                expects=part.expects,
                detail_holder=part.detail_holder,
            )
            scored = self._score_units(alone, topic_vector, hits)
            picked = self._select(scored, share)
            missing = self._missing_detail(alone, scored, picked) if scored else None
            if missing:
                return [], missing
            for c in picked:
                if c.key not in seen:
                    seen.add(c.key)
                    chosen.append(c)
        return chosen, None

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

    def _select_cross_case(self, scored: list[Chosen], best: float, named: set[str]) -> list[Chosen]:
        """The best sentences of each review, for the reviews whose best sentence is close to
        the best of all; a review the question names itself needs only clear evidence."""
        by_case: dict[str, list[Chosen]] = defaultdict(list)
        for c in scored:
            by_case[c.hit.passage.review].append(c)
        floor = max(self.scorer.abstain_below, self.settings.case_floor * best)
        ranked = sorted(by_case.items(), key=lambda item: -max(u.score for u in item[1]))
        chosen: list[Chosen] = []
        for review, units in ranked[: max(self.settings.max_cases, len(named))]:
            needed = self.scorer.abstain_below if review in named else floor
            if max(u.score for u in units) >= needed:
                chosen.extend(self._select(units, self.settings.per_case_sentences))
        return chosen

    def _missing_detail(self, query: Query, scored: list[Chosen], chosen: list[Chosen]) -> str | None:
        """The kind of detail the question asks for (an age, a sentence length...) must be in
        the quoted evidence; questions asking for a plausible detail the review never gives
        score as high as real ones, so similarity alone cannot catch them."""
        ref = SECTION_REF.search(query.question)
        if ref and not any(has_number(c.hit.passage, ref.group(1)) for c in scored):
            return f"section {ref.group(1)}"
        if query.expects is None:
            return None
        holder = ROLE_PATTERNS.get(query.detail_holder or "")
        # The detail must sit in a sentence about the question's topic, not anywhere at all.
        floor = self.scorer.relative_floor * max(c.score for c in scored)
        # "Fourteen recommendations" answers "how many recommendations" wherever it ranks.
        counted = query.expects == "number"
        topic = match_stems(" ".join(query.topic_words))  # once, not per sentence
        with_detail = [
            c
            for c in scored
            if (c.score >= floor or (counted and counts_topic(c.unit.text, topic)))
            and holds_detail(query.expects, c.unit.text, holder, query.question)
            and said_of_topic(query.expects, topic, c.unit.text)
        ]
        if not with_detail:
            return query.expects
        best = max(with_detail, key=lambda c: c.score)
        if best.key not in {c.key for c in chosen}:
            chosen.insert(0, best)
        return None


# Kinds of detail that are said of an event or a thing, and the question words that only ask
# for them ("what date", "how many times").
_SAID_OF_THE_TOPIC = frozenset({"when", "day", "duration", "number", "amount", "named"})
_DETAIL_STEMS = match_stems("date dates day days exact when long time times many much number numbers old age")


def said_of_topic(expects: str, topic: set[str], text: str) -> bool:
    """A date or a count belongs to an event: the sentence giving it must name what the
    question asks about ("what date was the ICPC"; `topic`: the stems of its topic words), not
    just any event of the review. Other details (an age, a name) need no such word."""
    if expects not in _SAID_OF_THE_TOPIC:
        return True
    topic = topic - _DETAIL_STEMS
    return not topic or bool(topic & match_stems(text))


def order_for_reading(chosen: list[Chosen], case_order: list[str]) -> list[list[Chosen]]:
    """Group per case (cases in `case_order`), each group in document order."""
    groups: dict[str, list[Chosen]] = defaultdict(list)
    for c in chosen:
        groups[c.hit.passage.review].append(c)
    ordered = [case for case in case_order if case in groups]
    ordered += [case for case in groups if case not in ordered]
    return [
        sorted(groups[case], key=lambda c: (c.hit.passage.doc_id, c.hit.passage.start, c.unit.start))
        for case in ordered
    ]


def _follows(candidate: Chosen, chosen: Chosen) -> bool:
    """Whether `candidate` is the sentence right after `chosen` in the same passage."""
    if candidate.hit.passage.id != chosen.hit.passage.id:
        return False
    gap = candidate.hit.passage.text[chosen.unit.end : candidate.unit.start]
    return 0 <= candidate.unit.start - chosen.unit.end <= 3 and not gap.strip()
