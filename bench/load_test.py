"""Load test of the REST API: concurrent clients (16 unless told) for 60 seconds, on this machine only.

    python bench/load_test.py                      # starts the app on the real index, then loads it
    python bench/load_test.py --clients 64         # any number of clients
    python bench/load_test.py --url http://127.0.0.1:7860   # an app already running here

Prints requests, throughput, p50/p95/max latency of POST /api/ask and the error count.
Not part of the test suite: it takes a minute and measures, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

import rag  # noqa: E402, F401  (offline environment before the models load)

CLIENTS, SECONDS = 16, 60
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FALLBACK_QUESTIONS = ["what went wrong with the consultation in Case S", "How did Child F die?"]


def questions() -> list[str]:
    path = ROOT / "bench" / "questions.txt"
    if not path.exists():
        return FALLBACK_QUESTIONS
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    return [row[1].strip() for row in rows if len(row) == 2 and not row[0].startswith(("#", "followup"))]


def client_loop(
    base: str, asks: list[str], offset: int, start: threading.Barrier, clock: dict, results: list
) -> None:
    """One client: ready its connection, wait for every other client, then ask question after
    question until the deadline (at least one each); record (seconds, ok)."""
    with httpx.Client(base_url=base, timeout=120, trust_env=False) as http:
        start.wait()
        i = offset
        while i == offset or time.monotonic() < clock["deadline"]:
            started = time.perf_counter()
            try:
                ok = http.post("api/ask", json={"question": asks[i % len(asks)]}).status_code == 200
            except httpx.HTTPError:
                ok = False
            results.append((time.perf_counter() - started, ok))
            i += 1


def run_load(base: str, clients: int, seconds: float) -> dict:
    """The clock starts once every client is ready, so a busy machine's slow thread start-up
    is not counted as a quiet run."""
    asks = questions()
    results: list[tuple[float, bool]] = []
    clock: dict[str, float] = {}

    def go() -> None:
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + seconds

    start = threading.Barrier(clients, action=go, timeout=300)
    threads = [
        threading.Thread(target=client_loop, args=(base, asks, n, start, clock, results))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - clock["started"]
    latencies = sorted(seconds for seconds, ok in results if ok)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(results),
        "per_second": round(len(results) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000) if latencies else None,
        "max_ms": round(latencies[-1] * 1000) if latencies else None,
        "errors": sum(1 for _, ok in results if not ok),
    }


@contextmanager
def local_app(env: dict[str, str] | None = None):
    """`python app.py` on the configured index (real model) on a free loopback port, with `env`
    added to its environment; reports how long the page and the engine took to come up and
    yields (base URL, process)."""
    import os
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, **(env or {}), "RAG_SERVE__HOST": "127.0.0.1", "RAG_SERVE__PORT": str(port)}
    base = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait(base, lambda r: True, app)
        page_up = time.monotonic() - started
        _wait(base + "api/health", lambda r: r.status_code == 200, app)
        ready = time.monotonic() - started
        print(f"page up in {page_up:.1f} s, engine ready in {ready:.1f} s", file=sys.stderr)
        yield base, app
    finally:
        app.terminate()
        app.wait(timeout=30)


def _wait(url: str, done, app, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"app.py exited with {app.returncode}")
        try:
            if done(httpx.get(url, timeout=5, trust_env=False)):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready after {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already running on this machine (loopback only)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"clients (default {CLIENTS})")
    parser.add_argument("--seconds", type=float, default=SECONDS, help=f"how long (default {SECONDS})")
    args = parser.parse_args(argv)
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error("--url must be on this machine (127.0.0.1, localhost or ::1)")
    clients = max(1, args.clients)
    seconds = max(1.0, args.seconds)
    target = nullcontext((args.url.rstrip("/") + "/", None)) if args.url else local_app()
    with target as (base, _):
        report = run_load(base, clients, seconds)
    print(json.dumps(report))
    print(f"{report['requests']} requests from {clients} clients in {report['seconds']} s: "
          f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, errors {report['errors']}")  # fmt: skip
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
