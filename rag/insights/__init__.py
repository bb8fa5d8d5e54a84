"""Collection insights: a cited card for every review, and the themes each one discusses.

Built at ingest (`build.py`, for changed documents only), stored with the index generation
(`INSIGHTS_FILE`), read by the engine (`load_collection`) for `rag cards`, `rag themes`, the
REST API, the Reviews view of the UI and the answers to collection questions.
"""

from __future__ import annotations

from rag.insights.collection import INSIGHTS_FILE, load_collection
from rag.insights.types import (
    NOT_STATED,
    SCALAR_FIELDS,
    Collection,
    Field,
    Item,
    Quote,
    ReviewCard,
    Theme,
    ThemeTag,
)

__all__ = [
    "INSIGHTS_FILE",
    "load_collection",
    "NOT_STATED",
    "SCALAR_FIELDS",
    "Collection",
    "Field",
    "Item",
    "Quote",
    "ReviewCard",
    "Theme",
    "ThemeTag",
]
