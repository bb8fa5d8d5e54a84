"""kill -9 at every step of an ingest leaves the previous index complete and answering."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from rag import store
from rag.ingest import ingest

from .conftest import ROOT
from .helpers import bm25_ids, chroma_count

MARKERS = ["EMBED", "BM25", "BM25-DONE", "FSYNC", "FSYNC-DONE"]


def _run_until(marker: str, settings) -> str:
    """Start the slow ingest, kill -9 it when it prints `marker`; returns what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.slow_ingest", str(settings.corpus_dir), str(settings.index_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line.strip())
        if line.strip() == marker:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    return " ".join(seen)


@pytest.mark.slow
@pytest.mark.parametrize("marker", MARKERS)
def test_kill_during_ingest_leaves_old_index_usable(marker, settings, corpus_copy, fake_embedder):
    first = ingest(settings, embedder=fake_embedder)
    old = store.open_current(settings)
    old_passages = old.passages()
    path = corpus_copy / "llr-child-f-executive-summary.txt"
    path.write_text(path.read_text() + "\n\nA new closing paragraph about the quokka protocol.\n")

    printed = _run_until(marker, settings)
    assert marker in printed and "FINISHED" not in printed

    live = store.open_current(settings)
    assert live.path == old.path == type(old.path)(first.index_path)
    assert live.passages() == old_passages
    assert chroma_count(settings) == len(old_passages)
    assert bm25_ids(settings, "Case S childminder consultation")[0].startswith("norfolk")
    assert all("quokka" not in p.text for p in live.passages())

    # The next ingest sweeps the half-built generation and completes.
    report = ingest(settings, embedder=fake_embedder)
    assert report.changed and report.exit_code == 0
    generations = list(store.recipe_dir(settings).glob("gen-*"))
    assert all((g / "READY").exists() for g in generations)
    assert bm25_ids(settings, "quokka protocol")[0].startswith("llr-child-f")


@pytest.mark.slow
def test_kill_after_switch_serves_the_new_index(settings, corpus_copy, fake_embedder):
    ingest(settings, embedder=fake_embedder)
    path = corpus_copy / "llr-child-f-executive-summary.txt"
    path.write_text(path.read_text() + "\n\nA new closing paragraph about the quokka protocol.\n")
    printed = _run_until("SWEEP", settings)  # CURRENT already switched, old not yet removed
    assert "FSYNC-DONE" in printed
    assert bm25_ids(settings, "quokka protocol")[0].startswith("llr-child-f")
    assert chroma_count(settings) == len(store.open_current(settings).passages())
