"""Generated answers: condense a follow-up, number the passages, ask the model, check every
citation, and fall back to the extractive answer when the model fails or nothing survives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from rag import prompts
from rag.answer.base import StreamEvent, add_notice, notice
from rag.answer.citations import Chosen
from rag.answer.evidence import EvidenceFinder
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generate.base import GenerationError, Generator, Message
from rag.answer.generate.check import Checked, CheckResult, CitationChecker
from rag.answer.render import render
from rag.query import Query
from rag.settings import Settings
from rag.text import normalise_space, strip_markers
from rag.types import Answer, AnswerPart, Citation, Hit

History = list[dict[str, str]]

HISTORY_TURNS = 6  # turns of conversation the condense prompt sees
HISTORY_CHARS = 500  # of each earlier answer


class GenerativeAnswerer:
    """Writes the answer with an LLM from the passages the extractive answer was made from,
    checks every citation, and falls back to the extractive answer."""

    def __init__(
        self, generator: Generator, fallback: ExtractiveAnswerer, evidence: EvidenceFinder, settings: Settings
    ):
        self.generator = generator
        self.name = generator.name
        self.fallback = fallback
        self.evidence = evidence
        self.settings = settings.generate
        self.max_sentences = settings.answer.max_sentences
        self.checker = CitationChecker(
            fallback.chooser.sentences,
            fallback.embedder,
            self.settings.check_min_overlap,
            self.settings.check_min_cosine,
        )

    def answer(self, query: Query, hits: list[Hit]) -> Answer:
        """The checked generated answer, or the extractive one with a note when that is not possible."""
        extractive = self.fallback.answer(query, hits)
        if not extractive.retrieved:
            return extractive
        try:
            question, hits = self._evidence(query, extractive)
            draft = self.generator.chat(self.messages(question, self._shown(hits)))
        except GenerationError as exc:
            return self._failed(extractive, exc)
        return self._checked(query, extractive, hits, draft)

    def stream(self, query: Query, hits: list[Hit]) -> Iterator[StreamEvent]:
        """The model's text as it writes ("delta" events), then the checked answer ("done")."""
        extractive = self.fallback.answer(query, hits)
        if not extractive.retrieved:
            yield {"event": "delta", "text": extractive.answer}
            yield {"event": "done", "answer": extractive}
            return
        pieces: list[str] = []
        try:
            question, hits = self._evidence(query, extractive)
            for piece in self.generator.stream(self.messages(question, self._shown(hits))):
                pieces.append(piece)
                yield {"event": "delta", "text": piece}
        except GenerationError as exc:
            answer = self._failed(extractive, exc)
            if not pieces:
                yield {"event": "delta", "text": answer.answer}
            yield {"event": "done", "answer": answer}
            return
        yield {"event": "done", "answer": self._checked(query, extractive, hits, "".join(pieces))}

    # --- the prompt -------------------------------------------------------------------------

    def messages(self, question: str, hits: list[Hit]) -> list[Message]:
        passages = "\n\n".join(_passage_block(n, hit) for n, hit in enumerate(hits, 1))
        return [
            {"role": "system", "content": prompts.GENERATE_SYSTEM.format(max_sentences=self.max_sentences)},
            {"role": "user", "content": prompts.GENERATE_USER.format(passages=passages, question=question)},
        ]

    def _evidence(self, query: Query, extractive: Answer) -> tuple[str, list[Hit]]:
        """The question the model answers and the retrieved passages. A follow-up is first
        rewritten to stand alone (one call to the model) and the passages retrieved again for it."""
        if not query.history:
            return query.question, extractive.retrieved
        question = self.condense(query.question, query.history)
        hits = self.evidence.find(replace(query, text=question)) if question != query.question else []
        return question, hits or extractive.retrieved

    def _shown(self, hits: list[Hit]) -> list[Hit]:
        """The passages the model sees, numbered from 1 in this order."""
        return hits[: self.settings.passages]

    def condense(self, question: str, turns: History) -> str:
        """The follow-up `question` rewritten by the model to stand on its own."""
        history = "\n".join(
            f"{'User' if t['role'] == 'user' else 'Assistant'}: {_brief(t['content'])}"
            for t in turns[-HISTORY_TURNS:]
        )
        reply = self.generator.chat(
            [
                {"role": "system", "content": prompts.CONDENSE_SYSTEM},
                {"role": "user", "content": prompts.CONDENSE_USER.format(history=history, question=question)},
            ]
        )
        return _standalone(reply) or question

    # --- the checked answer -----------------------------------------------------------------

    def _checked(self, query: Query, extractive: Answer, hits: list[Hit], draft: str) -> Answer:
        result = self.checker.check(draft, self._shown(hits))
        report = _report(result, draft)
        if result.kept:
            parts, citations = self._compose(result.kept)
            return Answer(
                question=query.question,
                answer=render(parts, grouped=False),
                parts=parts,
                abstained=False,
                generator=self.generator.name,
                latency_ms=0.0,
                citations=citations,
                retrieved=hits,
                cases=query.case_names,
                check=report,
            )
        if result.said_abstain:
            return Answer(
                question=query.question,
                answer=prompts.ABSTAIN,
                parts=[notice(prompts.ABSTAIN)],
                abstained=True,
                generator=self.generator.name,
                latency_ms=0.0,
                retrieved=hits,
                reason="the model found no answer in the passages",
                cases=query.case_names,
                related=hits[:3],
                check=report,
            )
        return self._fallback(extractive, "no supported sentence", prompts.LLM_UNSUPPORTED, None, report)

    def _compose(self, kept: list[Checked]) -> tuple[list[AnswerPart], list[Citation]]:
        """The kept sentences, line by line as the model wrote them, each with its citations
        renumbered in reading order; one citation per distinct quoted sentence."""
        numbers: dict[tuple[str, int], int] = {}
        citations: list[Citation] = []
        parts: list[AnswerPart] = []
        for checked in kept:
            cited = []
            for support in checked.supports:
                key = (support.hit.passage.id, support.unit.start)
                if key not in numbers:
                    numbers[key] = len(numbers) + 1
                    chosen = Chosen(support.hit, support.unit, support.cosine)
                    citations.append(self.fallback.cite(numbers[key], chosen))
                cited.append(numbers[key])
            sentence = checked.sentence
            review = checked.supports[0].hit.passage.review_name if checked.supports else ""
            numbers_cited = tuple(dict.fromkeys(cited))
            parts.append(AnswerPart(review, sentence.claim, numbers_cited, sentence.line, sentence.bullet))
        return _in_line_order(parts), citations

    def _failed(self, extractive: Answer, error: GenerationError) -> Answer:
        return self._fallback(extractive, error.kind.replace("_", " "), error.notice, str(error))

    def _fallback(
        self, extractive: Answer, why: str, notice_text: str, error: str | None, report: dict | None = None
    ) -> Answer:
        """The extractive answer with one sentence saying why it is not a generated one; an
        abstention keeps its sentinel sentence first."""
        noticed = add_notice(extractive, notice_text, first=not extractive.abstained)
        check = {**(report or _report(None, None)), "fell_back": True, "error": error}
        return replace(noticed, generator=f"extractive (fallback: {why})", check=check)


def _in_line_order(parts: list[AnswerPart]) -> list[AnswerPart]:
    """Parts with the statements of each line together, lines in the order they first appear."""
    order = list(dict.fromkeys(p.line for p in parts))
    return [p for line in order for p in parts if p.line == line]


def _report(result: CheckResult | None, draft: str | None) -> dict[str, Any]:
    return {
        "removed_sentences": result.removed_sentences if result else [],
        "removed_citations": result.removed_citations if result else [],
        "fell_back": False,
        "error": None,
        "draft": draft,  # the model's own text, before the check
    }


def _passage_block(n: int, hit: Hit) -> str:
    p = hit.passage
    where = [p.section]
    if p.paragraph:
        where.append(f"paragraph {p.paragraph}")
    if p.page is not None:
        where.append(f"page {p.page}")
    return prompts.GENERATE_PASSAGE.format(
        n=n, case=p.review_name, title=p.title, where=", ".join(w for w in where if w), text=p.text.strip()
    )


def _brief(text: str) -> str:
    text = normalise_space(strip_markers(text))
    return text if len(text) <= HISTORY_CHARS else text[:HISTORY_CHARS].rsplit(" ", 1)[0] + " ..."


def _standalone(reply: str) -> str:
    """The rewritten question from the model's reply, or "" when it did not give one."""
    reply = re.sub(r"<think>.*?(?:</think>|$)", "", reply, flags=re.S | re.I)
    lines = [line.strip() for line in reply.splitlines() if line.strip()]
    if not lines:
        return ""
    line = re.sub(r"^(?:standalone|rewritten)?\s*question\s*:\s*", "", lines[0], flags=re.I)
    line = line.strip().strip("\"'“”").strip()
    return line if 0 < len(line) <= 400 else ""
