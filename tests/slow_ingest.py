"""Run an ingest that announces and lingers at each step, so a test can kill -9 it there.

Usage: python -m tests.slow_ingest CORPUS INDEX. Prints one marker line per step.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rag import store
from rag.ingest import ingest
from rag.settings import load_settings
from tests.conftest import FakeEmbedder


def _announce(marker: str, pause: float = 0.6) -> None:
    print(marker, flush=True)
    time.sleep(pause)


class SlowEmbedder(FakeEmbedder):
    def embed_passages(self, texts):
        _announce("EMBED")
        return super().embed_passages(texts)


def _lingering(name: str, original):
    def wrapper(*args, **kwargs):
        _announce(name)
        result = original(*args, **kwargs)
        _announce(name + "-DONE")
        return result

    return wrapper


def main() -> None:
    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    store._persist_bm25 = _lingering("BM25", store._persist_bm25)
    store._fsync_tree = _lingering("FSYNC", store._fsync_tree)
    store._sweep = _lingering("SWEEP", store._sweep)
    settings = load_settings(corpus_dir=corpus, index_dir=index)
    ingest(settings, embedder=SlowEmbedder())
    print("FINISHED", flush=True)


if __name__ == "__main__":
    main()
