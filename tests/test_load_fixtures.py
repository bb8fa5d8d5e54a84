"""Data-driven: every real-world fixture PDF gets the status its manifest expects."""

import csv
import hashlib

import pytest

from rag.ingest.load import LoadError, load_file
from rag.types import FileStatus

from .conftest import FIXTURE_PDFS

MANIFEST = list(csv.DictReader((FIXTURE_PDFS / "manifest.csv").open(encoding="utf-8")))

# The manifest's outcomes mapped to ingest statuses. Every "ok_*" variant must be
# readable; a zero-byte file is reported with the more specific status `empty`.
EXPECTED = {
    "ok": FileStatus.OK,
    "ok_noisy": FileStatus.OK,
    "ok_values_outside_text": FileStatus.OK,
    "ok_after_empty_password": FileStatus.OK,
    "ok_lenient_only": FileStatus.OK,
    "needs_password": FileStatus.NEEDS_PASSWORD,
    "no_text": FileStatus.NO_TEXT,
    "broken": FileStatus.BROKEN,
}


def expected_status(row: dict) -> FileStatus:
    if row["bytes"] == "0":
        return FileStatus.EMPTY
    return EXPECTED[row["expect"]]


def test_manifest_lists_all_nineteen_files_with_their_checksums():
    assert len(MANIFEST) == 19
    assert {row["file"] for row in MANIFEST} == {p.name for p in FIXTURE_PDFS.glob("*.pdf")}
    for row in MANIFEST:
        data = (FIXTURE_PDFS / row["file"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (int(row["bytes"]), row["sha256"]), row["file"]


# pypdf reads the 117-page GeoTopo notes in about 5 s.
SLOW_TO_READ = {"GeoTopo-komprimiert.pdf"}


@pytest.mark.parametrize(
    "row",
    [pytest.param(r, id=r["file"], marks=pytest.mark.slow if r["file"] in SLOW_TO_READ else ()) for r in MANIFEST],
)
def test_fixture_gets_expected_status(row):
    path = FIXTURE_PDFS / row["file"]
    expected = expected_status(row)
    try:
        doc = load_file(path, row["file"])
        status, reason = FileStatus.OK, ""
    except LoadError as exc:
        doc, status, reason = None, exc.status, exc.reason
    assert status == expected, reason
    if status is FileStatus.OK:
        assert doc is not None
        assert len(doc.pages) == int(row["pages"])
        assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
        assert any(ch.isalpha() for ch in doc.text)
    else:
        assert len(reason) > 15  # a reason a person can act on


@pytest.mark.parametrize(
    "name,password",
    [("libreoffice-writer-password.pdf", "openpassword"), ("r6-both-passwords.pdf", "foo")],
)
def test_encrypted_pdf_opens_with_its_password(name, password):
    doc = load_file(FIXTURE_PDFS / name, name, password)
    assert doc.text.strip()


def test_wrong_password_says_so():
    with pytest.raises(LoadError) as info:
        load_file(FIXTURE_PDFS / "r6-both-passwords.pdf", "r6.pdf", "wrong")
    assert info.value.status is FileStatus.NEEDS_PASSWORD and "does not open" in info.value.reason


def test_ligatures_and_hyphenation_are_repaired_in_a_real_pdf():
    doc = load_file(FIXTURE_PDFS / "multicolumn.pdf", "multicolumn.pdf")
    assert "\ufb01" not in doc.text and "filled" in doc.text
    assert "adipiscing" in doc.text and "adip-\n" not in doc.text


def test_rotated_arabic_pages_keep_their_text():
    doc = load_file(FIXTURE_PDFS / "habibi-rotated.pdf", "habibi-rotated.pdf")
    assert [p.text for p in doc.pages] == ["حَبيبي habibi حَبيبي"] * 4


def test_multiscript_text_survives():
    doc = load_file(FIXTURE_PDFS / "multilang.pdf", "multilang.pdf")
    for fragment in ("Hello World", "Привет", "こんにちは"):
        assert fragment in doc.text


def test_not_a_pdf_names_what_it_is():
    with pytest.raises(LoadError, match="not a PDF"):
        load_file(FIXTURE_PDFS / "not-a-pdf.pdf", "not-a-pdf.pdf")


@pytest.mark.parametrize("name", ["notes.docx", "scan.png"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"data")
    with pytest.raises(LoadError) as info:
        load_file(path, name)
    assert info.value.status is FileStatus.UNSUPPORTED
