"""The corpus catalog: what a person has confirmed about each review document.

Documents without an entry still get indexed: the review they belong to (label, board,
place, year, type) is guessed from the document itself (`identity`), and the ingest report
says which values were guessed. A guessed value never overrides a catalog entry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rag.ingest import identity
from rag.types import DocumentInfo


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and the field."""


class CatalogEntry(BaseModel):
    """One `[documents."file name"]` table of `corpus/catalog.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, description="The document's title.")
    case: str = Field(min_length=1, description="The review's label: 'Child S', 'Family X', 'Jack'.")
    aliases: tuple[str, ...] = Field((), description="What people type for this review (any case).")
    board: str = ""
    place: str = ""
    year: int | None = None
    doc_type: str = Field(
        "", description="executive summary | learning briefing | presentation | full report."
    )
    review_type: str = ""
    author: str = ""
    review: str = Field("", description="Review id, to group several documents of one review.")
    password: str | None = None

    @field_validator("title", "case", "board", "place", "doc_type", "review_type", "author", "review")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("aliases")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a.strip().lower() for a in value if a.strip())


class Catalog(BaseModel):
    entries: dict[str, CatalogEntry] = Field(default_factory=dict)
    path: Path | None = None

    def password_for(self, rel_path: str) -> str | None:
        entry = self.entries.get(rel_path)
        return entry.password if entry else None

    def describe(self, rel_path: str, text: str, title_page: str | None = None) -> DocumentInfo:
        """The catalog's facts for a document, with what it leaves out guessed from the text."""
        return describe(rel_path, text, title_page, self.entries.get(rel_path))


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
    return Catalog(entries={name: _entry(path, name, raw) for name, raw in documents.items()}, path=path)


def _entry(path: Path, name: str, raw: object) -> CatalogEntry:
    where = f'{path}: [documents."{name}"]'
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a table")
    try:
        return CatalogEntry.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{where}: {_problems(exc, raw)}") from exc


def _problems(exc: ValidationError, raw: dict) -> str:
    allowed = sorted(CatalogEntry.model_fields)
    out = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        blank = field in {"title", "case"} and not str(raw.get(field, "")).strip()
        if error["type"] == "extra_forbidden":
            out.append(f"unknown field '{field}'; allowed: {allowed}")
        elif error["type"] == "missing" or blank:
            out.append(f"'{field}' is required and must be text")
        elif field == "year":
            out.append("'year' must be a number such as 2017")
        else:
            out.append(f"'{field}': {error['msg']}")
    return "; ".join(dict.fromkeys(out))


# --- catalog facts merged with guesses --------------------------------------------------------


def describe(rel_path: str, text: str, title_page: str | None, entry: CatalogEntry | None) -> DocumentInfo:
    guess = identity.guess_review(text, title_page)
    confirmed = entry.model_dump(exclude={"password", "aliases"}) if entry else {}
    values, guessed = {}, []
    for name, value in _guessed_values(rel_path, text, guess).items():
        if confirmed.get(name):
            values[name] = confirmed[name]
        else:
            values[name] = value
            if value:
                guessed.append(name)
    if confirmed.get("board") and not confirmed.get("place"):
        values["place"] = identity.place_of(confirmed["board"])  # follows from the board, not a guess
        guessed = [name for name in guessed if name != "place"]
    label, place, year = values["case"], values["place"], values["year"]
    title = values["title"] or Path(rel_path).stem
    aliases = identity.review_aliases(label, place, year, guess.acronym)
    if entry:
        aliases = [*entry.aliases, *aliases]
    review = entry.review if entry and entry.review else identity.review_id(label, place, year, rel_path)
    return DocumentInfo(
        doc_id=rel_path,
        title=title,
        case=label,
        board=values["board"],
        year=year,
        doc_type=values["doc_type"],
        aliases=tuple(dict.fromkeys(aliases)),
        case_source="catalog" if confirmed.get("case") else ("guessed" if label else "unknown"),
        review=review,
        review_name=identity.display_name(label, place, year, fallback=title),
        place=place,
        review_type=values["review_type"],
        author=values["author"],
        guessed=tuple(name for name in guessed if name != "title" or not entry),
    )


def _guessed_values(rel_path: str, text: str, guess: identity.ReviewGuess) -> dict[str, object]:
    where_it_happened = identity.unlabelled_place(text)
    place = guess.place or where_it_happened
    label = guess.label or (f"the {where_it_happened} child" if where_it_happened else "")
    return {
        "title": guess_title(guess, label),
        "case": label,
        "board": guess.board,
        "place": place,
        "year": guess.year,
        "doc_type": guess.doc_type,
        "review_type": guess.review_type,
        "author": guess.author,
    }


def guess_title(guess: identity.ReviewGuess, label: str) -> str:
    """'Serious Case Review: Child A, full report', from what the title page says."""
    kind = guess.review_type.title() if guess.review_type else "Review"
    title = f"{kind}: {label}" if label else kind
    return f"{title}, {guess.doc_type}" if guess.doc_type else title


def guess_info(rel_path: str, text: str, title_page: str | None = None) -> DocumentInfo:
    """Everything guessed from the text (a document with no catalog entry)."""
    return describe(rel_path, text, title_page, None)


def guess_case(text: str) -> str | None:
    """The review's label as the text gives it, if it gives one."""
    return identity.guess_label(text, text[: identity.TITLE_PAGE_CHARS]) or None
