"""The extractive answerer: the chosen sentences, grouped per case and in reading order,
each one cited with its exact quote."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from rag.answer.base import StreamEvent, abstention, add_notice, events_of
from rag.answer.citations import Chosen, cite
from rag.answer.extractive.choose import SentenceChooser, order_for_reading
from rag.answer.extractive.scoring import without_footnote_marks
from rag.answer.render import capitalised, render
from rag.embed import Embedder
from rag.query import Query
from rag.retrieve.sentences import SentenceIndex
from rag.settings import AnswerSettings
from rag.types import Answer, AnswerPart, Citation, Document, Hit, Passage

# A single-case answer with more citations than this reads better as a list.
_LIST_ABOVE = 2


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        sentences: SentenceIndex,
        embedder: Embedder,
        settings: AnswerSettings,
        passages: dict[str, Passage],
        documents: dict[str, Document],
    ):
        self.chooser = SentenceChooser(sentences, settings, passages)
        self.embedder = embedder
        self.documents = documents

    def answer(self, query: Query, hits: list[Hit]) -> Answer:
        draft = self.chooser.draft(query, self.topic_vector(query), hits)
        if draft.abstain:
            return abstention(query, draft.abstain, draft.reason, hits)
        return add_notice(self.compose(query, draft.chosen, hits), draft.notice)

    def stream(self, query: Query, hits: list[Hit]) -> Iterator[StreamEvent]:
        return events_of(self.answer(query, hits))

    def topic_vector(self, query: Query) -> np.ndarray:
        """The question without its case names, which route but do not describe the topic."""
        return self.embedder.embed_query(" ".join(query.topic_words) or query.text)

    def cite(self, n: int, chosen: Chosen) -> Citation:
        citation = cite(n, chosen, self.documents.get(chosen.hit.passage.doc_id))
        if chosen.features is not None:  # what made the scorer choose it
            citation.why = self.chooser.scorer.why(chosen.features)
        return citation

    def compose(self, query: Query, chosen: list[Chosen], hits: list[Hit]) -> Answer:
        """Parts per case (cases in retrieval order), each case in document order."""
        case_order = list(dict.fromkeys(h.passage.review for h in hits))
        groups = order_for_reading(chosen, case_order)
        grouped = query.cross_case or len(groups) > 1
        citations: list[Citation] = []
        parts: list[AnswerPart] = []
        for line, group in enumerate(groups):
            for pick in group:
                citations.append(self.cite(len(citations) + 1, pick))
                text = capitalised(without_footnote_marks(pick.unit.text))
                parts.append(AnswerPart(pick.hit.passage.review_name, text, (len(citations),), line=line))
        if not grouped and len(citations) > _LIST_ABOVE:
            parts = [replace(p, line=i, bullet=True) for i, p in enumerate(parts)]
        return Answer(
            question=query.question,
            answer=render(parts, grouped),
            abstained=False,
            generator=self.name,
            latency_ms=0.0,
            citations=citations,
            retrieved=hits,
            cases=query.case_names,
            parts=parts,
            grouped=grouped,
        )
