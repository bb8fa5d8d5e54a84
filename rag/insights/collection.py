"""Reading the insights stored with an index generation, one row per document, into one card
per review (a review published as an overview report and a briefing is one card)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.insights.types import SCALAR_FIELDS, Collection, ReviewCard, Theme, ThemeTag
from rag.store.files import read_jsonl
from rag.store.generation import INSIGHTS_FILE


def load_collection(generation: Path, themes: list[Theme]) -> Collection:
    """The generation's cards, one per review; empty for an index built without insights."""
    rows = list(read_jsonl(generation / INSIGHTS_FILE))
    meta = next((r for r in rows if "taxonomy" in r and "card" not in r), {})
    by_review: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if "card" in row:
            by_review.setdefault(row["card"]["review"], []).append(row)
    cards = [merge_cards(by_review[review]) for review in sorted(by_review)]
    cards.sort(key=lambda c: c.name.lower())
    known = {t.id for t in themes}
    cards = [replace(c, themes=tuple(t for t in c.themes if t.theme in known)) for c in cards]
    return Collection(cards, themes, taxonomy=meta.get("taxonomy", ""), built_with=meta.get("built_with", {}))


def merge_cards(rows: list[dict[str, Any]]) -> ReviewCard:
    """One review's card from its documents' cards: the main document (most passages) says
    first, the others fill what it does not state; themes keep each theme's strongest tag."""
    rows = sorted(rows, key=lambda r: (-r.get("passages", 0), r["doc_id"]))
    cards = [ReviewCard.from_dict(r["card"]) for r in rows]
    main = cards[0]
    if len(cards) == 1:
        return main
    fields = {
        name: next((c.field(name) for c in cards if c.field(name).stated), main.field(name))
        for name in SCALAR_FIELDS
    }
    first = lambda attr: next((getattr(c, attr) for c in cards if getattr(c, attr)), ())  # noqa: E731
    tags: dict[str, ThemeTag] = {}
    for card in cards:
        for tag in card.themes:
            if tag.theme not in tags or tag.score > tags[tag.theme].score:
                tags[tag.theme] = tag
    return ReviewCard(
        review=main.review,
        name=main.name,
        documents=tuple(d for c in cards for d in c.documents),
        fields=fields,
        agencies=first("agencies"),
        key_findings=first("key_findings"),
        recommendations=first("recommendations"),
        themes=tuple(sorted(tags.values(), key=lambda t: -t.score)),
    )
