"""Ingest with the fake embedder: incremental, atomic, recipe-addressed, failure-tolerant."""

from __future__ import annotations

import json
import shutil

import numpy as np

from rag import cli, store
from rag.ingest import ingest
from rag.ingest.job import scan_corpus
from rag.insights.taxonomy import load_taxonomy
from rag.types import FileStatus

from .conftest import CORPUS, FIXTURE_PDFS
from .helpers import bm25_ids, chroma_count, chroma_ids

N_DOCUMENTS = len(scan_corpus(CORPUS, "catalog.toml"))

S_FILE = "norfolk-case-s-learning-presentation.md"


def _statuses(report):
    return {row.file: row.status for row in report.files}


def test_first_ingest_indexes_every_review_with_case_labels(settings, corpus_copy, fake_embedder):
    report = ingest(settings, embedder=fake_embedder)
    assert set(_statuses(report).values()) == {FileStatus.OK}
    assert report.exit_code == 0 and report.changed and report.documents == N_DOCUMENTS
    passages = store.open_current(settings).passages()
    assert len(passages) == report.passages == chroma_count(settings)
    # Labels as catalogued or as the documents name themselves: "Child A" and "Child B" are
    # shared by several reviews, which stay apart by their review ids.
    assert {p.case for p in passages} == {
        "Child H", "Child F", "Case S", "the Calderdale child", "Child J",
        "Child A", "Child B", "Child N", "Child Q", "Child M", "Baby F", "Jack",
    }  # fmt: skip
    assert len({p.review for p in passages}) == N_DOCUMENTS
    # Each passage embedded once, and for the cards and themes each sentence once.
    assert report.insights["documents"] == N_DOCUMENTS
    assert fake_embedder.texts_embedded == len(passages) + report.insights["embedded"]


def _phrasings(corpus) -> int:
    return sum(len(t.phrasings) for t in load_taxonomy(corpus))


def test_the_taxonomys_phrasings_are_embedded_once_not_at_every_rebuild(settings, corpus_copy, fake_embedder):
    first = ingest(settings, embedder=fake_embedder)
    second = ingest(settings, rebuild=True, embedder=fake_embedder)
    assert first.insights["embedded"] - second.insights["embedded"] == _phrasings(corpus_copy)
    # An organisation's new theme: only its own phrasings are embedded.
    (corpus_copy / "themes.toml").write_text(
        '[themes.county_lines]\nname = "County lines"\ndefinition = "Exploitation to carry drugs."\n'
        'phrasings = ["He was exploited to carry drugs between towns.", "Drugs were moved by the boy."]\n'
        'keywords = ["county lines"]\n'
    )
    third = ingest(settings, embedder=fake_embedder)  # a new taxonomy: every card is rebuilt
    assert third.insights["embedded"] == second.insights["embedded"] + 2


def test_a_damaged_phrasing_cache_is_embedded_again_not_trusted(settings, corpus_copy, fake_embedder):
    first = ingest(settings, embedder=fake_embedder)
    (cache,) = store.recipe_dir(settings).glob("taxonomy_vectors-*.npz")
    cache.write_bytes(b"not a numpy file")
    again = ingest(settings, rebuild=True, embedder=fake_embedder)
    assert again.insights["embedded"] == first.insights["embedded"]  # every phrasing again
    assert again.insights["documents"] == N_DOCUMENTS
    with np.load(cache) as rewritten:
        assert len(rewritten["keys"]) == len({p for t in load_taxonomy(corpus_copy) for p in t.phrasings})


def test_second_run_with_nothing_changed_skips_everything(settings, corpus_copy, fake_embedder):
    first = ingest(settings, embedder=fake_embedder)
    calls = fake_embedder.calls
    second = ingest(settings, embedder=fake_embedder)
    assert set(_statuses(second).values()) == {FileStatus.SKIPPED_UNCHANGED}
    assert not second.changed and fake_embedder.calls == calls
    assert second.index_path == first.index_path and second.passages == first.passages


def test_changed_file_is_replaced_and_only_it_is_embedded(settings, corpus_copy, fake_embedder):
    ingest(settings, embedder=fake_embedder)
    before = fake_embedder.texts_embedded
    path = corpus_copy / S_FILE
    path.write_text(
        path.read_text() + "\n\n# Serious Case Review: Case S\n## Postscript\n"
        "The zebra crossing policy was revised after the review.\n"
    )
    report = ingest(settings, embedder=fake_embedder)
    assert _statuses(report)[S_FILE] is FileStatus.OK
    assert sum(s is FileStatus.SKIPPED_UNCHANGED for s in _statuses(report).values()) == N_DOCUMENTS - 1
    s_passages = [p for p in store.open_current(settings).passages() if p.doc_id == S_FILE]
    assert report.insights["documents"] == 1  # the other documents keep their cards
    assert fake_embedder.texts_embedded - before == len(s_passages) + report.insights["embedded"]
    hits = bm25_ids(settings, "zebra crossing policy")
    assert hits[0].startswith(S_FILE)
    assert chroma_count(settings) == report.passages


def test_deleted_file_is_removed(settings, corpus_copy, fake_embedder):
    ingest(settings, embedder=fake_embedder)
    (corpus_copy / S_FILE).unlink()
    report = ingest(settings, embedder=fake_embedder)
    passages = store.open_current(settings).passages()
    assert all(p.doc_id != S_FILE for p in passages)
    assert chroma_count(settings) == len(passages) == report.passages
    query = fake_embedder.embed_query("childminder consultation MASH")
    assert all(not i.startswith(S_FILE) for i in chroma_ids(settings, query, k=20))


def test_catalog_change_retags_the_document(settings, corpus_copy, fake_embedder):
    ingest(settings, embedder=fake_embedder)
    catalog = corpus_copy / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('case = "Case S"', 'case = "Child S"'))
    report = ingest(settings, embedder=fake_embedder)
    assert _statuses(report)[S_FILE] is FileStatus.OK
    cases = {p.case for p in store.open_current(settings).passages() if p.doc_id == S_FILE}
    assert cases == {"Child S"}


def test_changed_setting_builds_a_new_index_instead_of_reusing(settings, corpus_copy, fake_embedder):
    first = ingest(settings, embedder=fake_embedder)
    smaller = settings.model_copy(update={"chunk": settings.chunk.model_copy(update={"max_words": 150})})
    second = ingest(smaller, embedder=fake_embedder)
    assert store.recipe_id(smaller) != store.recipe_id(settings)
    assert second.changed and second.index_path != first.index_path
    assert all(p.words <= 150 for p in store.open_current(smaller).passages())
    assert store.open_current(settings).path == store.open_current(settings).path  # old still live
    recipe = json.loads((store.recipe_dir(smaller) / "recipe.json").read_text())
    assert recipe["chunk"]["max_words"] == 150


def test_broken_file_is_reported_and_the_rest_indexed(settings, corpus_copy, fake_embedder):
    shutil.copy(FIXTURE_PDFS / "not-a-pdf.pdf", corpus_copy / "download.pdf")
    report = ingest(settings, embedder=fake_embedder)
    assert _statuses(report)["download.pdf"] is FileStatus.BROKEN
    assert report.exit_code == 1 and report.documents == N_DOCUMENTS
    assert all(p.doc_id != "download.pdf" for p in store.open_current(settings).passages())


def test_file_that_breaks_keeps_its_previous_version(settings, corpus_copy, fake_embedder):
    shutil.copy(FIXTURE_PDFS / "pdflatex-4-pages.pdf", corpus_copy / "report.pdf")
    ingest(settings, embedder=fake_embedder)
    before = [p for p in store.open_current(settings).passages() if p.doc_id == "report.pdf"]
    assert before
    shutil.copy(FIXTURE_PDFS / "derived-truncated-pdflatex-4-pages.pdf", corpus_copy / "report.pdf")
    report = ingest(settings, embedder=fake_embedder)
    row = next(r for r in report.files if r.file == "report.pdf")
    assert row.status is FileStatus.BROKEN and "previously indexed version is kept" in row.reason
    after = [p for p in store.open_current(settings).passages() if p.doc_id == "report.pdf"]
    assert after == before


def test_uncatalogued_document_gets_a_guessed_case_and_says_so(settings, corpus_copy, fake_embedder):
    (corpus_copy / "new-review.txt").write_text(
        "Sandshire Safeguarding Children Board\n\nSerious Case Review: Child Q\n\n"
        "Child Q was known to children's services. The review of Child Q found that the health "
        "visitor did not share information with the GP, and that supervision was infrequent.\n"
    )
    report = ingest(settings, embedder=fake_embedder)
    row = next(r for r in report.files if r.file == "new-review.txt")
    assert row.status is FileStatus.OK and row.case == "Child Q" and "guessed" in row.reason
    passages = [p for p in store.open_current(settings).passages() if p.doc_id == "new-review.txt"]
    assert passages and passages[0].board == "Sandshire Safeguarding Children Board"


def test_fixture_pdfs_all_get_their_status_and_good_ones_are_searchable(settings, tmp_path, fake_embedder):
    import csv

    from .test_load_fixtures import expected_status

    corpus = settings.corpus_dir
    shutil.copytree(FIXTURE_PDFS, corpus, ignore=shutil.ignore_patterns("*.csv", "*.md"))
    report = ingest(settings, embedder=fake_embedder)
    rows = list(csv.DictReader((FIXTURE_PDFS / "manifest.csv").open()))
    statuses = _statuses(report)
    assert statuses == {row["file"]: expected_status(row) for row in rows}
    indexed = {p.doc_id for p in store.open_current(settings).passages()}
    assert indexed == {f for f, s in statuses.items() if s is FileStatus.OK}
    assert bm25_ids(settings, "Vicksburg siege")[0].startswith("Seige_of_Vicksburg_Sample_OCR.pdf")
    assert bm25_ids(settings, "Grundbegriffe Topologie")[0].startswith("GeoTopo-komprimiert.pdf")


def test_password_option_opens_encrypted_pdf(settings, fake_embedder):
    settings.corpus_dir.mkdir()
    shutil.copy(FIXTURE_PDFS / "r6-both-passwords.pdf", settings.corpus_dir / "locked.pdf")
    report = ingest(settings, embedder=fake_embedder)
    assert _statuses(report)["locked.pdf"] is FileStatus.NEEDS_PASSWORD
    report = ingest(settings, embedder=fake_embedder, passwords={"locked.pdf": "foo"})
    assert _statuses(report)["locked.pdf"] is FileStatus.OK


def test_cli_json_report_and_exit_codes(settings, corpus_copy, fake_embedder, monkeypatch, capsys):
    monkeypatch.setattr("rag.ingest.job.get_embedder", lambda _settings: fake_embedder)
    assert cli.main(["ingest", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"files", "index", "passages"} <= set(report)
    assert set(report["files"][0]) >= {"file", "status", "pages", "passages", "reason"}
    assert cli.main(["ingest", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["status"] for f in report["files"]} == {"skipped_unchanged"}
    (corpus_copy / "empty.txt").write_text("")
    assert cli.main(["ingest", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert next(f for f in report["files"] if f["file"] == "empty.txt")["status"] == "empty"


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    assert cli.main(["ingest", "--corpus", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["ingest", "--password", "nopassword"]) == 2
    assert "FILE=PASSWORD" in capsys.readouterr().err


def test_cli_table_says_nothing_changed(settings, corpus_copy, fake_embedder, monkeypatch, capsys):
    monkeypatch.setattr("rag.ingest.job.get_embedder", lambda _settings: fake_embedder)
    cli.main(["ingest"])
    capsys.readouterr()
    cli.main(["ingest"])
    out = capsys.readouterr().out
    assert "nothing changed" in out and "skipped_unchanged" in out


def test_the_sentences_embedded_at_ingest_are_kept_and_the_engine_embeds_only_the_rest(
    settings, corpus_copy, fake_embedder
):
    from rag.answer.engine import Engine
    from rag.store.sentence_vectors import text_key

    ingest(settings, embedder=fake_embedder)
    kept = store.open_current(settings).sentence_vectors()
    assert set(kept) == {p.doc_id for p in store.open_current(settings).passages()}
    by_key = {k: v for keys, vectors in kept.values() for k, v in zip(keys, vectors, strict=True)}
    sample = next(iter(by_key))
    assert len(by_key[sample]) == fake_embedder.dim
    # a changed file: its vectors are made again, the others are carried over
    (corpus_copy / S_FILE).write_text((corpus_copy / S_FILE).read_text() + "\n\nA new closing line.\n")
    ingest(settings, embedder=fake_embedder)
    again = store.open_current(settings).sentence_vectors()
    assert set(again) == set(kept) and any(k == text_key("A new closing line.") for k in again[S_FILE][0])
    # the engine's warm-up embeds only the passage units ingest did not embed
    before = fake_embedder.texts_embedded
    engine = Engine.load(settings, embedder=fake_embedder)
    engine.warmed.wait(60)
    units = sum(len(engine.sentences.units(p)) for p in engine.search.passages.values())
    fresh = fake_embedder.texts_embedded - before
    assert 0 < fresh < units / 4, (fresh, units)
