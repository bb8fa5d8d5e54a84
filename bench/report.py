"""The benchmark table (Markdown, printed and saved) and the machine it ran on."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import ratio


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    versions = {}
    for package in ("torch", "sentence-transformers", "chromadb", "llama-index-core", "bm25s"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": model,
        "python": platform.python_version(),
        "versions": versions,
    }


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join("" if c is None else _fmt(c) for c in cells) + " |"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [_row(header), "| " + " | ".join("---" for _ in header) + " |", *(_row(r) for r in rows)]


def main_table(results: dict[str, Any]) -> list[str]:
    """Every headline figure beside its same-run baseline, as a ratio."""
    rows: list[list[Any]] = []
    lat = results.get("latency")
    if lat:
        ours, base = lat["embedded"], lat["llama_defaults"]["retrieve"]
        for p in ("p50", "p95"):
            goal = "<= 150 ms" if p == "p50" else "<= 400 ms"
            value = ours["answer"][f"{p}_ms"]
            rows.append(
                [f"answer latency {p}, ms", value, base[f"{p}_ms"], ratio(value, base[f"{p}_ms"]), goal]
            )
        for p in ("p50", "p95"):
            value = ours["retrieve"][f"{p}_ms"]
            rows.append(
                [f"retrieval only {p}, ms", value, base[f"{p}_ms"], ratio(value, base[f"{p}_ms"]), ""]
            )
        rows.append(
            [
                "start-up: answers at full speed, s",
                lat["engine_warm_s"],
                lat["llama_defaults"]["build_s"],
                ratio(lat["engine_warm_s"], lat["llama_defaults"]["build_s"]),
                "",
            ]
        )
    ing = results.get("ingest")
    if ing:
        rows.append(
            [
                "full ingest without cards/themes, passages/s",
                ing["full_ingest_passages_per_s"],
                ing["raw_encode_passages_per_s"],
                ing["ingest_vs_raw"],
                ">= 0.75",
            ]
        )
        if "without_insights_s" in ing:
            rows.append(
                [
                    "full ingest with cards and themes, s",
                    ing["full_ingest_s"],
                    ing["without_insights_s"],
                    ing["with_vs_without_insights"],
                    "<= 2.0",
                ]
            )
        rows.append(
            [
                "no-change re-ingest, s",
                ing["unchanged_reingest_s"],
                ing["full_ingest_s"],
                ing["unchanged_vs_full"],
                "",
            ]
        )
    ocr = results.get("ocr")
    if ocr and "skipped" not in ocr:
        rows.append(
            [
                "scanned review ingest (OCR), s/page",
                ocr["seconds_per_page"],
                ocr["tesseract_alone_s_per_page"],
                ocr["ingest_vs_tesseract_alone"],
                "",
            ]
        )
        rows.append(
            [
                "unchanged scan re-ingest (OCR cache), s",
                ocr["cached_reingest_s"],
                ocr["scan_ingest_s"],
                ocr["cached_vs_first"],
                "",
            ]
        )
    srv = results.get("server")
    if srv:
        for p in ("p50", "p95"):
            value, base = srv["http"]["answer"][f"{p}_ms"], srv["embedded"]["answer"][f"{p}_ms"]
            rows.append([f"answer latency {p}, Chroma server, ms", value, base, ratio(value, base), ""])
        value, base = srv["http"]["retrieve"]["p50_ms"], srv["embedded"]["retrieve"]["p50_ms"]
        rows.append(["retrieval p50, Chroma server, ms", value, base, ratio(value, base), ""])
        value, base = srv["ingest_passages_per_s"], srv["embedded_ingest_passages_per_s"]
        rows.append(["full ingest into the server, passages/s", value, base, ratio(value, base), ""])
    header = ["figure", "this project", "baseline", "ratio", "goal"]
    return _table(header, rows)


def baselines_note(results: dict[str, Any]) -> list[str]:
    notes = []
    if results.get("latency"):
        chunks = results["latency"]["llama_defaults"]["chunks"]
        notes.append(
            "Baselines: latency rows against llama-index defaults (SentenceSplitter 1024/200, in-memory "
            f"VectorStoreIndex, same MiniLM, top-k 2, retrieval only; {chunks} chunks); start-up against "
            "building that index; ingest against `SentenceTransformer.encode` alone on the same passages "
            "and batch size; re-ingest against the full ingest; Chroma server rows against embedded mode."
        )
    ocr = results.get("ocr")
    if ocr and "skipped" not in ocr:
        notes.append(
            f"OCR rows: a {ocr['pages']}-page review as a noisy, skewed 200 dpi scan; the whole ingest "
            "(render, OCR in parallel, clean, chunk, embed, write) against tesseract alone reading the "
            "same pages one at a time; the cached re-ingest (`--rebuild`) against the first. "
            f"The text version of the same review ingests in {ocr['text_version_ingest_s']} s."
        )
    elif ocr:
        notes.append(f"OCR rows skipped: {ocr['skipped']}")
    return notes


def scale_table(results: dict[str, Any]) -> list[str]:
    scale = results.get("scale")
    if not scale:
        return []
    header = [
        "passages",
        "retrieval p50 ms",
        "retrieval p95 ms",
        "answer p50 ms",
        "answer p95 ms",
        "RSS MB",
        "disk MB",
        "start-up s",
        "build s",
        "sentence warm-up s (projected)",
    ]
    rows = []
    for row in [scale["corpus"], *scale["sizes"]]:
        rows.append(
            [
                row["passages"],
                row["retrieve"]["p50_ms"],
                row["retrieve"]["p95_ms"],
                row["answer_warm"]["p50_ms"],
                row["answer_warm"]["p95_ms"],
                row["rss_loaded_mb"],
                row["disk_mb"],
                row["startup_s"],
                row.get("build_s"),
                row.get("warm_up_projected_s"),
            ]
        )
    lines = _table(header, rows)
    growth_header = (
        ["passages", *[k for k in scale["growth"][0] if k != "passages"]] if scale["growth"] else []
    )
    if growth_header:
        lines += ["", "Growth, as a ratio to the real corpus measured the same way:", ""]
        lines += _table(growth_header, [[g[k] for k in growth_header] for g in scale["growth"]])
    return lines


def profile_table(results: dict[str, Any]) -> list[str]:
    prof = results.get("profile")
    if not prof:
        return []
    loads = [load for load in ("as_is", "one_core_busy") if load in prof]
    header = ["stage (exclusive ms per answer)"]
    for load in loads:
        header += [f"before, {load}", f"after, {load}", "ratio"]
    labels = list(prof[loads[0]]["before"]["stages_ms"])
    rows = []
    for label in [*labels, "per answer (total)", "answer p50", "answer p95", "start-up with warm-up, s"]:
        row: list[Any] = [label]
        for load in loads:
            before, after = (_profile_value(prof[load][v], label) for v in ("before", "after"))
            row += [before, after, ratio(after, before)]
        rows.append(row)
    return _table(header, rows)


def _profile_value(run: dict[str, Any], label: str) -> float:
    if label == "per answer (total)":
        return run["per_answer_ms"]
    if label == "answer p50":
        return run["answer"]["p50_ms"]
    if label == "answer p95":
        return run["answer"]["p95_ms"]
    if label.startswith("start-up"):
        return run["engine_warm_s"]
    return run["stages_ms"][label]


def cold_start_table(results: dict[str, Any]) -> list[str]:
    """A fresh `rag serve`: when health said ready, the first answer beside warm ones."""
    cold = results.get("cold_start")
    if not cold:
        return []
    rows = [
        ["process start to listening, s", cold["listening_s"]],
        ["process start to /api/health ready, s", cold["health_ready_s"]],
        ["process start to first answer, s", cold["first_answer_s"]],
        ["first answer (asked as soon as ready), ms", cold["first_answer_ms"]],
        ["warm answers p50, ms", cold["warm_answer_p50_ms"]],
        ["first / warm", cold["first_over_warm"]],
    ]
    return _table(["cold start", "value"], rows)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, CPU {m['cpu'] or 'unknown'}, "
        f"Python {m['python']}; "
        f"load average {results['load_before']} before, {results['load_after']} after; "
        f"{results['seconds']:.0f} s in all. Command: `{results['command']}`.",
        "",
        *main_table(results),
        "",
        *baselines_note(results),
    ]
    if results.get("cold_start"):
        lines += ["", "Cold start (a fresh server process):", "", *cold_start_table(results)]
    if results.get("scale"):
        lines += ["", "Scale (synthetic copies of the corpus, see BENCHMARKS.md):", "", *scale_table(results)]
    if results.get("profile"):
        lines += [
            "",
            "Where answering spends its time, before and after the fixes:",
            "",
            *profile_table(results),
        ]
    return "\n".join(lines) + "\n"
