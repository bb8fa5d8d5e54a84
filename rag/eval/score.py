"""Score answers against a gold question set: retrieval, citations, answers, abstention.

Evidence is matched by quote text, not by file name, so any gold file in this format
works even when its document names differ from the corpus file names. What each metric
means is written out in `rag.eval.metrics`.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from typing import Any

from rag.eval.gold import Evidence, GoldError, GoldItem, Turn, load_gold  # noqa: F401  (re-exported)
from rag.text import normalise_space
from rag.types import Answer

MATCH_FRACTION = 0.6  # a span "contains" a quote when it holds this much of it verbatim
KEY_POINT_FRACTION = 0.6  # a key point is covered when this share of its word stems appear
K_VALUES = (1, 3, 5, 10)
WORD_BUDGET = 500  # evidence recall within the first this-many words of the retrieved list
BUDGET_KEY = f"evidence_recall@{WORD_BUDGET}w"


# --- matching ----------------------------------------------------------------------------


def contains(span: str, quote: str) -> bool:
    """Whether `span` holds most of `quote` verbatim (whitespace and case ignored)."""
    a, b = normalise_space(span).lower(), normalise_space(quote).lower()
    if not b:
        return False
    if b in a:
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= MATCH_FRACTION * len(b)


def overlaps(cited: str, quote: str) -> bool:
    """A cited span and an evidence quote overlap when either contains most of the other."""
    return contains(cited, quote) or contains(quote, cited)


_STEMMER = None
_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no content of their own; negations are kept, they change what a point says.
_FUNCTION_TEXT = (
    "a an the and or but of to in on at by for from with as into about than that this these those "
    "it its he she they them his her their there is are was were be been being has have had do does "
    "did will would could should may might can must shall which who whom what when where"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())


def stems(text: str) -> set[str]:
    """Stemmed content words (Snowball English), so 'fracture' meets 'fractures'."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return {_STEMMER.stemWord(w) for w in _WORD.findall(text.lower()) if w not in _FUNCTION_WORDS}


def covers_point(text_stems: set[str], point: str) -> bool:
    point_stems = stems(point)
    return bool(point_stems) and len(point_stems & text_stems) / len(point_stems) >= KEY_POINT_FRACTION


def budget_texts(texts: list[str], budget: int = WORD_BUDGET) -> list[str]:
    """The retrieved passages cut to the first `budget` words of the list, in order."""
    out, left = [], budget
    for text in texts:
        if left <= 0:
            break
        tokens = text.split()
        out.append(" ".join(tokens[:left]))
        left -= len(tokens)
    return out


# --- per item --------------------------------------------------------------------------


def score_item(item: GoldItem, answer: dict[str, Any]) -> dict[str, Any]:
    """Per-item metrics from an Answer JSON (see rag.eval.metrics for the definitions)."""
    cited = [c["quote"] for c in answer.get("citations", [])]
    row: dict[str, Any] = {
        "id": item.id,
        "category": item.category,
        "cases": item.cases,
        "answerable": item.answerable,
        "abstained": bool(answer.get("abstained")),
        "latency_ms": float(answer.get("latency_ms") or 0.0),
        "citations": len(cited),
        "cited_words": sum(len(q.split()) for q in cited),
        "answer_words": len(answer.get("answer", "").split()),
    }
    if answer.get("error"):
        row["error"] = answer["error"]
    if item.answerable and item.quotes:
        row.update(_retrieval(item.quotes, answer.get("retrieved", [])))
        row["citation_recall"] = sum(any(overlaps(c, q) for c in cited) for q in item.quotes) / len(
            item.quotes
        )
    if item.answerable and cited:
        point_stems = [stems(p) for p in item.key_points]
        supported = sum(_supports(c, item.quotes, item.key_points, point_stems) for c in cited)
        row["citation_precision"] = supported / len(cited)
    if item.answerable and item.key_points:
        answer_stems = stems(answer.get("answer", ""))
        row["key_points"] = sum(covers_point(answer_stems, p) for p in item.key_points) / len(item.key_points)
    row["quality"] = _quality(row)
    return row


def _retrieval(quotes: list[str], retrieved: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [r["text"] for r in retrieved]
    relevant = [i for i, text in enumerate(texts, 1) if any(contains(text, q) for q in quotes)]
    first = relevant[0] if relevant else None
    row: dict[str, Any] = {
        "first_hit": first,
        "rr": 1.0 / first if first else 0.0,
        "retrieved_ids": [r.get("id", str(i)) for i, r in enumerate(retrieved, 1)],
        "relevant_ranks": relevant,
    }
    for k in K_VALUES:
        row[f"hit@{k}"] = float(first is not None and first <= k)
        row[f"evidence_recall@{k}"] = _found(quotes, texts[:k])
    row[BUDGET_KEY] = _found(quotes, budget_texts(texts))
    return row


def _found(quotes: list[str], texts: list[str]) -> float:
    return sum(any(contains(t, q) for t in texts) for q in quotes) / len(quotes)


def _supports(cited: str, quotes: list[str], points: list[str], point_stems: list[set[str]]) -> bool:
    if any(overlaps(cited, q) for q in quotes):
        return True
    cited_stems = stems(cited)
    return any(s and len(s & cited_stems) / len(s) >= KEY_POINT_FRACTION for s in point_stems)


def _quality(row: dict[str, Any]) -> float:
    """One number per item for 'worst items': 0 is a complete miss, 1 is perfect."""
    if not row["answerable"]:
        return 1.0 if row["abstained"] else 0.0
    if row["abstained"] or row.get("error"):
        return 0.0
    parts = [row[k] for k in ("hit@5", "citation_recall", "key_points") if k in row]
    return round(statistics.fmean(parts), 4) if parts else 1.0


# --- aggregates --------------------------------------------------------------------------

MEAN_KEYS = [
    "rr",
    *[f"hit@{k}" for k in K_VALUES],
    *[f"evidence_recall@{k}" for k in K_VALUES],
    BUDGET_KEY,
    "citation_recall",
    "citation_precision",
    "key_points",
]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    metrics: dict[str, Any] = {
        "items": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in rows if r.get("error")),
    }
    for key in MEAN_KEYS:
        metrics["mrr" if key == "rr" else key] = _mean([r[key] for r in answerable if key in r])
    metrics["abstention_recall"] = _mean([float(r["abstained"]) for r in unanswerable])
    metrics["false_abstention_rate"] = _mean([float(r["abstained"]) for r in answerable])
    metrics["abstain_accuracy"] = _mean([float(r["abstained"] != r["answerable"]) for r in rows])
    cited = sum(r["citations"] for r in rows)
    metrics["words_per_citation"] = round(sum(r["cited_words"] for r in rows) / cited, 2) if cited else None
    answered = [r["answer_words"] for r in rows if not r["abstained"]]
    metrics["answer_words"] = round(statistics.fmean(answered), 1) if answered else None
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


def by_category(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return by_group(rows, lambda r: [r["category"]])


def by_case(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Items naming several cases count in each; items naming none are grouped together."""
    return by_group(rows, lambda r: r["cases"] or ["(no case named)"])


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


def _mean(values: list[float]) -> float | None:
    """Mean rounded to 4 places; None when no item qualifies (shown as 'n/a')."""
    return round(statistics.fmean(values), 4) if values else None


def _percentile(values: list[float], pct: float) -> float:
    """The value at index round(pct% x (n - 1)) of the sorted values."""
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * (len(values) - 1))))
    return round(values[index], 1)
