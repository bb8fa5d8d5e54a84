"""Generation switches under a running app: first-answer time and memory, switch after switch.

    python bench/switches.py                 # 20 switches on a copy of corpus/ (real model)
    python bench/switches.py --switches 5

Starts `app.py` on a temporary copy of the corpus and its index, then, per round, appends a
sentence to one review, runs an incremental ingest (one file re-embedded), waits until
/api/health names the new generation and times the first POST /api/ask answered from it.
Prints one line per switch (seconds until the app switched, first answer, RSS of the app)
and a JSON summary. Not part of the test suite: it measures, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ itself off the path: its profile.py would shadow the standard library's, which torch imports
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import httpx  # noqa: E402

from bench.load_test import local_app  # noqa: E402

QUESTION = "What went wrong with the consultation in Case S?"
CHANGED_FILE = "llr-child-f-executive-summary.txt"


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def live_index(http: httpx.Client) -> str:
    response = http.get("api/health")
    return response.json().get("index", "") if response.status_code == 200 else ""


def wait_for_index(http: httpx.Client, name: str, timeout: float = 600) -> float:
    """Seconds until /api/health reports generation `name` as live."""
    started = time.monotonic()
    while not live_index(http).endswith(name):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the app never switched to {name}")
        time.sleep(0.05)
    return time.monotonic() - started


def ask_ms(http: httpx.Client) -> float:
    started = time.perf_counter()
    response = http.post("api/ask", json={"question": QUESTION})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def one_switch(settings, n: int, http: httpx.Client, pid: int, embedder) -> dict:
    from rag.ingest import ingest

    path = settings.corpus_dir / CHANGED_FILE
    path.write_text(path.read_text(encoding="utf-8") + f"\n\nA closing note, number {n}.\n", encoding="utf-8")
    report = ingest(settings, embedder=embedder)
    name = Path(report.index_path).name
    switched_s = wait_for_index(http, name)
    first_ms = ask_ms(http)
    second_ms = ask_ms(http)
    return {"switch": n, "switched_s": round(switched_s, 2), "first_answer_ms": round(first_ms),
            "second_answer_ms": round(second_ms), "rss_mb": rss_mb(pid)}  # fmt: skip


def run(switches: int, workdir: Path) -> dict:
    from rag.embed import get_embedder
    from rag.ingest import ingest
    from rag.settings import load_settings

    shutil.copytree(ROOT / "corpus", workdir / "corpus", ignore=shutil.ignore_patterns("_*"))
    settings = load_settings(corpus_dir=workdir / "corpus", index_dir=workdir / "index")
    embedder = get_embedder(settings.embed)
    ingest(settings, embedder=embedder)
    env = {"RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir),
           "RAG_SERVE__FEEDBACK_FILE": str(workdir / "feedback.jsonl")}  # fmt: skip
    rounds = []
    with local_app(env) as (base, app), httpx.Client(base_url=base, timeout=300, trust_env=False) as http:
        ask_ms(http)
        started_mb = rss_mb(app.pid)
        for n in range(1, switches + 1):
            rounds.append(one_switch(settings, n, http, app.pid, embedder))
            print(json.dumps(rounds[-1]), file=sys.stderr)
    firsts = sorted(r["first_answer_ms"] for r in rounds)
    return {"switches": switches, "rss_start_mb": started_mb, "rss_end_mb": rounds[-1]["rss_mb"],
            "first_answer_ms_median": firsts[len(firsts) // 2], "first_answer_ms_max": firsts[-1],
            "rounds": rounds}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=20, help="index generations to switch through")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="rag-switches-"))
    try:
        summary = run(max(1, args.switches), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({k: v for k, v in summary.items() if k != "rounds"}))
    print(f"{summary['switches']} switches: first answer median {summary['first_answer_ms_median']} ms, "
          f"max {summary['first_answer_ms_max']} ms; app RSS {summary['rss_start_mb']} -> "
          f"{summary['rss_end_mb']} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
