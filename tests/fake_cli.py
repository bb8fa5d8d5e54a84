"""The `rag` command with the fake embedder in place of the model, for tests that run it as a
separate process (in a namespace with a small disk, say): `python -m tests.fake_cli ingest ...`."""

from __future__ import annotations

import sys

from rag import embed
from rag.cli import main
from tests.conftest import FakeEmbedder

if __name__ == "__main__":
    fake = FakeEmbedder()
    embed.get_embedder = lambda settings: fake  # the job looks it up in its own module too
    import rag.ingest.job as job

    job.get_embedder = embed.get_embedder
    sys.exit(main(sys.argv[1:]))
