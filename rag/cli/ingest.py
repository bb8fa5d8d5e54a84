"""`rag ingest`: build or update the index from the corpus folder, and print the report."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from rag.cli.common import IndexProblem, UsageError, add_paths, progress, settings_from, stdout_console

_STATUS_STYLE = {"ok": "green", "skipped_unchanged": "dim"}


def register(commands) -> None:
    ingest = commands.add_parser("ingest", help="build or update the index from the corpus folder")
    add_paths(ingest)
    ingest.add_argument("--rebuild", action="store_true", help="re-read and re-embed every file")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument(
        "--password",
        action="append",
        default=[],
        metavar="FILE=PASSWORD",
        help="password for an encrypted PDF (path relative to the corpus); repeatable",
    )
    ingest.set_defaults(run=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    from rag.ingest import CorpusError, ingest
    from rag.ingest.catalog import CatalogError
    from rag.store import IndexBroken, IndexWriteError, IngestLocked

    settings = settings_from(args)
    passwords = _parse_passwords(args.password)
    err = Console(stderr=True)
    try:
        with progress(err, enabled=not args.json or err.is_terminal) as update:
            report = ingest(settings, rebuild=args.rebuild, passwords=passwords, progress=update)
    except (CorpusError, CatalogError, IngestLocked) as exc:
        raise UsageError(str(exc)) from exc
    except IndexBroken as exc:
        raise IndexProblem(str(exc)) from exc
    except IndexWriteError as exc:  # the rows are still worth reading: what was read, what failed
        report = exc.report
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_ingest_table(report)
    return report.exit_code


def _parse_passwords(items: list[str]) -> dict[str, str]:
    passwords = {}
    for item in items:
        name, sep, secret = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--password expects FILE=PASSWORD, got {item!r}")
        passwords[name] = secret
    return passwords


def _print_ingest_table(report) -> None:
    console = stdout_console()
    table = Table(title=None, show_lines=False)
    for column in ("file", "status", "pages", "passages", "review / reason"):
        table.add_column(column, overflow="fold")
    for row in report.files:
        style = _STATUS_STYLE.get(row.status.value, "bold red")
        note = "; ".join(x for x in (row.review or row.case, row.reason) if x)
        table.add_row(row.file, f"[{style}]{row.status.value}[/]", str(row.pages), str(row.passages), note)
    console.print(table)
    failed = sum(1 for f in report.files if f.status.failed)
    if report.error:
        console.print(f"[bold red]{report.error}[/]", highlight=False)
        return
    what = "index updated" if report.changed else "nothing changed; index left as it was"
    console.print(
        f"{what}: {report.documents} documents, {report.passages} passages "
        f"in {report.seconds:.1f} s -> {report.index_path}"
    )
    if failed:
        console.print(
            f"[bold red]{failed} file(s) not indexed[/]: see the reasons above; the rest were indexed."
        )
