"""The on-disk index: Chroma vectors, a BM25 index and the passages, per recipe.

Layout under the index folder::

    <recipe-id>/                  one folder per recipe (embedder + chunking settings)
        recipe.json               the resolved settings that produced it
        CURRENT                   name of the generation readers use
        taxonomy_vectors-<embedder>.npz  the theme phrasings' vectors, kept across rebuilds
        gen-<time>-<pid>/         one complete, immutable-once-live generation
            chroma/  bm25/  passages.jsonl  documents.jsonl  manifest.json  READY

An ingest builds a new generation beside the live one (copying the previous
vectors so unchanged files are not embedded again), writes READY last and then
switches CURRENT with an atomic rename. A process killed at any moment leaves
CURRENT pointing at a complete generation; half-built ones are swept next time.

Every generation's manifest records its passage and vector counts and the checksums of its
files; a generation is verified before it is served or built upon, and a damaged one is
refused with `rag ingest --rebuild` named. Readers hold the generation they serve (a shared
lock), and the sweep never deletes a held generation.

Modules: `recipe` (the index's identity), `generation` (manifest, CURRENT, sweeping),
`integrity` (counts and checksums), `lease` (readers' holds), `errors`,
`chroma` (clients and collections), `bm25`, `nodes` (passages as llama-index nodes),
`files` (atomic writes, JSON lines) and `builder` (writing a new generation).
"""

from __future__ import annotations

from rag.store.builder import Builder, IngestLocked, ingest_lock
from rag.store.chroma import (
    chroma_client,
    collection_name,
    drop_collection,
    open_collection,
    release_chroma,
)
from rag.store.errors import IndexBroken, IndexMissing, IndexWriteError, write_failure
from rag.store.generation import (
    FileRecord,
    Generation,
    Manifest,
    current_or_none,
    open_current,
    sweep_unfinished,
)
from rag.store.nodes import to_node
from rag.store.recipe import BM25_STEMMER, PIPELINE_VERSION, embedder_name, recipe, recipe_dir, recipe_id

__all__ = [
    "BM25_STEMMER",
    "PIPELINE_VERSION",
    "Builder",
    "FileRecord",
    "Generation",
    "IndexBroken",
    "IndexMissing",
    "IndexWriteError",
    "IngestLocked",
    "Manifest",
    "chroma_client",
    "collection_name",
    "current_or_none",
    "drop_collection",
    "embedder_name",
    "ingest_lock",
    "open_collection",
    "open_current",
    "recipe",
    "recipe_dir",
    "recipe_id",
    "release_chroma",
    "sweep_unfinished",
    "to_node",
    "write_failure",
]
