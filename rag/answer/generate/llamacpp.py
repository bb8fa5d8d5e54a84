"""A GGUF model file run in this process by llama-cpp-python.

llama-index's LlamaCPP downloads a 7B model when it gets no model_path, so this backend
refuses to start without an existing file: nothing is ever downloaded. llama-cpp-python
has no binary wheel and compiles on install (several minutes).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.answer.generate.base import LlamaIndexGenerator, require
from rag.settings import GenerateSettings


def build(settings: GenerateSettings) -> LlamaIndexGenerator:
    path = settings.model_path
    if path is None:
        raise ValueError(
            "generate.backend='llamacpp' needs generate.model_path, the path of a local GGUF file "
            "(RAG_GENERATE__MODEL_PATH); nothing is downloaded"
        )
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelFileMissing(f"generate.model_path: no GGUF file at {path}")
    module = require("llama_index.llms.llama_cpp", "llamacpp", "llamacpp")
    template = _ChatTemplate()
    llm = module.LlamaCPP(
        model_path=str(path),
        temperature=min(settings.temperature, 1.0),  # LlamaCPP accepts 0..1
        max_new_tokens=settings.max_tokens,
        context_window=settings.context_window,
        messages_to_prompt=template,
        verbose=False,
    )
    template.use(llm._model)
    return LlamaIndexGenerator(llm, f"llamacpp:{path.name}", lock=threading.Lock())


class ModelFileMissing(FileNotFoundError, ValueError):
    """generate.model_path names no file (a ValueError too: it is a setting to correct)."""


class _ChatTemplate:
    """Messages to a prompt with the chat template stored in the GGUF file (what the model
    was trained on); llama-index's default is Llama 2's format, wrong for most models."""

    def __init__(self) -> None:
        self._format: Any = None

    def use(self, model: Any) -> None:
        template = (getattr(model, "metadata", None) or {}).get("tokenizer.chat_template")
        if template:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            eos = model.token_eos()
            self._format = Jinja2ChatFormatter(
                template=template,
                eos_token=model._model.token_get_text(eos) if eos != -1 else "",
                bos_token="",  # llama.cpp adds BOS itself when it tokenises the prompt
            )

    def __call__(self, messages: Sequence[Any]) -> str:
        if self._format is None:
            from llama_index.llms.llama_cpp.llama_utils import messages_to_prompt

            return messages_to_prompt(messages)
        plain = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        return self._format(messages=plain).prompt
