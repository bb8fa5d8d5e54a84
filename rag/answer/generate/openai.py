"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp's server, LM Studio, LiteLLM,
Azure OpenAI's v1 API, or OpenAI itself (llama-index's OpenAILike integration)."""

from __future__ import annotations

import os

from rag.answer.generate.base import LlamaIndexGenerator, require
from rag.settings import GenerateSettings


def build(settings: GenerateSettings) -> LlamaIndexGenerator:
    if not settings.base_url or not settings.model:
        raise ValueError(
            "generate.backend='openai' needs generate.base_url (e.g. http://llm.internal:8000/v1) "
            "and generate.model (RAG_GENERATE__BASE_URL, RAG_GENERATE__MODEL)"
        )
    module = require("llama_index.llms.openai_like", "openai", "openai")
    llm = module.OpenAILike(
        model=settings.model,
        api_base=settings.base_url,
        # Servers inside the organisation often need no key; the client insists on a string.
        api_key=os.environ.get(settings.api_key_env) or "no-key",
        is_chat_model=True,  # /chat/completions, never the legacy /completions
        is_function_calling_model=False,
        tokenizer=None,  # no tiktoken or Hugging Face tokenizer look-ups
        context_window=settings.context_window,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=settings.retries,
    )
    return LlamaIndexGenerator(llm, f"openai:{settings.model}")
