"""Generative answers from an LLM the organisation runs, with every citation checked.

`load_generative` returns None for the default extractive answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.engine import Engine
    from rag.settings import Settings


def load_generative(settings: Settings, engine: Engine) -> Any | None:
    if settings.generate.backend == "extractive":
        return None
    raise NotImplementedError(
        f"generate.backend={settings.generate.backend!r} is not available in this version; "
        "use 'extractive'"
    )
