"""Run an ingest that announces and lingers at each step, so a test can kill -9 it there.

Usage: python -m tests.slow_ingest CORPUS INDEX. Prints one marker line per step.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rag.ingest import ingest
from rag.settings import load_settings
from rag.store import bm25, files, generation
from tests.conftest import FakeEmbedder


def _announce(marker: str, pause: float = 0.6) -> None:
    print(marker, flush=True)
    time.sleep(pause)


class SlowEmbedder(FakeEmbedder):
    def embed_passages(self, texts):
        _announce("EMBED")
        return super().embed_passages(texts)


def _linger(marker: str, module, name: str) -> None:
    """Make `module.name` announce `marker` and pause before and after it runs. The Builder
    calls these through their modules, so this is where it looks them up."""
    original = getattr(module, name)  # AttributeError, not a silent no-op, if it moved

    def wrapper(*args, **kwargs):
        _announce(marker)
        result = original(*args, **kwargs)
        _announce(marker + "-DONE")
        return result

    setattr(module, name, wrapper)


def _linger_before_rename(names: set[str]) -> None:
    """Announce NAME-TMP (e.g. CURRENT-TMP) once the temp file of an atomic write of one of
    `names` is written and before it is renamed over the target."""
    original = files._atomic_open  # AttributeError if it moved

    @contextmanager
    def wrapper(path, *args, **kwargs):
        with original(path, *args, **kwargs) as handle:
            yield handle
            if path.name in names:
                handle.flush()
                _announce(f"{path.name.upper()}-TMP")

    files._atomic_open = wrapper


def main() -> None:
    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    _linger_before_rename({"recipe.json", "CURRENT"})
    _linger("BM25", bm25, "persist")
    _linger("FSYNC", files, "fsync_tree")
    _linger("SWEEP", generation, "sweep_old")
    settings = load_settings(corpus_dir=corpus, index_dir=index)
    ingest(settings, embedder=SlowEmbedder())
    print("FINISHED", flush=True)


if __name__ == "__main__":
    main()
