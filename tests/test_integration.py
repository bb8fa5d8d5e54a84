"""The real thing: packaged MiniLM, real Chroma, real pypdf on the review corpus, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from rag import store
from rag.embed import get_embedder
from rag.ingest import ingest
from rag.types import FileStatus

from .conftest import CORPUS, ROOT
from .helpers import bm25_ids, chroma_ids
from .make_pdf import HEADER, text_to_pdf

pytestmark = pytest.mark.integration
F_TEXT = "llr-child-f-executive-summary.txt"
F_PDF = "llr-child-f-executive-summary.pdf"


@pytest.fixture
def corpus_with_pdf(corpus_copy):
    """The corpus with Child F as a real multi-page PDF instead of text."""
    pages = text_to_pdf(CORPUS / F_TEXT, corpus_copy / F_PDF)
    assert pages >= 4
    (corpus_copy / F_TEXT).unlink()
    catalog = corpus_copy / "catalog.toml"
    catalog.write_text(catalog.read_text().replace(f'"{F_TEXT}"', f'"{F_PDF}"'))
    return corpus_copy


@pytest.mark.slow
def test_real_model_ingest_of_the_corpus_with_network_blocked(settings, corpus_with_pdf):
    report = ingest(settings)  # sockets are disabled for every test (conftest)
    assert {row.status for row in report.files} == {FileStatus.OK}
    pdf_row = next(r for r in report.files if r.file == F_PDF)
    assert pdf_row.pages >= 4 and pdf_row.case == "Child F"

    generation = store.open_current(settings)
    passages = generation.passages()
    f_passages = [p for p in passages if p.doc_id == F_PDF]
    assert [p.page for p in f_passages] == sorted(p.page for p in f_passages)
    assert f_passages[0].page == 1 and f_passages[-1].page == pdf_row.pages
    assert all(HEADER not in p.text and "Page " not in p.text.split("\n")[-1] for p in f_passages)
    assert any(_covers(p.paragraph, "3.4") for p in f_passages), "paragraph numbers survive the PDF"

    embedder = get_embedder(settings.embed)
    assert embedder.name == "all-MiniLM-L6-v2" and embedder.dim == 384
    query = embedder.embed_query("childminder phoned the MASH for an anonymous consultation")
    assert chroma_ids(settings, query, k=3)[0].startswith("norfolk-case-s")
    query = embedder.embed_query("protocol for prescribing methadone to drug-using parents")
    assert any(i.startswith(F_PDF) for i in chroma_ids(settings, query, k=3))
    assert bm25_ids(settings, "skull fracture within a month of birth")[0].startswith(F_PDF)
    assert bm25_ids(settings, "over optimistic")[0].startswith("derbyshire-child-h")


def _covers(paragraphs: str | None, number: str) -> bool:
    """Whether a passage's paragraph label ("3.3-3.5" or "3.4") includes `number`."""
    if not paragraphs:
        return False
    first, _, last = paragraphs.partition("-")
    key = lambda n: tuple(int(x) for x in n.split("."))  # noqa: E731
    return key(first) <= key(number) <= key(last or first)


@pytest.mark.slow
def test_cli_ingest_in_a_network_namespace_with_no_network(tmp_path, corpus_copy):
    """No network device at all (not just Python sockets): the ingest still works."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is required for the offline proof")
    keep = {"norfolk-case-s-learning-presentation.md", "bexley-baby-f-overview-report.pdf", "catalog.toml"}
    for path in corpus_copy.iterdir():  # three kinds of file are proof enough, and quicker
        if path.is_file() and path.name not in keep:
            path.unlink()
    index = tmp_path / "index-netns"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    command = [
        "unshare",
        "-rn",
        str(ROOT / ".venv" / "bin" / "rag"),
        "ingest",
        "--corpus",
        str(corpus_copy),
        "--index",
        str(index),
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert {f["status"] for f in report["files"]} == {"ok"} and len(report["files"]) == 2
    assert report["passages"] > 30


def test_a_script_that_asks_one_question_and_exits_at_once_exits_cleanly(real_index):
    """The engine's background warm-up runs the real model; a script ending while it runs
    must stop it cleanly, not abort the process ("terminate called ...")."""
    script = (
        "from rag.answer.engine import Engine\n"
        "from rag.settings import load_settings\n"
        "engine = Engine.load(load_settings())\n"
        "print(engine.answer('what went wrong with the consultation in Case S').abstained)\n"
    )
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(real_index.index_dir),
        "RAG_CORPUS_DIR": str(real_index.corpus_dir),
    }
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr[-2000:]
    assert "terminate called" not in done.stderr
