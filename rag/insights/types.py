"""What collection insights are made of: cited quotes, review cards and theme tags.

`to_dict` of `ReviewCard`, `ThemeTag` and `Collection` is the JSON of `rag cards --json`,
`rag themes --json`, `GET /api/reviews` and `GET /api/themes`: extend it, never rename.
Every value a card states carries the quote it was read from; a field the review does not
state is `None` and says "not stated" wherever it is shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOT_STATED = "not stated"
# Card fields holding one value, in the order a card shows them.
SCALAR_FIELDS = ("title", "board", "year", "review_type", "child_age", "child_sex", "incident")
STRENGTHS = ("major", "minor")


@dataclass(frozen=True)
class Quote:
    """An exact span of a document's cleaned text, as a citation points at it."""

    doc_id: str
    start: int  # offsets into the document's cleaned text
    end: int
    text: str  # exactly document.text[start:end]
    page: int | None = None
    page_end: int | None = None
    paragraph: str | None = None
    section: str = ""
    passage_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        return cls(**data)


@dataclass(frozen=True)
class Field:
    """One card value and the quote it comes from; both None when the review does not say.
    `source` is "document" (read from the text), "catalog" (the catalog says, the text does
    not) or "" (not stated)."""

    value: str | None = None
    quote: Quote | None = None
    source: str = ""

    @property
    def stated(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        quote = self.quote.to_dict() if self.quote else None
        return {"value": self.value, "quote": quote, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        quote = data.get("quote")
        return cls(data.get("value"), Quote.from_dict(quote) if quote else None, data.get("source", ""))


@dataclass(frozen=True)
class Item:
    """A listed value: an agency, a key finding or a recommendation (`number` as the review
    numbers it, "" when it does not)."""

    text: str
    quote: Quote
    number: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "number": self.number, "quote": self.quote.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(data["text"], Quote.from_dict(data["quote"]), data.get("number", ""))


@dataclass(frozen=True)
class ThemeTag:
    """A review discusses a theme: how strongly, and the sentences that show it."""

    theme: str  # the taxonomy id, "over_optimism"
    name: str  # "Over-optimism / rule of optimism"
    strength: str  # "major" | "minor"
    score: float  # the tagger's probability that the review discusses the theme
    sentences: tuple[Quote, ...] = ()  # best first

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        data["sentences"] = [q.to_dict() for q in self.sentences]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThemeTag:
        quotes = tuple(Quote.from_dict(q) for q in data.get("sentences", ()))
        return cls(data["theme"], data["name"], data["strength"], float(data["score"]), quotes)


@dataclass(frozen=True)
class ReviewCard:
    """One review at a glance; every value cited or "not stated"."""

    review: str  # the review id
    name: str  # its display name, "Child S (Norfolk, 2017)"
    documents: tuple[str, ...]  # doc ids of the review's documents, main document first
    fields: dict[str, Field]  # SCALAR_FIELDS
    agencies: tuple[Item, ...] = ()
    key_findings: tuple[Item, ...] = ()
    recommendations: tuple[Item, ...] = ()
    themes: tuple[ThemeTag, ...] = ()

    def field(self, name: str) -> Field:
        return self.fields.get(name) or Field()

    def to_dict(self) -> dict[str, Any]:
        return {
            "review": self.review,
            "name": self.name,
            "documents": list(self.documents),
            "fields": {name: self.field(name).to_dict() for name in SCALAR_FIELDS},
            "agencies": [i.to_dict() for i in self.agencies],
            "key_findings": [i.to_dict() for i in self.key_findings],
            "recommendations": [i.to_dict() for i in self.recommendations],
            "themes": [t.to_dict() for t in self.themes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReviewCard:
        return cls(
            review=data["review"],
            name=data["name"],
            documents=tuple(data.get("documents", ())),
            fields={k: Field.from_dict(v) for k, v in data.get("fields", {}).items()},
            agencies=tuple(Item.from_dict(i) for i in data.get("agencies", ())),
            key_findings=tuple(Item.from_dict(i) for i in data.get("key_findings", ())),
            recommendations=tuple(Item.from_dict(i) for i in data.get("recommendations", ())),
            themes=tuple(ThemeTag.from_dict(t) for t in data.get("themes", ())),
        )


@dataclass(frozen=True)
class Theme:
    """One theme of the taxonomy file (rag/data/themes.toml or the collection's own)."""

    id: str
    name: str
    definition: str
    phrasings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "definition": self.definition}


@dataclass
class Collection:
    """Every card of an index generation and the review x theme matrix they make."""

    cards: list[ReviewCard]
    themes: list[Theme]
    taxonomy: str = ""  # the taxonomy file the tags were made with
    built_with: dict[str, Any] = field(default_factory=dict)  # e.g. {"seconds": 3.2}

    def card(self, review: str) -> ReviewCard | None:
        return next((c for c in self.cards if c.review == review), None)

    def reviews_with(self, theme: str) -> list[tuple[ReviewCard, ThemeTag]]:
        """The reviews tagged with a theme, strongest first."""
        found = [(c, t) for c in self.cards for t in c.themes if t.theme == theme]
        return sorted(found, key=lambda ct: (ct[1].strength != "major", -ct[1].score, ct[0].name))

    def themes_json(self) -> dict[str, Any]:
        """The matrix as `rag themes --json` and `GET /api/themes` give it."""
        return {
            "total_reviews": len(self.cards),
            "taxonomy": self.taxonomy,
            "themes": [{**t.to_dict(), "reviews": len(self.reviews_with(t.id))} for t in self.themes],
            "reviews": [{"review": c.review, "name": c.name} for c in self.cards],
            "tags": [{"review": c.review, **t.to_dict()} for c in self.cards for t in c.themes],
        }
