"""Benchmarks: answer latency, ingest throughput, scale and Chroma server mode, each
beside a baseline measured in the same run. Run with `python -m bench [--quick]`."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import rag  # noqa: F401  (sets the offline environment before any ML library loads)
from rag.eval import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUESTIONS = HERE / "questions.txt"
KINDS = ("single", "cross", "followup", "unanswerable")


@dataclass(frozen=True)
class Question:
    kind: str  # one of KINDS
    text: str
    follows: int | None = None  # index of the question this one follows up


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The fixed question list: `KIND<TAB>question` lines, `#` comments."""
    questions: list[Question] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, sep, text = line.partition("\t")
        if not sep or kind not in KINDS or not text.strip():
            raise ValueError(f"{path}:{number}: expected KIND<TAB>question with KIND in {KINDS}")
        if kind == "followup" and not questions:
            raise ValueError(f"{path}:{number}: a follow-up needs a question before it")
        follows = len(questions) - 1 if kind == "followup" else None
        questions.append(Question(kind, text.strip(), follows))
    return questions


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) as the evaluation defines it (`rag.eval.stats`); NaN for no
    samples, so a benchmark that timed nothing still prints its table."""
    data = list(values)
    return stats.percentile(data, round(q)) if data else float("nan")


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/mean of millisecond samples."""
    return {
        "p50_ms": round(percentile(samples, 50), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "mean_ms": round(statistics.fmean(samples), 2) if samples else float("nan"),
        "n": len(samples),
    }


def timed_ms(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def ratio(value: float, baseline: float) -> float | None:
    """value / baseline to three significant figures."""
    return float(f"{value / baseline:.3g}") if baseline else None


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (from /proc, no extra dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def folder_mb(path: Path) -> float:
    """Disk space used under `path` (allocated blocks, as `du` counts), in MB."""
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.stat(os.path.join(folder, name)).st_blocks * 512 for name in files)
    return round(total / 1e6, 2)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def answer_fresh(engine, text: str, history=None):
    """`engine.answer`, with cached question vectors forgotten first: repeated rounds of the
    same questions are timed as new questions, not as cache hits."""
    getattr(engine.search.embedder, "clear_cache", lambda: None)()
    return engine.answer(text, history=history)


def wait_for_warm_up(timeout: float | None = None) -> None:
    """Wait for the engine's background sentence warm-up, so that timings that follow are
    not competing with it for the model (the engine starts it as a thread of this name)."""
    import threading

    for thread in threading.enumerate():
        if thread.name == "sentence-warm-up":
            thread.join(timeout)


def load_engine(settings, embedder) -> tuple[object, dict[str, float]]:
    """Engine.load, timed: seconds until it returns, and until sentence warm-up is done."""
    from rag.answer.engine import Engine

    started = time.perf_counter()
    engine = Engine.load(settings, embedder=embedder)
    returned = time.perf_counter() - started
    wait_for_warm_up()
    warmed = time.perf_counter() - started
    return engine, {"load_s": round(returned, 2), "warm_s": round(warmed, 2)}
