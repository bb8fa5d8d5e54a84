"""Served pages name no outside site.

Gradio's page template carries social-media preview tags (`og:image` and `twitter:image` on
GitHub, `og:url` gradio.app): an intranet app has no business pointing at them, and a
browser or link unfurler that follows them leaks that the page was opened. They are taken
out of every HTML page on its way out; nothing else is changed.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# <meta property="og:..."> and <meta name="twitter:...">, attributes in any order and lines
_PREVIEW_TAG = re.compile(rb"""<meta\s[^>]*?(?:property|name)\s*=\s*["'](?:og|twitter):[^>]*>\s*""", re.I)


def without_preview_tags(html: bytes) -> bytes:
    return _PREVIEW_TAG.sub(b"", html)


class NoOutsideLinksMiddleware:
    """Removes social-media preview tags from HTML responses (buffered: pages are small; event
    streams and files pass straight through)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def filtered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_html(message):
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = without_preview_tags(b"".join(chunks))
                headers = MutableHeaders(scope=start)
                headers["content-length"] = str(len(body))
                await send(start)
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, filtered)


def _is_html(message: Message) -> bool:
    for name, value in message.get("headers") or []:
        if name.lower() == b"content-type":
            return value.split(b";")[0].strip().lower() == b"text/html"
    return False
