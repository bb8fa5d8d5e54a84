"""Text for PDF pages that have none: render with pypdfium2, read with tesseract.

Older reviews are often published as scans. A page whose text layer is empty or mostly
garbage is rendered and read by OCR; the loader then cleans that text like any other page
(running headers, page numbers, hyphenation), so structure detection and page-accurate
citations work the same. Results are cached by the file's content hash and the reader's
settings, so re-ingesting an unchanged scan does no OCR; pages that failed are retried.

Tesseract is a Debian package (`tesseract-ocr`), not a Python one: without it a scanned
file is reported `no_text` with the install command, and text PDFs are unaffected.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rag.settings import OcrSettings
from rag.store.files import atomic_write_text

INSTALL_HINT = (
    "install OCR with `apt-get install tesseract-ocr tesseract-ocr-eng` "
    "(as root; the Python side, pypdfium2 and pytesseract, comes with this package), "
    "then ingest again"
)

# Tesseract parallelises one page over OpenMP threads; pages are already read in parallel,
# one per core, and nested threads only contend. Read by each tesseract process at start.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# A page needs OCR when its text layer has fewer letters than this ...
MIN_PAGE_LETTERS = 40
# ... or when fewer than this share of its tokens look like words: what a broken font map
# or an invisible junk layer gives ("(cid:12)", "ÿþ", runs of symbols).
MIN_WORDLIKE_SHARE = 0.5
_MIN_TOKENS_FOR_SHARE = 12

PageProgress = Callable[[int, int], None]  # (pages done, pages to read)


class PageReader(Protocol):
    """Reads the text of one rendered page image (a PIL image)."""

    key: str  # what changes the output (engine, version, language, dpi): part of the cache key

    def read(self, image) -> str: ...


@dataclass
class OcrResult:
    texts: dict[int, str] = field(default_factory=dict)  # 0-based page index -> text read
    failed: dict[int, str] = field(default_factory=dict)  # page index -> why it was not read
    from_cache: int = 0  # pages whose text came from the cache
    seconds: float = 0.0  # time spent reading pages (0 when all came from the cache)


def needs_ocr(text: str) -> bool:
    """True when a page's text layer is missing or mostly not words."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_PAGE_LETTERS:
        return True
    tokens = text.split()
    if len(tokens) < _MIN_TOKENS_FOR_SHARE:
        return False
    return wordlike_share(tokens) < MIN_WORDLIKE_SHARE


def wordlike_share(tokens: list[str]) -> float:
    """Share of tokens that are mostly letters (in any script) and at least two long."""
    return sum(map(_wordlike, tokens)) / max(1, len(tokens))


def wordlike_count(text: str) -> int:
    return sum(map(_wordlike, text.split()))


def _wordlike(token: str) -> bool:
    letters = sum(ch.isalpha() for ch in token)
    return letters >= 2 and letters >= 0.7 * len(token.strip(".,;:!?()[]\"'"))


class TesseractReader:
    """Tesseract through pytesseract, word by word (`image_to_data`) on a grayscale render.

    Lines come out as a PDF's text layer gives them: one per printed line, with no blank
    lines between blocks, so a scan is chunked as its text version would be. Short words
    tesseract is unsure of are dropped: on a scan they are specks read as "a", "sea", "oo"."""

    def __init__(self, settings: OcrSettings):
        import pytesseract

        self._pytesseract = pytesseract
        self._settings = settings
        version = pytesseract.get_tesseract_version()
        denoise = f"-median{DENOISE_SIZE}" if settings.denoise else ""
        self.key = f"tesseract-{version}-{settings.language}-{settings.dpi}dpi{denoise}-words"

    def read(self, image) -> str:
        if self._settings.denoise:
            from PIL import ImageFilter

            image = image.filter(ImageFilter.MedianFilter(DENOISE_SIZE))
        words = self._pytesseract.image_to_data(
            image,
            lang=self._settings.language,
            timeout=self._settings.page_timeout_s,
            output_type=self._pytesseract.Output.DICT,
        )
        return drop_specks(lines_from_words(words))


# A median filter this wide (pixels) removes a scan's grain and specks without thinning print
# at the rendering resolution: on a noisy, skewed 200 dpi scan it cut the lines OCR got wrong
# from 15 to 3 in 160 (headings' numbers misread, specks read as words).
DENOISE_SIZE = 3

# A word this short, read with less confidence than this (0-100), is taken for a speck ...
SPECK_CONFIDENCE = 30
SPECK_LENGTH = 3
_NUMBER = re.compile(r"^\(?\d+[.)]?$")  # ... unless it is a number: list items, page numbers


def lines_from_words(words: dict[str, list]) -> str:
    """Text from tesseract's word table: words joined per printed line, lines in reading order."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    for i, text in enumerate(words["text"]):
        text = str(text).strip()
        if not text or _is_speck(text, float(words["conf"][i])):
            continue
        line = (int(words["block_num"][i]), int(words["par_num"][i]), int(words["line_num"][i]))
        lines.setdefault(line, []).append(text)
    return "\n".join(" ".join(line) for line in lines.values())


def _is_speck(text: str, confidence: float) -> bool:
    return 0 <= confidence < SPECK_CONFIDENCE and len(text) <= SPECK_LENGTH and not _NUMBER.match(text)


# Marks a speck of dirt or a table rule is read as, when they stand alone between words.
_SPECK_TOKEN = re.compile(r"(?<!\S)[~|_;:`'\",.=«»*^]+(?!\S)")
_NO_WORD_LINE = re.compile(r"^[^\w\n]*$", re.MULTILINE)


def drop_specks(text: str) -> str:
    """OCR text without the stray marks specks and rules become ("~", "|", "_"), and
    without lines that hold no letter or digit at all."""
    text = _SPECK_TOKEN.sub("", text)
    text = _NO_WORD_LINE.sub("", text)
    return re.sub(r"[ ]{2,}", " ", re.sub(r"[ ]+$", "", text, flags=re.MULTILINE))


class Ocr:
    """Reads chosen pages of a PDF by OCR, in parallel, through a cache."""

    def __init__(self, settings: OcrSettings, cache_dir: Path | None, reader: PageReader | None = None):
        self.settings = settings
        self.cache_dir = cache_dir
        self._reader = reader
        self._unavailable: str | None = None if reader is not None else _missing(settings)

    @property
    def unavailable(self) -> str | None:
        """Why OCR cannot run here (with what to do), or None when it can."""
        if self._unavailable is None and self._reader is None:
            try:
                self._reader = TesseractReader(self.settings)
            except Exception as exc:  # pytesseract raises its own types for a broken install
                self._unavailable = f"OCR is not working ({type(exc).__name__}: {exc}): {INSTALL_HINT}"
        return self._unavailable

    def read_pages(
        self,
        data: bytes,
        indexes: list[int],
        password: str | None = None,
        progress: PageProgress | None = None,
    ) -> OcrResult:
        """OCR text for the pages `indexes` (0-based) of the PDF `data`."""
        if self.unavailable:
            raise RuntimeError(self.unavailable)
        assert self._reader is not None
        cache = _Cache(self.cache_dir, data, self._reader.key)
        result = OcrResult()
        for index in indexes:
            if (text := cache.get(index)) is not None:
                result.texts[index] = text
        result.from_cache = len(result.texts)
        todo = [i for i in indexes if i not in result.texts]
        if todo:
            started = time.perf_counter()
            self._read_uncached(data, todo, password, result, progress)
            result.seconds = time.perf_counter() - started
            cache.save({i: result.texts[i] for i in todo if i in result.texts})
        return result

    def _read_uncached(
        self,
        data: bytes,
        todo: list[int],
        password: str | None,
        result: OcrResult,
        progress: PageProgress | None,
    ) -> None:
        reader = self._reader
        assert reader is not None
        workers = self.settings.workers or os.cpu_count() or 1
        # pdfium is not thread-safe: pages are rendered here, one at a time, and only the
        # OCR (a tesseract process per page) runs in the pool.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: dict[int, Future[str]] = {}
            for index, image in _render(data, todo, self.settings.dpi, password, result.failed):
                pending[index] = pool.submit(reader.read, image)
                if len(pending) >= 2 * workers:  # bound the images held in memory
                    _collect(pending, result, progress, len(todo))
            while pending:
                _collect(pending, result, progress, len(todo))


def _collect(
    pending: dict[int, Future[str]],
    result: OcrResult,
    progress: PageProgress | None,
    total: int,
) -> None:
    """Wait for the oldest page in `pending` and record what it read (or why it failed)."""
    index = min(pending)  # pages finish roughly in order; waiting on the oldest keeps it simple
    future = pending.pop(index)
    try:
        result.texts[index] = future.result()
    except Exception as exc:  # a timeout or a tesseract crash on this page only
        result.failed[index] = short_error(exc)
    if progress:
        progress(len(result.texts) - result.from_cache + len(result.failed), total)


def _render(
    data: bytes, indexes: list[int], dpi: int, password: str | None, failed: dict[int, str]
) -> Iterator:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data, password=password)
    try:
        for index in indexes:
            try:
                page = document[index]
                if not _has_images(page):
                    continue  # nothing drawn as a picture: OCR could only re-read the text layer
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                yield index, bitmap.to_pil()
            except Exception as exc:  # one damaged page must not lose the file
                failed[index] = f"could not render the page ({short_error(exc)})"
    finally:
        document.close()


def pages_with_images(data: bytes, indexes: list[int], password: str | None) -> list[int]:
    """The pages of `indexes` with a picture on them: only those could hold text a scan
    printed (a title page or a blank page with no image has nothing more to read). All of
    them when the file cannot be opened this way."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data, password=password)
    except Exception:
        return list(indexes)
    try:
        return [i for i in indexes if _has_images(document[i])]
    except Exception:
        return list(indexes)
    finally:
        document.close()


def _has_images(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)), None) is not None


def prune_cache(folder: Path, kept_contents: set[str]) -> int:
    """Delete the cached OCR of files whose content (sha256) is no longer in the corpus, so the
    cache does not grow with every replaced scan; returns how many files were deleted."""
    if not folder.is_dir():
        return 0
    deleted = 0
    for path in folder.glob("*.json"):
        if path.name.split("-", 1)[0] not in kept_contents:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


class _Cache:
    """OCR text per page, in one JSON file per (file content, reader settings)."""

    def __init__(self, folder: Path | None, data: bytes, reader_key: str):
        digest = hashlib.sha256(data).hexdigest()
        key = hashlib.sha256(reader_key.encode()).hexdigest()[:12]
        self.path = folder / f"{digest}-{key}.json" if folder else None
        self._pages: dict[int, str] = {}
        if self.path and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                self._pages = {int(k): str(v) for k, v in stored["pages"].items()}
            except (ValueError, KeyError, TypeError, AttributeError, OSError):
                self._pages = {}  # a damaged cache file only costs a new OCR

    def get(self, index: int) -> str | None:
        return self._pages.get(index)

    def save(self, new_pages: dict[int, str]) -> None:
        if not self.path or not new_pages:
            return
        self._pages.update(new_pages)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pages = {str(k): v for k, v in sorted(self._pages.items())}
            atomic_write_text(self.path, json.dumps({"pages": pages}, ensure_ascii=False))
        except OSError:
            pass  # the cache is an optimisation: a full disk here must not fail the ingest


def _missing(settings: OcrSettings) -> str | None:
    if not settings.enabled:
        return "OCR is turned off (ocr.enabled = false)"
    try:
        import pypdfium2  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError as exc:
        return (
            f"OCR needs the Python package {exc.name}: `pip install pypdfium2 pytesseract`, then ingest again"
        )
    if shutil.which("tesseract") is None:
        return f"tesseract is not installed: {INSTALL_HINT}"
    return None


def short_error(exc: BaseException) -> str:
    """An exception in one line a file's report can carry."""
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 120 else text[:117] + "..."
