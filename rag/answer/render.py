"""An answer's text, rendered from its typed parts: the one place that lays parts out as lines.

The plain text (`Answer.answer`), the chat markdown (escaped, `rag.web.sources`) and the
feedback record all come from the same parts; nothing parses answer text back.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from rag.types import AnswerPart

Escape = Callable[[str], str]


def _same(text: str) -> str:
    return text


def markers(numbers: tuple[int, ...]) -> str:
    """'[1] [3]' for citation numbers 1 and 3."""
    return " ".join(f"[{n}]" for n in numbers)


def lines(parts: list[AnswerPart]) -> list[list[AnswerPart]]:
    """Parts grouped into their lines, in order."""
    return [list(group) for _, group in groupby(parts, key=lambda p: p.line)]


def render(parts: list[AnswerPart], grouped: bool, escape: Escape = _same, with_markers: bool = True) -> str:
    """The answer as text. `escape` is applied to every piece of review text (for markdown);
    a notice stands in a paragraph of its own."""
    text, previous = "", None
    for line in lines(parts):
        if previous is not None:
            notice = "notice" in (previous[0].kind, line[0].kind)
            text += "\n\n" if notice else "\n"
        text += _line(line, grouped, escape, with_markers)
        previous = line
    return text


def _line(line: list[AnswerPart], grouped: bool, escape: Escape, with_markers: bool) -> str:
    first = line[0]
    pieces = []
    for part in line:
        cited = markers(part.citations) if with_markers else ""
        pieces.append(f"{escape(part.text)} {cited}".rstrip())
    body = " ".join(pieces)
    if first.kind == "notice":
        return body
    if grouped and first.review:
        return f"- **{escape(first.review)}**: {body}"
    return f"- {body}" if first.bullet else body


def plain_text(parts: list[AnswerPart], grouped: bool) -> str:
    """The answer as a reader would copy it, without citation markers."""
    return render(parts, grouped, with_markers=False)


def capitalised(text: str) -> str:
    """A quoted sentence as an answer statement: starting with a capital letter."""
    text = text.strip()
    return text[0].upper() + text[1:] if text and text[0].islower() else text
