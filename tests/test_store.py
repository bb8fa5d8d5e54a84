"""The store's building blocks: durable writes, JSON lines, and Chroma clients released for real."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from rag import store
from rag.store import chroma, files


def _vectors(collection, ids: list[str]) -> None:
    collection.add(ids=ids, embeddings=[[1.0, float(i), 0.5] for i in range(len(ids))])


def test_atomic_write_replaces_the_file_and_fsyncs_its_folder(tmp_path, monkeypatch):
    target = tmp_path / "CURRENT"
    target.write_text("old\n")
    synced, real_fsync = [], os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    files.atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["CURRENT"], "no temp file left behind"
    assert synced[0].startswith(str(tmp_path / ".CURRENT.")), "the data reaches the disk before the rename"
    assert synced[-1] == str(tmp_path), "and the folder after it, so the rename is durable"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "passages.jsonl"
    files.write_jsonl(target, [{"n": 1}])

    def rows():
        yield {"n": 2}
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.write_jsonl(target, rows())
    assert list(files.read_jsonl(target)) == [{"n": 1}]
    assert os.listdir(tmp_path) == ["passages.jsonl"]


def test_json_lines_round_trip_text_with_unicode_line_separators(tmp_path):
    rows = [{"text": "a\u2028b\u2029c\x85d\nline", "n": 1}, {"text": "é", "n": 2}]
    files.write_jsonl(tmp_path / "rows.jsonl", rows)
    assert list(files.read_jsonl(tmp_path / "rows.jsonl")) == rows
    assert list(files.read_jsonl(tmp_path / "missing.jsonl")) == []
    assert (tmp_path / "rows.jsonl").read_text(encoding="utf-8").count("\n") == 2
    assert json.loads((tmp_path / "rows.jsonl").read_text(encoding="utf-8").split("\n")[1]) == rows[1]


def test_one_client_per_folder_until_released(tmp_path):
    first = store.chroma_client(tmp_path / "a")
    assert store.chroma_client(tmp_path / "a") is first
    assert store.chroma_client(tmp_path / "x" / ".." / "a") is first, "the same folder, spelled differently"
    store.release_chroma(tmp_path / "a")
    assert store.chroma_client(tmp_path / "a") is not first


def test_release_closes_the_client_so_the_folder_can_be_replaced(tmp_path):
    """chromadb keeps one system per folder: a client only forgotten, not closed, hands its stale
    SQLite connection to the next client of the re-created folder ("attempt to write a readonly
    database"). This fails if chromadb's public Client.close() stops releasing it."""
    folder = tmp_path / "gen" / "chroma"
    _vectors(store.open_collection(folder, "passages"), ["a", "b"])
    store.release_chroma(folder.parent)
    shutil.rmtree(folder)

    collection = store.open_collection(folder, "passages")
    _vectors(collection, ["c"])
    assert collection.count() == 1
    store.release_chroma(folder)


def test_release_leaves_clients_of_other_folders_open(tmp_path):
    live = store.open_collection(tmp_path / "gen-1" / "chroma", "passages")
    _vectors(live, ["a", "b"])
    building = store.open_collection(tmp_path / "gen-10" / "chroma", "passages")
    _vectors(building, ["c"])
    store.release_chroma(tmp_path / "gen-10")  # not a prefix match: gen-1 is not under gen-10
    assert live.count() == 2
    store.release_chroma(tmp_path)
    assert not [key for key in chroma._clients if key[1].startswith(str(tmp_path.resolve()))]
