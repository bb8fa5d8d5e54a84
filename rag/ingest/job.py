"""`rag ingest`: corpus folder to a new index generation, incrementally.

Unchanged files are skipped by fingerprint (file bytes plus catalog entry), changed
files replaced, deleted files removed, failures reported and skipped. A file that
fails to load keeps its previously indexed version, so bad input never loses data.
"""

from __future__ import annotations

import errno
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rag import store
from rag.embed import Embedder, get_embedder, passage_embedding_text
from rag.ingest.catalog import Catalog, load_catalog
from rag.ingest.chunk import chunk_document
from rag.ingest.load import SUPPORTED_SUFFIXES, LoadError, load_file, read_regular
from rag.ingest.ocr import Ocr, prune_cache
from rag.ingest.scan import CorpusScan, scan, scan_corpus
from rag.insights.build import InsightsBuild, insights_key
from rag.settings import Settings
from rag.types import DocumentInfo, FileReport, FileStatus, IngestReport, LoadedDocument, Passage

Progress = Callable[[str, int, int], None]  # (stage, done, total)
OCR_CACHE = "ocr-cache"  # inside the index folder, beside the recipes: OCR does not depend on them
__all__ = ["CorpusError", "ingest", "scan_corpus"]


class CorpusError(ValueError):
    """The corpus folder is missing or unusable."""


@dataclass
class _Loaded:
    rel: str
    fingerprint: str
    document: LoadedDocument
    info: DocumentInfo
    passages: list[Passage]


def ingest(
    settings: Settings,
    rebuild: bool = False,
    passwords: dict[str, str] | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index for `settings` up to date with the corpus folder."""
    started = time.perf_counter()
    corpus = settings.corpus_dir
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder {corpus} does not exist: create it or pass --corpus DIR")
    catalog = load_catalog(settings.catalog_path)
    found = scan(corpus, settings.catalog_file)
    with store.ingest_lock(settings):
        store.sweep_unfinished(settings)
        base = None if rebuild else store.current_or_none(settings)
        if base is not None:
            base.verify()  # never build on (or report as current) a damaged generation
        previous = base.manifest if base else store.Manifest()
        report = IngestReport(recipe_id=store.recipe_id(settings))
        loaded, manifest = _load_changed(
            found.files, catalog, previous, settings, passwords or {}, report, progress
        )
        _refuse(found, previous, manifest, report)
        removed = [rel for rel in previous.files if rel not in found.files and rel not in manifest.files]
        if base is not None and not loaded and not removed and _insights_current(base, settings):
            generation = base
        else:
            if embedder is None and (loaded or settings.insights.enabled):
                embedder = get_embedder(settings.embed)
            vectors = _embed(loaded, settings, embedder, progress)
            build = (settings, base, rebuild, loaded, vectors, removed, previous, manifest, report)
            generation = _build(*build, embedder=embedder, progress=progress)
            report.changed = True
    report.index_path = str(generation.path)
    report.documents = sum(1 for r in manifest.files.values() if r.passages)
    report.passages = sum(r.passages for r in manifest.files.values())
    report.seconds = time.perf_counter() - started
    return report


def _load_changed(
    files: dict[str, Path],
    catalog: Catalog,
    previous: store.Manifest,
    settings: Settings,
    passwords: dict[str, str],
    report: IngestReport,
    progress: Progress | None,
) -> tuple[list[_Loaded], store.Manifest]:
    manifest = store.Manifest()
    loaded: list[_Loaded] = []
    ocr = Ocr(settings.ocr, cache_dir=settings.index_dir / OCR_CACHE)
    contents: set[str] = set()  # every file's sha256: the OCR cache keeps only these
    for i, (rel, path) in enumerate(files.items()):
        try:
            data = read_regular(path)
        except (LoadError, OSError) as exc:
            report.files.append(_unreadable(rel, exc, previous.files.get(rel), manifest))
            continue
        contents.add(hashlib.sha256(data).hexdigest())
        fingerprint = _fingerprint(data, catalog, rel)
        old = previous.files.get(rel)
        if old is not None and old.fingerprint == fingerprint and old.status == FileStatus.OK:
            manifest.files[rel] = old
            report.files.append(
                FileReport(
                    rel,
                    FileStatus.SKIPPED_UNCHANGED,
                    old.pages,
                    old.passages,
                    "unchanged since the last ingest",
                    old.case,
                    ocr_pages=old.ocr_pages,
                )
            )
        else:
            reading = _Reading(catalog, settings, ocr, passwords.get(rel), _ocr_progress(progress))
            item, row = _load_one(rel, path, data, fingerprint, reading)
            report.files.append(row)
            if item is not None:
                loaded.append(item)
                manifest.files[rel] = store.FileRecord(
                    fingerprint,
                    FileStatus.OK,
                    item.info.doc_id,
                    row.pages,
                    row.passages,
                    row.reason,
                    row.case,
                    row.ocr_pages,
                )
            elif old is not None and old.status == FileStatus.OK:
                manifest.files[rel] = old  # keep the last good version of a file that broke
                row.reason += "; the previously indexed version is kept"
            elif path.suffix.lower() in SUPPORTED_SUFFIXES:
                manifest.files[rel] = store.FileRecord(fingerprint, row.status, "", row.pages, 0, row.reason)
        if progress:
            progress("read", i + 1, len(files))
    prune_cache(settings.index_dir / OCR_CACHE, contents)
    return loaded, manifest


def _refuse(
    found: CorpusScan, previous: store.Manifest, manifest: store.Manifest, report: IngestReport
) -> None:
    """A row for every entry that is not read (links, FIFOs, folders named like documents)."""
    for rel, reason in found.refused.items():
        row = FileReport(rel, FileStatus.UNSUPPORTED, 0, 0, reason)
        _keep_previous(rel, row, previous.files.get(rel), manifest)
        report.files.append(row)


def _unreadable(
    rel: str, exc: LoadError | OSError, old: store.FileRecord | None, manifest: store.Manifest
) -> FileReport:
    if isinstance(exc, LoadError):
        row = FileReport(rel, exc.status, 0, 0, exc.reason)
    else:
        what = "check permissions" if exc.errno in (errno.EACCES, errno.EPERM) else "check the disk"
        reason = f"cannot read the file ({exc.strerror or exc}): {what}"
        row = FileReport(rel, FileStatus.BROKEN, 0, 0, reason)
    _keep_previous(rel, row, old, manifest)
    return row


def _keep_previous(rel: str, row: FileReport, old: store.FileRecord | None, manifest: store.Manifest) -> None:
    """A file that was indexed and can no longer be read keeps its indexed version."""
    if old is not None and old.status == FileStatus.OK:
        manifest.files[rel] = old
        row.reason += "; the previously indexed version is kept"


@dataclass
class _Reading:
    """What reading one file needs beyond its bytes."""

    catalog: Catalog
    settings: Settings
    ocr: Ocr
    password: str | None
    ocr_progress: Callable[[int, int], None] | None


def _ocr_progress(progress: Progress | None) -> Callable[[int, int], None] | None:
    return (lambda done, total: progress("ocr", done, total)) if progress else None


def _load_one(
    rel: str, path: Path, data: bytes, fingerprint: str, reading: _Reading
) -> tuple[_Loaded | None, FileReport]:
    catalog = reading.catalog
    password = reading.password or catalog.password_for(rel)
    try:
        document = load_file(path, rel, password, data=data, ocr=reading.ocr, progress=reading.ocr_progress)
    except LoadError as exc:
        return None, FileReport(rel, exc.status, exc.pages, 0, exc.reason)
    title_page = document.pages[0].text if document.kind == "pdf" and document.pages else None
    info = catalog.describe(rel, document.text, title_page)
    passages = chunk_document(document, info, reading.settings.chunk)
    if not passages:
        return None, FileReport(
            rel, FileStatus.EMPTY, len(document.pages), 0, "no passages of text found in the file"
        )
    reason = "; ".join(filter(None, [_ocr_note(document), _case_note(info), *document.notes]))
    row = FileReport(rel, FileStatus.OK, len(document.pages), len(passages), reason, info.case)
    row.review, row.guessed, row.ocr_pages = info.review_name, info.guessed, document.ocr_pages
    return _Loaded(rel, fingerprint, document, info, passages), row


def _ocr_note(document: LoadedDocument) -> str:
    if not document.ocr_pages:
        return ""
    pages = "page" if document.ocr_pages == 1 else "pages"
    return f"{document.ocr_pages} of {len(document.pages)} {pages} read by OCR"


def _case_note(info: DocumentInfo) -> str:
    """Which facts about the review were guessed from the text, for a person to confirm."""
    if info.case_source == "unknown":
        return "not in the catalog and no case label found in the text: add it to catalog.toml"
    guessed = ", ".join(g.replace("_", " ") for g in info.guessed if g not in {"case", "title"})
    if info.case_source == "guessed":
        return f"not in the catalog: label and {guessed} guessed; check with `rag catalog --suggest`"
    return f"{guessed} guessed from the text" if guessed else ""


def _fingerprint(data: bytes, catalog: Catalog, rel: str) -> str:
    digest = hashlib.sha256(data)
    entry = catalog.entries.get(rel)
    digest.update(json.dumps(entry.model_dump() if entry else None, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _embed(
    loaded: list[_Loaded], settings: Settings, embedder: Embedder | None, progress: Progress | None
) -> list[np.ndarray]:
    if not loaded:
        return []
    embedder = embedder or get_embedder(settings.embed)
    texts = [
        passage_embedding_text(p.case, p.section, p.text, settings.embed.with_context)
        for item in loaded
        for p in item.passages
    ]
    batch = max(settings.embed.batch_size * 4, 1)
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), batch):
        vectors.append(embedder.embed_passages(texts[start : start + batch]))
        if progress:
            progress("embed", min(start + batch, len(texts)), len(texts))
    flat = np.concatenate(vectors) if vectors else np.zeros((0, 0))
    out, offset = [], 0
    for item in loaded:
        out.append(flat[offset : offset + len(item.passages)])
        offset += len(item.passages)
    return out


def _build(
    settings: Settings,
    base: store.Generation | None,
    rebuild: bool,
    loaded: list[_Loaded],
    vectors: list[np.ndarray],
    removed: list[str],
    previous: store.Manifest,
    manifest: store.Manifest,
    report: IngestReport,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> store.Generation:
    """Write the new generation; a full disk or an I/O error becomes IndexWriteError, carrying
    the report, with the previous generation untouched and the half-built one removed."""
    try:
        builder = store.Builder(settings, base, rebuild)
        try:
            for rel in removed:
                if previous.files[rel].doc_id:
                    builder.remove_document(previous.files[rel].doc_id)
            for item, item_vectors in zip(loaded, vectors, strict=True):
                builder.add_document(_document_row(item), item.passages, item_vectors)
            if settings.insights.enabled and embedder is not None:
                report.insights = _add_insights(builder, settings, embedder, progress)
            return builder.commit(manifest)
        except BaseException:
            builder.abandon()
            raise
    except Exception as exc:
        reason = store.write_failure(exc)
        if reason is None:
            raise
        report.error = f"the index was not updated: {reason}; the previous index is unchanged"
        raise store.IndexWriteError(report.error, report) from exc


def _insights_current(base: store.Generation, settings: Settings) -> bool:
    """Every document of `base` has insights made with today's taxonomy and tagger."""
    if not settings.insights.enabled:
        return True
    key = insights_key(settings)
    keys = base.insights_keys()
    docs = {r.doc_id for r in base.manifest.files.values() if r.doc_id and r.status == FileStatus.OK}
    return all(keys.get(doc) == key for doc in docs)


# Documents whose sentences are embedded in one call: enough for the model to sort them by
# length, few enough that hundreds of reviews never sit in memory at once.
INSIGHTS_BATCH = 40


def _add_insights(
    builder: store.Builder, settings: Settings, embedder: Embedder, progress: Progress | None
) -> dict:
    """Cards and theme tags of the documents that need them (new, changed, or made with
    another taxonomy or tagger)."""
    build = InsightsBuild(settings, embedder, cache_dir=builder.root)
    todo = builder.needing_insights(build.key)
    done = 0
    for start in range(0, len(todo), INSIGHTS_BATCH):
        batch = todo[start : start + INSIGHTS_BATCH]
        rows = build.rows([builder.insights_input(doc_id) for doc_id in batch])
        for doc_id, row in zip(batch, rows, strict=True):
            builder.set_insights(doc_id, row)
            builder.set_sentence_vectors(doc_id, *build.vectors.pop(doc_id))
        done += len(batch)
        if progress:
            progress("insights", done, len(todo))
    builder.set_insights_meta(build.meta())
    return build.report()


def _document_row(item: _Loaded) -> dict:
    info = asdict(item.info)
    info["aliases"] = list(item.info.aliases)
    info["path"] = item.rel
    info["kind"] = item.document.kind
    info["pages"] = [{"number": p.number, "start": p.start, "end": p.end} for p in item.document.pages]
    info["text"] = item.document.text
    return info
