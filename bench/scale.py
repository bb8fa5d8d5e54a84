"""Scale: collections of 10k, 50k and 100k passages, written by the project's own Builder.

Embedding 100k passages takes hours on two cores, so the collections are made from the
real corpus: each extra "review" is a copy of a real document whose passage vectors are
the real ones plus small Gaussian noise (renormalised) and whose text has a few words
dropped or swapped for other corpus words (so BM25 sees distinct documents). Each copy
has its own case label, as a large collection of many reviews would. Each size is built
on the previous one (an incremental generation, as `rag ingest` makes), then measured in
a fresh process: start-up (imports, model, index), resident memory, retrieval latency.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import ROOT, answer_fresh, folder_mb, load_questions, ratio, rss_mb, summary_ms, timed_ms

NOISE_SIGMA = 0.015  # per dimension; cosine to the original vector about 0.96
WORD_SWAP, WORD_DROP = 0.06, 0.03
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


# --- building -------------------------------------------------------------------------


def build_sizes(settings, base, sizes: list[int], workdir: Path, seed: int = 7) -> list[dict[str, Any]]:
    """One index per size under `workdir`, each built incrementally on the previous."""
    from rag.settings import load_settings

    rng = np.random.default_rng(seed)
    source = _Source(base, rng)
    built, previous, copy = [], base, 0
    for size in sizes:
        target = load_settings(corpus_dir=settings.corpus_dir, index_dir=workdir / f"scale-{size}")
        started = time.perf_counter()
        generation, copy = _build_one(target, previous, size, source, copy)
        seconds = time.perf_counter() - started
        built.append({"passages": size, "index_dir": str(target.index_dir), "build_s": round(seconds, 1)})
        previous = generation
    return built


class _Source:
    """The real passages with their real vectors, and the corpus vocabulary."""

    def __init__(self, generation, rng: np.random.Generator):
        self.rng = rng
        self.passages = generation.passages()
        self.documents = generation.documents()
        rows = generation.collection().get(ids=[p.id for p in self.passages], include=["embeddings"])
        by_id = dict(zip(rows["ids"], rows["embeddings"], strict=True))
        self.vectors = np.asarray([by_id[p.id] for p in self.passages], dtype=np.float32)
        self.vocabulary = sorted({w for p in self.passages for w in _WORD.findall(p.text)})
        self.by_doc: dict[str, list[int]] = {}
        for i, passage in enumerate(self.passages):
            self.by_doc.setdefault(passage.doc_id, []).append(i)

    def copies(self, after: int) -> Iterator[tuple[int, dict[str, Any], list, np.ndarray]]:
        """Perturbed copies of the corpus documents, one document at a time, forever:
        (copy number, document row, passages, vectors)."""
        copy = after
        while True:
            copy += 1
            for doc_id, rows in self.by_doc.items():
                yield copy, *self._copy_document(copy, doc_id, rows)

    def _copy_document(self, copy: int, doc_id: str, rows: list[int]):
        new_doc = f"copy-{copy:05d}/{doc_id}"
        original = self.documents[doc_id]
        case = f"{original['case']} (copy {copy})"
        document = {**original, "doc_id": new_doc, "path": new_doc, "case": case, "aliases": []}
        passages = [
            replace(
                self.passages[i],
                id=f"{new_doc}#{self.passages[i].ordinal:04d}",
                doc_id=new_doc,
                case=case,
                text=self._vary(self.passages[i].text),
            )
            for i in rows
        ]
        noisy = self.vectors[rows] + self.rng.normal(0, NOISE_SIGMA, (len(rows), self.vectors.shape[1]))
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        return document, passages, noisy.astype(np.float32)

    def _vary(self, text: str) -> str:
        """Drop or swap a few words (spaces and line breaks are kept, so sentences and lists
        still split as they did)."""
        words = text.split(" ")
        chosen = self.rng.random(len(words)) < WORD_DROP + WORD_SWAP
        for i in np.flatnonzero(chosen):
            if not _WORD.fullmatch(words[i]):
                continue
            if self.rng.random() < WORD_DROP / (WORD_DROP + WORD_SWAP):
                words[i] = ""
            else:
                words[i] = self.vocabulary[int(self.rng.integers(len(self.vocabulary)))]
        return " ".join(words)


def _build_one(settings, previous, size: int, source: _Source, copy: int):
    from rag import store
    from rag.types import FileStatus

    builder = store.Builder(settings, previous, rebuild=False)
    manifest = previous.manifest
    have = len(previous.passages())
    try:
        for number, document, passages, vectors in source.copies(after=copy):
            if have >= size:
                break
            take = min(len(passages), size - have)
            builder.add_document(document, passages[:take], vectors[:take])
            manifest.files[document["doc_id"]] = store.FileRecord(
                "synthetic", FileStatus.OK, document["doc_id"], 1, take, "", document["case"]
            )
            have, copy = have + take, number
        return builder.commit(manifest), copy
    except BaseException:
        builder.abandon()
        raise


# --- measuring, in a fresh process per size ---------------------------------------------


def measure_in_subprocess(corpus: Path, index_dir: Path, rounds: int, timeout: float = 900) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.scale", "--corpus", str(corpus), "--index", str(index_dir)]
    done = subprocess.run(
        [*command, "--rounds", str(rounds)], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"scale measurement of {index_dir} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure(corpus: Path, index_dir: Path, rounds: int) -> dict[str, Any]:
    """Start-up, memory and latency of one index, as a freshly started app sees them.
    Sentence warm-up is off: its cost is reported apart (it embeds every sentence)."""
    started = time.perf_counter()
    from rag import store
    from rag.answer.engine import Engine
    from rag.embed import get_embedder
    from rag.query import analyse
    from rag.retrieve import HybridRetriever
    from rag.settings import load_settings

    imports_s = time.perf_counter() - started
    rss_imports = rss_mb()
    settings = load_settings(corpus_dir=corpus, index_dir=index_dir)
    settings = settings.model_copy(
        update={"answer": settings.answer.model_copy(update={"warm_up_passages": 0})}
    )
    model_ms, embedder = timed_ms(lambda: get_embedder(settings.embed))
    index_ms, engine = timed_ms(lambda: Engine.load(settings, embedder=embedder))
    rss_loaded = rss_mb()
    questions = load_questions()
    queries = [analyse(q.text, engine.directory) for q in questions]
    queries = [q for q in queries if not q.refusal and not (q.unknown_cases and not q.cases)]

    def retrieve(query):  # as a new question: its vector is not left from the last round
        getattr(embedder, "clear_cache", lambda: None)()
        cases = query.cases if settings.retrieve.route_cases else []
        return HybridRetriever(engine.search, settings.retrieve, cases).hits(query.text, query.cross_case)

    first_ms = timed_ms(lambda: retrieve(queries[0]))[0]
    for query in queries:
        retrieve(query)
    retrieve_ms = [timed_ms(lambda q=q: retrieve(q))[0] for _ in range(rounds) for q in queries]
    for question in questions:  # embeds the sentences of the passages these questions reach
        answer_fresh(engine, question.text)
    answer_ms = [
        answer_fresh(engine, q.text).latency_ms for _ in range(max(1, rounds // 2)) for q in questions
    ]
    generation = store.open_current(settings)
    return {
        "passages": len(engine.search.passages),
        "documents": len(engine.search.documents),
        "imports_s": round(imports_s, 2),
        "model_load_s": round(model_ms / 1000, 2),
        "index_load_s": round(index_ms / 1000, 2),
        "startup_s": round(imports_s + (model_ms + index_ms) / 1000, 2),
        "rss_after_imports_mb": rss_imports,
        "rss_loaded_mb": rss_loaded,
        "rss_after_queries_mb": rss_mb(),
        "peak_rss_mb": _peak_rss_mb(),
        "first_retrieve_ms": round(first_ms, 1),
        "retrieve": summary_ms(retrieve_ms),
        "answer_warm": summary_ms(answer_ms),
        "disk_mb": folder_mb(generation.path),
        "disk_parts_mb": {
            part: _size_mb(generation.path / part)
            for part in ("chroma", "bm25", "passages.jsonl", "documents.jsonl")
        },
    }


def _size_mb(path: Path) -> float:
    if path.is_dir():
        return folder_mb(path)
    return round(path.stat().st_blocks * 512 / 1e6, 2) if path.exists() else 0.0


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def growth(rows: list[dict[str, Any]], baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each size's figures as ratios to the real-corpus index measured the same way."""
    keys = {
        "retrieve_p50": lambda r: r["retrieve"]["p50_ms"],
        "retrieve_p95": lambda r: r["retrieve"]["p95_ms"],
        "answer_p50": lambda r: r["answer_warm"]["p50_ms"],
        "rss_loaded": lambda r: r["rss_loaded_mb"],
        "disk": lambda r: r["disk_mb"],
        "startup": lambda r: r["startup_s"],
        "index_load": lambda r: r["index_load_s"],
    }
    return [
        {"passages": row["passages"], **{k: ratio(get(row), get(baseline)) for k, get in keys.items()}}
        for row in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="measure one index (used by python -m bench)")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(_measure(args.corpus, args.index, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
