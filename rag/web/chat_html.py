"""The conversation as HTML: the chat window, each answer's sources, and a print view.

A turn is {"n", "question", "case", "answer": Answer JSON}; `n` numbers turns for the whole
conversation, so answer 3's citation [2] is `cite-3-2` wherever it is shown. Every piece of
review text goes through `escape_text`; the markup around it is this module's own.
`static/chat.js` gives the markup its behaviour (scrolling, [n] links, copy).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rag.answer.render import lines
from rag.types import AnswerPart
from rag.web.export import answer_markdown_copy, answer_text, reference
from rag.web.sources import answer_cards, escape_text, sources_panel, status_label

Turn = dict[str, Any]
Cite = Callable[[int, int], str]  # (turn, n) -> the marker's HTML
_DRAFT_LABEL = re.compile(r"^- \*\*(.+?)\*\*: ")
_DRAFT_MARKER = re.compile(r"\[(\d+)\]")
EMPTY_HINT = "Ask about what the reviews found, what went wrong, and what they recommend."


def cite_link(turn: int, n: int) -> str:
    """[n] as a link to its card; chat.js shows the card and its highlighted quote."""
    return (
        f'<a class="scr-cite" href="#cite-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
        f'title="Show source {n} of answer {turn}">[{n}]</a>'
    )


def plain_marker(turn: int, n: int) -> str:
    return f"[{n}]"


# --- one answer ---------------------------------------------------------------------------------


def answer_html(answer: dict[str, Any], turn: int, cite: Cite = cite_link) -> str:
    """An answer's text: paragraphs and lists from its parts, [n] as `cite` makes them."""
    parts = [AnswerPart.from_dict(p) for p in answer.get("parts") or []]
    grouped = bool(answer.get("grouped"))
    body = _parts_html(parts, grouped, turn, cite) if parts else draft_html(answer.get("answer") or "")
    if answer.get("abstained"):
        return label_html(status_label(answer)) + body
    return body


def label_html(label: str) -> str:
    """The emphasised label that opens an answer which is not a cited answer."""
    return f'<p class="scr-label-line"><em class="scr-label">{escape_text(label)}</em></p>'


def _parts_html(parts: list[AnswerPart], grouped: bool, turn: int, cite: Cite) -> str:
    blocks: list[str] = []
    for line in lines(parts):
        text = " ".join(escape_text(p.text) + "".join(f" {cite(turn, n)}" for n in p.citations) for p in line)
        first = line[0]
        if first.kind == "notice":
            blocks.append(f'<p class="scr-notice-line">{text}</p>')
        elif grouped and first.review:
            blocks.append(f'<li><strong class="scr-review">{escape_text(first.review)}</strong>: {text}</li>')
        else:
            blocks.append(f"<li>{text}</li>" if first.bullet else f"<p>{text}</p>")
    return _lists_closed(blocks)


def _lists_closed(blocks: list[str]) -> str:
    """Consecutive <li> blocks wrapped in one <ul>."""
    html, in_list = "", False
    for block in blocks:
        item = block.startswith("<li>")
        if item != in_list:
            html += "<ul>" if item else "</ul>"
            in_list = item
        html += block
    return html + ("</ul>" if in_list else "")


def draft_html(text: str) -> str:
    """Answer text still being written (streamed): lines, list items and case labels kept."""
    blocks = []
    for line in text.splitlines():
        if not line.strip():
            continue
        label = _DRAFT_LABEL.match(line)
        if label:
            body = escape_text(line[label.end() :])
            blocks.append(
                f'<li><strong class="scr-review">{escape_text(label.group(1))}</strong>: {body}</li>'
            )
        elif line.startswith("- "):
            blocks.append(f"<li>{escape_text(line[2:])}</li>")
        else:
            blocks.append(f"<p>{escape_text(line)}</p>")
    return _lists_closed(blocks)


# --- the chat window ----------------------------------------------------------------------------


def conversation_html(turns: list[Turn], pending: str = "", examples: list[str] | None = None) -> str:
    """The chat window: every turn, then `pending` (a turn still being answered), and the
    print view of the conversation (shown only when printing)."""
    if not turns and not pending:
        return empty_html(examples or [])
    body = "".join(turn_html(t) for t in turns) + pending
    return f'<div class="scr-turns">{body}</div>{print_html(turns)}'


def empty_html(examples: list[str]) -> str:
    buttons = "".join(
        f'<button type="button" class="scr-example" data-index="{i}">{escape_text(q)}</button>'
        for i, q in enumerate(examples)
    )
    return f'<div class="scr-empty-chat"><p>{EMPTY_HINT}</p><div class="scr-examples">{buttons}</div></div>'


def turn_html(turn: Turn) -> str:
    n, answer = int(turn["n"]), turn["answer"]
    declined = " scr-declined" if answer.get("abstained") else ""
    return (
        f'<article class="scr-turn" id="turn-{n}" data-turn="{n}">'
        f"{_question_html(turn['question'])}"
        f'<div class="scr-a bot{declined}">{answer_html(answer, n)}</div>'
        f"{_tools_html(turn)}</article>"
    )


def pending_html(n: int, question: str, body: str) -> str:
    """A turn whose answer is still coming: `body` is its status line or draft so far."""
    return (
        f'<article class="scr-turn scr-pending" id="turn-{n}" data-turn="{n}">'
        f'{_question_html(question)}<div class="scr-a bot" aria-busy="true">{body}</div></article>'
    )


def problem_html(label: str, message: str) -> str:
    """A notice in place of an answer, for a question refused before it was asked."""
    return (
        f'<div class="scr-turn scr-problem"><div class="scr-a bot">{problem_body(label, message)}</div></div>'
    )


def problem_body(label: str, message: str) -> str:
    """Why no answer was given (no index yet, still loading, a question to check)."""
    return f"{label_html(label)}<p>{escape_text(message)}</p>"


def status_html(text: str) -> str:
    return f'<p class="scr-status">{escape_text(text)}</p>'


def _question_html(question: str) -> str:
    return f'<div class="scr-q user"><p>{escape_text(question)}</p></div>'


def _tools_html(turn: Turn) -> str:
    n, answer = int(turn["n"]), turn["answer"]
    count = len(answer.get("citations") or []) or len(answer.get("related") or [])
    what = "Closest passages" if answer.get("abstained") else "Sources"
    copies = {
        "text": answer_text(turn["question"], answer),
        "markdown": answer_markdown_copy(turn["question"], answer),
    }
    held = "".join(
        f'<pre class="scr-copy" data-format="{f}" hidden>{escape_text(t)}</pre>' for f, t in copies.items()
    )
    return (
        f'<div class="scr-tools"><span class="scr-turn-label">Answer {n}</span>'
        f'<button type="button" class="scr-show-sources" data-turn="{n}">{what} ({count})</button>'
        '<button type="button" data-copy="text">Copy text</button>'
        '<button type="button" data-copy="markdown">Copy markdown</button>'
        f'<span class="scr-copy-status" role="status"></span></div>{held}'
    )


# --- printing -----------------------------------------------------------------------------------


def print_html(turns: list[Turn]) -> str:
    """The conversation as a hand-out: each question, its answer and its references.
    Hidden on screen; chat.css shows only this when the page is printed."""
    sections = "".join(_print_turn(t) for t in turns)
    return (
        '<section class="scr-print"><h1>Serious Case Review answers</h1>'
        f'<p class="scr-print-note">{len(turns)} question{"s" * (len(turns) != 1)} and their cited '
        f"answers. Every [n] refers to the quoted passage listed under the answer.</p>{sections}</section>"
    )


def _print_turn(turn: Turn) -> str:
    n, answer = int(turn["n"]), turn["answer"]
    refs = "".join(
        f'<li value="{int(c["n"])}">{escape_text(reference(c))}</li>' for c in answer.get("citations") or []
    )
    listing = f'<h3>References</h3><ol class="scr-refs">{refs}</ol>' if refs else ""
    return (
        f'<section class="scr-print-turn"><h2>Question {n}</h2><p class="scr-print-q">'
        f"{escape_text(turn['question'])}</p>"
        f'<div class="scr-print-a">{answer_html(answer, n, plain_marker)}</div>{listing}</section>'
    )


# --- the sources panel: every answer's cards, the selected answer's shown -----------------------


def conversation_sources(turns: list[Turn], link_base: str) -> str:
    """A group of cards per answer; the latest shown, the others there for chat.js to show
    when their answer or one of its [n] is selected."""
    if not turns:
        return sources_panel(None)
    latest = int(turns[-1]["n"])
    groups = "".join(_sources_group(t, link_base, int(t["n"]) == latest) for t in turns)
    return f'<div class="scr-sources">{groups}</div>'


def _sources_group(turn: Turn, link_base: str, shown: bool) -> str:
    n = int(turn["n"])
    return (
        f'<section class="scr-turn-sources" id="sources-{n}" data-turn="{n}"{"" if shown else " hidden"}>'
        '<button type="button" class="scr-back-to-chat">Back to the conversation</button>'
        f'<h3 class="scr-sources-for">Sources of answer {n}</h3>'
        f'<p class="scr-sources-q">{escape_text(turn["question"])}</p>'
        f"{answer_cards(turn['answer'], link_base, n)}</section>"
    )
