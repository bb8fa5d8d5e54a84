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
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest import clean
from rag.ingest.ocr import (
    INSTALL_HINT,
    MIN_PAGE_LETTERS,
    Ocr,
    PageProgress,
    needs_ocr,
    pages_with_images,
    short_error,
    wordlike_count,
)
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
    path: Path,
    rel_path: str,
    password: str | None = None,
    data: bytes | None = None,
    ocr: Ocr | None = None,
    progress: PageProgress | None = None,
) -> LoadedDocument:
    """Read one corpus file (or its bytes `data`, already read) into cleaned pages, or raise
    LoadError. PDF pages without a usable text layer are read by `ocr` when given."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            FileStatus.UNSUPPORTED,
            f"'{suffix or 'no extension'}' files are not read: convert to PDF, .txt or .md",
        )
    data = read_regular(path) if data is None else data
    if not data:
        raise LoadError(FileStatus.EMPTY, "file is empty (0 bytes): re-export or re-download it")
    scan = _PdfScan()
    if suffix in PDF_SUFFIXES:
        pages = _read_pdf(data, password, ocr, progress, scan)
        kind = "pdf"
    else:
        kind = "markdown" if suffix in MARKDOWN_SUFFIXES else "text"
        pages = _read_text_pages(data, markdown=kind == "markdown")
    document = _assemble(rel_path, kind, pages, scan)
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


def _assemble(
    rel_path: str, kind: str, page_texts: list[tuple[int | None, str]], scan: _PdfScan
) -> LoadedDocument:
    pages: list[Page] = []
    offset = 0
    for number, text in page_texts:
        pages.append(Page(number=number, text=text, start=offset, end=offset + len(text)))
        offset += len(text) + len(PAGE_SEPARATOR)
    return LoadedDocument(
        path=rel_path, kind=kind, pages=tuple(pages), ocr_pages=scan.ocr_pages, notes=tuple(scan.notes)
    )


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


@dataclass
class _PdfScan:
    """What reading a PDF's pages by OCR added to the file's report."""

    ocr_pages: int = 0  # pages whose text came from OCR
    notes: list[str] = field(default_factory=list)  # pages that could not be read, and why


def _read_pdf(
    data: bytes, password: str | None, ocr: Ocr | None, progress: PageProgress | None, scan: _PdfScan
) -> list[tuple[int | None, str]]:
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
        raise _damaged(exc) from exc
    unread = [i for i, text in enumerate(raw_pages) if needs_ocr(text)]
    if unread:
        raw_pages = _ocr_pages(data, password, raw_pages, unread, ocr, progress, scan)
    if not any(ch.isalpha() for text in raw_pages for ch in text):
        raise LoadError(FileStatus.NO_TEXT, _no_text_reason(ocr, scan), pages=len(raw_pages))
    cleaned = [clean.tidy_whitespace(clean.normalise_characters(t)) for t in raw_pages]
    cleaned = clean.strip_running_lines(cleaned)
    return [(i, clean.tidy_whitespace(t)) for i, t in enumerate(cleaned, start=1)]


def _ocr_pages(
    data: bytes,
    password: str | None,
    raw_pages: list[str],
    unread: list[int],
    ocr: Ocr | None,
    progress: PageProgress | None,
    scan: _PdfScan,
) -> list[str]:
    """`raw_pages` with the text OCR read for the pages `unread`, where it read more words."""
    if ocr is None or ocr.unavailable:
        scanned = pages_with_images(data, unread, password)
        if scanned and any(ch.isalpha() for text in raw_pages for ch in text):
            why = ocr.unavailable if ocr else "OCR is not set up"
            scan.notes.append(f"{_pages_phrase(scanned)} without a text layer not read ({why})")
        return raw_pages
    result = ocr.read_pages(data, unread, password, progress)
    pages = list(raw_pages)
    for index, text in result.texts.items():
        if _reads_better(text, raw_pages[index]):
            pages[index] = text
            scan.ocr_pages += 1
    for index, why in sorted(result.failed.items()):
        scan.notes.append(f"page {index + 1}: OCR failed ({why})")
    return pages


def _no_text_reason(ocr: Ocr | None, scan: _PdfScan) -> str:
    if ocr is None or ocr.unavailable:
        why = ocr.unavailable if ocr else f"OCR is not set up: {INSTALL_HINT}"
        return f"image-only PDF (no text layer) and {why}"
    if scan.notes:
        return "image-only PDF and OCR failed: " + "; ".join(scan.notes)
    return "image-only PDF: OCR found no text"


def _reads_better(ocr_text: str, layer_text: str) -> bool:
    """Whether OCR's text replaces a page's text layer: always for a page with next to no
    text, and for a page whose layer looked like garbage only when OCR read clearly more
    words (a page of formulas or tables is not improved by reading it as a picture)."""
    ocr_words, layer_words = wordlike_count(ocr_text), wordlike_count(layer_text)
    if sum(ch.isalpha() for ch in layer_text) < MIN_PAGE_LETTERS:
        return ocr_words > layer_words
    return ocr_words > max(1.5 * layer_words, layer_words + 20)


def _pages_phrase(indexes: list[int]) -> str:
    numbers = [str(i + 1) for i in indexes]
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    shown = ", ".join(numbers[:8]) + (", ..." if len(numbers) > 8 else "")
    return f"{len(numbers)} pages ({shown})"


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
        raise _damaged(exc) from exc


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


def _damaged(exc: BaseException) -> LoadError:
    return LoadError(FileStatus.BROKEN, f"damaged PDF ({short_error(exc)}): repair or re-export it")


def _page_text(page) -> str:
    return page.extract_text() or ""


