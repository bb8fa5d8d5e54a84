"""Serving behind an intranet reverse proxy at a sub-path, and being embedded by other pages."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.settings import ServeSettings


def public_root(serve: ServeSettings) -> str:
    """The public path prefix ('' or '/scr'), from serve.root_path (or RAG_ROOT_PATH)."""
    root = "/" + serve.root_path.strip().strip("/")
    return "" if root == "/" else root


def frame_ancestors(serve: ServeSettings) -> str:
    """CSP source list of the pages allowed to frame the app."""
    return " ".join(["'self'", *serve.embed_origins])


class PublicPathMiddleware:
    """Makes every route answer under the public prefix, whether or not the proxy strips it.

    With root_path '/scr', both '/scr/api/ask' (proxy passes the full path) and '/api/ask'
    (proxy strips the prefix) route to /api/ask, and links, redirects, the OpenAPI page and
    Gradio's config all carry '/scr'.
    """

    def __init__(self, app: ASGIApp, root: str):
        self.app = app
        self.root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.root and scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            path = scope["path"]
            if path != self.root and not path.startswith(self.root + "/"):
                scope["path"] = self.root + path
                scope["raw_path"] = self.root.encode() + scope.get("raw_path", path.encode())
            scope["root_path"] = self.root
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Who may frame the app (CSP frame-ancestors), and no content-type sniffing anywhere."""

    def __init__(self, app: ASGIApp, serve: ServeSettings):
        self.app = app
        self.frame_ancestors = frame_ancestors(serve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", f"frame-ancestors {self.frame_ancestors}")
            await send(message)

        await self.app(scope, receive, send_with_headers)
