"""Scanned reviews: pages without a text layer are read by OCR, cleaned like any page, cached,
and cited with their page numbers."""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import shutil
import threading
from pathlib import Path

import pytest

from bench.scan_pdf import scan_like
from rag.ingest import ingest, job
from rag.ingest.load import LoadError, load_file
from rag.ingest.ocr import INSTALL_HINT, Ocr, drop_specks, needs_ocr
from rag.settings import OcrSettings, load_settings
from rag.types import FileStatus

from .conftest import CORPUS, FIXTURE_PDFS, FakeEmbedder

HAVE_TESSERACT = shutil.which("tesseract") is not None
needs_tesseract = pytest.mark.skipif(
    not HAVE_TESSERACT,
    reason="tesseract is not installed: `apt-get install tesseract-ocr tesseract-ocr-eng` (scripts/setup-ocr.sh)",
)

PROSE = (
    "The health visitor saw the family at home in March and recorded that the baby was "
    "feeding well. No concerns were shared with the GP at that time, and the case was closed."
)


# --- which pages need OCR ---------------------------------------------------------------------


def test_a_page_of_prose_keeps_its_text_layer():
    assert not needs_ocr(PROSE)
    assert not needs_ocr("حَبيبي " * 30)  # words in another script are words


@pytest.mark.parametrize(
    "layer",
    ["", "   \n 3 \n", "Page 4 of 9", "(cid:12)(cid:7)(cid:44) " * 20, "ÿþ ¤¤ §§ 1 2 3 | | ~~ " * 10],
)
def test_an_empty_or_garbage_layer_needs_ocr(layer):
    assert needs_ocr(layer)


def test_specks_and_rules_read_as_marks_are_dropped():
    read = "The review found ~ that | the plan was not followed ;\n_ _ _\n|\nIt recommended , training."
    assert (
        drop_specks(read) == "The review found that the plan was not followed\n\n\nIt recommended training."
    )


# --- a fake reader: the text it returns depends on the page image ------------------------------


class InkReader:
    """Says how dark the picture on the page is: a stand-in for tesseract whose output depends on the image."""

    key = "ink-reader-1"

    def __init__(self, fail_on_shade: int | None = None):
        self.calls = 0
        self.fail_on_shade = fail_on_shade
        self._lock = threading.Lock()

    def read(self, image) -> str:
        with self._lock:
            self.calls += 1
        shade = image.convert("L").getextrema()[0]  # the grey of the picture on the white page
        if shade == self.fail_on_shade:
            raise RuntimeError("Tesseract process timeout")
        # Several lines, each marked with a word spelled from the shade, so pages differ.
        tag = "".join(chr(ord("a") + int(digit)) for digit in str(shade))
        lines = "\n".join(f"{tag} {line}" for line in re.split(r"(?<=[,.]) | (?=and )", PROSE))
        return f"Scanned page of shade {shade}.\n{lines}\nBoard Review Report Child X - Page"


def _pdf_with_pages(path: Path, pages: list[str | int]) -> None:
    """A PDF whose pages are text (str) or a grey picture of the given shade (int)."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            pdf.multi_cell(0, 6, page)
        else:
            picture = io.BytesIO()
            Image.new("L", (60, 80), color=page).save(picture, "PNG")
            pdf.image(picture, x=10, y=10, w=60)
    pdf.output(str(path))


def test_image_pages_of_a_text_pdf_are_read_and_keep_their_page_numbers(tmp_path):
    path = tmp_path / "mixed.pdf"
    _pdf_with_pages(path, [PROSE, 200, PROSE + " It was reviewed.", 120])
    document = load_file(path, "mixed.pdf", ocr=Ocr(OcrSettings(), cache_dir=None, reader=InkReader()))
    assert document.ocr_pages == 2
    assert [p.number for p in document.pages] == [1, 2, 3, 4]
    assert "shade 200" in document.pages[1].text and "shade 120" in document.pages[3].text
    assert document.pages[0].text.startswith("The health visitor")  # the text page is not re-read


def test_ocr_text_is_cleaned_like_a_text_page(tmp_path):
    """A footer read on every scanned page is a running line, stripped like a printed one."""
    path = tmp_path / "scan.pdf"
    _pdf_with_pages(path, [200, 190, 180, 170])
    document = load_file(path, "scan.pdf", ocr=Ocr(OcrSettings(), cache_dir=None, reader=InkReader()))
    assert document.ocr_pages == 4
    assert "Board Review Report" not in document.text
    assert document.text.count("The health visitor saw the family at home") == 4


def test_an_unchanged_scan_is_read_once(tmp_path):
    path = tmp_path / "scan.pdf"
    _pdf_with_pages(path, [200, 150])
    reader = InkReader()
    ocr = Ocr(OcrSettings(workers=2), cache_dir=tmp_path / "cache", reader=reader)
    first = load_file(path, "scan.pdf", ocr=ocr)
    again = load_file(path, "scan.pdf", ocr=ocr)
    assert reader.calls == 2 and again.text == first.text
    _pdf_with_pages(path, [200, 151])  # different bytes: read again
    load_file(path, "scan.pdf", ocr=ocr)
    assert reader.calls == 4


def test_a_page_that_fails_is_reported_and_the_rest_kept(tmp_path):
    path = tmp_path / "scan.pdf"
    _pdf_with_pages(path, [200, 150, 100])
    reader = InkReader(fail_on_shade=150)
    cache = tmp_path / "cache"
    document = load_file(path, "scan.pdf", ocr=Ocr(OcrSettings(), cache_dir=cache, reader=reader))
    assert document.ocr_pages == 2
    assert document.notes == ("page 2: OCR failed (RuntimeError: Tesseract process timeout)",)
    healed = InkReader()
    load_file(path, "scan.pdf", ocr=Ocr(OcrSettings(), cache_dir=cache, reader=healed))
    assert healed.calls == 1  # only the failed page is tried again


def test_without_ocr_a_scan_says_how_to_install_it(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    _pdf_with_pages(path, [200, 150])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(LoadError) as info:
        load_file(path, "scan.pdf", ocr=Ocr(OcrSettings(), cache_dir=None))
    assert info.value.status is FileStatus.NO_TEXT
    assert "apt-get install tesseract-ocr tesseract-ocr-eng" in info.value.reason


def test_without_ocr_only_pages_with_a_picture_are_named_as_unread(tmp_path, monkeypatch):
    # a near-blank title page (no picture) has nothing more to read; the scanned page does
    path = tmp_path / "mixed.pdf"
    _pdf_with_pages(path, ["Child X", PROSE, 180])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    document = load_file(path, "mixed.pdf", ocr=Ocr(OcrSettings(), cache_dir=None))
    assert document.notes == ("page 3 without a text layer not read (tesseract is not installed: "
                              f"{INSTALL_HINT})",)  # fmt: skip


def test_ocr_turned_off_leaves_a_scan_unread(tmp_path):
    path = tmp_path / "scan.pdf"
    _pdf_with_pages(path, [200])
    with pytest.raises(LoadError, match="ocr.enabled = false"):
        load_file(path, "scan.pdf", ocr=Ocr(OcrSettings(enabled=False), cache_dir=None))


def test_the_ingest_report_counts_ocr_pages_and_skips_them_next_time(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _pdf_with_pages(corpus / "scan.pdf", [PROSE, 200, 150])
    reader = InkReader()
    monkeypatch.setattr(job, "Ocr", lambda settings, cache_dir: Ocr(settings, cache_dir, reader=reader))
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    first = ingest(settings, embedder=FakeEmbedder()).to_dict()["files"][0]
    assert (first["status"], first["ocr_pages"]) == ("ok", 2)
    assert first["reason"].startswith("2 of 3 pages read by OCR")
    again = ingest(settings, embedder=FakeEmbedder()).to_dict()["files"][0]
    assert (again["status"], again["ocr_pages"]) == ("skipped_unchanged", 2)
    rebuilt = ingest(settings, rebuild=True, embedder=FakeEmbedder()).to_dict()["files"][0]
    assert rebuilt["ocr_pages"] == 2 and reader.calls == 2  # a rebuild reads the cache


# --- real tesseract ------------------------------------------------------------------------------

IMAGE_ONLY_FIXTURES = ["grayscale-image.pdf", "imagemagick-CCITTFaxDecode.pdf"]


@needs_tesseract
@pytest.mark.integration
@pytest.mark.parametrize("name", IMAGE_ONLY_FIXTURES)
def test_image_only_fixtures_are_read_by_ocr(tmp_path, name):
    """Both pictures hold no words (a drawing, a 16-pixel fax), so OCR finds none."""
    with pytest.raises(LoadError) as info:
        load_file(FIXTURE_PDFS / name, name, ocr=Ocr(OcrSettings(), cache_dir=tmp_path))
    assert info.value.status is FileStatus.NO_TEXT
    assert info.value.reason == "image-only PDF: OCR found no text"


@needs_tesseract
@pytest.mark.integration
def test_real_ocr_reads_a_rendered_sentence(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1700, 300), color=255)
    font = ImageFont.load_default(size=40)
    ImageDraw.Draw(image).text((60, 100), "The strategy meeting was never held.", fill=0, font=font)
    path = tmp_path / "one.pdf"
    image.save(path, "PDF", resolution=200)
    document = load_file(path, "one.pdf", ocr=Ocr(OcrSettings(), cache_dir=None))
    assert document.text.strip() == "The strategy meeting was never held."


SCANNED = "york-child-b-serious-case-review-findings.pdf"
QUESTIONS = [
    "what did the York review find about sharing information on child B?",
    "what did the York child B review recommend?",
]


@pytest.fixture(scope="module")
def text_and_scan(tmp_path_factory):
    """The same review ingested twice with the real model: as published, and as a scan
    (pages rendered at 200 dpi with grain, specks and a 1-degree skew, no text layer)."""
    from rag.answer.engine import Engine

    root = tmp_path_factory.mktemp("ocr")
    engines, documents = {}, {}
    for kind in ("text", "scan"):
        corpus = root / kind
        corpus.mkdir()
        if kind == "text":
            shutil.copy(CORPUS / SCANNED, corpus / SCANNED)
        else:
            scan_like(CORPUS / SCANNED, corpus / SCANNED)
        settings = load_settings(corpus_dir=corpus, index_dir=root / f"{kind}-index")
        report = ingest(settings).to_dict()["files"][0]
        assert report["status"] == "ok", report
        documents[kind] = (
            report,
            load_file(corpus / SCANNED, SCANNED, ocr=Ocr(settings.ocr, settings.index_dir / job.OCR_CACHE)),
        )
        engines[kind] = Engine.load(settings, warm_up=False)
    return documents, engines


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


@needs_tesseract
@pytest.mark.integration
@pytest.mark.slow
def test_a_scanned_review_is_read_with_few_character_errors(text_and_scan):
    documents, _ = text_and_scan
    (scan_row, scanned), (_, published) = documents["scan"], documents["text"]
    assert scan_row["ocr_pages"] == len(published.pages) == len(scanned.pages)
    assert [p.number for p in scanned.pages] == [p.number for p in published.pages]
    errors = characters = 0
    for original, read in zip(published.pages, scanned.pages, strict=True):
        truth = _normalised(original.text)
        errors += _edit_distance(truth, _normalised(read.text))
        characters += len(truth)
    assert errors / characters <= 0.03


@needs_tesseract
@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("question", QUESTIONS)
def test_a_scanned_review_is_cited_as_its_text_version_is(text_and_scan, question):
    _, engines = text_and_scan
    published, scanned = (engines[kind].answer(question) for kind in ("text", "scan"))
    assert published.citations and not published.abstained
    assert len(scanned.citations) == len(published.citations)
    for want, got in zip(published.citations, scanned.citations, strict=True):
        similarity = difflib.SequenceMatcher(None, _normalised(want.quote), _normalised(got.quote)).ratio()
        assert similarity >= 0.9, (want.quote, got.quote)
        assert (got.page, got.page_end) == (want.page, want.page_end)


@needs_tesseract
@pytest.mark.integration
@pytest.mark.slow
def test_with_ocr_on_every_other_fixture_keeps_its_status(tmp_path):
    from .test_load_fixtures import MANIFEST, expected_status

    ocr = Ocr(OcrSettings(), cache_dir=tmp_path)
    for row in MANIFEST:
        if row["file"] in IMAGE_ONLY_FIXTURES:
            continue
        try:
            document = load_file(FIXTURE_PDFS / row["file"], row["file"], ocr=ocr)
            status, ocr_pages = FileStatus.OK, document.ocr_pages
        except LoadError as exc:
            status, ocr_pages = exc.status, 0
        assert (status, ocr_pages) == (expected_status(row), 0), row["file"]


def test_the_ocr_of_a_replaced_scan_leaves_the_cache(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _pdf_with_pages(corpus / "scan.pdf", [200])
    _pdf_with_pages(corpus / "other.pdf", [90])
    monkeypatch.setattr(job, "Ocr", lambda settings, cache_dir: Ocr(settings, cache_dir, reader=InkReader()))
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    ingest(settings, embedder=FakeEmbedder())
    cache = settings.index_dir / job.OCR_CACHE
    assert len(list(cache.glob("*.json"))) == 2
    _pdf_with_pages(corpus / "scan.pdf", [160])  # a new version of the scan
    ingest(settings, embedder=FakeEmbedder())
    kept = {p.name.split("-")[0] for p in cache.glob("*.json")}
    current = {hashlib.sha256((corpus / name).read_bytes()).hexdigest() for name in ("scan.pdf", "other.pdf")}
    assert kept == current
