"""The report laid out by Jinja2 templates (templates/, package data): HTML autoescaped,
Markdown with its own escape filter for table cells."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import jinja2

from rag.eval.report.context import Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def md_cell(text: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks as <br>, markup characters neutralised."""
    text = escape(str(text), quote=False).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return "<br>".join(line for line in text.splitlines() if line.strip()) or " "


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_cell
    return env


_HTML = _environment(autoescape=True)
_MARKDOWN = _environment(autoescape=False)


def render_html(report: Report) -> str:
    """One self-contained page: inline SVG charts, no script, nothing fetched, every text escaped."""
    return _HTML.get_template("report.html.j2").render(r=report)


def render_markdown(report: Report) -> str:
    """The same sections as the HTML page, without charts."""
    return _MARKDOWN.get_template("report.md.j2").render(r=report)
