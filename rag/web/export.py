"""An answer as people copy it: plain text or markdown, with a numbered reference list.

Pasted into an email or a report, every [n] of the answer must still point at something, so
each copy ends with its references (review, title, section / paragraph / page, quoted text).
Nothing is escaped here: this text goes to the clipboard, never into a page (the page escapes
it where it holds it).
"""

from __future__ import annotations

from typing import Any

from rag.answer.render import lines, markers
from rag.types import AnswerPart
from rag.web.sources import status_label


def reference(citation: dict[str, Any]) -> str:
    """'Case S (Norfolk, 2017), "Learning from ...", para 4.1.17, p. 4: "the quote"'."""
    page, page_end = citation.get("page"), citation.get("page_end")
    pages = (
        f"pp. {page}-{page_end}" if page and page_end and page_end != page else f"p. {page}" if page else ""
    )
    paragraph = f"para {citation['paragraph']}" if citation.get("paragraph") else ""
    found_at = [citation.get("section") or "", paragraph, pages]
    named = [citation.get("case") or "", f"\u201c{citation['title']}\u201d" if citation.get("title") else ""]
    head = ", ".join(p for p in [*named, *found_at] if p)
    quote = " ".join((citation.get("quote") or "").split())
    return f"{head}: \u201c{quote}\u201d" if quote else head


def answer_text(question: str, answer: dict[str, Any]) -> str:
    """The question, the answer with its [n] markers, and the references, as plain text."""
    body = "\n".join(_answer_lines(answer, markdown=False))
    refs = [f"[{int(c['n'])}] {reference(c)}" for c in answer.get("citations") or []]
    text = f"Question: {question.strip()}\n\n{body}"
    return f"{text}\n\nReferences\n" + "\n".join(refs) if refs else text


def answer_markdown_copy(question: str, answer: dict[str, Any]) -> str:
    """The same as markdown: case labels in bold, references as a list ('- [1] ...')."""
    body = "\n".join(_answer_lines(answer, markdown=True))
    refs = [f"- [{int(c['n'])}] {reference(c)}" for c in answer.get("citations") or []]
    text = f"**Question:** {question.strip()}\n\n{body}"
    return f"{text}\n\n**References**\n\n" + "\n".join(refs) if refs else text


def _answer_lines(answer: dict[str, Any], markdown: bool) -> list[str]:
    label = status_label(answer) if answer.get("abstained") else ""
    opening = [f"**{label}**" if markdown else f"{label}.", ""] if label else []
    parts = [AnswerPart.from_dict(p) for p in answer.get("parts") or []]
    if not parts:  # an answer saved before answers had parts: its text, as it was written
        return [*opening, *(answer.get("answer") or "").splitlines()]
    out, previous = list(opening), None
    for line in lines(parts):
        if previous is not None and "notice" in (previous[0].kind, line[0].kind):
            out.append("")  # a notice is a paragraph of its own
        out.append(_line(line, bool(answer.get("grouped")), markdown))
        previous = line
    return out


def _line(line: list[AnswerPart], grouped: bool, markdown: bool) -> str:
    first = line[0]
    body = " ".join(f"{p.text} {markers(p.citations)}".rstrip() for p in line)
    if first.kind == "notice":
        return body
    if grouped and first.review:
        return f"- **{first.review}**: {body}" if markdown else f"- {first.review}: {body}"
    return f"- {body}" if first.bullet else body
