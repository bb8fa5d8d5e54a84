"""The chat page: streaming cited answers, a sources panel, a case filter and feedback.

The page keeps its conversation in a gr.State of turns ({n, question, case, answer JSON}); the
chat window and the sources panel are always rendered from those Answer dicts
(rag.web.chat_html), so what the reader sees is exactly what the API returns. A copy of the
turns is kept in the browser's own storage (gr.BrowserState), so a reload keeps the
conversation; the server keeps none.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag import store
from rag.answer.holder import EngineHolder, EngineLoading
from rag.text import question_problem
from rag.web.api import case_labels
from rag.web.chat_html import (
    conversation_html,
    conversation_sources,
    draft_html,
    pending_html,
    problem_body,
    problem_html,
    status_html,
)
from rag.web.feedback import append_feedback, feedback_record
from rag.web.history import restored_turns, stored_turns
from rag.web.reviews import reviews_tab
from rag.web.sources import escape_text, sources_panel

TITLE = "Serious Case Review answers"
ALL_CASES = "All cases"
EXAMPLES = [
    "What went wrong with the consultation in Case S?",
    "What did the Child J review recommend?",
    "What were the lessons about child protection medicals for the Calderdale child?",
    "How did agencies share information about Child H?",
]
MAX_TURNS = 20
MAX_CASE_CHARS = 200  # a case filter longer than any label is not looked up
LOAD_WAIT_S = 180  # a question asked while the reviews load waits this long for them
Turns = list[dict[str, Any]]
# The behaviour of the chat window and the sources panel (scrolling, [n] links, copy, the phone's
# sources view); both components run it, each on its own element.
CHAT_JS = (Path(__file__).parent / "static" / "chat.js").read_text(encoding="utf-8")
STORAGE_KEY = "scr-conversation"
READY_JS = "() => { document.documentElement.dataset.scrReady = 'true'; }"


def build_ui(holder: EngineHolder, compact: bool = False) -> gr.Blocks:
    """The chat page; `compact` drops the header and intro for the /embed iframe."""
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=compact) as blocks:
        turns = gr.State([])
        # the page and the iframe version are separate apps: each keeps its own conversation
        stored = gr.BrowserState([], storage_key=STORAGE_KEY + ("-embed" if compact else ""))
        if not compact:
            gr.HTML(_header(), elem_classes="scr-header", js_on_load=None)
        notice = gr.HTML("", elem_classes="scr-banner", visible=False, js_on_load=None)
        if compact:
            chat, sources = _chat_row(holder, compact)
        else:  # the chat, and beside it the Reviews view: cards and the theme matrix
            with gr.Tabs(elem_id="scr-tabs"):
                with gr.Tab("Ask", id="ask", elem_id="scr-tab-ask"):
                    chat, sources = _chat_row(holder, compact)
                reviews_tab(holder, _link_base)
        _wire(blocks, holder, chat, sources, turns, stored, notice)
    return blocks


def _chat_row(holder: EngineHolder, compact: bool) -> tuple[dict[str, Any], gr.HTML]:
    with gr.Row(equal_height=False, elem_classes="scr-main"):
        with gr.Column(scale=3, min_width=320, elem_classes="scr-chat-column"):
            chat = _chat_column(compact, [ALL_CASES, *case_labels(holder)])
        with gr.Column(scale=2, min_width=280, elem_classes="scr-sources-column"):
            gr.HTML('<div class="scr-panel-title-block"><h2 class="scr-panel-title">Sources</h2></div>',
                    js_on_load=None)  # fmt: skip
            sources = gr.HTML(sources_panel(None), elem_id="scr-sources", js_on_load=CHAT_JS)
    return chat, sources


def _header() -> str:
    return (
        f'<div class="scr-title-block"><h1 class="scr-title-text">{TITLE}</h1>'
        '<p class="scr-lead">Answers come only from the indexed Serious Case Reviews. Every '
        "statement is quoted from a review and numbered; the numbers link to the passage in the "
        "sources panel.</p></div>"
    )


def _chat_column(compact: bool, cases: list[str]) -> dict[str, Any]:
    chat = gr.HTML(conversation_html([], examples=EXAMPLES), elem_id="scr-chat", js_on_load=CHAT_JS,
                      elem_classes="scr-chat-window")  # fmt: skip
    with gr.Row(elem_classes="scr-ask-row"):
        question = gr.Textbox(
            elem_id="scr-question",
            label="Question about the reviews",  # its accessible name; the placeholder says it too
            show_label=False,
            placeholder="Type a question about the reviews",
            scale=5,
            max_length=2000,
            autofocus=not compact,
        )
        ask = gr.Button("Ask", variant="primary", elem_id="scr-ask", scale=1, min_width=80)
    with gr.Row(elem_classes="scr-controls"):
        # Custom values: a case added by a later ingest is checked by the engine, not refused here.
        case = gr.Dropdown(cases, value=ALL_CASES, label="Case", elem_id="scr-case", scale=3,
                           allow_custom_value=True)  # fmt: skip
        new_chat = gr.Button("New chat", elem_id="scr-new", scale=1, min_width=100, size="md")
        printing = gr.Button("Print", elem_id="scr-print", scale=1, min_width=80, size="md")
    with gr.Accordion("Rate the latest answer", open=False, elem_id="scr-feedback"):
        comment = gr.Textbox(label="Comment (optional)", lines=2, max_length=4000, elem_id="scr-comment")
        with gr.Row():
            up = gr.Button("Helpful", elem_id="scr-up", size="sm")
            down = gr.Button("Not helpful", elem_id="scr-down", size="sm")
        thanks = gr.Markdown("", elem_id="scr-feedback-status")
    return {
        "chat": chat, "question": question, "ask": ask, "case": case, "new": new_chat,
        "comment": comment, "up": up, "down": down, "thanks": thanks, "print": printing,
    }  # fmt: skip


def _wire(blocks: gr.Blocks, holder: EngineHolder, c: dict[str, Any], sources, turns, stored, notice) -> None:
    outputs = [c["chat"], sources, c["question"], turns]

    def respond(question: str, case: str, turns: Turns, request: gr.Request) -> Iterator[tuple]:
        yield from _respond(holder, question, case, turns, request)

    def respond_to_example(case: str, turns: Turns, event: gr.SelectData, request: gr.Request):
        index = event.index if isinstance(event.index, int) and 0 <= event.index < len(EXAMPLES) else 0
        yield from _respond(holder, EXAMPLES[index], case, turns, request)

    inputs = [c["question"], c["case"], turns]
    chat_options = {"concurrency_limit": 4, "show_progress": "hidden"}
    # the browser's copy is written once an answer is complete (not on every streamed line)
    persist = {"fn": stored_turns, "inputs": turns, "outputs": stored, "api_visibility": "private"}
    c["question"].submit(respond, inputs, outputs, api_name="chat", **chat_options).then(**persist)
    c["ask"].click(respond, inputs, outputs, api_visibility="private", **chat_options).then(**persist)
    c["chat"].select(  # an example question clicked (chat.js sends its index)
        respond_to_example, [c["case"], turns], outputs, api_visibility="private", **chat_options
    ).then(**persist)
    c["new"].click(_new_chat, None, [*outputs, c["thanks"], stored], api_visibility="private")
    c["print"].click(None, js="() => { window.print(); }")

    def rate_up(comment: str, turns: Turns, request: gr.Request) -> tuple[str, str]:
        return _rate(holder, "up", comment, turns, request)

    def rate_down(comment: str, turns: Turns, request: gr.Request) -> tuple[str, str]:
        return _rate(holder, "down", comment, turns, request)

    def restore(saved: Any, request: gr.Request):
        turns = restored_turns(saved)
        return _chat(turns), conversation_sources(turns, _link_base(request)), turns

    rating_io = {"inputs": [c["comment"], turns], "outputs": [c["thanks"], c["comment"]]}
    c["up"].click(rate_up, **rating_io, api_visibility="private")
    c["down"].click(rate_down, **rating_io, api_visibility="private")
    on_load = {"api_visibility": "private", "show_progress": "hidden"}
    restored = [c["chat"], sources, turns]
    # The conversation first (an answer asked for before it is restored would be overwritten),
    # then the case list, then a mark on the page: a keyboard user (or a test) who starts before
    # the case list is refreshed loses focus when the dropdown re-renders under it.
    blocks.load(restore, stored, restored, **on_load).then(
        lambda: _on_load(holder), None, [c["case"], notice], **on_load
    ).then(None, js=READY_JS)


def _respond(holder: EngineHolder, question: str, case: str, turns: Turns, request: gr.Request):
    """Stream one answer: the question at once, then the answer lines, then the cited answer."""
    question = (question or "").strip()
    turns = list(turns or [])[-MAX_TURNS:]
    if not question:
        yield _chat(turns), gr.skip(), "", turns
        return
    problem = _input_problem(question, case, holder.settings.answer.max_question_chars)
    if problem:  # the same limit as the REST API's, checked before the question is echoed
        yield _chat(turns, problem_html("Please check the question", problem)), gr.skip(), gr.skip(), turns
        return
    n = int(turns[-1]["n"]) + 1 if turns else 1
    searching = pending_html(n, question, status_html("Searching the reviews..."))
    yield _chat(turns, searching), gr.skip(), "", turns
    case_filter = None if case in (None, "", ALL_CASES) else case
    streamed = ""
    try:
        engine = yield from _ready_engine(holder, n, question, turns)
        events = engine.stream(question, _engine_history(turns), case_filter)
        for event in events:
            if event["event"] == "delta":
                streamed += event["text"]
                yield _chat(turns, pending_html(n, question, draft_html(streamed))), gr.skip(), "", turns
            else:
                answer = event["answer"].to_dict()
                turns = [*turns, {"n": n, "question": question, "case": case_filter, "answer": answer}]
                yield _chat(turns), conversation_sources(turns, _link_base(request)), "", turns
    except (ValueError, store.IndexMissing, EngineLoading) as exc:
        failed = pending_html(n, question, problem_body(*_problem(exc)))
        yield _chat(turns, failed), gr.skip(), question, turns


def _chat(turns: Turns, pending: str = "") -> str:
    return conversation_html(turns, pending, EXAMPLES)


def _ready_engine(holder: EngineHolder, n: int, question: str, turns: Turns):
    """The engine, once loaded and warm; meanwhile the chat says how long it has waited, so a
    question asked at start-up is answered when it can be rather than refused."""
    started = time.monotonic()
    while True:
        try:
            return holder.get()
        except EngineLoading:
            waited = time.monotonic() - started
            if waited > LOAD_WAIT_S:
                raise
            waiting = status_html(f"Loading the reviews ({waited:.0f} s)...")
            yield _chat(turns, pending_html(n, question, waiting)), gr.skip(), "", turns
            time.sleep(1)


def _input_problem(question: str, case: str | None, limit: int) -> str:
    if case is not None and (len(case) > MAX_CASE_CHARS or question_problem(case, MAX_CASE_CHARS)):
        return f"the case filter is not a case label (at most {MAX_CASE_CHARS} characters): choose one"
    return question_problem(question, limit)


def _engine_history(turns: Turns) -> list[dict[str, str]]:
    history = []
    for turn in turns:
        history += [
            {"role": "user", "content": turn["question"]},
            {"role": "assistant", "content": turn["answer"]["answer"]},
        ]
    return history


def _problem(exc: Exception) -> tuple[str, str]:
    """A notice in the chat, labelled like an abstention: no answer was given."""
    if isinstance(exc, store.IndexBroken):
        return "The index is damaged", str(exc)
    if isinstance(exc, store.IndexMissing):
        return "No index yet", str(exc)
    if isinstance(exc, EngineLoading):
        return "Still loading", "The reviews are being loaded; ask again in a few seconds."
    return "Please check the question", str(exc)


def _link_base(request: gr.Request | None) -> str:
    """Absolute base URL of the app, so source links work in iframes and web components too."""
    raw = getattr(request, "request", None) if request is not None else None
    base_url = getattr(raw, "base_url", None)
    return str(base_url) if base_url is not None else ""


def _new_chat():
    return _chat([]), sources_panel(None), "", [], "", []


def _rate(holder: EngineHolder, rating: str, comment: str, turns: Turns, request: gr.Request):
    if not turns:
        return "Ask a question first, then rate its answer.", comment
    last = turns[-1]
    user = getattr(request, "username", None) if request is not None else None
    record = feedback_record(rating, last["answer"], comment, user, last.get("case"))
    append_feedback(holder.settings.serve.feedback_file, record)
    return "Thank you: your rating of the latest answer was saved.", ""


def _on_load(holder: EngineHolder):
    cases = [ALL_CASES, *case_labels(holder)]
    status = holder.status()
    if status["status"] not in ("no_index", "broken"):
        return gr.Dropdown(choices=cases, value=ALL_CASES), gr.HTML(visible=False)
    lead = "No index yet." if status["status"] == "no_index" else "The index is damaged."
    message = f'<div class="scr-notice">{lead} {escape_text(status["message"])}</div>'
    return gr.Dropdown(choices=cases, value=ALL_CASES), gr.HTML(message, visible=True)
