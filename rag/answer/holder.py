"""The engine behind the app, loaded in the background so the server answers at once.

Loading the model and embedding every sentence of the collection takes tens of seconds;
the UI and health check should not wait for it. When `rag ingest` switches to a new
index generation, the previous engine keeps answering until the new one is ready.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag import store
from rag.settings import Settings

if TYPE_CHECKING:  # the engine's imports (llama-index, chromadb) load in the loading thread
    from rag.answer.engine import Engine

log = logging.getLogger("rag.web")


class EngineLoading(RuntimeError):
    """The index exists but its engine is still being loaded."""


class EngineHolder:
    """Hands out the engine for the live index generation, loading it off the request path."""

    def __init__(self, settings: Settings, loader: Callable[[], Engine] | None = None):
        self.settings = settings
        self._loader = loader or (lambda: _load_engine(settings))
        self._current: tuple[Path, Engine] | None = None
        self._loading: Path | None = None
        self._lock = threading.Lock()
        self.last_error = ""

    def get(self) -> Engine:
        """The ready engine; raises IndexMissing (no index) or EngineLoading (try again soon)."""
        live = store.open_current(self.settings).path
        current = self._current
        if current and current[0] == live:
            return current[1]
        self._start_loading(live)
        if current:
            return current[1]  # the previous generation answers while the new one loads
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
        except store.IndexMissing as exc:
            return {"status": "no_index", "message": str(exc)}
        except EngineLoading as exc:
            return {"status": "loading", "message": self.last_error or str(exc)}
        generation = engine.search.generation.path
        return {
            "status": "ready",
            "passages": len(engine.search.passages),
            "documents": len(engine.search.documents),
            "cases": engine.cases,
            "index": f"{generation.parent.name}/{generation.name}",
        }

    def _start_loading(self, live: Path) -> None:
        with self._lock:
            if self._loading is not None:
                return
            self._loading = live
        threading.Thread(target=self._load, args=(live,), name="engine-load", daemon=True).start()

    def _load(self, live: Path) -> None:
        started = time.perf_counter()
        try:
            engine = self._loader()
            self._current = (engine.search.generation.path, engine)
            self.last_error = ""
            log.info("engine ready on %s in %.1f s", live.name, time.perf_counter() - started)
        except Exception as exc:  # reported by /api/health; the next request retries
            self.last_error = f"loading the index failed: {exc}"
            log.exception("loading the engine failed")
        finally:
            with self._lock:
                self._loading = None


def _load_engine(settings: Settings) -> Engine:
    from rag.answer.engine import Engine

    return Engine.load(settings)
