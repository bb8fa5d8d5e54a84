"""`python -m bench [--quick]`: every benchmark in one run, printed as a table and saved
as JSON (and Markdown) under bench/results/."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import HERE, ROOT, folder_mb, load_average, load_engine, load_questions, rss_mb, timed_ms

SECTIONS = ("ingest", "ocr", "cold_start", "latency", "server", "profile", "scale")
SIZES = (10_000, 50_000, 100_000)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    results: dict[str, Any] = {"command": " ".join(["python -m bench", *(argv or sys.argv[1:])])}
    try:
        results.update(run(args, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_after"] = load_average()
    from bench.report import markdown

    text = markdown(results)
    out = write(results, text, args.out)
    print(text)
    print(f"results: {out}", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds, 10k passages only (a few minutes)"
    )
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "corpus", help="corpus folder (default corpus/)"
    )
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="e.g. 10000,50000")
    parser.add_argument(
        "--only", type=lambda s: s.split(","), default=list(SECTIONS), help=",".join(SECTIONS)
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where JSON results go")
    parser.add_argument("--keep", action="store_true", help="keep the temporary index folders")
    return parser


def _log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.0f} s] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from bench.report import machine
    from rag import store
    from rag.embed import get_embedder
    from rag.ingest import ingest
    from rag.settings import load_settings

    started = time.perf_counter()
    rounds = 2 if args.quick else 5
    sizes = args.sizes or ([SIZES[0]] if args.quick else list(SIZES))
    corpus = args.corpus.resolve()
    results: dict[str, Any] = {"machine": machine(), "load_before": load_average(), "quick": args.quick}
    results["workdir"] = str(workdir)
    settings = load_settings(corpus_dir=corpus, index_dir=workdir / "index")
    embedder = get_embedder(settings.embed)
    questions = load_questions()

    _log("ingest throughput", started)
    if "ingest" in args.only:
        from bench import ingest_speed

        results["ingest"] = ingest_speed.measure(settings, embedder, rounds=1 if args.quick else 2)
    else:
        ingest(settings, rebuild=True, embedder=embedder)

    if "cold_start" in args.only:
        _log("cold start of a fresh server process", started)
        from bench import cold_start

        results["cold_start"] = cold_start.measure(corpus, settings.index_dir, rounds=1 if args.quick else 3)

    if "ocr" in args.only:
        _log("OCR of a scanned review", started)
        from bench import ocr_speed

        results["ocr"] = ocr_speed.measure(corpus, workdir, embedder)

    if {"latency", "server"} & set(args.only):
        _log("answer latency (embedded, Chroma server, llama-index defaults)", started)
        results.update(_latency_and_server(args, settings, embedder, questions, rounds, workdir, results))
        store.release_chroma()

    if "profile" in args.only:
        _log("profile, before and after (fresh processes)", started)
        from bench import profile

        profile_rounds = 1 if args.quick else 2
        out_dir = _out_dir(args.out)
        results["profile"] = profile.compare(
            corpus, settings.index_dir, profile_rounds, out_dir, not args.quick
        )

    if "scale" in args.only:
        _log(f"scale: building {sizes}", started)
        results["scale"] = _scale(settings, embedder, sizes, workdir, 2, started)
    _log("done", started)
    return results


def _latency_and_server(args, settings, embedder, questions, rounds, workdir, results) -> dict[str, Any]:
    from bench.latency import BaselineRunner, EngineRunner, alternate, llama_defaults
    from bench.server import ChromaServer, http_settings
    from rag.embed import model_dir
    from rag.ingest import ingest

    out: dict[str, Any] = {}
    with ChromaServer(workdir / "chroma-server") as server:
        runners: dict[str, Any] = {}
        if "server" in args.only:
            remote = http_settings(settings, server.port, workdir / "index-http")
            ingest_ms, report = timed_ms(lambda: ingest(remote, rebuild=True, embedder=embedder))
            http_ingest_rate = report.passages / (ingest_ms / 1000)
        engine, startup = load_engine(settings, embedder)
        runners["embedded"] = EngineRunner(engine, questions)
        if "server" in args.only:
            runners["http"] = EngineRunner(load_engine(remote, embedder)[0], questions)
        if "latency" in args.only:
            retriever, build_s, chunks = llama_defaults(settings.corpus_dir, model_dir(settings.embed.model))
            runners["llama_defaults"] = BaselineRunner(retriever, questions)
        measured = alternate(runners, rounds)
        if "latency" in args.only:
            out["latency"] = {
                "embedded": measured["embedded"],
                "llama_defaults": {
                    **measured["llama_defaults"],
                    "build_s": round(build_s, 2),
                    "chunks": chunks,
                },
                "engine_load_s": startup["load_s"],
                "engine_warm_s": startup["warm_s"],
                "rounds": rounds,
            }
        if "server" in args.only:
            embedded_rate = (results.get("ingest") or {}).get("full_ingest_passages_per_s")
            out["server"] = {
                "embedded": measured["embedded"],
                "http": measured["http"],
                "ingest_passages_per_s": round(http_ingest_rate, 2),
                "embedded_ingest_passages_per_s": embedded_rate,
                "server_rss_mb": rss_mb(server.pid),
                "server_disk_mb": folder_mb(server.path),
                "port": server.port,
            }
    return out


def _scale(
    settings, embedder, sizes: list[int], workdir: Path, rounds: int, started: float
) -> dict[str, Any]:
    from bench import scale
    from rag import store

    base = store.open_current(settings)
    built = scale.build_sizes(settings, base, sizes, workdir)
    rate = _sentence_rate(embedder, base)
    _log("scale: measuring the corpus index in a fresh process", started)
    corpus_row = scale.measure_in_subprocess(settings.corpus_dir, settings.index_dir, rounds)
    rows = []
    for entry in built:
        _log(f"scale: measuring {entry['passages']} passages in a fresh process", started)
        row = scale.measure_in_subprocess(settings.corpus_dir, Path(entry["index_dir"]), rounds)
        row["build_s"] = entry["build_s"]
        rows.append(row)
    for row in [corpus_row, *rows]:
        row["warm_up_projected_s"] = round(
            row["passages"] * rate["units_per_passage"] / rate["units_per_s"], 1
        )
    return {"corpus": corpus_row, "sizes": rows, "growth": scale.growth(rows, corpus_row), "sentences": rate}


def _sentence_rate(embedder, generation) -> dict[str, float]:
    """How fast the answerer's sentence vectors are made, for the projected warm-up at scale."""
    from rag.retrieve.sentences import SentenceIndex, group_units

    passages = generation.passages()
    units = sum(len(group_units(p.text)) for p in passages)
    seconds = timed_ms(lambda: SentenceIndex(embedder).prepare(passages))[0] / 1000
    return {"units_per_passage": round(units / len(passages), 2), "units_per_s": round(units / seconds, 1)}


def _out_dir(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return out


def write(results: dict[str, Any], text: str, out: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    _out_dir(out)
    path = out / f"bench-{stamp}.json"
    payload = json.dumps(results, indent=1, default=str)
    path.write_text(payload, encoding="utf-8")
    (out / "latest.json").write_text(payload, encoding="utf-8")
    (out / "latest.md").write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
