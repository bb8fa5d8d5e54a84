"""Make every library we load run without a network (and torch's threads share the CPU).

Imported first by `rag/__init__.py`, before transformers, sentence-transformers,
chromadb, gradio or llama-index are imported, because several of them read these
variables once at import time.
"""

from __future__ import annotations

import os
from importlib import util

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


def _llama_index_static(sub: str) -> str | None:
    """Path of a folder llama-index ships inside its wheel (tiktoken and NLTK data)."""
    spec = util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "_static", sub)
    return path if os.path.isdir(path) else None


def apply() -> None:
    """Set the offline environment; values the user set explicitly win."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    # torch's OpenMP threads spin while they wait for work, taking CPU from everything else
    # (another request, an ingest, Chroma): on two shared cores a one-question embedding
    # took up to ~1 s instead of ~20 ms. Sleeping costs batch encodes nothing measurable.
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    # tiktoken downloads its BPE file on first use unless pointed at a local copy;
    # llama-index ships cl100k/o200k, so any tiktoken use resolves from disk.
    tiktoken_cache = _llama_index_static("tiktoken_cache")
    if tiktoken_cache:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", tiktoken_cache)


apply()
