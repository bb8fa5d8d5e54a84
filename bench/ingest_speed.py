"""Ingest throughput: a full ingest (`--rebuild`) of the corpus into a temp index, beside
`SentenceTransformer.encode` alone on the same passages with the same batch size; the same
ingest without review cards and theme tags (`insights.enabled = false`), to show what they
cost; and a re-ingest when nothing changed."""

from __future__ import annotations

import time
from typing import Any

from bench import ratio


class _StageClock:
    """Ingest's progress callback, remembering when reading and embedding finished."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.done: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if done >= total:
            self.done[stage] = time.perf_counter()

    def stages(self, finished: float) -> dict[str, float]:
        read = self.done.get("read", self.started)
        embedded = self.done.get("embed", read)
        insights = self.done.get("insights", embedded)
        return {
            "read_chunk_s": round(read - self.started, 3),
            "embed_s": round(embedded - read, 3),
            "insights_s": round(insights - embedded, 3),  # cards and theme tags
            "write_s": round(finished - insights, 3),  # Chroma, BM25, jsonl, fsync, switch
        }


def full_ingest(settings, embedder) -> dict[str, Any]:
    from rag.ingest import ingest

    clock = _StageClock()
    report = ingest(settings, rebuild=True, embedder=embedder, progress=clock)
    finished = time.perf_counter()
    return {
        "seconds": round(finished - clock.started, 3),
        "passages": report.passages,
        "stages": clock.stages(finished),
        "insights": report.insights,
    }


def passage_texts(settings) -> list[str]:
    """Exactly what ingest embeds for each passage of the live generation."""
    from rag import store
    from rag.embed import passage_embedding_text

    return [
        passage_embedding_text(p.case, p.section, p.text, settings.embed.with_context)
        for p in store.open_current(settings).passages()
    ]


def raw_encode(model, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return time.perf_counter() - started


def measure(settings, embedder, rounds: int) -> dict[str, Any]:
    """Alternate full ingests and raw encodes (`rounds` each) and keep the fastest of each,
    so a burst of load from elsewhere on the machine hits neither side alone."""
    from sentence_transformers import SentenceTransformer

    from rag.embed import model_dir
    from rag.ingest import ingest

    model = SentenceTransformer(str(model_dir(settings.embed.model)), device="cpu", local_files_only=True)
    embedder.embed_passages(["warm-up"] * 8)
    model.encode(["warm-up"] * 8)
    plain = settings.model_copy(update={"insights": settings.insights.model_copy(update={"enabled": False})})
    runs, raw, without = [], [], []
    for _ in range(rounds):
        runs.append(full_ingest(settings, embedder))
        texts = passage_texts(settings)
        raw.append(raw_encode(model, texts, settings.embed.batch_size))
        without.append(full_ingest(plain, embedder))
    ingest(settings, rebuild=True, embedder=embedder)  # leave an index with its insights
    best = min(runs, key=lambda r: r["seconds"])
    without_s = min(r["seconds"] for r in without)
    passages = best["passages"]
    raw_s = min(raw)
    started = time.perf_counter()
    again = ingest(settings, embedder=embedder)
    unchanged_s = time.perf_counter() - started
    ingest_rate = passages / without_s  # the pipeline against encoding alone
    raw_rate = passages / raw_s
    return {
        "passages": passages,
        "batch_size": settings.embed.batch_size,
        "full_ingest_s": best["seconds"],
        "full_ingest_stages": best["stages"],
        "full_ingest_passages_per_s": round(ingest_rate, 2),
        "raw_encode_s": round(raw_s, 3),
        "raw_encode_passages_per_s": round(raw_rate, 2),
        "ingest_vs_raw": ratio(ingest_rate, raw_rate),
        "insights": best["insights"],
        "without_insights_s": without_s,
        "with_vs_without_insights": ratio(best["seconds"], without_s),
        "all_full_ingest_s": [r["seconds"] for r in runs],
        "all_without_insights_s": [r["seconds"] for r in without],
        "all_raw_encode_s": [round(x, 3) for x in raw],
        "unchanged_reingest_s": round(unchanged_s, 3),
        "unchanged_changed_flag": again.changed,
        "unchanged_vs_full": ratio(unchanged_s, best["seconds"]),
    }
