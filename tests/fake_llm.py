"""Small scripted language-model servers on 127.0.0.1 for the generative tests.

`FakeLLM` speaks two dialects on one port:
- OpenAI: POST /v1/chat/completions, a JSON reply or, with "stream": true, server-sent events
  ending in `data: [DONE]`;
- Ollama: POST /api/chat, a JSON reply or, with "stream": true (Ollama's default), NDJSON lines.

Each request takes the next step of `script` (the last step repeats): a reply text, a
function of the request body returning the text, or a failure (`Sleep`, `Status`). Every
request is recorded with its path, headers and JSON body.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


@dataclass
class Sleep:
    """Answer only after `seconds` (longer than the client's timeout)."""

    seconds: float
    then: str = "too late"


@dataclass
class Status:
    """Fail with an HTTP status and an error body in the dialect's shape."""

    code: int
    message: str = "scripted failure"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """All message contents, as the model would read them."""
        return "\n".join(m.get("content", "") for m in self.messages)


@dataclass
class FakeLLM:
    script: list[Any] = field(default_factory=lambda: ["The reviews in this collection don't say."])
    requests: list[Request] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # raised while answering (a script's bug)
    url: str = ""

    def next_step(self, body: dict[str, Any]) -> Any:
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return step(body) if callable(step) else step


@contextmanager
def serve(script: list[Any] | None = None) -> Iterator[FakeLLM]:
    """A FakeLLM listening on a free port of 127.0.0.1; `url` is its root (no /v1)."""
    fake = FakeLLM(script=list(script)) if script else FakeLLM()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = _Server(("127.0.0.1", 0), handler)
    server.fake = fake
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
    if fake.errors:
        raise AssertionError(f"the fake server failed: {fake.errors!r}") from fake.errors[0]


def passages(body: dict[str, Any]) -> dict[int, str]:
    """The numbered passages of the answer prompt in a request body: {n: text}."""
    text = "\n".join(m.get("content", "") for m in body.get("messages", []))
    found = re.findall(r"^\[(\d+)\] [^\n]*\n(.*?)(?=\n\n\[\d+\] |\n\nQuestion: |\Z)", text, re.M | re.S)
    return {int(n): passage for n, passage in found}


def cite(body: dict[str, Any], needle: str) -> int:
    """The number of the passage containing `needle` in this request."""
    for n, text in passages(body).items():
        if needle.lower() in " ".join(text.split()).lower():
            return n
    raise AssertionError(f"no numbered passage contains {needle!r}: {sorted(passages(body))}")


class _Server(ThreadingHTTPServer):
    fake: FakeLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):  # a client that gave up (timeout tests) is expected
            self.fake.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLM
    protocol_version = "HTTP/1.0"  # one request per connection; streams end when it closes

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.fake.requests.append(Request(self.path, dict(self.headers), body))
        ollama = self.path.startswith("/api/")
        if self.path not in ("/v1/chat/completions", "/api/chat"):
            return self._json(404, {"error": f"no route {self.path}"})
        step = self.fake.next_step(body)
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            step = step.then
        if isinstance(step, Status):
            error = {"error": step.message} if ollama else {"error": {"message": step.message, "code": step.code}}
            return self._json(step.code, error)
        stream = body.get("stream", ollama)  # Ollama streams unless told not to
        model = body.get("model", "")
        if ollama:
            return self._ollama_stream(model, step) if stream else self._json(200, _ollama(model, step, True))
        return self._openai_stream(model, step) if stream else self._json(200, _openai(model, step))

    def do_GET(self) -> None:
        self.fake.requests.append(Request(self.path, dict(self.headers), {}))
        self._json(404, {"error": f"no route {self.path}"})

    def _json(self, code: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _open_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _openai_stream(self, model: str, text: str) -> None:
        self._open_stream("text/event-stream")
        for piece in _pieces(text):
            chunk = _openai_chunk(model, {"content": piece}, None)
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(f"data: {json.dumps(_openai_chunk(model, {}, 'stop'))}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def _ollama_stream(self, model: str, text: str) -> None:
        self._open_stream("application/x-ndjson")
        for piece in _pieces(text):
            self.wfile.write((json.dumps(_ollama(model, piece, False)) + "\n").encode())
            self.wfile.flush()
        self.wfile.write((json.dumps(_ollama(model, "", True)) + "\n").encode())


def _pieces(text: str) -> list[str]:
    """Token-like pieces: words with their following space."""
    return re.findall(r"\S+\s*|\s+", text)


def _openai(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def _openai_chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _ollama(model: str, text: str, done: bool) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "model": model,
        "created_at": "2026-11-23T12:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        reply.update(done_reason="stop", total_duration=1000, prompt_eval_count=100, eval_count=20)
    return reply
