"""Typed objects passed between pipeline stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal


class FileStatus(StrEnum):
    """Outcome of ingesting one file; the values are part of the `rag ingest --json` contract."""

    OK = "ok"
    SKIPPED_UNCHANGED = "skipped_unchanged"
    NEEDS_PASSWORD = "needs_password"
    NO_TEXT = "no_text"
    BROKEN = "broken"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"

    @property
    def failed(self) -> bool:
        return self not in (FileStatus.OK, FileStatus.SKIPPED_UNCHANGED)


@dataclass(frozen=True)
class Page:
    """One page of cleaned text; `start`/`end` are offsets into the document's cleaned text."""

    number: int | None  # 1-based printed page for PDFs; None for text without page breaks
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class LoadedDocument:
    """A file turned into cleaned text, split into pages."""

    path: str  # relative to the corpus folder, '/'-separated
    kind: str  # "pdf" | "text" | "markdown"
    pages: tuple[Page, ...]
    ocr_pages: int = 0  # pages whose text was read by OCR
    notes: tuple[str, ...] = ()  # pages that could not be read, and why (for the report)

    @property
    def text(self) -> str:
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    def page_at(self, offset: int) -> int | None:
        """Page number containing the character at `offset` of the cleaned text."""
        return page_at([(p.number, p.end) for p in self.pages], offset)


PAGE_SEPARATOR = "\n\n"


def page_at(pages: list[tuple[int | None, int]], offset: int) -> int | None:
    """The number of the page ((number, end offset), in order) holding character `offset`."""
    for number, end in pages:
        if offset < end + len(PAGE_SEPARATOR):
            return number
    return pages[-1][0] if pages else None


@dataclass(frozen=True)
class DocumentInfo:
    """What the catalog (or a guess from the text) says about a document."""

    doc_id: str
    title: str
    case: str
    board: str
    year: int | None = None
    doc_type: str = ""
    aliases: tuple[str, ...] = ()
    case_source: str = "catalog"  # "catalog" | "guessed" | "unknown"
    review: str = ""  # stable review id ("child-s-norfolk-2017"); documents sharing it are one review
    review_name: str = ""  # display name: "Child S (Norfolk, 2017)"
    place: str = ""
    review_type: str = ""  # "serious case review", "local child safeguarding practice review", ...
    author: str = ""
    guessed: tuple[str, ...] = ()  # fields guessed from the text (the catalog did not say)


@dataclass(frozen=True)
class Document:
    """An indexed review document as stored with the index: what the catalog (or a guess)
    says about it, and its cleaned text, which citations' offsets point into."""

    doc_id: str
    title: str = ""
    case: str = ""
    board: str = ""
    year: int | None = None
    doc_type: str = ""
    aliases: tuple[str, ...] = ()
    case_source: str = "catalog"
    review: str = ""
    review_name: str = ""
    place: str = ""
    review_type: str = ""
    author: str = ""
    guessed: tuple[str, ...] = ()
    path: str = ""  # relative to the corpus folder
    kind: str = ""  # "pdf" | "text" | "markdown"
    pages: tuple[dict[str, Any], ...] = ()  # {"number", "start", "end"} per page
    text: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("aliases", "pages", "guessed"):
            values[name] = tuple(values.get(name) or ())
        values["review"] = values.get("review") or values["doc_id"]
        values["review_name"] = values.get("review_name") or values.get("case") or values["doc_id"]
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if k in ("aliases", "pages", "guessed") else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Passage:
    """A citable unit of text: what is embedded, indexed, retrieved and quoted."""

    id: str
    doc_id: str
    title: str
    case: str
    board: str
    year: int | None
    page: int | None
    page_end: int | None
    section: str  # e.g. "4 Analysis > Responding to injuries"
    paragraph: str | None  # e.g. "4.1.17" or "4.1.17-4.1.19"
    start: int  # offsets into the document's cleaned text
    end: int
    text: str
    ordinal: int  # position within the document
    review: str = ""  # the review id: passages of one review share it, whatever their label
    review_name: str = ""  # its display name, "Child S (Norfolk, 2017)"
    section_type: str = ""  # the kind of section (rag.ingest.anatomy.SectionType)

    def __post_init__(self) -> None:
        # Passages made without an identity (tests, older indexes) are one review per label.
        if not self.review:
            object.__setattr__(self, "review", self.case)
        if not self.review_name:
            object.__setattr__(self, "review_name", self.case)

    @property
    def words(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileReport:
    """One row of the ingest report."""

    file: str
    status: FileStatus
    pages: int = 0
    passages: int = 0
    reason: str = ""
    case: str = ""
    review: str = ""  # the review's display name, "Child S (Norfolk, 2017)"
    guessed: tuple[str, ...] = ()  # facts about the review guessed from the text
    ocr_pages: int = 0  # pages whose text was read by OCR

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status.value,
            "pages": self.pages,
            "passages": self.passages,
            "reason": self.reason,
            "case": self.case,
            "review": self.review,
            "guessed": list(self.guessed),
            "ocr_pages": self.ocr_pages,
        }


@dataclass
class IngestReport:
    """Result of `rag ingest`; `to_dict` is the `--json` contract."""

    files: list[FileReport] = field(default_factory=list)
    index_path: str = ""
    recipe_id: str = ""
    documents: int = 0
    passages: int = 0
    changed: bool = False
    seconds: float = 0.0
    error: str = ""  # why the index could not be written (disk full, I/O error); "" when it was
    insights: dict[str, Any] = field(default_factory=dict)  # cards and themes rebuilt: count, seconds

    @property
    def exit_code(self) -> int:
        """0 all read; 1 some files failed, the rest indexed; 3 the index could not be written."""
        if self.error:
            return 3
        return 1 if any(f.status.failed for f in self.files) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "index": self.index_path,
            "recipe": self.recipe_id,
            "documents": self.documents,
            "passages": self.passages,
            "changed": self.changed,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "exit_code": self.exit_code,
            "insights": self.insights,
        }


@dataclass
class Hit:
    """A passage found for a question, with its fused and reranked scores."""

    passage: Passage
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_retrieved(self) -> dict[str, Any]:
        p = self.passage
        return {
            "id": p.id,
            "doc_id": p.doc_id,
            "title": p.title,
            "case": p.case,
            "page": p.page,
            "section": p.section,
            "paragraph": p.paragraph,
            "text": p.text,
            "score": round(self.score, 4),
        }


@dataclass
class Citation:
    """One cited span: `quote` is exact text of the document at [start, end)."""

    n: int
    doc_id: str
    title: str
    case: str  # the review's display name, "Child S (Norfolk, 2017)"
    page: int | None  # the page the quote starts on
    section: str
    paragraph: str | None
    quote: str
    text: str  # the whole passage the quote sits in
    start: int  # offsets of the quote in the document's cleaned text
    end: int
    score: float
    passage_id: str = ""
    page_end: int | None = None  # the page the quote ends on, when it runs on to another
    review: str = ""  # the review id (`case` is its display name)
    # The sentence scorer's reasons: each feature's share of the score (rag.answer.extractive).
    why: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class AnswerPart:
    """One statement of an answer and the citations that support it.

    Statements with the same `line` read as one paragraph or list item; `bullet` makes the
    line a list item. A `notice` is said by the product itself (an abstention, a fallback
    notice) and carries no citation."""

    review: str  # the case the statement is about ("" for a notice)
    text: str  # the statement, without citation markers
    citations: tuple[int, ...] = ()  # numbers `n` of `Answer.citations`
    line: int = 0
    bullet: bool = False
    kind: Literal["statement", "notice"] = "statement"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = list(self.citations)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerPart:
        """A part as `to_dict` wrote it (the Answer JSON's `parts`)."""
        return cls(**{**data, "citations": tuple(data["citations"])})


@dataclass
class Answer:
    """What `rag.answer` returns; `to_dict` is the JSON contract shared by CLI, UI, API and eval."""

    question: str
    answer: str
    abstained: bool
    generator: str
    latency_ms: float
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Hit] = field(default_factory=list)
    reason: str = ""  # why it abstained or refused, for the UI and the evaluation
    cases: list[str] = field(default_factory=list)  # cases the question was routed to
    related: list[Hit] = field(default_factory=list)  # closest passages when abstaining
    # What the citation check changed in a generated answer: removed_sentences, removed_citations,
    # fell_back, error (empty for extractive answers).
    check: dict[str, Any] = field(default_factory=dict)
    parts: list[AnswerPart] = field(default_factory=list)  # `answer` is rendered from these
    grouped: bool = False  # each line is labelled with the review it is about
    understood_as: str = ""  # the question with its slips corrected, when any were

    @property
    def refused(self) -> bool:
        """Declined by rule (identifying people, opinions, planted instructions), not for
        want of evidence."""
        return self.reason.startswith(REFUSED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "generator": self.generator,
            "latency_ms": round(self.latency_ms, 1),
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [h.to_retrieved() for h in self.retrieved],
            "reason": self.reason,
            "cases": self.cases,
            "related": [h.to_retrieved() for h in self.related],
            "check": self.check,
            "parts": [p.to_dict() for p in self.parts],
            "grouped": self.grouped,
            "understood_as": self.understood_as,
        }


REFUSED = "refused:"  # prefix of `Answer.reason` for answers declined by rule
