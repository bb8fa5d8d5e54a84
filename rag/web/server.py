"""One FastAPI app: REST API, reading pages, and the Gradio chat at / (and compact at /embed/)."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from pathlib import Path

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from rag import __version__, store
from rag.answer.holder import EngineHolder, EngineLoading
from rag.settings import Settings, load_settings
from rag.web.a11y import ACCESSIBILITY_JS
from rag.web.api import api_router
from rag.web.auth import AuthMiddleware, load_users
from rag.web.component import component_router
from rag.web.inward import NoOutsideLinksMiddleware
from rag.web.limits import RequestLimitsMiddleware, validation_error
from rag.web.pages import pages_router
from rag.web.proxy import PublicPathMiddleware, SecurityHeadersMiddleware, public_root
from rag.web.reviews import reviews_router
from rag.web.ui import TITLE, build_ui

log = logging.getLogger("rag.web")
_STATIC = Path(__file__).parent / "static"
_CSS = [_STATIC / "app.css", _STATIC / "reviews.css", _STATIC / "chat.css"]


def create_app(settings: Settings | None = None, holder: EngineHolder | None = None) -> FastAPI:
    """The whole app. `holder` lets tests hand in an engine built on a fake embedder."""
    settings = settings or load_settings()
    holder = holder or EngineHolder(settings)
    serve = settings.serve
    _check_auth(settings)
    about = "Cited answers over Serious Case Reviews. Snippets for intranet pages: /embedding."
    # FastAPIOffline: the /docs page loads Swagger UI from this server, not from a CDN
    app = FastAPIOffline(title=TITLE, version=__version__, description=about, redoc_url=None,
                         static_url="/docs-static")  # fmt: skip
    app.add_exception_handler(RequestValidationError, validation_error)
    app.include_router(api_router(settings, holder))
    app.include_router(reviews_router(holder))
    app.include_router(pages_router(settings, holder))
    app.include_router(component_router())  # ahead of gradio's /assets/ for one file
    _mount_ui(app, settings, holder, "/embed", compact=True)
    _mount_ui(app, settings, holder, "/", compact=False)
    # Starlette runs the last-added middleware first: path prefix, headers, auth, limits, then
    # the rest.
    if serve.embed_origins:
        app.add_middleware(CORSMiddleware, allow_origins=serve.embed_origins, allow_credentials=True,
                           allow_methods=["GET", "POST"], allow_headers=["*"])  # fmt: skip
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=serve.trusted_proxies)
    app.add_middleware(NoOutsideLinksMiddleware)
    app.add_middleware(RequestLimitsMiddleware, max_bytes=serve.max_request_bytes)
    app.add_middleware(AuthMiddleware, serve=serve)
    app.add_middleware(SecurityHeadersMiddleware, serve=serve)
    app.add_middleware(PublicPathMiddleware, root=public_root(serve))
    holder.start()
    watch_index(holder, serve.index_check_s)
    return app


def watch_index(holder: EngineHolder, seconds: float) -> None:
    """Look for a new index generation every `seconds`, so an idle app loads it (and lets the
    old one go) before anyone asks. The thread ends with the holder."""
    if seconds <= 0:
        return
    ref = weakref.ref(holder)

    def check() -> bool:
        held = ref()
        if held is None:
            return False
        try:
            held.get()  # starts loading a new generation in the background
        except (store.IndexMissing, EngineLoading):
            pass
        except Exception:  # reported by /api/health when someone asks
            log.debug("index check failed", exc_info=True)
        return True

    def loop() -> None:
        while check():
            time.sleep(seconds)

    threading.Thread(target=loop, name="index-watch", daemon=True).start()


def _mount_ui(app: FastAPI, settings: Settings, holder: EngineHolder, path: str, compact: bool) -> None:
    serve = settings.serve
    private = [settings.corpus_dir, settings.index_dir, serve.feedback_file, serve.users_file]
    gr.mount_gradio_app(
        app,
        build_ui(holder, compact=compact),
        path=path,
        footer_links=[],  # the REST API is documented at /docs
        run_history=False,
        auth_dependency=_current_user if serve.auth != "none" else None,
        blocked_paths=[str(Path(p).resolve()) for p in private if p is not None],
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        theme=theme(),
        css_paths=_CSS,
        js=ACCESSIBILITY_JS,
    )


def theme() -> gr.themes.Base:
    """Muted slate and stone, a readable font shipped inside gradio (no font CDN), small radii.
    IBM Plex's regular and bold files cover full Latin; gradio's semibold files and its Source
    Sans 3 are small subsets that would mix fonts within a word."""
    return gr.themes.Base(
        primary_hue="slate",
        secondary_hue="stone",
        neutral_hue="stone",
        radius_size="sm",
        font=[gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "monospace"],
    )


def _current_user(request) -> str | None:
    """Gradio's view of the user: whoever AuthMiddleware let in."""
    return getattr(request.state, "user", None)


def _check_auth(settings: Settings) -> None:
    """Fail at start-up, not on the first request, when password mode has no users."""
    if settings.serve.auth == "password" and not load_users(settings.serve):
        raise ValueError("serve.auth is 'password' but no users: set serve.users_file or serve.users")


def run(settings: Settings | None = None) -> None:
    """Serve until interrupted. Forwarded headers are applied inside the app, after the
    auth check has seen the real peer address, so uvicorn must not rewrite it first."""
    settings = settings or load_settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    serve = settings.serve
    root = public_root(serve)
    log.info("serving on http://%s:%d%s/ (auth: %s)", serve.host, serve.port, root, serve.auth)
    uvicorn.run(app, host=serve.host, port=serve.port, proxy_headers=False, log_level="info",
                timeout_graceful_shutdown=5)  # fmt: skip
