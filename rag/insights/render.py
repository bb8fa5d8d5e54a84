"""Cards and the theme matrix as plain text (for `rag cards`, `rag themes`)."""

from __future__ import annotations

from rag.insights.types import NOT_STATED, SCALAR_FIELDS, Collection, Quote, ReviewCard

LABELS = {
    "title": "Title",
    "board": "Board",
    "year": "Year",
    "review_type": "Review type",
    "child_age": "Child's age",
    "child_sex": "Child's sex",
    "incident": "What happened",
    "agencies": "Agencies involved",
    "key_findings": "Key findings",
    "recommendations": "Recommendations",
    "themes": "Themes",
}


def where(quote: Quote) -> str:
    """'p. 4, para 4.1.17, 4 Analysis' - as much of it as is known."""
    parts = []
    if quote.page is not None:
        parts.append(f"p. {quote.page}" + (f"-{quote.page_end}" if quote.page_end else ""))
    if quote.paragraph:
        parts.append(f"para {quote.paragraph}")
    if quote.section:
        parts.append(quote.section.split(" > ")[-1])
    return ", ".join(parts) or quote.doc_id


def card_text(card: ReviewCard) -> str:
    lines = [card.name, "=" * len(card.name), f"Documents: {', '.join(card.documents)}"]
    for name in SCALAR_FIELDS:
        field = card.field(name)
        if not field.stated:
            lines.append(f"{LABELS[name]}: {NOT_STATED}")
            continue
        cited = f' ["{_short(field.quote.text)}", {where(field.quote)}]' if field.quote else " [catalog]"
        lines.append(f"{LABELS[name]}: {field.value}{cited}")
    for name in ("agencies", "key_findings", "recommendations"):
        items = getattr(card, name)
        lines.append(f"{LABELS[name]}:" + ("" if items else f" {NOT_STATED}"))
        for k, item in enumerate(items, start=1):
            number = f"{item.number}." if name == "recommendations" and item.number else f"{k}."
            lines.append(f"  {number} {item.text} [{where(item.quote)}]")
    themes = ", ".join(f"{t.name} ({t.strength})" for t in card.themes)
    lines.append(f"{LABELS['themes']}: {themes or 'none found'}")
    return "\n".join(lines)


def matrix_text(collection: Collection) -> str:
    """Themes down, with how many reviews discuss each and which."""
    total = len(collection.cards)
    lines = [f"{total} reviews, {len(collection.themes)} themes (M major, m minor)"]
    width = max((len(t.name) for t in collection.themes), default=10)
    for theme in collection.themes:
        tagged = collection.reviews_with(theme.id)
        marks = ", ".join(f"{c.name} {'M' if t.strength == 'major' else 'm'}" for c, t in tagged)
        lines.append(f"{theme.name:<{width}}  {len(tagged):>3}/{total}  {marks}")
    return "\n".join(lines)


def _short(text: str, words: int = 16) -> str:
    tokens = " ".join(text.split()).split()
    return " ".join(tokens[:words]) + (" ..." if len(tokens) > words else "")
