"""Score answers against a gold question set: retrieval, citations, answers, abstention.

Evidence is matched by quote text, not by file name, so any gold file in this format
works even when its document names differ from the corpus file names.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from rag.rerank import stem_set
from rag.text import normalise_space
from rag.types import Answer

MATCH_FRACTION = 0.6  # a span "contains" a quote when it holds this much of it verbatim
KEY_POINT_FRACTION = 0.6  # a key point is covered when this share of its word stems appear
K_VALUES = (1, 3, 5, 10)


@dataclass
class GoldItem:
    id: str
    question: str
    category: str
    cases: list[str]
    answerable: bool
    reference_answer: str
    key_points: list[str]
    evidence: list[dict[str, str]]
    history: list[dict[str, str]] = field(default_factory=list)


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldItem(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a gold item ({exc})") from exc
    return items


def contains(span: str, quote: str) -> bool:
    """Whether `span` holds most of `quote` verbatim (whitespace and case ignored)."""
    a, b = normalise_space(span).lower(), normalise_space(quote).lower()
    if not b:
        return False
    if b in a:
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= MATCH_FRACTION * len(b)


def score_item(item: GoldItem, answer: dict[str, Any]) -> dict[str, Any]:
    """Per-item metrics from an Answer JSON."""
    quotes = [e["quote"] for e in item.evidence]
    retrieved = [r["text"] for r in answer["retrieved"]]
    first_hit = next(
        (i for i, text in enumerate(retrieved, 1) if any(contains(text, q) for q in quotes)), None
    )
    cited = [c["quote"] for c in answer["citations"]]
    row: dict[str, Any] = {
        "id": item.id,
        "category": item.category,
        "cases": item.cases,
        "answerable": item.answerable,
        "abstained": answer["abstained"],
        "latency_ms": answer["latency_ms"],
        "citations": len(cited),
        "cited_words": sum(len(q.split()) for q in cited),
    }
    if item.answerable and quotes:
        row["first_hit"] = first_hit
        row["rr"] = 1.0 / first_hit if first_hit else 0.0
        for k in K_VALUES:
            row[f"hit@{k}"] = float(first_hit is not None and first_hit <= k)
            found = sum(any(contains(t, q) for t in retrieved[:k]) for q in quotes)
            row[f"evidence_recall@{k}"] = found / len(quotes)
        row["citation_recall"] = sum(
            any(contains(c, q) or contains(q, c) for c in cited) for q in quotes
        ) / len(quotes)
        supported = sum(any(contains(c, q) or contains(q, c) for q in quotes) for c in cited)
        row["citation_precision"] = supported / len(cited) if cited else 0.0
        row["key_points"] = _key_point_coverage(item.key_points, answer["answer"])
    return row


def _key_point_coverage(points: list[str], text: str) -> float:
    if not points:
        return 0.0
    answer_stems = stem_set(text)
    covered = 0
    for point in points:
        stems = stem_set(point)
        if stems and len(stems & answer_stems) / len(stems) >= KEY_POINT_FRACTION:
            covered += 1
    return covered / len(points)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"] and "rr" in r]
    unanswerable = [r for r in rows if not r["answerable"]]
    metrics: dict[str, Any] = {"items": len(rows)}
    for key in [
        "rr",
        "citation_recall",
        "citation_precision",
        "key_points",
        *[f"hit@{k}" for k in K_VALUES],
        *[f"evidence_recall@{k}" for k in K_VALUES],
    ]:
        values = [r[key] for r in answerable if key in r]
        metrics["mrr" if key == "rr" else key] = _mean(values)
    metrics["abstention_recall"] = _mean([float(r["abstained"]) for r in unanswerable])
    metrics["false_abstention_rate"] = _mean([float(r["abstained"]) for r in answerable])
    cited = sum(r["citations"] for r in rows)
    metrics["words_per_citation"] = sum(r["cited_words"] for r in rows) / cited if cited else 0.0
    latencies = sorted(r["latency_ms"] for r in rows)
    metrics["latency_p50_ms"] = _percentile(latencies, 50)
    metrics["latency_p95_ms"] = _percentile(latencies, 95)
    return metrics


def by_group(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Iterable[str]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for name in key(row):
            groups[name].append(row)
    return {name: summarise(group) for name, group in sorted(groups.items())}


def run(
    items: list[GoldItem], answer_fn: Callable[[GoldItem], Answer], progress=None
) -> tuple[list[dict], list[dict]]:
    """Answer every item; returns (results with Answer JSON, metric rows)."""
    results, rows = [], []
    for i, item in enumerate(items):
        answer = answer_fn(item).to_dict()
        results.append({"id": item.id, **answer})
        rows.append(score_item(item, answer))
        if progress:
            progress(i + 1, len(items))
    return results, rows


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * (len(values) - 1))))
    return round(values[index], 1)
