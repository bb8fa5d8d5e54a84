"""The themes reviews are tagged with: `rag/data/themes.toml`, plus an organisation's own
`themes.toml` beside the corpus, whose themes are added (or replace packaged ones of the same
id). Plain data: a theme is added or edited without code."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from rag.insights.types import Theme

PACKAGED = Path(__file__).resolve().parent.parent / "data" / "themes.toml"
THEMES_FILE = "themes.toml"  # an organisation's own themes, beside the corpus
_KEYS = {"name": str, "definition": str, "phrasings": list, "keywords": list}


class TaxonomyError(ValueError):
    """A themes file that cannot be used; the message names the file and the theme."""


def load_taxonomy(corpus_dir: Path | None = None) -> list[Theme]:
    themes: dict[str, Theme] = {}
    for path in taxonomy_files(corpus_dir):
        for theme in _read(path):
            themes[theme.id] = theme
    return list(themes.values())


def taxonomy_files(corpus_dir: Path | None) -> list[Path]:
    own = corpus_dir / THEMES_FILE if corpus_dir is not None else None
    return [PACKAGED] + ([own] if own is not None and own.is_file() else [])


def taxonomy_key(themes: list[Theme]) -> str:
    """Changes whenever a theme's wording does, so tags are made again."""
    text = "\n".join(f"{t.id}|{t.name}|{t.definition}|{t.phrasings}|{t.keywords}" for t in themes)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read(path: Path) -> list[Theme]:
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot be read as TOML ({exc}); fix the themes file") from exc
    themes = tables.get("themes")
    if not isinstance(themes, dict):
        raise TaxonomyError(f"{path}: no [themes.<id>] tables; see {PACKAGED} for the format")
    return [_theme(path, theme_id, table) for theme_id, table in themes.items()]


def _theme(path: Path, theme_id: str, table: object) -> Theme:
    where = f"{path}: [themes.{theme_id}]"
    if not isinstance(table, dict):
        raise TaxonomyError(f"{where} must be a table with name, definition, phrasings and keywords")
    for key, kind in _KEYS.items():
        if not isinstance(table.get(key), kind):
            raise TaxonomyError(f"{where}: `{key}` is missing or not a {kind.__name__}")
    for key in ("phrasings", "keywords"):
        if not all(isinstance(v, str) and v.strip() for v in table[key]):
            raise TaxonomyError(f"{where}: every entry of `{key}` must be non-empty text")
    if not table["phrasings"]:
        raise TaxonomyError(f"{where}: give at least one example phrasing")
    return Theme(
        id=theme_id,
        name=table["name"].strip(),
        definition=table["definition"].strip(),
        phrasings=tuple(p.strip() for p in table["phrasings"]),
        keywords=tuple(k.strip().lower() for k in table["keywords"]),
    )
