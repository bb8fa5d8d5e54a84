"""Shared fixtures: every test runs offline, on temporary index and corpus folders."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import pytest_socket

# urllib3 probes IPv6 support at import time by opening (not connecting) a local socket;
# import it before sockets are blocked so that probe is not reported as network use.
import urllib3  # noqa: F401, E402

import rag  # noqa: F401  (sets the offline environment before anything else loads)
from rag.settings import Settings, load_settings

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
