"""Cold start: a fresh `rag serve` process on an existing index, timed from its start to
`/api/health` saying ready and to its first answer, beside the same kind of question asked
once it is warm. `first / warm` near 1 means health says ready only when the first question
is answered at full speed.

Also runnable alone: `python -m bench.cold_start --corpus corpus --index index`."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import ROOT, load_questions, ratio
from bench.server import free_port

QUESTIONS = 6  # single-review questions: the first is asked cold, the others warm


def measure(corpus: Path, index_dir: Path, rounds: int = 3, timeout: float = 600) -> dict[str, Any]:
    """Seconds from process start to health ready and to the first answer; answer times."""
    singles = [q.text for q in load_questions() if q.kind == "single"][:QUESTIONS]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "rag.cli.main", "serve", "--port", str(port),
               "--corpus", str(corpus), "--index", str(index_dir)]  # fmt: skip
    log = index_dir.parent / f"cold-start-{port}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, cwd=ROOT, env=_env())
    try:
        listening_s, ready_s = _until_ready(base, process, started, timeout)
        first_ms = _ask(base, singles[0])
        first_answer_s = time.perf_counter() - started
        warm_ms = [_ask(base, q) for _ in range(rounds) for q in singles[1:]]
        again_ms = _ask(base, singles[0])
    finally:
        _stop(process)
    warm_p50 = statistics.median(warm_ms)
    return {
        "listening_s": round(listening_s, 1),
        "health_ready_s": round(ready_s, 1),
        "first_answer_s": round(first_answer_s, 1),
        "first_answer_ms": round(first_ms, 1),
        "first_question_again_ms": round(again_ms, 1),
        "warm_answer_p50_ms": round(warm_p50, 1),
        "warm_answer_max_ms": round(max(warm_ms), 1),
        "first_over_warm": ratio(first_ms, warm_p50),
        "warm_answers": len(warm_ms),
        "first_question": singles[0],
    }


def _env() -> dict[str, str]:
    """The server runs this checkout, whatever the caller's working folder."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def _until_ready(base: str, process, started: float, timeout: float) -> tuple[float, float]:
    """(seconds until the server answered at all, seconds until health said ready)."""
    import httpx

    listening = None
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"rag serve exited with {process.returncode}")
        try:
            status = httpx.get(f"{base}/api/health", timeout=5, trust_env=False).status_code
        except httpx.TransportError:
            status = None
        now = time.perf_counter() - started
        if status is not None and listening is None:
            listening = now
        if status == 200:
            return listening or now, now
        time.sleep(0.1)
    raise RuntimeError(f"/api/health not ready within {timeout} s")


def _ask(base: str, question: str) -> float:
    """Wall-clock milliseconds of one POST /api/ask, as a client sees it."""
    import httpx

    started = time.perf_counter()
    response = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=300, trust_env=False)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.corpus.resolve(), args.index.resolve(), args.rounds), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
