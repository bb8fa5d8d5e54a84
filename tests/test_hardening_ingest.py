"""What the ingest must never do with hostile or odd corpus entries, and a full disk: nothing
outside the corpus folder is read, every entry not read gets a report row with its reason,
and a disk that fills up is reported as such, with the previous index untouched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag import store
from rag.ingest import ingest
from rag.types import FileStatus

from .conftest import ROOT
from .web_support import client, served_app, serving_settings

SECRET = "root:x:0:0:root:/root:/bin/bash ann:scrypt$16384$8$1$c2FsdA==$aGFzaA=="
PLAIN = (
    "Serious Case Review: Child Q\n\n1. Summary\n\n1.1 Child Q was a four year old boy who sustained "
    "a head injury in March 2019. The review found that the health visitor was not told.\n"
)


def _rows(report) -> dict[str, object]:
    return {row.file: row for row in report.files}


def _all_text(settings) -> str:
    generation = store.open_current(settings)
    return "\n".join(p.text for p in generation.passages()) + json.dumps(generation.documents())


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the corpus holding what must never be indexed."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd.txt").write_text(SECRET + "\n", encoding="utf-8")
    (folder / "more.md").write_text("# Secrets\n\n" + SECRET + "\n", encoding="utf-8")
    return folder


def test_symlinks_in_the_corpus_are_not_followed(settings, corpus_copy, outside, fake_embedder):
    (corpus_copy / "leak.txt").symlink_to(outside / "passwd.txt")
    (corpus_copy / "linked").symlink_to(outside, target_is_directory=True)
    report = ingest(settings, embedder=fake_embedder)
    rows = _rows(report)
    for name, what in (("leak.txt", "file"), ("linked", "folder")):
        assert rows[name].status is FileStatus.UNSUPPORTED, rows[name]
        assert "symbolic link" in rows[name].reason and f"copy the {what}" in rows[name].reason
    assert "linked/more.md" not in rows and report.exit_code == 1
    assert "root:x:0:0" not in _all_text(settings) and "scrypt$" not in _all_text(settings)


@pytest.mark.loopback
def test_a_linked_file_is_never_served_or_quoted(settings, corpus_copy, outside, fake_embedder, tmp_path):
    (corpus_copy / "leak.txt").symlink_to(outside / "passwd.txt")
    ingest(settings, embedder=fake_embedder)
    with served_app(serving_settings(settings, tmp_path)) as (base, _), client(base) as web:
        assert web.get("/source/leak.txt").status_code == 404
        assert web.get("/files/leak.txt").status_code == 404
        answer = web.post("/api/ask", json={"question": "What is the password hash of ann in the users file?"})
    assert answer.status_code == 200 and "scrypt$" not in answer.text and "root:x" not in answer.text


def test_a_file_swapped_for_a_link_after_the_scan_is_still_refused(tmp_path):
    from rag.ingest.load import LoadError, read_regular

    (tmp_path / "target.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "doc.txt").symlink_to(tmp_path / "target.txt")
    with pytest.raises(LoadError, match="symbolic link") as refused:
        read_regular(tmp_path / "doc.txt")
    assert refused.value.status is FileStatus.UNSUPPORTED
    os.mkfifo(tmp_path / "pipe.txt")  # opened without blocking, then refused
    with pytest.raises(LoadError, match="not a regular file"):
        read_regular(tmp_path / "pipe.txt")


def test_odd_entries_each_get_a_report_row(settings, corpus_copy, fake_embedder):
    os.mkfifo(corpus_copy / "fifo.txt")
    (corpus_copy / "loop.txt").symlink_to(corpus_copy / "loop.txt")
    (corpus_copy / "dangling.md").symlink_to(corpus_copy / "no-such-file.md")
    (corpus_copy / "bundle.md").mkdir()
    (corpus_copy / "bundle.md" / "child-q.txt").write_text(PLAIN, encoding="utf-8")
    report = ingest(settings, embedder=fake_embedder)
    rows = _rows(report)
    assert rows["fifo.txt"].status is FileStatus.UNSUPPORTED and "FIFO" in rows["fifo.txt"].reason
    for name in ("loop.txt", "dangling.md"):
        assert rows[name].status is FileStatus.UNSUPPORTED and "symbolic link" in rows[name].reason
    assert rows["bundle.md"].status is FileStatus.UNSUPPORTED and "folder" in rows["bundle.md"].reason
    assert rows["bundle.md/child-q.txt"].status is FileStatus.OK  # what is inside is read
    assert report.exit_code == 1


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_unicode_text_with_a_byte_order_mark_is_read(encoding, settings, corpus_copy, fake_embedder):
    (corpus_copy / "child-q-unicode.txt").write_bytes(("\ufeff" + PLAIN).encode(encoding))
    report = ingest(settings, embedder=fake_embedder)
    row = _rows(report)["child-q-unicode.txt"]
    assert row.status is FileStatus.OK, row
    assert "four year old boy who sustained a head injury in March 2019" in _all_text(settings)
    assert "\ufeff" not in _all_text(settings)


def test_text_that_is_not_text_is_reported_with_what_to_do(settings, corpus_copy, fake_embedder):
    (corpus_copy / "no-bom.txt").write_bytes(PLAIN.encode("utf-16-le"))  # no byte-order mark
    (corpus_copy / "odd-utf16.txt").write_bytes(b"\xff\xfe" + b"a\x00b")  # half a character
    rows = _rows(ingest(settings, embedder=fake_embedder))
    assert rows["no-bom.txt"].status is FileStatus.BROKEN and "UTF-8" in rows["no-bom.txt"].reason
    assert rows["odd-utf16.txt"].status is FileStatus.BROKEN and "UTF-16" in rows["odd-utf16.txt"].reason


def test_a_file_that_becomes_a_link_keeps_its_indexed_version(settings, corpus_copy, outside, fake_embedder):
    name = "llr-child-f-executive-summary.txt"
    ingest(settings, embedder=fake_embedder)
    before = [p for p in store.open_current(settings).passages() if p.doc_id == name]
    (corpus_copy / name).unlink()
    (corpus_copy / name).symlink_to(outside / "passwd.txt")
    report = ingest(settings, embedder=fake_embedder)
    assert "previously indexed version is kept" in _rows(report)[name].reason
    assert [p for p in store.open_current(settings).passages() if p.doc_id == name] == before


# --- a full disk ----------------------------------------------------------------------------

_FULL_DISK = """
set -u
mount -t tmpfs -o size=30m tmpfs "$INDEX"
cd "$ROOT"
"$PY" -m tests.fake_cli ingest --corpus "$CORPUS" --index "$INDEX" --json > "$OUT/first.json"
"$PY" -c 'import os, sys; st = os.statvfs(sys.argv[1]); free = st.f_bavail * st.f_frsize
open(os.path.join(sys.argv[1], "filler"), "wb").write(bytes(max(0, free - int(sys.argv[2]))))' "$INDEX" "$LEAVE"
echo "One more closing sentence about the health visitor." >> "$CORPUS/llr-child-f-executive-summary.txt"
"$PY" -m tests.fake_cli ingest --corpus "$CORPUS" --index "$INDEX" --json $EXTRA > "$OUT/second.json" 2> "$OUT/second.err"
echo $? > "$OUT/second.code"
rm "$INDEX/filler"
"$PY" -c 'import sys, json
from rag import store
from rag.settings import load_settings
settings = load_settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2])
live = store.open_current(settings)
print(json.dumps({"live": live.path.name, "passages": len(live.passages()), "vectors": live.collection().count(),
                  "generations": sorted(p.name for p in store.recipe_dir(settings).glob("gen-*"))}))' \
  "$CORPUS" "$INDEX" > "$OUT/after.json"
"""


def _can_mount_a_small_disk() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True, timeout=30)  # fmt: skip
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_a_small_disk(), reason="needs unshare -rm to mount a small tmpfs")
@pytest.mark.parametrize(("leave", "extra"), [(300_000, ""), (1_500_000, "--rebuild")],
                         ids=["while-copying", "while-writing-vectors"])  # fmt: skip
def test_a_full_disk_is_reported_and_the_previous_index_kept(leave, extra, tmp_path, corpus_copy):
    """A real full disk: the index folder is a 30 MB tmpfs in a mount namespace, filled up
    after the first ingest. Copying the previous vectors fails, or (rebuilding) Chroma does."""
    (tmp_path / "index").mkdir()
    env = {**os.environ, "ROOT": str(ROOT), "PY": sys.executable, "CORPUS": str(corpus_copy),
           "INDEX": str(tmp_path / "index"), "OUT": str(tmp_path), "LEAVE": str(leave), "EXTRA": extra,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    subprocess.run(["unshare", "-rm", "bash", "-c", _FULL_DISK], env=env, check=True, timeout=600)
    assert int((tmp_path / "second.code").read_text()) == 3  # not 1: "some files failed"
    assert "Traceback" not in (tmp_path / "second.err").read_text()
    first, second = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("first", "second"))
    after = json.loads((tmp_path / "after.json").read_text())
    assert "disk holding the index is full" in second["error"] and second["exit_code"] == 3
    assert "previous index is unchanged" in second["error"]
    assert {row["status"] for row in second["files"]} <= {"ok", "skipped_unchanged"}
    assert after["live"] == Path(first["index"]).name
    assert after["passages"] == after["vectors"] == first["passages"]
    assert after["generations"] == [after["live"]], "the half-built generation is removed"
