"""The answering pipeline, loaded once: analyse -> early exits -> retrieve -> rerank -> answerer.

`Engine.answer` is what the CLI, the chat UI, the REST API and the evaluation all call;
`Engine.stream` is the same pipeline with the answer streamed.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from rag import prompts, store
from rag.answer.base import (
    Answerer,
    EmptyQuestion,
    StreamEvent,
    UnknownCase,
    abstention,
    add_notice,
    events_of,
)
from rag.answer.collection import CollectionAnswers
from rag.answer.evidence import EvidenceFinder
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generate import load_generative
from rag.answer.routing import resolve_shared_labels, shared_label_notice
from rag.embed import Embedder, get_embedder
from rag.glossary import GLOSSARY_FILE, load_glossary
from rag.insights import Collection, load_collection
from rag.insights.taxonomy import load_taxonomy
from rag.query import Query, analyse
from rag.rerank import get_reranker
from rag.retrieve import SearchIndex
from rag.retrieve.sentences import SentenceIndex
from rag.settings import Settings
from rag.spell import Correction, Speller
from rag.store.sentence_vectors import by_text
from rag.types import Answer, Hit

History = list[dict[str, str]]
WARM_UP_QUESTION = "What went wrong, and what did the review recommend?"
log = logging.getLogger("rag.answer")
_REFUSALS = {
    "identify": prompts.REFUSE_IDENTIFY,
    "opinion": prompts.REFUSE_OPINION,
    "instructions": prompts.REFUSE_INSTRUCTIONS,
}


class Engine:
    def __init__(self, settings: Settings, search: SearchIndex, warm_up: bool = True):
        self.settings = settings
        self.search = search
        self.directory = search.case_directory()
        self.glossary = load_glossary(settings.corpus_dir / GLOSSARY_FILE)
        # Cards and theme tags, as the ingest that built this generation made them.
        themes = load_taxonomy(settings.corpus_dir)
        self.insights: Collection = load_collection(search.generation.path, themes)
        self.collection_answers = CollectionAnswers(
            self.insights, search.documents, search.passages, self.glossary
        )
        self.speller = self._speller()
        self._spelling = settings.retrieve.correct_spelling
        # the sentences ingest embedded for the review cards need not be embedded again here
        self.sentences = SentenceIndex(search.embedder, by_text(search.generation.sentence_vectors()))
        reranker = get_reranker(settings.rerank, self.sentences)
        self.evidence = EvidenceFinder(search, settings.retrieve, reranker)
        self.extractive = ExtractiveAnswerer(
            self.sentences, search.embedder, settings.answer, search.passages, search.documents
        )
        # The extractive answerer, or a generative one that falls back to it.
        self.answerer: Answerer = load_generative(settings, self.extractive, self.evidence) or self.extractive
        self.warmed = threading.Event()  # set once answers run at full speed
        self.warm_progress = (0, 0)  # passages whose sentences are embedded, of how many
        if warm_up and len(search.passages) <= settings.answer.warm_up_passages:
            # Embed every sentence in the background so later questions need not; a question
            # asked meanwhile embeds just the sentences of the passages it retrieved.
            self._stop_warm_up = threading.Event()
            thread = threading.Thread(target=self._warm_up, name="sentence-warm-up", daemon=True)
            thread.start()
            # A script that asks one question and exits must not end with torch still running
            # in this thread (the process then aborts): stop at the next batch and wait for it.
            atexit.register(_stop_thread, self._stop_warm_up, thread)
        else:
            self.warmed.set()

    def _speller(self) -> Speller:
        """Corrects towards the collection's words; glossary forms and review names are
        words too, never corrected."""
        names = [word for alias in self.directory.aliases for word in alias.split()]
        shorthand = [word for form in self.glossary.forms for word in form.split()]
        return Speller(self.search.vocabulary(), names, shorthand, self.glossary.spellings)

    def _warm_up(self) -> None:
        try:
            passages = list(self.search.passages.values())
            for start in range(0, len(passages), 64):
                if self._stop_warm_up.is_set():
                    return
                self.warm_progress = (start, len(passages))
                self.sentences.prepare(passages[start : start + 64])
            self.warm_progress = (len(passages), len(passages))
            self._rehearse()
        finally:
            self.warmed.set()

    def _rehearse(self) -> None:
        """Answer one question nobody asked: the pipeline builds its vocabularies and compiles
        its patterns on first use (about 150 ms), which the first real question then need not.
        The extractive answerer only: a generator, when configured, is not kept busy."""
        try:
            query = self.analyse(WARM_UP_QUESTION)
            self.extractive.answer(query, self.retrieve(query))
        except Exception:  # a warm-up must never stop the engine from being handed out
            log.warning("the warm-up question failed", exc_info=True)

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
        query = self.analyse(question, history, case)
        early = self._early_exit(query)
        answer = early or self._with_notices(query, self.answerer.answer(query, self.retrieve(query)))
        answer = _as_typed(answer, query)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def stream(
        self, question: str, history: History | None = None, case: str | None = None
    ) -> Iterator[StreamEvent]:
        """Events for a chat UI: {"event": "delta", "text"}..., then {"event": "done", "answer"}.
        With a generator configured, deltas arrive as the model writes; the final Answer is
        the checked one (and may differ from the streamed draft, which the UI then replaces)."""
        started = time.perf_counter()
        query = self.analyse(question, history, case)
        early = self._early_exit(query)
        events = events_of(early) if early else self._stream_answer(query)
        for event in events:
            if event["event"] == "done":
                event["answer"] = _as_typed(event["answer"], query)
                event["answer"].latency_ms = (time.perf_counter() - started) * 1000
            yield event

    def analyse(self, question: str, history: Any = None, case: str | None = None) -> Query:
        """The question understood: routed reviews, intent, refusals, carried-over topic."""
        question = (question or "").strip()
        if not question:
            raise EmptyQuestion()
        turns = _turns(history)
        understood = self.speller.correct(question) if self._spelling else Correction(question)
        for turn in turns or []:
            if turn["role"] == "user" and self._spelling:  # a carried-over topic is read corrected too
                turn["content"] = self.speller.correct(turn["content"]).text
        query = analyse(understood.text, self.directory, turns, self._known_case(case), self.glossary)
        query.typed = question if understood.changed else ""
        return resolve_shared_labels(query, self.directory, self.search)

    def _stream_answer(self, query: Query) -> Iterator[StreamEvent]:
        notice = self._notice(query)
        if notice:
            yield {"event": "delta", "text": notice + "\n\n"}
        for event in self.answerer.stream(query, self.retrieve(query)):
            if event["event"] == "done":
                yield {"event": "done", "answer": self._with_notices(query, event["answer"], notice)}
            else:
                yield event

    def _with_notices(self, query: Query, answer: Answer, first: str | None = None) -> Answer:
        """The answer with the product's own lines: the notice before it, and after it the
        reviews the question names that it could quote nothing from (a comparison of four
        reviews that quotes two must say so, not leave the others out silently)."""
        answer = add_notice(answer, self._notice(query) if first is None else first)
        return add_notice(answer, self._named_not_found(query, answer), first=False)

    def _named_not_found(self, query: Query, answer: Answer) -> str:
        if answer.abstained or query.case_source != "question" or len(query.cases) < 2:
            return ""
        cited = {c.review for c in answer.citations}
        missing = [self.directory.name(rid) for rid in query.cases if rid not in cited]
        return prompts.NAMED_NOT_FOUND.format(names=" or ".join(missing)) if missing else ""

    def _notice(self, query: Query) -> str:
        """What the answer must say first: how a mistyped question was read, and that the
        label it names is shared."""
        understood = prompts.UNDERSTOOD_AS.format(text=query.question) if query.typed else ""
        shared = shared_label_notice(query, self.directory) if query.shared_labels else ""
        return " ".join(filter(None, [understood, shared]))

    def retrieve(self, query: Query) -> list[Hit]:
        """Fused, routed and reranked passages for an analysed question."""
        return self.evidence.find(query)

    def _known_case(self, case: str | None) -> str | None:
        if not case or case.lower() in {"all", "any", ""}:
            return None
        ids = self.directory.aliases.get(case.lower().strip())
        if not ids or len(ids) > 1:  # unknown, or a label several reviews share
            raise UnknownCase(case, self.cases)
        return ids[0]

    def _early_exit(self, query: Query) -> Answer | None:
        """Refusals and questions about reviews that are not in the collection."""
        if query.refusal:
            return abstention(query, _REFUSALS[query.refusal], f"refused: {query.refusal}")
        if query.unknown_cases and not query.cases:
            text = prompts.ABSTAIN_UNKNOWN_CASE.format(
                cases=" and ".join(query.unknown_cases), known=", ".join(self.cases)
            )
            return abstention(query, text, "case not in the collection")
        if query.outside_filter:
            named = " and ".join(self.directory.name(rid) for rid in query.outside_filter)
            text = prompts.OUTSIDE_FILTER.format(named=named, filter=" and ".join(query.case_names))
            return abstention(query, text, "question names a review outside the case filter")
        return self.collection_answers.answer(query)  # a question about the collection or one review's card


def _stop_thread(stop: threading.Event, thread: threading.Thread) -> None:
    stop.set()
    thread.join(timeout=60)


def _as_typed(answer: Answer, query: Query) -> Answer:
    """The answer names the question as typed, and what it was understood as."""
    if query.typed:
        answer.question, answer.understood_as = query.typed, query.question
    return answer


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
