"""Chroma clients and collections, embedded in a generation's folder or on a Chroma server.

The process keeps one client per folder and closes it through chromadb's public
`Client.close()` before the folder is copied or removed: a client left open keeps its
SQLite files, and chromadb would hand the same stale system to the next client.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from rag.settings import IndexSettings, Settings

# Below the server's request limit (about 5,400 records for a 384-d collection).
ADD_BATCH = 4000

# ("path", resolved folder) -> its one client; ("http", id) -> every server client made.
_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def chroma_client(path: Path, index: IndexSettings | None = None):  # -> chromadb.ClientAPI
    """Files at `path` (embedded), or the Chroma server when `index.chroma_mode` is 'http'."""
    if index is not None and index.chroma_mode == "http":
        return _server_client(index)
    key = ("path", str(Path(path).resolve()))
    with _clients_lock:
        if key not in _clients:
            _clients[key] = _new_client(path)
        return _clients[key]


def _server_client(index: IndexSettings):
    """A new client each time, as its constructor checks that the server is up and answering."""
    import chromadb

    client = chromadb.HttpClient(host=index.chroma_host, port=index.chroma_port, settings=_options())
    with _clients_lock:
        _clients[("http", str(id(client)))] = client
    return client


def _new_client(path: Path):
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=_options())


def _options():  # -> chromadb.config.Settings
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def release_chroma(path: Path | None = None) -> None:
    """Close the clients of folders under `path` (every client when None) so the files can be
    copied or removed; clients of other folders (a live engine's) are left open."""
    root = None if path is None else Path(path).resolve()
    with _clients_lock:
        keys = [key for key in _clients if root is None or _is_under(key, root)]
        closing = [_clients.pop(key) for key in keys]
    for client in closing:
        client.close()  # the last reference to its system: chromadb stops it and forgets it


def _is_under(key: tuple[str, str], root: Path) -> bool:
    kind, where = key
    return kind == "path" and Path(where).is_relative_to(root)


def open_collection(path: Path, name: str, index: IndexSettings | None = None):
    """A Chroma collection that never embeds anything itself (no model download)."""
    return chroma_client(path, index).get_or_create_collection(
        name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
    )


def collection_name(settings: Settings, generation: Path) -> str:
    """Embedded: the configured name, inside the generation's own folder. http: one server
    holds every generation of every recipe, so the name carries both and switching CURRENT
    switches collections atomically."""
    if settings.index.chroma_mode != "http":
        return settings.index.collection
    return f"{settings.index.collection}-{generation.parent.name}-{generation.name}"


def drop_collection(settings: Settings, generation: Path) -> None:
    """http mode: delete a generation's collection (embedded ones go with the folder)."""
    if settings.index.chroma_mode != "http":
        return
    from chromadb.errors import NotFoundError

    client = chroma_client(generation, settings.index)
    with contextlib.suppress(NotFoundError, ValueError):  # never created, or already gone
        client.delete_collection(collection_name(settings, generation))


def copy_collection(source, target, batch: int = ADD_BATCH) -> None:
    """Every record of `source` into `target` with its vector (http mode's copytree)."""
    for offset in range(0, source.count(), batch):
        rows = source.get(include=["embeddings", "metadatas", "documents"], limit=batch, offset=offset)
        if rows["ids"]:
            target.add(
                ids=rows["ids"],
                embeddings=rows["embeddings"],
                metadatas=rows["metadatas"],
                documents=rows["documents"],
            )
