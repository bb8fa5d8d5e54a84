"""An Ollama server (its native /api/chat, streamed as NDJSON)."""

from __future__ import annotations

from rag.answer.generate.base import LlamaIndexGenerator, require
from rag.settings import GenerateSettings

DEFAULT_URL = "http://127.0.0.1:11434"


def build(settings: GenerateSettings) -> LlamaIndexGenerator:
    if not settings.model:
        raise ValueError("generate.backend='ollama' needs generate.model, e.g. 'llama3.1:8b'")
    module = require("llama_index.llms.ollama", "ollama", "ollama")
    llm = module.Ollama(
        model=settings.model,
        base_url=settings.base_url or DEFAULT_URL,
        temperature=settings.temperature,
        # Given explicitly, so the client never asks the server (/api/show) for it.
        context_window=settings.context_window,
        request_timeout=settings.timeout_s,
        additional_kwargs={"num_predict": settings.max_tokens},
        is_function_calling_model=False,
    )
    return LlamaIndexGenerator(llm, f"ollama:{settings.model}")
