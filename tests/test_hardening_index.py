"""A damaged, swept or half-switched index: refused with what to do, never served as a smaller
one, never deleted under a reader; switching generations costs no speed and no memory."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import weakref

import pytest

from rag import cli, store
from rag.answer.engine import Engine
from rag.answer.holder import EngineHolder
from rag.ingest import ingest
from rag.store import chroma
from rag.web.server import create_app

from .conftest import ROOT, FakeEmbedder
from .test_atomic import _run_until
from .web_support import CASE_S_QUESTION, client, eventually, fake_holder, serving, serving_settings

CHANGED = "llr-child-f-executive-summary.txt"


def _change(corpus, n: int = 1) -> None:
    path = corpus / CHANGED
    path.write_text(path.read_text(encoding="utf-8") + f"\n\nA closing note about the review, number {n}.\n")


def _generations(settings) -> list[str]:
    return sorted(g.name for g in store.recipe_dir(settings).glob("gen-*"))


@pytest.fixture
def real_copy(real_index, corpus_copy, tmp_path):
    """A private copy of the real index (real model vectors), beside a copy of its corpus."""
    shutil.copytree(real_index.index_dir, tmp_path / "index")
    return real_index.model_copy(update={"index_dir": tmp_path / "index", "corpus_dir": corpus_copy})


def _paths(settings) -> list[str]:
    return ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]


def _broken_app_status(settings, tmp_path) -> tuple[dict, int]:
    """/api/health of the real app on `settings`, once it has tried to load; and the loads."""
    loads = []

    def loader():
        loads.append(1)
        return Engine.load(settings, warm_up=False)

    serve = serving_settings(settings, tmp_path)
    with serving(create_app(serve, EngineHolder(serve, loader=loader))) as base, client(base) as web:
        eventually(lambda: web.get("/api/health").json()["status"] != "loading", attempts=200)
        for _ in range(5):
            health = web.get("/api/health")
            asked = web.post("/api/ask", json={"question": CASE_S_QUESTION})
        assert health.status_code == asked.status_code == 503
    return health.json(), len(loads)


# --- integrity ------------------------------------------------------------------------------


@pytest.mark.loopback
def test_a_lost_vector_store_is_refused_not_read_as_empty(real_copy, tmp_path, capsys):
    live = store.open_current(real_copy)
    (live.chroma_path / "chroma.sqlite3").unlink()

    assert cli.main(["ask", CASE_S_QUESTION, *_paths(real_copy)]) == 3
    said = capsys.readouterr().err
    assert "chroma.sqlite3 is missing" in said and "rag ingest --rebuild" in said

    health, _ = _broken_app_status(real_copy, tmp_path)
    assert health["status"] == "broken" and "rag ingest --rebuild" in health["message"]

    _change(real_copy.corpus_dir)
    assert cli.main(["ingest", *_paths(real_copy)]) == 3  # an incremental ingest copies nothing
    assert "rag ingest --rebuild" in capsys.readouterr().err
    assert _generations(real_copy) == [live.path.name]
    assert not (live.chroma_path / "chroma.sqlite3").exists(), "no empty store made in its place"

    report = ingest(real_copy, rebuild=True, embedder=FakeEmbedder())
    rebuilt = store.open_current(real_copy)
    rebuilt.verify()
    assert report.exit_code == 0 and rebuilt.collection().count() == len(rebuilt.passages())


@pytest.mark.loopback
def test_a_truncated_bm25_file_is_refused_once_not_retried_forever(real_copy, tmp_path, capsys):
    live = store.open_current(real_copy)
    biggest = max((p for p in live.bm25_path.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
    data = biggest.read_bytes()
    biggest.write_bytes(data[: len(data) // 2])

    health, loads = _broken_app_status(real_copy, tmp_path)
    assert health["status"] == "broken" and biggest.name in health["message"]
    assert "rag ingest --rebuild" in health["message"]
    assert loads == 1, "a damaged generation is not loaded again on every request"

    assert cli.main(["ask", CASE_S_QUESTION, *_paths(real_copy)]) == 3
    said = capsys.readouterr().err
    assert "rag ingest --rebuild" in said and "Traceback" not in said and "EOFError" not in said

    assert cli.main(["ingest", *_paths(real_copy)]) == 3  # not "nothing changed"
    assert "damaged" in capsys.readouterr().err


def test_every_generation_records_its_counts_and_checksums(settings, corpus_copy, fake_embedder):
    report = ingest(settings, embedder=fake_embedder)
    live = store.open_current(settings)
    recorded = live.manifest.integrity
    assert recorded["passages"] == recorded["vectors"] == report.passages
    assert {"passages.jsonl", "documents.jsonl"} <= set(recorded["checksums"])
    assert any(name.startswith("bm25/") for name in recorded["checksums"])
    live.verify()
    (live.path / "documents.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(store.IndexBroken, match=r"documents.jsonl is damaged.*rag ingest --rebuild"):
        live.verify()


# --- the READY -> CURRENT window and stray temp files ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["CURRENT-TMP", "RECIPE.JSON-TMP"])
def test_a_kill_before_the_switch_never_costs_the_served_generation(
    marker, settings, corpus_copy, fake_embedder
):
    ingest(settings, embedder=fake_embedder)
    served = store.open_current(settings).path
    _change(corpus_copy, 1)
    assert marker in _run_until(marker, settings)
    root = store.recipe_dir(settings)
    assert list(root.glob(".*.tmp")), "the kill left its temp file"
    left = [name for name in _generations(settings) if name != served.name]
    assert store.open_current(settings).path == served and left
    finished = marker == "CURRENT-TMP"  # READY written, CURRENT never switched to it
    assert (root / left[0] / "READY").exists() == finished

    _change(corpus_copy, 2)
    report = ingest(settings, embedder=fake_embedder)
    assert report.changed and served.exists(), "the generation readers were served is kept"
    assert left[0] not in _generations(settings), "the never-live generation is swept"
    assert not list(root.glob(".*.tmp")), "stray temp files are swept"
    assert _generations(settings) == sorted([served.name, store.open_current(settings).path.name])


# --- readers hold what they serve -------------------------------------------------------------


@pytest.mark.loopback
def test_an_idle_app_keeps_its_generation_while_two_ingests_replace_it(settings, corpus_copy, tmp_path):
    ingest(settings, embedder=FakeEmbedder())
    index = settings.index.model_copy(update={"keep_generations": 0})  # the strictest sweep
    serve = serving_settings(settings, tmp_path, index_check_s=0).model_copy(update={"index": index})
    holder = fake_holder(serve)
    app = create_app(serve, holder)
    held = holder.wait_ready(timeout=120).search.generation.path
    with serving(app) as base, client(base) as web:
        for n in (1, 2):
            _change(corpus_copy, n)
            ingest(serve, embedder=FakeEmbedder())
        assert held.exists(), "a generation an app is serving is never swept"
        answered = web.post("/api/ask", json={"question": CASE_S_QUESTION})
        assert answered.status_code == 200 and answered.json()["citations"]
        newest = store.open_current(serve).path.name
        assert eventually(lambda: web.get("/api/health").json().get("index", "").endswith(newest))
    _change(corpus_copy, 3)
    ingest(serve, embedder=FakeEmbedder())  # the app let its old generation go: now it is swept
    assert not held.exists()


_READER = """
import sys
from rag.answer.engine import Engine
from rag.settings import load_settings
from tests.conftest import FakeEmbedder
engine = Engine.load(load_settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2]), embedder=FakeEmbedder())
print(engine.search.generation.path, flush=True)
sys.stdin.read()
"""


def test_another_process_serving_a_generation_keeps_it_until_it_dies(settings, corpus_copy):
    ingest(settings, embedder=FakeEmbedder())
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(settings.corpus_dir), str(settings.index_dir)],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    try:
        held = reader.stdout.readline().strip()
        assert held == str(store.open_current(settings).path)
        for n in (1, 2, 3):
            _change(corpus_copy, n)
            ingest(settings, embedder=FakeEmbedder())
        assert os.path.exists(held), "swept while another process served it"
    finally:
        reader.send_signal(signal.SIGKILL)
        reader.wait(timeout=30)
    _change(corpus_copy, 4)
    ingest(settings, embedder=FakeEmbedder())  # a reader killed with -9 holds nothing
    assert not os.path.exists(held)


# --- switching generations: at full speed, and nothing left behind ------------------------------


@pytest.mark.slow
def test_the_app_switches_only_to_a_warmed_engine(real_copy):
    from rag.embed import get_embedder

    embedder = get_embedder(real_copy.embed)
    holder = EngineHolder(real_copy, loader=lambda: Engine.load(real_copy, embedder=embedder))
    first = holder.wait_ready(timeout=300)
    first.warmed.wait(timeout=300)
    _change(real_copy.corpus_dir)
    ingest(real_copy, embedder=embedder)
    assert eventually(lambda: holder.get() is not first, attempts=6000)
    switched = holder.get()
    assert len(switched.sentences._units) == len(switched.search.passages), (
        "every sentence embedded before the first question reaches the new engine"
    )


def _ingest_elsewhere(settings) -> None:
    """`rag ingest` in its own process, as an ingest next to a running app is."""
    command = [sys.executable, "-m", "tests.fake_cli", "ingest", *_paths(settings)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


@pytest.mark.slow
def test_replaced_engines_and_their_vector_stores_are_let_go(settings, corpus_copy):
    ingest(settings, embedder=FakeEmbedder())
    holder = fake_holder(settings)
    engines = [weakref.ref(holder.wait_ready(timeout=120))]
    for n in (1, 2, 3):
        _change(corpus_copy, n)
        _ingest_elsewhere(settings)
        assert eventually(lambda: engines[-1]() is None or holder.get() is not engines[-1]())
        engines.append(weakref.ref(holder.get()))
    gc.collect()
    assert [ref() is None for ref in engines] == [True, True, True, False]
    live = store.open_current(settings).path.resolve()
    opened = [where for kind, where in chroma._clients if kind == "path" and str(live.parent) in where]
    assert opened == [str(live / "chroma")], "only the live generation's Chroma client stays open"


@pytest.mark.loopback
def test_an_idle_app_moves_to_a_new_generation_without_being_asked(settings, corpus_copy, tmp_path):
    ingest(settings, embedder=FakeEmbedder())
    serve = serving_settings(settings, tmp_path, index_check_s=0.05)
    loads = []
    embedder = FakeEmbedder()

    def loader():
        loads.append(store.open_current(serve).path.name)
        return Engine.load(serve, embedder=embedder)

    holder = EngineHolder(serve, loader=loader)
    create_app(serve, holder)
    holder.wait_ready(timeout=120)
    _change(corpus_copy)
    ingest(serve, embedder=FakeEmbedder())
    assert eventually(lambda: len(loads) == 2), "no request came, yet the new generation loads"
    assert loads[-1] == store.open_current(serve).path.name
