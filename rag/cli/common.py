"""What every `rag` command shares: exit codes, usage errors, path options, settings, progress.

Exit codes: 0 success; 1 the job ran but some input failed (reported, the rest done);
2 usage errors (bad options, missing folders, malformed catalog); 3 the index could not be
read or written (a damaged index, a full disk, an I/O error).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rag.settings import Settings, load_settings

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_INDEX = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input that the user must fix; printed without a traceback, exit 2."""


class IndexProblem(Exception):
    """The index cannot be read or written; printed without a traceback, exit 3."""


def add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: $RAG_CORPUS_DIR or corpus/)")
    parser.add_argument("--index", type=Path, help="index folder (default: $RAG_INDEX_DIR or index/)")


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(corpus_dir=args.corpus, index_dir=args.index)
    except ValueError as exc:
        raise UsageError(f"invalid settings: {exc}") from exc


def stdout_console() -> Console:
    """A console for results: the terminal's width, or wide enough not to fold when piped."""
    return Console() if sys.stdout.isatty() else Console(width=160)


class progress:
    """A rich progress bar on stderr fed by ingest's (stage, done, total) callback."""

    def __init__(self, console: Console, enabled: bool):
        self._bar = Progress(
            TextColumn("{task.description:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not enabled,
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        self._bar.__enter__()
        return self.update

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc)

    def update(self, stage: str, done: int, total: int) -> None:
        labels = {"read": "reading", "embed": "embedding"}
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(labels.get(stage, stage), total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)
