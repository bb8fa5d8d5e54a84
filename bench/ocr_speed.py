"""OCR of a scanned review: a bundled PDF turned into a scan (200 dpi, grain, specks, a
1-degree skew), ingested with OCR; beside it, in the same run, tesseract alone reading the
same pages one at a time (the baseline), the text version's ingest, and a re-ingest of the
unchanged scan (`--rebuild`, so every page comes from the OCR cache)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from bench import ratio
from bench.scan_pdf import scan_like

SCANNED = "york-child-b-serious-case-review-findings.pdf"


def measure(corpus: Path, workdir: Path, embedder) -> dict[str, Any]:
    from rag.ingest import ingest
    from rag.ingest.ocr import Ocr
    from rag.settings import load_settings

    scan_dir, text_dir = workdir / "ocr-scan", workdir / "ocr-text"
    scan_dir.mkdir(parents=True)
    text_dir.mkdir(parents=True)
    pages = scan_like(corpus / SCANNED, scan_dir / SCANNED)
    shutil.copy(corpus / SCANNED, text_dir / SCANNED)
    scan = load_settings(corpus_dir=scan_dir, index_dir=workdir / "ocr-scan-index")
    text = load_settings(corpus_dir=text_dir, index_dir=workdir / "ocr-text-index")
    unavailable = Ocr(scan.ocr, cache_dir=None).unavailable
    if unavailable:
        return {"skipped": unavailable}

    first, report = _timed(lambda: ingest(scan, rebuild=True, embedder=embedder))
    cached, _ = _timed(lambda: ingest(scan, rebuild=True, embedder=embedder))
    text_s, _ = _timed(lambda: ingest(text, rebuild=True, embedder=embedder))
    alone = _tesseract_alone(scan_dir / SCANNED, scan.ocr)
    ocr_pages = report.files[0].ocr_pages
    return {
        "pages": pages,
        "ocr_pages": ocr_pages,
        "scan_ingest_s": round(first, 2),
        "seconds_per_page": round(first / pages, 2),
        "pages_per_s": round(pages / first, 3),
        "tesseract_alone_s_per_page": round(alone / pages, 2),
        "ingest_vs_tesseract_alone": ratio(first, alone),
        "cached_reingest_s": round(cached, 2),
        "cached_vs_first": ratio(cached, first),
        "text_version_ingest_s": round(text_s, 2),
        "scan_vs_text_version": ratio(first, text_s),
    }


def _timed(job) -> tuple[float, Any]:
    started = time.perf_counter()
    result = job()
    return time.perf_counter() - started, result


def _tesseract_alone(path: Path, settings) -> float:
    """pytesseract.image_to_string on every page, one after another, at the same resolution."""
    import pypdfium2 as pdfium
    import pytesseract

    started = time.perf_counter()
    document = pdfium.PdfDocument(str(path))
    try:
        for page in document:
            image = page.render(scale=settings.dpi / 72, grayscale=True).to_pil()
            pytesseract.image_to_string(image, lang=settings.language)
    finally:
        document.close()
    return time.perf_counter() - started
