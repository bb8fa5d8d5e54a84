"""Files to cleaned pages: PDF through pypdf, plain text and markdown.

A file that cannot be read raises `LoadError` carrying the status and a reason a
person can act on; ingestion records it and carries on with the other files.
"""

from __future__ import annotations

import codecs
import errno
import io
import logging
import os
import stat
from pathlib import Path

from rag.ingest import clean
from rag.types import PAGE_SEPARATOR, FileStatus, LoadedDocument, Page

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | MARKDOWN_SUFFIXES

# Fewer letters than this in a whole PDF means there is no usable text layer.
MIN_LETTERS = 20

# pypdf logs every repaired xref at WARNING; the ingest report already says what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class LoadError(Exception):
    """A file that could not be turned into text."""

    def __init__(self, status: FileStatus, reason: str, pages: int = 0):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.pages = pages


def load_file(
    path: Path, rel_path: str, password: str | None = None, data: bytes | None = None
) -> LoadedDocument:
    """Read one corpus file (or its bytes `data`, already read) into cleaned pages, or raise
    LoadError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            FileStatus.UNSUPPORTED,
            f"'{suffix or 'no extension'}' files are not read: convert to PDF, .txt or .md",
        )
    data = read_regular(path) if data is None else data
    if not data:
        raise LoadError(FileStatus.EMPTY, "file is empty (0 bytes): re-export or re-download it")
    if suffix in PDF_SUFFIXES:
        pages = _read_pdf(data, password)
        kind = "pdf"
    else:
        kind = "markdown" if suffix in MARKDOWN_SUFFIXES else "text"
        pages = _read_text_pages(data, markdown=kind == "markdown")
    document = _assemble(rel_path, kind, pages)
    if not any(ch.isalpha() for ch in document.text):
        status = FileStatus.NO_TEXT if kind == "pdf" else FileStatus.EMPTY
        raise LoadError(status, "no text in the file", pages=len(pages))
    return document


def read_regular(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file and not a symbolic link, checked on the
    open descriptor, so a file swapped for a link or a FIFO after the scan is still refused
    (and a FIFO never blocks the ingest)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadError(FileStatus.UNSUPPORTED, "symbolic link: not followed") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LoadError(FileStatus.UNSUPPORTED, "not a regular file: only files are read")
        return handle.read()


def _assemble(rel_path: str, kind: str, page_texts: list[tuple[int | None, str]]) -> LoadedDocument:
    pages: list[Page] = []
    offset = 0
    for number, text in page_texts:
        pages.append(Page(number=number, text=text, start=offset, end=offset + len(text)))
        offset += len(text) + len(PAGE_SEPARATOR)
    return LoadedDocument(path=rel_path, kind=kind, pages=tuple(pages))


# --- text and markdown -------------------------------------------------------------


def _read_text_pages(raw: bytes, markdown: bool) -> list[tuple[int | None, str]]:
    text = _decode(raw)
    chunks = text.split("\f")
    numbered = len(chunks) > 1  # form feeds mark the pages of text exported from a PDF
    pages: list[tuple[int | None, str]] = []
    for i, chunk in enumerate(chunks, start=1):
        if markdown:
            chunk = clean.strip_markdown_inline(chunk)
        chunk = clean.drop_standalone_page_numbers(clean.normalise_characters(clean.strip_inline_html(chunk)))
        pages.append((i if numbered else None, clean.tidy_whitespace(chunk)))
    if numbered:
        stripped = clean.strip_running_lines([t for _, t in pages])
        pages = [(n, clean.tidy_whitespace(t)) for (n, _), t in zip(pages, stripped, strict=True)]
    return pages


# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(raw: bytes) -> str:
    """Text in UTF-8 (with or without a BOM), UTF-16 or UTF-32 with a BOM, or Windows-1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)  # the codec reads the BOM and drops it
            except UnicodeDecodeError as exc:
                reason = f"starts as {encoding.upper()} text but is not ({exc.reason}): save it as UTF-8"
                raise LoadError(FileStatus.BROKEN, reason) from exc
    if b"\x00" in raw[:4096]:
        raise LoadError(
            FileStatus.BROKEN,
            "binary content in a text file: check the file type (UTF-16 or UTF-32 text needs a "
            "byte-order mark; or save it as UTF-8)",
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


# --- PDF ---------------------------------------------------------------------------


def _read_pdf(data: bytes, password: str | None) -> list[tuple[int | None, str]]:
    head = data[:1024]
    if b"%PDF-" not in head:
        start = head[:8].decode("latin-1", "replace").strip()
        raise LoadError(
            FileStatus.BROKEN,
            f"not a PDF (starts with {start!r}): probably a failed download; fetch it again",
        )
    reader = _open_pdf(data, password)
    try:
        raw_pages = [_page_text(page) for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged page trees
        raise LoadError(FileStatus.BROKEN, f"damaged PDF ({_short(exc)}): repair or re-export it") from exc
    if not any(ch.isalpha() for text in raw_pages for ch in text):
        raise LoadError(
            FileStatus.NO_TEXT,
            "image-only PDF (no text layer): run OCR on it (e.g. ocrmypdf) and ingest again",
            pages=len(raw_pages),
        )
    cleaned = [clean.tidy_whitespace(clean.normalise_characters(t)) for t in raw_pages]
    cleaned = clean.strip_running_lines(cleaned)
    return [(i, clean.tidy_whitespace(t)) for i, t in enumerate(cleaned, start=1)]


def _open_pdf(data: bytes, password: str | None):  # -> pypdf.PdfReader
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt(reader, password)
        return reader
    except LoadError:
        raise
    except DependencyError as exc:
        raise LoadError(
            FileStatus.NEEDS_PASSWORD, f"encrypted with AES and {exc}: install 'cryptography'"
        ) from exc
    except FileNotDecryptedError as exc:
        raise LoadError(FileStatus.NEEDS_PASSWORD, _password_hint(password)) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise LoadError(FileStatus.BROKEN, f"damaged PDF ({_short(exc)}): repair or re-export it") from exc


def _decrypt(reader, password: str | None) -> None:
    from pypdf import PasswordType

    # Many published PDFs are encrypted only to restrict printing: the empty user
    # password opens them, so try it before asking anyone for a password.
    for candidate in ("", password):
        if candidate is not None and reader.decrypt(candidate) != PasswordType.NOT_DECRYPTED:
            return
    raise LoadError(FileStatus.NEEDS_PASSWORD, _password_hint(password))


def _password_hint(password: str | None) -> str:
    if password:
        return "encrypted and the password given does not open it: check the password"
    return (
        "encrypted: give the password with `rag ingest --password FILE=PASSWORD` "
        "or `password = ...` in the catalog"
    )


def _page_text(page) -> str:
    return page.extract_text() or ""


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 120 else text[:117] + "..."
