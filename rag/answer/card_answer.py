"""An answer made from review cards rather than chosen sentences: the product's own lines
(`say`) and claims, each cited with the card's exact quotes (`claim`)."""

from __future__ import annotations

from rag.answer.base import notice
from rag.answer.render import render
from rag.insights import Quote, ReviewCard
from rag.query import Query
from rag.types import Answer, AnswerPart, Citation, Document, Hit, Passage


class CardAnswerBuilder:
    """Parts and citations of an answer made from cards."""

    def __init__(self, documents: dict[str, Document], passages: dict[str, Passage]):
        self.documents = documents
        self.passages = passages
        self.parts: list[AnswerPart] = []
        self.citations: list[Citation] = []

    def say(self, text: str) -> None:
        self.parts.append(notice(text, len(self.parts)))

    def claim(self, card: ReviewCard, text: str, quotes: list[Quote], bullet: bool = False) -> None:
        numbers = tuple(self._cite(card, q) for q in quotes)
        self.parts.append(AnswerPart(card.name, text, numbers, line=len(self.parts), bullet=bullet))

    def _cite(self, card: ReviewCard, quote: Quote) -> int:
        document = self.documents.get(quote.doc_id)
        n = len(self.citations) + 1
        self.citations.append(
            Citation(
                n=n, doc_id=quote.doc_id, title=document.title if document else "", case=card.name,
                page=quote.page, section=quote.section, paragraph=quote.paragraph, quote=quote.text,
                text=quote.text, start=quote.start, end=quote.end, score=1.0, passage_id=quote.passage_id,
                page_end=quote.page_end, review=card.review,
            )
        )  # fmt: skip
        return n

    def _cited_passages(self) -> list[Hit]:
        """The passages the answer quotes, in order: what it was drawn from."""
        ids = dict.fromkeys(c.passage_id for c in self.citations if c.passage_id in self.passages)
        return [Hit(self.passages[pid], 1.0) for pid in ids]

    def answer(self, query: Query, reason: str, grouped: bool = False, abstained: bool = False) -> Answer:
        return Answer(
            question=query.question,
            answer=render(self.parts, grouped),
            abstained=abstained,
            generator="cards",
            latency_ms=0.0,
            citations=self.citations,
            retrieved=self._cited_passages(),
            reason=reason,
            cases=sorted({c.case for c in self.citations}) or query.case_names,
            parts=self.parts,
            grouped=grouped,
        )
