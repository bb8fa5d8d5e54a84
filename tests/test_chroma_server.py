"""Chroma client/server mode: the same index, its vectors on a `chroma run` server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from rag import store
from rag.answer.engine import Engine
from rag.embed import passage_embedding_text
from rag.ingest import ingest
from rag.ingest.job import scan_corpus
from rag.query import analyse
from rag.store import bm25

from .conftest import CORPUS, ROOT
from .helpers import chroma_count, chroma_ids

pytestmark = [pytest.mark.loopback, pytest.mark.slow]
S_FILE = "norfolk-case-s-learning-presentation.md"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """`chroma run` on a free loopback port with its data in a temp folder; stopped after."""
    chroma = shutil.which("chroma") or str(ROOT / ".venv" / "bin" / "chroma")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    command = [chroma, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1"]
    server = subprocess.Popen([*command, "--port", str(port)], stdout=log, stderr=log, env=env)
    try:
        _wait_for(port, server, tmp_path / "chroma.log")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_for(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"chroma run exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"chroma run did not listen on port {port} within {timeout} s")


@pytest.fixture
def http_settings(settings, chroma_server, corpus_copy):
    index = settings.index.model_copy(update={"chroma_mode": "http", "chroma_port": chroma_server})
    return settings.model_copy(update={"index": index})


def _server_collections(settings) -> set[str]:
    client = store.chroma_client(settings.index_dir, settings.index)
    return {c.name for c in client.list_collections()}


def test_ingest_into_the_server_and_retrieve(http_settings, fake_embedder):
    report = ingest(http_settings, embedder=fake_embedder)
    assert report.exit_code == 0 and report.documents == len(scan_corpus(CORPUS, "catalog.toml"))
    generation = store.open_current(http_settings)
    assert not generation.chroma_path.exists(), "http mode keeps no Chroma files in the index folder"
    assert (generation.path / "passages.jsonl").exists() and generation.bm25_path.is_dir()
    name = store.collection_name(http_settings, generation.path)
    assert _server_collections(http_settings) == {name}
    assert store.recipe_id(http_settings) in name and generation.path.name in name
    assert chroma_count(http_settings) == report.passages

    # A passage's own text finds it among the nearest: the server's HNSW search is approximate,
    # and the graph a multi-threaded insert builds varies from run to run, so not always first.
    for passage in generation.passages()[::25]:
        text = passage_embedding_text(passage.case, passage.section, passage.text, True)
        assert passage.id in chroma_ids(http_settings, fake_embedder.embed_query(text), k=3)
    engine = Engine.load(http_settings, embedder=fake_embedder)
    hits = engine.retrieve(analyse("what went wrong with the consultation in Case S", engine.directory))
    assert hits and all(h.passage.case == "Case S" for h in hits)


def test_second_ingest_switches_collections_atomically(http_settings, corpus_copy, fake_embedder):
    settings = http_settings.model_copy(
        update={"index": http_settings.index.model_copy(update={"keep_generations": 0})}
    )
    ingest(settings, embedder=fake_embedder)
    first = store.open_current(settings)
    first_name = store.collection_name(settings, first.path)

    path = corpus_copy / S_FILE
    path.write_text(path.read_text() + "\n\n## Postscript\nThe zebra crossing policy was revised.\n")
    report = ingest(settings, embedder=fake_embedder)
    second = store.open_current(settings)
    assert report.changed and second.path != first.path and not first.path.exists()
    second_name = store.collection_name(settings, second.path)
    assert _server_collections(settings) == {second_name}, "the old generation's collection is deleted"
    assert chroma_count(settings) == report.passages
    assert sum(s.value == "skipped_unchanged" for s in (r.status for r in report.files)) == len(report.files) - 1
    assert first_name != second_name


def test_failed_build_leaves_the_live_collection_and_no_orphan(
    http_settings, corpus_copy, fake_embedder, monkeypatch
):
    ingest(http_settings, embedder=fake_embedder)
    live = store.open_current(http_settings)
    before = _server_collections(http_settings)

    def broken(*args, **kwargs):
        raise OSError("disk full while writing BM25")

    monkeypatch.setattr(bm25, "persist", broken)
    (corpus_copy / S_FILE).write_text((corpus_copy / S_FILE).read_text() + "\n\nA new closing line.\n")
    with pytest.raises(OSError, match="disk full"):
        ingest(http_settings, embedder=fake_embedder)
    assert store.open_current(http_settings).path == live.path
    assert _server_collections(http_settings) == before
    assert chroma_count(http_settings) == len(live.passages())
