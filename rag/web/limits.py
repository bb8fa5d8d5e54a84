"""Limits every door shares: the size of a request body, no uploads, and bad input refused
with a 4xx that can always be encoded (never a 500).

The chat takes no files, so Gradio's upload routes answer 404; every other body is capped at
`serve.max_request_bytes` (413), the same 1 MB that `deploy/scr-location.conf` lets through.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/upload_progress")
_ECHO_CHARS = 200  # of a refused value, echoed back in a 422


class BodyTooLarge(HTTPException):
    """Raised while a body without a Content-Length is read past the limit; FastAPI and
    Gradio pass HTTP exceptions on as responses."""

    def __init__(self, limit: int):
        super().__init__(413, detail=f"request body over {limit:,} bytes: send less")


class RequestLimitsMiddleware:
    """413 for bodies over the limit (by Content-Length, or counted as they arrive); 404 for
    Gradio's upload routes."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].rstrip("/").endswith(_UPLOAD_ROUTES):
            await _reply(send, 404, "uploads are off: the chat takes no files")
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _reply(send, 413, BodyTooLarge(self.max_bytes).detail)
            return
        await self.app(scope, self._counted(receive), send)

    def _counted(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        return counted


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, with refused values shortened and made encodable: a question holding a
    lone surrogate must get its 422, not a 500 from echoing it back."""
    return JSONResponse({"detail": _printable(jsonable_encoder(exc.errors()))}, status_code=422)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        text = value if len(value) <= _ECHO_CHARS else value[:_ECHO_CHARS] + "..."
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


def unencodable(text: str) -> bool:
    """True when `text` holds a lone surrogate, which no file or response can encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
