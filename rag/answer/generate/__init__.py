"""Generative answers from an LLM the organisation runs, with every citation checked.

`load_generative` returns None for the default extractive answers. Backends (one module
each, `build(settings) -> Generator`) import their llama-index integration lazily; a
missing one raises an ImportError naming the extra to install.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rag.answer.generate.base import GenerationError, Generator, MissingExtra

if TYPE_CHECKING:
    from rag.answer.evidence import EvidenceFinder
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.answer.generate.answerer import GenerativeAnswerer
    from rag.settings import GenerateSettings, Settings

__all__ = ["GenerationError", "Generator", "MissingExtra", "load_generative", "load_generator"]

BACKENDS = {
    "openai": "rag.answer.generate.openai",
    "ollama": "rag.answer.generate.ollama",
    "llamacpp": "rag.answer.generate.llamacpp",
}


def load_generator(settings: GenerateSettings) -> Generator:
    """The generator for `generate.backend` (not 'extractive')."""
    if settings.backend not in BACKENDS:
        raise ValueError(f"generate.backend={settings.backend!r} has no generator; one of {list(BACKENDS)}")
    return importlib.import_module(BACKENDS[settings.backend]).build(settings)


def load_generative(
    settings: Settings, fallback: ExtractiveAnswerer, evidence: EvidenceFinder
) -> GenerativeAnswerer | None:
    """None for the default extractive answers; else the generative answerer for the backend."""
    if settings.generate.backend == "extractive":
        return None
    from rag.answer.generate.answerer import GenerativeAnswerer

    return GenerativeAnswerer(load_generator(settings.generate), fallback, evidence, settings)
