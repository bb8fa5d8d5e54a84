"""Shared fixtures: every test runs offline, on temporary index and corpus folders."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import pytest_socket

# urllib3 probes IPv6 support at import time by opening (not connecting) a local socket;
# import it before sockets are blocked so that probe is not reported as network use.
import urllib3  # noqa: F401, E402

import rag  # noqa: F401  (sets the offline environment before anything else loads)
from rag.settings import Settings, load_settings

if TYPE_CHECKING:
    from rag.answer.engine import Engine
    from rag.embed import Embedder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIXTURE_PDFS = ROOT / "tests" / "data" / "pdfs"  # provenance and licences: tests/data/README.md
_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """Deterministic, content-dependent embedder: a hashed bag of words, L2-normalised.
    Texts sharing words get similar vectors, so ranking in tests means something."""

    name = "fake-hashed-bow"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            bucket = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")
            vector[bucket % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


@pytest.fixture(autouse=True)
def _offline_and_isolated(request, tmp_path, monkeypatch):
    """No test reaches the network or the real index/corpus folders by accident."""
    if request.node.get_closest_marker("loopback"):
        # Servers started by the test on this machine; connections elsewhere are refused.
        pytest_socket.socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
    else:
        pytest_socket.disable_socket(allow_unix_socket=True)
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.delenv("RAG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    yield
    pytest_socket.enable_socket()
    pytest_socket._remove_restrictions()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus (documents and catalog)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


# --- indexes built once per session ------------------------------------------------------------
# Session fixtures are set up before the per-test isolation above, so they block sockets and
# point the RAG_* paths at their own folder themselves. Tests only read these indexes; a test
# that changes the corpus or the index ingests its own copy (`corpus_copy`, `settings`).


@contextmanager
def offline_outside_a_test(root: Path) -> Iterator[None]:
    """Sockets blocked and RAG_* paths under root while a shared index is built; the socket
    state of whatever runs next (a loopback test, say) is restored afterwards."""
    saved = socket.socket, socket.getaddrinfo, socket.gethostbyname
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("RAG_INDEX_DIR", str(root / "index"))
            patch.setenv("RAG_CORPUS_DIR", str(root / "corpus"))
            patch.delenv("RAG_CONFIG", raising=False)
            yield
    finally:
        socket.socket, socket.getaddrinfo, socket.gethostbyname = saved  # type: ignore[misc]


def index_corpus(
    root: Path, embedder: Embedder | None = None, change: Callable[[Path], None] | None = None
) -> Settings:
    """The real corpus copied to root/corpus (then edited by `change`, if given) and ingested
    into root/index, with the real model unless an embedder is given."""
    from rag.ingest import ingest

    shutil.copytree(CORPUS, root / "corpus", ignore=shutil.ignore_patterns("_*"))
    if change is not None:
        change(root / "corpus")
    settings = load_settings(corpus_dir=root / "corpus", index_dir=root / "index")
    report = ingest(settings, embedder=embedder)
    assert report.exit_code == 0 and {r.status.value for r in report.files} == {"ok"}, report.to_dict()
    return settings


def _shared_index(tmp_path_factory, name: str, **build) -> Iterator[Settings]:
    from rag import store

    root = tmp_path_factory.mktemp(name)
    with offline_outside_a_test(root):
        settings = index_corpus(root, **build)
    live = store.open_current(settings).path
    yield settings
    assert store.open_current(settings).path == live, f"a test changed the shared index {name}"


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Iterator[Settings]:
    """The real corpus ingested once with the real model, real Chroma and BM25."""
    yield from _shared_index(tmp_path_factory, "real-index")


@pytest.fixture(scope="session")
def real_engine(real_index) -> Engine:
    from rag.answer.engine import Engine

    # Each question embeds the sentences of what it retrieves; the background warm-up of
    # every sentence is left to the evaluation gate's engine, which asks all the gold questions.
    return Engine.load(real_index, warm_up=False)


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory) -> Iterator[Settings]:
    """The real corpus ingested once with the fake embedder."""
    yield from _shared_index(tmp_path_factory, "fake-index", embedder=FakeEmbedder())


@pytest.fixture(scope="session")
def fake_engine(fake_index) -> Engine:
    from rag.answer.engine import Engine

    return Engine.load(fake_index, embedder=FakeEmbedder())


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Iterator[Settings]:
    """The fake-embedder index with one more review whose text and catalog entry carry markup."""
    from tests.web_support import add_hostile_review

    yield from _shared_index(tmp_path_factory, "hostile-index", embedder=FakeEmbedder(), change=add_hostile_review)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by Playwright (tests/browser_support.py), one per test module."""
    from tests.browser_support import BROWSER_ARGS, CHROMIUM

    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield chromium
        chromium.close()
