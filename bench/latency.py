"""Warm answer latency on the fixed questions, beside llama-index's documented defaults
(SentenceSplitter 1024/200, in-memory VectorStoreIndex, the same MiniLM, top-k 2,
retrieval only) built on the same corpus in the same run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import Question, answer_fresh, summary_ms, timed_ms

History = list[dict[str, str]]


def histories(engine, questions: list[Question]) -> list[History | None]:
    """The history each question is asked with: a follow-up carries the turn before it."""
    out: list[History | None] = []
    for question in questions:
        if question.follows is None:
            out.append(None)
            continue
        before = questions[question.follows]
        previous = engine.answer(before.text, history=out[question.follows])
        turn = [{"role": "user", "content": before.text}, {"role": "assistant", "content": previous.answer}]
        out.append((out[question.follows] or []) + turn)
    return out


class EngineRunner:
    """Times `Engine.answer` (as `Answer.latency_ms` reports it) and, separately, the
    retrieval stage alone (`Engine.retrieve`: hybrid search and reranking)."""

    def __init__(self, engine, questions: list[Question]):
        from rag.query import analyse

        self.engine, self.questions = engine, questions
        self.turns = histories(engine, questions)
        self.queries = [
            analyse(q.text, engine.directory, h) for q, h in zip(questions, self.turns, strict=True)
        ]
        self.answer_ms: list[float] = []
        self.retrieve_ms: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.abstained = sum(self._round(record=False))

    def round(self) -> None:
        self._round(record=True)

    def _round(self, record: bool) -> list[bool]:
        abstained = []
        forget = getattr(self.engine.search.embedder, "clear_cache", lambda: None)
        for question, history, query in zip(self.questions, self.turns, self.queries, strict=True):
            answer = answer_fresh(self.engine, question.text, history)
            abstained.append(answer.abstained)
            routed = not query.refusal and not (query.unknown_cases and not query.cases)
            forget()
            retrieve_ms = timed_ms(lambda q=query: self.engine.retrieve(q))[0] if routed else None
            if record:
                self.answer_ms.append(answer.latency_ms)
                self.by_kind.setdefault(question.kind, []).append(answer.latency_ms)
                if retrieve_ms is not None:
                    self.retrieve_ms.append(retrieve_ms)
        return abstained

    def result(self) -> dict[str, Any]:
        return {
            "answer": summary_ms(self.answer_ms),
            "retrieve": summary_ms(self.retrieve_ms),
            "by_kind": {kind: summary_ms(samples) for kind, samples in self.by_kind.items()},
            "abstained": self.abstained,
            "questions": len(self.questions),
        }


class BaselineRunner:
    """Times a llama-index retriever on the question texts (no history, no answer step)."""

    def __init__(self, retriever, questions: list[Question]):
        self.retriever, self.questions = retriever, questions
        self.retrieve_ms: list[float] = []
        for question in questions:
            retriever.retrieve(question.text)

    def round(self) -> None:
        for question in self.questions:
            self.retrieve_ms.append(timed_ms(lambda q=question: self.retriever.retrieve(q.text))[0])

    def result(self) -> dict[str, Any]:
        return {"retrieve": summary_ms(self.retrieve_ms)}


def alternate(runners: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Rounds taken in turn by every runner, so a burst of load from elsewhere on the
    machine falls on all of them alike; then each runner's figures."""
    for _ in range(rounds):
        for runner in runners.values():
            runner.round()
    return {name: runner.result() for name, runner in runners.items()}


def llama_defaults(corpus: Path, model_dir: Path):
    """llama-index's documented starter pipeline, retrieval only, with nothing left to
    default to OpenAI: returns (retriever, build seconds, chunk count)."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    started = time.perf_counter()
    embed_model = HuggingFaceEmbedding(model_name=str(model_dir), device="cpu")
    documents = SimpleDirectoryReader(
        str(corpus), exclude=["catalog.toml"], required_exts=[".txt", ".md", ".pdf"]
    ).load_data()
    splitter = SentenceSplitter(chunk_size=1024, chunk_overlap=200)
    index = VectorStoreIndex.from_documents(documents, embed_model=embed_model, transformations=[splitter])
    retriever = index.as_retriever(similarity_top_k=2, llm=None)
    chunks = len(index.docstore.docs)
    return retriever, time.perf_counter() - started, chunks
