"""The generator protocol, its llama-index implementation, and what a failed request means.

A generator sends chat messages to a language model and returns (or streams) its text.
Every backend builds a llama-index LLM and hands it to `LlamaIndexGenerator`; the LLM is
always passed explicitly, so llama-index's global `Settings` are never read or set.
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any, Protocol

from rag import prompts

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": text}


class Generator(Protocol):
    name: str  # shown in Answer.generator, e.g. "openai:llama-3.1-8b"

    def chat(self, messages: list[Message]) -> str: ...

    def stream(self, messages: list[Message]) -> Iterator[str]: ...


class GenerationError(Exception):
    """A request to the model failed; `notice` is the sentence shown before the fallback answer."""

    def __init__(self, kind: str, detail: str, notice: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # timeout | unreachable | rate_limited | server_error | refused | failed
        self.detail = detail
        self.notice = notice


class MissingExtra(ImportError, ValueError):
    """An optional dependency of a backend is not installed (a ValueError too: a setting names
    a backend this installation lacks, and the CLI reports those as usage errors)."""


def require(module: str, extra: str, backend: str) -> Any:
    """Import `module`, or say which extra of this project installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(
            f"generate.backend={backend!r} needs the '{extra}' extra: pip install -e '.[{extra}]' "
            f"(missing module {exc.name or module!r})"
        ) from exc


class LlamaIndexGenerator:
    """Any llama-index LLM as a `Generator`, with its errors turned into `GenerationError`."""

    def __init__(self, llm: Any, name: str, lock: Any = None):
        self.llm = llm
        self.name = name
        self._lock = lock  # for backends that cannot serve two requests at once (llama.cpp)

    def chat(self, messages: list[Message]) -> str:
        with self._lock or nullcontext():
            response = _call(lambda: self.llm.chat(_chat_messages(messages)))
            return response.message.content or ""

    def stream(self, messages: list[Message]) -> Iterator[str]:
        with self._lock or nullcontext():
            pieces = _call(lambda: self.llm.stream_chat(_chat_messages(messages)))
            while True:
                piece = _call(lambda: next(pieces, None))
                if piece is None:
                    return
                if piece.delta:
                    yield piece.delta


def _chat_messages(messages: list[Message]) -> list[Any]:
    from llama_index.core.llms import ChatMessage, MessageRole

    return [ChatMessage(role=MessageRole(m["role"]), content=m["content"]) for m in messages]


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except GenerationError:
        raise
    except Exception as exc:  # every client raises its own types; classify them by what they mean
        raise classify(exc) from exc


def classify(exc: BaseException) -> GenerationError:
    """What a client exception means for the user. The OpenAI and Ollama clients wrap httpx
    errors in their own types, so the whole chain of causes is inspected."""
    status = _status_code(exc)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if status == 429:
        return GenerationError("rate_limited", detail, prompts.LLM_RATE_LIMITED)
    if status is not None and status >= 500:
        return GenerationError("server_error", detail, prompts.LLM_SERVER_ERROR)
    if status is not None and status >= 400:
        return GenerationError("refused", detail, prompts.LLM_REFUSED)
    chain = list(_causes(exc))
    if any(_is_timeout(e) for e in chain):
        return GenerationError("timeout", detail, prompts.LLM_TIMEOUT)
    if any(_is_connection(e) for e in chain):
        return GenerationError("unreachable", detail, prompts.LLM_UNREACHABLE)
    return GenerationError("failed", detail, prompts.LLM_FAILED)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status_code(exc: BaseException) -> int | None:
    for e in _causes(exc):
        status = getattr(e, "status_code", None)
        if isinstance(status, int) and status >= 400:
            return status
        response = getattr(e, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int) and status >= 400:
            return status
    return None


def _is_timeout(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, httpx.TimeoutException | TimeoutError | socket.timeout) or (
        "Timeout" in type(exc).__name__
    )


def _is_connection(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError | socket.gaierror) or (
        "Connection" in type(exc).__name__
    )
