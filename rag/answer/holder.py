"""The one place that holds engines: for `rag.answer`, the CLI, the web app and the evaluation.

An `EngineHolder` hands out the engine for the live index generation and reloads it when
`rag ingest` switches to a new one. In the web app it loads in the background, so the
server answers at once (loading the model and embedding every sentence takes tens of
seconds) and an engine is handed out only once its sentence warm-up is done: at start-up
`/api/health` says ready when the first question is answered at full speed (a question
asked during warm-up embeds its sentences while competing with it, and takes seconds instead
of milliseconds), and after a switch the previous engine answers until then; elsewhere it
loads when first asked. An engine holds its generation (the sweep never deletes it), and a
replaced engine is let go at once, with its generation's memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag import store
from rag.settings import Settings, load_settings
from rag.types import Document

if TYPE_CHECKING:  # the engine's imports (llama-index, chromadb) load in the loading thread
    from rag.answer.engine import Engine

log = logging.getLogger("rag.answer")


class EngineLoading(RuntimeError):
    """The index exists but its engine is still being loaded."""


class EngineHolder:
    """Hands out the engine for the live index generation, loading it off the request path."""

    def __init__(
        self, settings: Settings, loader: Callable[[], Engine] | None = None, background: bool = True
    ):
        self.settings = settings
        self._loader = loader or (lambda: _load_engine(settings))
        self.background = background
        self._current: tuple[Path, Engine] | None = None
        self._loading: Path | None = None
        self._warming: Engine | None = None  # loaded, its sentences still being embedded
        self._broken: tuple[Path, store.IndexBroken] | None = None  # not retried until CURRENT moves
        self._lock = threading.Lock()
        self.last_error = ""

    def get(self) -> Engine:
        """The ready engine; raises IndexMissing (no index) or EngineLoading (try again soon)."""
        live = store.open_current(self.settings).path
        current = self._current
        if current and current[0] == live:
            return current[1]
        if not self.background:
            return self._load_now(live)
        broken = self._broken
        if not (broken and broken[0] == live):
            self._start_loading(live)
        if current:
            return current[1]  # the previous generation answers while the new one loads
        if broken and broken[0] == live:
            raise broken[1]
        raise EngineLoading("the index is loading; try again in a few seconds")

    def start(self) -> None:
        """Begin loading now if an index exists; otherwise log how to build one."""
        try:
            self.get()
        except store.IndexMissing as exc:
            log.warning("%s", exc)
        except EngineLoading:
            pass

    def wait_ready(self, timeout: float = 300.0) -> Engine:
        """Block until the engine is loaded (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.get()
            except EngineLoading:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def status(self) -> dict[str, Any]:
        """What /api/health reports: ready with index size, loading, or no index."""
        try:
            engine = self.get()
        except store.IndexBroken as exc:
            return {"status": "broken", "message": str(exc)}
        except store.IndexMissing as exc:
            return {"status": "no_index", "message": str(exc)}
        except EngineLoading as exc:
            return {"status": "loading", "message": self.last_error or self._loading_message(exc)}
        generation = engine.search.generation.path
        return {
            "status": "ready",
            "passages": len(engine.search.passages),
            "documents": len(engine.search.documents),
            "cases": engine.cases,
            "index": f"{generation.parent.name}/{generation.name}",
        }

    def _loading_message(self, exc: EngineLoading) -> str:
        warming = self._warming
        done, total = getattr(warming, "warm_progress", (0, 0))
        if warming is None or not total:
            return str(exc)
        return f"preparing the passages for answering: {done} of {total}"

    def documents(self) -> dict[str, Document]:
        """The live index's documents, read from disk while the engine is still loading."""
        try:
            return self.get().search.documents
        except EngineLoading:
            stored = store.open_current(self.settings).documents()
            return {doc_id: Document.from_dict(d) for doc_id, d in stored.items()}

    def _load_now(self, live: Path) -> Engine:
        with self._lock:
            current = self._current
            if not (current and current[0] == live):
                engine = self._loader()
                current = self._current = (engine.search.generation.path, engine)
            return current[1]

    def _start_loading(self, live: Path) -> None:
        with self._lock:
            if self._loading is not None:
                return
            self._loading = live
        threading.Thread(target=self._load, args=(live,), name="engine-load", daemon=True).start()

    def _load(self, live: Path) -> None:
        started = time.perf_counter()
        try:
            engine = self._warming = self._loader()
            _until_warm(engine)  # the previous engine, if any, answers meanwhile at full speed
            self._current = (engine.search.generation.path, engine)
            self.last_error = ""
            log.info("engine ready on %s in %.1f s", live.name, time.perf_counter() - started)
        except store.IndexBroken as exc:  # retried only once another generation goes live
            self._broken, self.last_error = (live, exc), str(exc)
            log.error("%s", exc)
        except Exception as exc:  # reported by /api/health; the next request retries
            self.last_error = f"loading the index failed: {exc}"
            log.exception("loading the engine failed")
        finally:
            with self._lock:
                self._loading = self._warming = None
        # The replaced engine is garbage now; collect it (reference cycles included) so its
        # generation's hold and memory go at once rather than at some later collection.
        gc.collect()
        _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand memory freed by the replaced engine back to the system: glibc keeps freed blocks
    for reuse, and without this the app's RSS grows by tens of MB with every generation."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _until_warm(engine: Engine) -> None:
    """Wait for an engine's sentence warm-up (engines without one are warm already)."""
    warmed = getattr(engine, "warmed", None)
    if warmed is not None:
        warmed.wait()


def _load_engine(settings: Settings, warm_up: bool = True) -> Engine:
    from rag.answer.engine import Engine

    return Engine.load(settings, warm_up=warm_up)


# --- the process-wide holders of `rag.answer` and the CLI -----------------------------------

_HOLDERS: dict[str, EngineHolder] = {}
_HOLDERS_LOCK = threading.Lock()


def get_engine(settings: Settings | None = None, warm_up: bool = True) -> Engine:
    """The engine for these settings and the live index, loaded on first use and reloaded when
    a new index generation goes live."""
    settings = settings or load_settings()
    key = settings.model_dump_json()
    with _HOLDERS_LOCK:
        holder = _HOLDERS.get(key)
        if holder is None:
            loader = lambda: _load_engine(settings, warm_up)  # noqa: E731
            holder = _HOLDERS[key] = EngineHolder(settings, loader, background=False)
    return holder.get()
