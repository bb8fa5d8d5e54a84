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
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from rag.eval.gold import GoldItem
from rag.eval.stats import percentile
from rag.text import normalise_space

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


@dataclass(frozen=True)
class Retrieval:
    """Where the evidence lay in the retrieved list (answerable items with evidence only)."""

    first_hit: int | None  # rank of the first passage containing an evidence quote
    retrieved_ids: list[str]
    relevant_ranks: list[int]  # ranks (1-based) of every passage containing an evidence quote
    evidence_recall: dict[int, float]  # share of the quotes in the first k passages, by k
    budget_recall: float  # share of the quotes in the first WORD_BUDGET words

    @property
    def rr(self) -> float:
        return 1.0 / self.first_hit if self.first_hit else 0.0

    def hit(self, k: int) -> float:
        return float(self.first_hit is not None and self.first_hit <= k)

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "first_hit": self.first_hit,
            "rr": self.rr,
            "retrieved_ids": self.retrieved_ids,
            "relevant_ranks": self.relevant_ranks,
        }
        for k in K_VALUES:
            row[f"hit@{k}"] = self.hit(k)
            row[f"evidence_recall@{k}"] = self.evidence_recall[k]
        row[BUDGET_KEY] = self.budget_recall
        return row


@dataclass(frozen=True)
class ItemScore:
    """One gold item's scores; a metric is None where it does not apply (see rag.eval.metrics)."""

    id: str
    category: str
    cases: list[str]
    answerable: bool
    abstained: bool
    latency_ms: float
    citations: int
    cited_words: int
    answer_words: int
    error: str = ""
    retrieval: Retrieval | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    key_points: float | None = None
    reviews: tuple[str, ...] = field(default=(), compare=False)  # documents it is about: bookkeeping

    @property
    def quality_parts(self) -> dict[str, float]:
        """The per-item metrics that make up `quality`, by metric key, where they apply."""
        parts = {
            "hit@5": self.retrieval.hit(5) if self.retrieval else None,
            "citation_recall": self.citation_recall,
            "key_points": self.key_points,
        }
        return {k: v for k, v in parts.items() if v is not None}

    @property
    def quality(self) -> float:
        """One number per item for 'worst items': 0 is a complete miss, 1 is perfect."""
        if not self.answerable:
            return 1.0 if self.abstained else 0.0
        if self.abstained or self.error:
            return 0.0
        parts = list(self.quality_parts.values())
        return round(statistics.fmean(parts), 4) if parts else 1.0

    def to_dict(self) -> dict[str, Any]:
        """The scores.jsonl row: a key per metric that applies."""
        row: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "cases": self.cases,
            "answerable": self.answerable,
            "abstained": self.abstained,
            "latency_ms": self.latency_ms,
            "citations": self.citations,
            "cited_words": self.cited_words,
            "answer_words": self.answer_words,
        }
        if self.error:
            row["error"] = self.error
        if self.retrieval:
            row.update(self.retrieval.to_dict())
        for key in ("citation_recall", "citation_precision", "key_points"):
            if getattr(self, key) is not None:
                row[key] = getattr(self, key)
        row["quality"] = self.quality
        return row


def score_item(item: GoldItem, answer: dict[str, Any]) -> ItemScore:
    """Per-item metrics from an Answer JSON (see rag.eval.metrics for the definitions)."""
    cited = [c["quote"] for c in answer.get("citations", [])]
    retrieval = citation_recall = citation_precision = key_points = None
    if item.answerable and item.quotes:
        retrieval = _retrieval(item.quotes, answer.get("retrieved", []))
        citation_recall = sum(any(overlaps(c, q) for c in cited) for q in item.quotes) / len(item.quotes)
    if item.answerable and cited:
        point_stems = [stems(p) for p in item.key_points]
        citation_precision = sum(_supports(c, item.quotes, point_stems) for c in cited) / len(cited)
    if item.answerable and item.key_points:
        answer_stems = stems(answer.get("answer", ""))
        key_points = sum(covers_point(answer_stems, p) for p in item.key_points) / len(item.key_points)
    return ItemScore(
        id=item.id,
        category=item.category,
        cases=item.cases,
        answerable=item.answerable,
        abstained=bool(answer.get("abstained")),
        latency_ms=float(answer.get("latency_ms") or 0.0),
        citations=len(cited),
        cited_words=sum(len(q.split()) for q in cited),
        answer_words=len(answer.get("answer", "").split()),
        error=answer.get("error") or "",
        retrieval=retrieval,
        citation_recall=citation_recall,
        citation_precision=citation_precision,
        key_points=key_points,
        reviews=item_reviews(item),
    )


def item_reviews(item: GoldItem) -> tuple[str, ...]:
    """The documents an item is about: those it names, else those holding its evidence."""
    return tuple(item.reviews) or tuple(dict.fromkeys(e.doc for e in item.evidence))


def _retrieval(quotes: list[str], retrieved: list[dict[str, Any]]) -> Retrieval:
    texts = [r["text"] for r in retrieved]
    relevant = [i for i, text in enumerate(texts, 1) if any(contains(text, q) for q in quotes)]
    return Retrieval(
        first_hit=relevant[0] if relevant else None,
        retrieved_ids=[r.get("id", str(i)) for i, r in enumerate(retrieved, 1)],
        relevant_ranks=relevant,
        evidence_recall={k: _found(quotes, texts[:k]) for k in K_VALUES},
        budget_recall=_found(quotes, budget_texts(texts)),
    )


def _found(quotes: list[str], texts: list[str]) -> float:
    return sum(any(contains(t, q) for t in texts) for q in quotes) / len(quotes)


def _supports(cited: str, quotes: list[str], point_stems: list[set[str]]) -> bool:
    if any(overlaps(cited, q) for q in quotes):
        return True
    cited_stems = stems(cited)
    return any(s and len(s & cited_stems) / len(s) >= KEY_POINT_FRACTION for s in point_stems)


# --- aggregates --------------------------------------------------------------------------


def summarise(scores: list[ItemScore]) -> dict[str, Any]:
    """The metrics of a group of items, by metrics.json key (None where no item qualifies)."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    ranked = [s.retrieval for s in answerable if s.retrieval]
    metrics: dict[str, Any] = {
        "items": len(scores),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for s in scores if s.error),
        "mrr": _mean([r.rr for r in ranked]),
    }
    metrics.update({f"hit@{k}": _mean([r.hit(k) for r in ranked]) for k in K_VALUES})
    metrics.update({f"evidence_recall@{k}": _mean([r.evidence_recall[k] for r in ranked]) for k in K_VALUES})
    metrics[BUDGET_KEY] = _mean([r.budget_recall for r in ranked])
    for key in ("citation_recall", "citation_precision", "key_points"):
        metrics[key] = _mean([v for s in answerable if (v := getattr(s, key)) is not None])
    metrics["abstention_recall"] = _mean([float(s.abstained) for s in unanswerable])
    metrics["false_abstention_rate"] = _mean([float(s.abstained) for s in answerable])
    metrics["abstain_accuracy"] = _mean([float(s.abstained != s.answerable) for s in scores])
    cited = sum(s.citations for s in scores)
    metrics["words_per_citation"] = round(sum(s.cited_words for s in scores) / cited, 2) if cited else None
    answered = [s.answer_words for s in scores if not s.abstained]
    metrics["answer_words"] = round(statistics.fmean(answered), 1) if answered else None
    latencies = [s.latency_ms for s in scores]
    metrics["latency_p50_ms"] = round(percentile(latencies, 50), 1) if latencies else 0.0
    metrics["latency_p95_ms"] = round(percentile(latencies, 95), 1) if latencies else 0.0
    return metrics


def by_group(scores: list[ItemScore], key: Callable[[ItemScore], Iterable[str]]) -> dict[str, Any]:
    groups: dict[str, list[ItemScore]] = defaultdict(list)
    for score in scores:
        for name in key(score):
            groups[name].append(score)
    return {name: summarise(group) for name, group in sorted(groups.items())}


def by_category(scores: list[ItemScore]) -> dict[str, Any]:
    return by_group(scores, lambda s: [s.category])


def by_split(scores: list[ItemScore], assigned: dict[str, str]) -> dict[str, Any]:
    """Train and test side by side (`assigned`: item id -> split): a gap between them is
    tuning that does not generalise."""
    return by_group(scores, lambda s: [assigned.get(s.id, "train")])


def by_case(scores: list[ItemScore]) -> dict[str, Any]:
    """Items naming several cases count in each; items naming none are grouped together."""
    return by_group(scores, lambda s: s.cases or ["(no case named)"])


def by_review(scores: list[ItemScore]) -> dict[str, Any]:
    """Per document: a review the system does worse on stands out, whatever its label
    (two reviews both called "Child A" are told apart). Items about no review are left out."""
    return by_group(scores, lambda s: s.reviews)


def _mean(values: list[float]) -> float | None:
    """Mean rounded to 4 places; None when no item qualifies (shown as 'n/a')."""
    return round(statistics.fmean(values), 4) if values else None
