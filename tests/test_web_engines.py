"""The app's engine holder: loads off the request path, and keeps answering across index switches."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag import store
from rag.answer.holder import EngineHolder, EngineLoading

from .web_support import eventually


class Generations:
    """Stands in for the index folder: which generation is live, if any."""

    def __init__(self, live: str | None):
        self.live = live

    def open_current(self, settings):
        if self.live is None:
            raise store.IndexMissing("no index: run `rag ingest`")
        return SimpleNamespace(path=Path(self.live))


def _engine(path: str):
    return SimpleNamespace(search=SimpleNamespace(generation=SimpleNamespace(path=Path(path))), name=path)


@pytest.fixture
def generations(monkeypatch):
    generations = Generations("index/gen-1")
    monkeypatch.setattr(store, "open_current", generations.open_current)
    return generations


def test_first_request_starts_loading_instead_of_waiting(generations):
    release = threading.Event()

    def loader():
        release.wait(timeout=30)
        return _engine(generations.live)

    holder = EngineHolder(settings=None, loader=loader)
    with pytest.raises(EngineLoading):
        holder.get()
    release.set()
    assert holder.wait_ready(timeout=30).name == "index/gen-1"


def test_previous_generation_answers_while_the_new_one_loads(generations):
    release = threading.Event()
    loads = []

    def loader():
        loads.append(generations.live)
        if len(loads) > 1:
            release.wait(timeout=30)
        return _engine(generations.live)

    holder = EngineHolder(settings=None, loader=loader)
    assert holder.wait_ready(timeout=30).name == "index/gen-1"
    generations.live = "index/gen-2"  # `rag ingest` switched CURRENT
    assert holder.get().name == "index/gen-1"
    assert holder.get().name == "index/gen-1"
    release.set()
    assert eventually(lambda: holder.get().name == "index/gen-2")
    assert loads == ["index/gen-1", "index/gen-2"]  # one load per generation, however many requests


def test_status_says_how_to_build_a_missing_index(generations):
    generations.live = None
    holder = EngineHolder(settings=None, loader=lambda: _engine("never"))
    status = holder.status()
    assert status["status"] == "no_index" and "rag ingest" in status["message"]


def test_a_failed_load_is_reported_and_retried(generations):
    repaired = threading.Event()

    def loader():
        if not repaired.is_set():
            raise RuntimeError("chroma folder unreadable")
        return _engine(generations.live)

    holder = EngineHolder(settings=None, loader=loader)
    with pytest.raises(EngineLoading):
        holder.get()
    assert eventually(lambda: "chroma folder unreadable" in holder.status().get("message", ""))
    repaired.set()
    assert holder.wait_ready(timeout=30).name == "index/gen-1"


class WarmingEngine:
    """An engine that loads at once and then embeds its sentences until told it is done,
    reporting progress as the real one does."""

    def __init__(self, path: str, passages: int = 300):
        generation = SimpleNamespace(path=Path(path))
        self.search = SimpleNamespace(generation=generation, passages={}, documents={})
        self.name, self.cases = path, []
        self.warmed = threading.Event()
        self.warm_progress = (0, passages)

    def finish_warm_up(self) -> None:
        self.warm_progress = (self.warm_progress[1], self.warm_progress[1])
        self.warmed.set()


def test_health_is_not_ready_until_warm_up_is_done(generations):
    engine = WarmingEngine(generations.live)
    holder = EngineHolder(settings=None, loader=lambda: engine)
    holder.start()
    assert eventually(lambda: holder._warming is engine)  # loaded, now warming up
    engine.warm_progress = (128, 300)
    status = holder.status()
    assert status["status"] == "loading"
    assert status["message"] == "preparing the passages for answering: 128 of 300"
    with pytest.raises(EngineLoading):  # a question now would be answered slowly: not yet
        holder.get()
    engine.finish_warm_up()
    assert eventually(lambda: holder.status()["status"] == "ready")
    assert holder.get() is engine


def test_a_new_generation_is_handed_out_only_once_warm(generations):
    first, second = WarmingEngine("index/gen-1"), WarmingEngine("index/gen-2")
    engines = {"index/gen-1": first, "index/gen-2": second}
    holder = EngineHolder(settings=None, loader=lambda: engines[generations.live])
    first.finish_warm_up()
    assert holder.wait_ready(timeout=30) is first
    generations.live = "index/gen-2"
    holder.get()  # starts loading the new generation
    assert eventually(lambda: holder._warming is second)
    assert holder.get() is first  # the old one answers while the new one warms up
    second.finish_warm_up()
    assert eventually(lambda: holder.get() is second)
