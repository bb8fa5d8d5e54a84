"""The corpus catalog: title, case, board, year and aliases for each review document.

Documents without an entry still get indexed: their case and board are guessed from
the text, and the ingest report says so (or says that it could not tell).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import DocumentInfo

_ENTRY_FIELDS = {"title", "case", "aliases", "board", "year", "doc_type", "password"}
_CASE_LABEL = re.compile(r"\b(Child|Case|Baby|Family)\s+([A-Z]{1,2}\d?)\b")
_BOARD = re.compile(
    r"((?:[A-Z][\w'’]*,?\s+(?:and\s+)?){1,6}?)(?:Local\s+)?Safeguarding\s+(?:Children\s+)?"
    r"(Board|Partnership)"
)
_CHILD_OF_PLACE = re.compile(
    r"\bchild who (?:died|was (?:seriously )?(?:injured|harmed)|lived) in ([A-Z][a-z]+)"
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class CatalogEntry:
    title: str
    case: str
    board: str = ""
    year: int | None = None
    doc_type: str = ""
    aliases: tuple[str, ...] = ()
    password: str | None = None


@dataclass
class Catalog:
    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    path: Path | None = None

    def password_for(self, rel_path: str) -> str | None:
        entry = self.entries.get(rel_path)
        return entry.password if entry else None

    def describe(self, rel_path: str, text: str) -> DocumentInfo:
        """Catalog facts for a document, or a guess from its text when it has no entry."""
        entry = self.entries.get(rel_path)
        if entry is not None:
            return DocumentInfo(
                doc_id=rel_path,
                title=entry.title,
                case=entry.case,
                board=entry.board,
                year=entry.year,
                doc_type=entry.doc_type,
                aliases=entry.aliases,
                case_source="catalog",
            )
        return guess_info(rel_path, text)


def load_catalog(path: Path) -> Catalog:
    """Read the catalog TOML; a missing file is an empty catalog."""
    if not path.exists():
        return Catalog(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc}); fix the syntax") from exc
    documents = data.get("documents", {})
    if not isinstance(documents, dict):
        raise CatalogError(f"{path}: [documents] must be a table of file names")
    entries = {name: _entry(path, name, raw) for name, raw in documents.items()}
    return Catalog(entries=entries, path=path)


def _entry(path: Path, name: str, raw: object) -> CatalogEntry:
    where = f'{path}: [documents."{name}"]'
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a table")
    unknown = set(raw) - _ENTRY_FIELDS
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_FIELDS)}")
    for required in ("title", "case"):
        if not isinstance(raw.get(required), str) or not raw[required].strip():
            raise CatalogError(f"{where}: '{required}' is required and must be text")
    year = raw.get("year")
    if year is not None and not isinstance(year, int):
        raise CatalogError(f"{where}: 'year' must be a number such as 2017")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise CatalogError(f"{where}: 'aliases' must be a list of strings")
    return CatalogEntry(
        title=raw["title"].strip(),
        case=raw["case"].strip(),
        board=str(raw.get("board", "")).strip(),
        year=year,
        doc_type=str(raw.get("doc_type", "")).strip(),
        aliases=tuple(a.strip().lower() for a in aliases if a.strip()),
        password=raw.get("password"),
    )


def guess_info(rel_path: str, text: str) -> DocumentInfo:
    """Best guess of case, board, year and title from the document text."""
    case = guess_case(text)
    board = guess_board(text)
    return DocumentInfo(
        doc_id=rel_path,
        title=_guess_title(text) or Path(rel_path).stem,
        case=case or "",
        board=board or "",
        year=_guess_year(text),
        aliases=(case.lower(),) if case else (),
        case_source="guessed" if case else "unknown",
    )


def guess_case(text: str) -> str | None:
    """The case label a review uses most often ("Child J"), if any."""
    labels = Counter(f"{kind} {letter}" for kind, letter in _CASE_LABEL.findall(text))
    if not labels:
        # Briefings that never label the child often say where it happened instead.
        place = _CHILD_OF_PLACE.search(text)
        return f"the {place.group(1)} child" if place else None
    label, count = labels.most_common(1)[0]
    return label if count >= 2 else None


def guess_board(text: str) -> str | None:
    head = " ".join(text[:6000].split())
    found = Counter(
        f"{m.group(1).strip()} Safeguarding Children {m.group(2)}".replace("  ", " ")
        for m in _BOARD.finditer(head)
    )
    return found.most_common(1)[0][0] if found else None


def _guess_year(text: str) -> int | None:
    years = [int(y) for y in _YEAR.findall(text[:3000])]
    return max(years) if years else None


def _guess_title(text: str) -> str | None:
    for line in text.split("\n"):
        line = line.strip("# ").strip()
        if len(line.split()) >= 3:
            return line[:160]
    return None
