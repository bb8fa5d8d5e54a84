"""A question asked while the reviews load: the chat says so and answers once they are ready."""

from __future__ import annotations

import html
import re
import threading
import time
from types import SimpleNamespace

import pytest

from rag.answer.holder import EngineLoading
from rag.types import Answer
from rag.web import ui


class LoadingHolder:
    """Loading for the first `loading` calls of get(), then an engine with one answer."""

    def __init__(self, loading: int):
        self.loading = loading
        self.settings = SimpleNamespace(answer=SimpleNamespace(max_question_chars=2000))

    def get(self):
        if self.loading:
            self.loading -= 1
            raise EngineLoading("the index is loading")
        answer = Answer("q", "The call was not recorded.", abstained=False, generator="fake", latency_ms=1.0)
        events = [{"event": "delta", "text": "The call was"}, {"event": "done", "answer": answer}]
        return SimpleNamespace(stream=lambda *a: iter(events))


@pytest.fixture
def clock(monkeypatch):
    """time as the chat sees it: each sleep moves it on, nobody waits. Only this test's thread
    sees it: `time` is shared, and threads left by other tests (an engine still loading)
    must neither move this clock nor run on it."""
    now = [1000.0]
    test_thread = threading.get_ident()
    real_monotonic, real_sleep = time.monotonic, time.sleep

    def monotonic() -> float:
        return now[0] if threading.get_ident() == test_thread else real_monotonic()

    def sleep(seconds: float) -> None:
        if threading.get_ident() != test_thread:
            return real_sleep(seconds)
        now[0] += seconds

    monkeypatch.setattr(ui.time, "monotonic", monotonic)
    monkeypatch.setattr(ui.time, "sleep", sleep)
    return now


def _shown(updates) -> list[tuple[str, object, list]]:
    """(the latest answer's text in the chat window, question box, turns) at each update."""
    return [(_latest_answer(update[0]), update[2], update[3]) for update in updates]


def _latest_answer(chat_html: str) -> str:
    """The text of the last answer (or its status line) in the chat window's HTML."""
    body = chat_html[chat_html.rindex('class="scr-a bot') :]
    body = body[body.index(">") + 1 : body.index("</div>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_chat_counts_the_wait_then_answers(clock):
    updates = _shown(ui._respond(LoadingHolder(loading=3), "What went wrong?", ui.ALL_CASES, [], None))
    shown = [message for message, _, _ in updates]
    assert shown[0] == "Searching the reviews..."
    assert shown[1:4] == ["Loading the reviews (0 s)...", "Loading the reviews (1 s)...",
                          "Loading the reviews (2 s)..."]  # fmt: skip
    assert shown[4:] == ["The call was", "The call was not recorded."]  # streamed, then cited
    assert len(updates[-1][2]) == 1  # the answered turn is kept


def test_the_waiting_question_is_shown_in_the_chat_window(clock):
    chat = next(u[0] for u in ui._respond(LoadingHolder(loading=1), "What <b>went</b> wrong?", ui.ALL_CASES, [], None)
                if "Loading the reviews" in u[0])  # fmt: skip
    assert 'class="scr-turn scr-pending"' in chat and "What &lt;b&gt;went&lt;/b&gt; wrong?" in chat


def test_a_load_that_never_ends_is_reported(clock):
    holder = LoadingHolder(loading=10**6)
    message, question, _ = _shown(ui._respond(holder, "What went wrong?", ui.ALL_CASES, [], None))[-1]
    assert "Still loading" in message
    assert question == "What went wrong?"  # the question stays in the box, to ask again
    assert clock[0] - 1000.0 == pytest.approx(ui.LOAD_WAIT_S + 1)
