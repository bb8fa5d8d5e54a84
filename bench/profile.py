"""Where answering spends its time: exclusive time per pipeline stage (no stage counts a
stage it calls) and a pyinstrument call tree saved beside the results."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from bench import ROOT, Question, answer_fresh, load_average, load_engine, summary_ms

# (label, module path, attribute path): the stages of Engine.answer, outermost last.
STAGES = (
    ("question analysis", "rag.answer.engine", "analyse"),
    ("query embedding", "rag.embed", "SentenceTransformerEmbedder.embed_query"),
    ("dense search (Chroma via llama-index)", "rag.retrieve", "HybridRetriever._dense"),
    ("BM25 search", "rag.retrieve", "HybridRetriever._bm25"),
    ("fusion", "rag.retrieve", "fuse"),
    ("rerank (sentence rescoring)", "rag.rerank", "SentenceRescorer.rerank"),
    ("sentence choice", "rag.answer.extractive", "ExtractiveAnswerer.draft"),
    ("answer text and citations", "rag.answer.engine", "Engine._compose"),
)


class _ExclusiveClock:
    """Time spent in each wrapped function minus time in wrapped functions it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # [start, time spent in wrapped children]

    def wrap(self, label: str, function: Callable) -> Callable:
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [time.perf_counter(), 0.0]
            self._stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self._stack.pop()
                elapsed = time.perf_counter() - frame[0]
                self.seconds[label] += elapsed - frame[1]
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1][1] += elapsed

        return timed


@contextmanager
def _patched(clock: _ExclusiveClock) -> Iterator[None]:
    import importlib

    undo = []
    for label, module_name, path in STAGES:
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = owner.__dict__[name]
        setattr(owner, name, clock.wrap(label, original))
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def stage_breakdown(
    engine, questions: list[Question], turns: list, rounds: int, tree: Path | None = None
) -> dict[str, Any]:
    """Mean milliseconds per answer spent in each stage (exclusive), and answer latency,
    over `rounds` rounds of warm answers; with `tree`, pyinstrument's call tree of the
    last round is written there."""
    clock = _ExclusiveClock()
    latency: list[float] = []
    started = time.perf_counter()
    with _patched(clock):
        for number in range(rounds):
            with _call_tree(tree if number == rounds - 1 else None):
                for question, history in zip(questions, turns, strict=True):
                    latency.append(answer_fresh(engine, question.text, history).latency_ms)
    answers = rounds * len(questions)
    total_ms = (time.perf_counter() - started) * 1000 / answers
    stages = {label: round(clock.seconds[label] * 1000 / answers, 2) for label, _, _ in STAGES}
    stages["other"] = round(total_ms - sum(stages.values()), 2)
    calls = {label: round(clock.calls[label] / answers, 2) for label, _, _ in STAGES}
    return {
        "answer": summary_ms(latency),
        "latency_ms": [round(ms, 2) for ms in latency],
        "per_answer_ms": round(total_ms, 2),
        "stages_ms": stages,
        "calls_per_answer": calls,
    }


@contextmanager
def _call_tree(out: Path | None) -> Iterator[None]:
    """pyinstrument's call tree of the block, written to `out` (nothing if `out` is None)."""
    if out is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        out.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")


# --- before/after, each in a fresh process (thread settings are read at start-up) ----------

BEFORE_ENV = {"GOMP_SPINCOUNT": "300000"}  # libgomp's own default: spin before sleeping


def compare(corpus: Path, index_dir: Path, rounds: int, out_dir: Path, busy: bool = True) -> dict[str, Any]:
    """The stage breakdown before and after the fixes, on the machine as it is and (if
    `busy`) with one core kept busy by another process, as when a second request or an
    ingest runs. Runs go before, after, after, before and each variant's two are pooled,
    so load from elsewhere that rises or falls during the runs favours neither."""
    result: dict[str, Any] = {}
    for load in ("as_is", "one_core_busy") if busy else ("as_is",):
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        with _busy_core() if load == "one_core_busy" else nullcontext():
            for number, variant in enumerate(("before", "after", "after", "before")):
                tree = out_dir / f"profile-{variant}.txt" if load == "as_is" and number < 2 else None
                runs[variant].append(_run(corpus, index_dir, rounds, variant, tree))
        result[load] = {variant: _pool(pair) for variant, pair in runs.items()}
    return result


def _pool(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one variant as one: latency over all answers, stages averaged."""
    latency = [ms for run in runs for ms in run["latency_ms"]]
    mean = lambda key: round(sum(run[key] for run in runs) / len(runs), 2)  # noqa: E731
    return {
        "answer": summary_ms(latency),
        "per_answer_ms": mean("per_answer_ms"),
        "engine_warm_s": mean("engine_warm_s"),
        "engine_load_s": mean("engine_load_s"),
        "stages_ms": {
            k: round(sum(r["stages_ms"][k] for r in runs) / len(runs), 2) for k in runs[0]["stages_ms"]
        },
        "calls_per_answer": runs[0]["calls_per_answer"],
        "load_average": [run["load_average"] for run in runs],
        "runs": len(runs),
    }


def _run(corpus: Path, index_dir: Path, rounds: int, variant: str, tree: Path | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.profile", "--corpus", str(corpus), "--index", str(index_dir)]
    command += ["--rounds", str(rounds)] + (["--tree", str(tree)] if tree else [])
    command += ["--before"] if variant == "before" else []
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(BEFORE_ENV if variant == "before" else {})
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"profile run ({variant}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def _busy_core() -> Iterator[None]:
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.terminate()
        burner.wait()


def _worker(corpus: Path, index_dir: Path, rounds: int, before: bool, tree: Path | None) -> dict[str, Any]:
    from bench import load_questions
    from bench.latency import histories
    from rag.embed import get_embedder
    from rag.settings import load_settings

    settings = load_settings(corpus_dir=corpus, index_dir=index_dir)
    embedder = get_embedder(settings.embed)
    if before:
        embedder.query_cache, embedder.query_threads = 0, None
    engine, startup = load_engine(settings, embedder)
    questions = load_questions()
    turns = histories(engine, questions)
    for question, history in list(zip(questions, turns, strict=True))[:3]:
        answer_fresh(engine, question.text, history)  # first calls load lazy parts
    breakdown = stage_breakdown(engine, questions, turns, rounds, tree)
    return {
        **breakdown,
        "engine_load_s": startup["load_s"],
        "engine_warm_s": startup["warm_s"],
        "tree": str(tree) if tree else None,
        "load_average": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="profile answering (used by python -m bench)")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="write a pyinstrument call tree here")
    parser.add_argument(
        "--before",
        action="store_true",
        help="as before the fixes: no question cache, torch threads for questions",
    )
    args = parser.parse_args(argv)
    print(json.dumps(_worker(args.corpus, args.index, args.rounds, args.before, args.tree)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
