"""The answering pipeline, loaded once: question -> route -> retrieve -> rerank -> answer.

`Engine.answer` is what the CLI, the chat UI, the REST API and the evaluation all call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from rag import prompts, store
from rag.answer.extractive import Chosen, Draft, ExtractiveAnswerer, order_for_reading
from rag.answer.generate import load_generative
from rag.embed import Embedder, get_embedder
from rag.query import Query, analyse
from rag.rerank import get_reranker
from rag.retrieve import HybridRetriever, SearchIndex
from rag.retrieve.sentences import SentenceIndex
from rag.settings import Settings, load_settings
from rag.types import Answer, Citation, Hit

History = list[dict[str, str]]


class Engine:
    def __init__(self, settings: Settings, search: SearchIndex, warm_up: bool = True):
        self.settings = settings
        self.search = search
        self.directory = search.case_directory()
        self.sentences = SentenceIndex(search.embedder)
        self.reranker = get_reranker(settings.rerank, self.sentences)
        self.answerer = ExtractiveAnswerer(self.sentences, settings.answer, search.passages)
        # None for the default extractive answers; a generative answerer when an LLM is set.
        self.generative = load_generative(settings, self)
        if warm_up and len(search.passages) <= settings.answer.warm_up_passages:
            # Embed every sentence in the background so later questions need not; a question
            # asked meanwhile embeds just the sentences of the passages it retrieved.
            threading.Thread(target=self._warm_up, name="sentence-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        passages = list(self.search.passages.values())
        for start in range(0, len(passages), 64):
            self.sentences.prepare(passages[start : start + 64])

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, warm_up: bool = True) -> Engine:
        generation = store.open_current(settings)
        search = SearchIndex.load(generation, embedder or get_embedder(settings.embed))
        return cls(settings, search, warm_up=warm_up)

    def as_query_engine(self) -> Any:
        """This pipeline as a llama-index query engine (for code built on llama-index)."""
        from rag.answer.llama import as_query_engine

        return as_query_engine(self)

    @property
    def cases(self) -> list[str]:
        return list(self.directory.labels)

    # --- the pipeline -------------------------------------------------------------------

    def answer(self, question: str, history: History | None = None, case: str | None = None) -> Answer:
        started = time.perf_counter()
        question = (question or "").strip()
        if not question:
            raise ValueError("question is empty: type a question about the reviews")
        turns = _turns(history)
        query = analyse(question, self.directory, turns, self._known_case(case))
        answer = self._early_exit(query)
        if answer is None:
            answer = self._answer_from_evidence(query)
            if self.generative is not None:
                # Retrieval and the extractive answer are done once: the generator writes from
                # the same passages and falls back to this answer if its citations fail the check.
                answer = self.generative.answer(query, answer, turns)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def stream(
        self, question: str, history: History | None = None, case: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Events for a chat UI: {"event": "delta", "text"}..., then {"event": "done", "answer"}.
        With a generator configured, deltas arrive as the model writes; the final Answer is
        the checked one (and may differ from the streamed draft, which the UI then replaces)."""
        if self.generative is None:
            answer = self.answer(question, history, case)
            for line in answer.answer.splitlines(keepends=True):
                yield {"event": "delta", "text": line}
            yield {"event": "done", "answer": answer}
            return
        started = time.perf_counter()
        turns = _turns(history)
        query = analyse((question or "").strip(), self.directory, turns, self._known_case(case))
        early = self._early_exit(query) if query.question else None
        if not query.question:
            raise ValueError("question is empty: type a question about the reviews")
        if early is not None:
            early.latency_ms = (time.perf_counter() - started) * 1000
            yield {"event": "delta", "text": early.answer}
            yield {"event": "done", "answer": early}
            return
        extractive = self._answer_from_evidence(query)
        for event in self.generative.stream(query, extractive, turns):
            if event["event"] == "done":
                event["answer"].latency_ms = (time.perf_counter() - started) * 1000
            yield event

    def retrieve(self, query: Query) -> list[Hit]:
        """Fused, routed and reranked passages for an analysed question."""
        cases = query.cases if self.settings.retrieve.route_cases else []
        retriever = HybridRetriever(self.search, self.settings.retrieve, cases)
        hits = retriever.hits(query.text, diversify=query.cross_case)
        query_vector = self.search.embedder.embed_query(query.text)
        return self.reranker.rerank(query, query_vector, hits)

    def _known_case(self, case: str | None) -> str | None:
        if not case or case.lower() in {"all", "any", ""}:
            return None
        label = self.directory.aliases.get(case.lower())
        if label is None:
            raise ValueError(f"unknown case {case!r}; known cases: {', '.join(self.cases)}")
        return label

    def _early_exit(self, query: Query) -> Answer | None:
        """Refusals and questions about reviews that are not in the collection."""
        if query.refusal:
            text = {
                "identify": prompts.REFUSE_IDENTIFY,
                "opinion": prompts.REFUSE_OPINION,
                "instructions": prompts.REFUSE_INSTRUCTIONS,
            }[query.refusal]
            return _abstention(query, text, f"refused: {query.refusal}")
        if query.unknown_cases and not query.cases:
            text = prompts.ABSTAIN_UNKNOWN_CASE.format(
                cases=" and ".join(query.unknown_cases), known=", ".join(self.cases)
            )
            return _abstention(query, text, "case not in the collection")
        return None

    def _answer_from_evidence(self, query: Query) -> Answer:
        hits = self.retrieve(query)
        topic_vector = self._topic_vector(query)
        draft = self.answerer.draft(query, topic_vector, hits)
        if draft.abstain:
            answer = _abstention(query, draft.abstain, draft.reason)
            answer.retrieved, answer.related = hits, hits[:3]
            return answer
        return self._compose(query, draft, hits)

    def _topic_vector(self, query: Query) -> np.ndarray:
        """The question without its case names, which route but do not describe the topic."""
        text = " ".join(query.topic_words) or query.text
        return self.search.embedder.embed_query(text)

    # --- the answer text and citations ----------------------------------------------------

    def _compose(self, query: Query, draft: Draft, hits: list[Hit]) -> Answer:
        case_order = list(dict.fromkeys(h.passage.case for h in hits))
        groups = order_for_reading(draft.chosen, case_order)
        citations: list[Citation] = []
        lines: list[str] = []
        for group in groups:
            parts = []
            for chosen in group:
                citations.append(self.cite(len(citations) + 1, chosen))
                parts.append(f"{_sentence(chosen.unit.text)} [{len(citations)}]")
            lines.append(_format_group(group[0].hit.passage.case, parts, query.cross_case or len(groups) > 1))
        text = "\n".join(lines)
        if not (query.cross_case or len(groups) > 1) and len(citations) > 2:
            text = "\n".join(f"- {part}" for part in _split_parts(lines[0]))
        return Answer(
            question=query.question,
            answer=text,
            abstained=False,
            generator=self.answerer.name,
            latency_ms=0.0,
            citations=citations,
            retrieved=hits,
            cases=query.cases,
        )

    def cite(self, n: int, chosen: Chosen) -> Citation:
        """Citation [n] for a chosen sentence, with offsets into the document text."""
        passage, unit = chosen.hit.passage, chosen.unit
        document = self.search.documents.get(passage.doc_id, {})
        start = document.get("text", "").find(unit.quote, passage.start)
        if start < 0:
            start = passage.start + unit.start  # best effort; quote is still exact passage text
        return Citation(
            n=n,
            doc_id=passage.doc_id,
            title=passage.title,
            case=passage.case,
            page=passage.page,
            section=passage.section,
            paragraph=passage.paragraph,
            quote=unit.quote,
            text=passage.text,
            start=start,
            end=start + len(unit.quote),
            score=chosen.score,
            passage_id=passage.id,
        )


def _turns(history: Any) -> History | None:
    """History as plain {role, content} dicts, whether given as dicts or as objects."""
    if not history:
        return None
    turns = []
    for turn in history:
        role = turn.get("role") if isinstance(turn, dict) else getattr(turn, "role", None)
        content = turn.get("content") if isinstance(turn, dict) else getattr(turn, "content", None)
        if role not in {"user", "assistant"} or not isinstance(content, str):
            raise ValueError("history must be a list of {role: user|assistant, content: text} turns")
        turns.append({"role": role, "content": content})
    return turns


def _abstention(query: Query, text: str, reason: str) -> Answer:
    return Answer(
        question=query.question,
        answer=text,
        abstained=True,
        generator="extractive",
        latency_ms=0.0,
        reason=reason,
        cases=query.cases,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text and text[0].islower() else text


def _format_group(case: str, parts: list[str], labelled: bool) -> str:
    body = " ".join(parts)
    return f"- **{case}**: {body}" if labelled else body


def _split_parts(line: str) -> list[str]:
    """Split 'a [1] b [2]' back into ['a [1]', 'b [2]']."""
    import re

    return [p.strip() for p in re.findall(r".*?\[\d+\]", line)]


# --- process-wide engine, reloaded when a new index generation goes live ----------------

_ENGINES: dict[str, tuple[str, Engine]] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(settings: Settings | None = None, warm_up: bool = True) -> Engine:
    settings = settings or load_settings()
    key = settings.model_dump_json()
    live = str(store.open_current(settings).path)
    with _ENGINES_LOCK:
        cached = _ENGINES.get(key)
        if cached is None or cached[0] != live:
            _ENGINES[key] = (live, Engine.load(settings, warm_up=warm_up))
        return _ENGINES[key][1]
