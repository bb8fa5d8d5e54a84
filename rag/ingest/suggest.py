"""Catalog entries guessed for the documents the catalog does not cover yet, for a person to
confirm (`rag catalog --suggest [--write]`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.catalog import Catalog, load_catalog
from rag.ingest.job import scan_corpus
from rag.ingest.load import LoadError, load_file
from rag.settings import Settings
from rag.types import DocumentInfo


@dataclass(frozen=True)
class Suggestion:
    file: str
    info: DocumentInfo | None
    problem: str = ""  # why no entry could be guessed (the file does not load)


def suggest(settings: Settings) -> list[Suggestion]:
    """A guessed entry for every corpus document without a catalog entry."""
    catalog = load_catalog(settings.catalog_path)
    files = scan_corpus(settings.corpus_dir, settings.catalog_file)
    return [_suggest(rel, path, catalog) for rel, path in files.items() if rel not in catalog.entries]


def _suggest(rel: str, path: Path, catalog: Catalog) -> Suggestion:
    try:
        document = load_file(path, rel, catalog.password_for(rel))
    except (LoadError, OSError) as exc:
        return Suggestion(rel, None, str(getattr(exc, "reason", exc)))
    title_page = document.pages[0].text if document.kind == "pdf" and document.pages else None
    return Suggestion(rel, catalog.describe(rel, document.text, title_page))


def as_toml(suggestions: list[Suggestion]) -> str:
    """Catalog tables for the suggestions, each marked as guessed until a person confirms it."""
    blocks = []
    for s in suggestions:
        if s.info is None:
            blocks.append(f"# {s.file}: no entry suggested ({s.problem})")
            continue
        info = s.info
        lines = [f"# guessed from the text ({', '.join(info.guessed) or 'nothing'}): check, then keep"]
        lines.append(f"[documents.{_string(s.file)}]")
        fields = {
            "title": info.title,
            "case": info.case or "CHANGE ME: the review's label",
            "board": info.board,
            "place": info.place,
            "year": info.year,
            "doc_type": info.doc_type,
            "review_type": info.review_type,
            "author": info.author,
        }
        lines += [f"{key} = {_value(value)}" for key, value in fields.items() if value not in ("", None)]
        lines.append(f"aliases = [{', '.join(_string(a) for a in info.aliases)}]")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _value(value: object) -> str:
    return str(value) if isinstance(value, int) else _string(str(value))
