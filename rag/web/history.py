"""The conversation a browser keeps for itself (gr.BrowserState), read back after a reload.

What comes back from the browser is untrusted like any request: a turn is kept only if it
has the shape the page renders, and it is rendered escaped like everything else.
"""

from __future__ import annotations

import json
from typing import Any

from rag.web.api import MAX_ANSWER_BYTES
from rag.web.chat_html import conversation_sources, turn_html

MAX_STORED_TURNS = 20
MAX_QUESTION_CHARS = 2000


def stored_turns(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turns as the browser keeps them: without the retrieved passages, which the page
    never shows (they are most of an answer's size)."""
    kept = []
    for turn in (turns or [])[-MAX_STORED_TURNS:]:
        answer = {k: v for k, v in turn["answer"].items() if k != "retrieved"}
        kept.append({**turn, "answer": answer})
    return kept


def restored_turns(saved: Any) -> list[dict[str, Any]]:
    """The turns of a stored conversation that can be shown, numbered as they were."""
    if not isinstance(saved, list):
        return []
    turns: list[dict[str, Any]] = []
    for turn in saved[-MAX_STORED_TURNS:]:
        if _well_formed(turn) and (not turns or int(turn["n"]) > int(turns[-1]["n"])):
            turns.append({k: turn[k] for k in ("n", "question", "case", "answer") if k in turn})
    return turns


def _well_formed(turn: Any) -> bool:
    if not isinstance(turn, dict) or not isinstance(turn.get("answer"), dict):
        return False
    question, n, case = turn.get("question"), turn.get("n"), turn.get("case")
    if not isinstance(question, str) or not 0 < len(question) <= MAX_QUESTION_CHARS:
        return False
    if not isinstance(n, int) or isinstance(n, bool) or n < 1 or not (case is None or isinstance(case, str)):
        return False
    if not isinstance(turn["answer"].get("answer"), str):
        return False
    if len(json.dumps(turn["answer"]).encode()) > MAX_ANSWER_BYTES:  # the REST API's limit for a rated answer
        return False
    try:  # whatever the page cannot render is left out rather than breaking the page
        turn_html(turn)
        conversation_sources([turn], "")
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return True
