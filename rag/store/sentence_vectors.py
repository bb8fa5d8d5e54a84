"""The sentence vectors of a generation: every sentence the insights embedded at ingest, by
document, keyed by a hash of the exact text embedded. The engine reads them at start-up, so
its sentence warm-up embeds only what ingest did not (a sentence's vector depends only on its
text and the embedder, which the recipe fixes)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np

from rag.store import files

FILE = "sentence_vectors.npz"
ByDocument = dict[str, tuple[list[str], np.ndarray]]  # doc_id -> (text keys, vectors)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def write(path: Path, by_doc: ByDocument) -> None:
    """All documents' vectors in one file, all or nothing."""
    docs = sorted(d for d, (keys, _) in by_doc.items() if keys)
    keys = [k for d in docs for k in by_doc[d][0]]
    vectors = [by_doc[d][1] for d in docs]
    buffer = io.BytesIO()
    np.savez(
        buffer,
        docs=np.array(docs, dtype=str),
        doc_of=np.repeat(np.arange(len(docs)), [len(by_doc[d][0]) for d in docs]),
        keys=np.array(keys, dtype=str),
        vectors=np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, 0), np.float32),
    )
    files.atomic_write_bytes(path, buffer.getvalue())


def read(path: Path) -> ByDocument:
    """What `write` wrote; empty when the generation has none (built without insights, or
    before sentence vectors were kept)."""
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        docs, doc_of, keys, vectors = data["docs"], data["doc_of"], data["keys"], data["vectors"]
    out: ByDocument = {}
    for i, doc_id in enumerate(docs.tolist()):
        rows = np.flatnonzero(doc_of == i)
        out[doc_id] = ([str(k) for k in keys[rows]], vectors[rows])
    return out


def by_text(by_doc: ByDocument) -> dict[str, np.ndarray]:
    """Every vector by its text key, whatever its document."""
    return {k: v for keys, vectors in by_doc.values() for k, v in zip(keys, vectors, strict=True)}


def taxonomy_cache_path(recipe_root: Path, embedder_name: str) -> Path:
    """Where an index keeps the vectors of its taxonomy's phrasings, beside its generations:
    they outlive a rebuild, and the embedder's name in the file name keeps a different
    model's vectors apart."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", embedder_name)
    return recipe_root / f"taxonomy_vectors-{safe}.npz"


def read_keyed(path: Path) -> dict[str, np.ndarray]:
    """Vectors by text key; empty when the file is missing or unreadable (it is only a cache)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}


def write_keyed(path: Path, by_key: dict[str, np.ndarray]) -> None:
    keys = sorted(by_key)
    buffer = io.BytesIO()
    empty = np.zeros((0, 0), np.float32)
    vectors = np.vstack([by_key[k] for k in keys]).astype(np.float32) if keys else empty
    np.savez(buffer, keys=np.array(keys, dtype=str), vectors=vectors)
    files.atomic_write_bytes(path, buffer.getvalue())
