"""The `rag` command: thin wrappers over the same functions the app and tests call.

Exit codes: 0 success; 1 the job ran but some input failed (reported, the rest done);
2 usage errors (bad options, missing folders, malformed catalog).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rag.settings import Settings, load_settings
from rag.web import cli as web_commands

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
_STATUS_STYLE = {"ok": "green", "skipped_unchanged": "dim"}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"rag {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


class UsageError(Exception):
    """Bad input that the user must fix; printed without a traceback, exit 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    ingest = commands.add_parser("ingest", help="build or update the index from the corpus folder")
    _add_paths(ingest)
    ingest.add_argument("--rebuild", action="store_true", help="re-read and re-embed every file")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument(
        "--password",
        action="append",
        default=[],
        metavar="FILE=PASSWORD",
        help="password for an encrypted PDF (path relative to the corpus); repeatable",
    )
    ingest.set_defaults(run=_run_ingest)
    _add_ask(commands)
    web_commands.register(commands)
    _add_eval(commands)
    _add_bench(commands)
    return parser


def _add_ask(commands) -> None:
    ask = commands.add_parser("ask", help="answer a question from the indexed reviews, with citations")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--case", help="restrict to one case (label or alias, e.g. 'Case S')")
    ask.add_argument(
        "--history", type=Path, help="JSON file: a list of {role, content} turns before this question"
    )
    ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    _add_paths(ask)
    ask.set_defaults(run=_run_ask)


def _run_ask(args: argparse.Namespace) -> int:
    from rag.engine import get_engine
    from rag.index import IndexMissing

    settings = settings_from(args)
    history = _read_history(args.history) if args.history else None
    try:
        engine = get_engine(settings, warm_up=False)  # one question: embed only what it needs
        answer = engine.answer(args.question, history=history, case=args.case)
    except (IndexMissing, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_answer(answer)
    return EXIT_OK


def _read_history(path: Path) -> list[dict[str, str]]:
    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"--history {path}: cannot read a JSON list of turns ({exc})") from exc
    valid = isinstance(turns, list) and all(
        isinstance(t, dict) and t.get("role") in {"user", "assistant"} and isinstance(t.get("content"), str)
        for t in turns
    )
    if not valid:
        raise UsageError(f'--history {path}: expected [{{"role": "user", "content": "..."}}, ...]')
    return turns


def _print_answer(answer) -> None:
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(answer.answer, markup=False, highlight=False)
    if answer.citations:
        console.print()
    for c in answer.citations:
        where = ", ".join(
            x
            for x in (
                f"p. {c.page}" if c.page else "",
                f"para {c.paragraph}" if c.paragraph else "",
                c.section,
            )
            if x
        )
        console.print(f"[{c.n}] {c.case} - {c.title} ({where})", markup=False, highlight=False)
        console.print(f'    "{" ".join(c.quote.split())}"', markup=False, highlight=False)
    if answer.related:
        console.print("\nRelated passages:")
        for hit in answer.related:
            console.print(f"  - {hit.passage.case}: {hit.passage.section}", markup=False, highlight=False)
    console.print(f"\n({answer.generator}, {answer.latency_ms:.0f} ms)", style="dim")


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: $RAG_CORPUS_DIR or corpus/)")
    parser.add_argument("--index", type=Path, help="index folder (default: $RAG_INDEX_DIR or index/)")


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(corpus_dir=args.corpus, index_dir=args.index)
    except ValueError as exc:
        raise UsageError(f"invalid settings: {exc}") from exc


def _run_ingest(args: argparse.Namespace) -> int:
    from rag.catalog import CatalogError
    from rag.index import IngestLocked
    from rag.ingest import CorpusError, ingest

    settings = settings_from(args)
    passwords = _parse_passwords(args.password)
    err = Console(stderr=True)
    try:
        with _progress(err, enabled=not args.json or err.is_terminal) as update:
            report = ingest(settings, rebuild=args.rebuild, passwords=passwords, progress=update)
    except (CorpusError, CatalogError, IngestLocked) as exc:
        raise UsageError(str(exc)) from exc
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


class _progress:
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


def _print_ingest_table(report) -> None:
    console = Console() if sys.stdout.isatty() else Console(width=160)
    table = Table(title=None, show_lines=False)
    for column in ("file", "status", "pages", "passages", "case / reason"):
        table.add_column(column, overflow="fold")
    for row in report.files:
        style = _STATUS_STYLE.get(row.status.value, "bold red")
        note = "; ".join(x for x in (row.case, row.reason) if x)
        table.add_row(row.file, f"[{style}]{row.status.value}[/]", str(row.pages), str(row.passages), note)
    console.print(table)
    failed = sum(1 for f in report.files if f.status.failed)
    what = "index updated" if report.changed else "nothing changed; index left as it was"
    console.print(
        f"{what}: {report.documents} documents, {report.passages} passages "
        f"in {report.seconds:.1f} s -> {report.index_path}"
    )
    if failed:
        console.print(
            f"[bold red]{failed} file(s) not indexed[/]: see the reasons above; the rest were indexed."
        )


def _add_eval(commands) -> None:
    from rag.eval_cli import register  # evaluation lives in its own modules

    register(commands)


def _add_bench(commands) -> None:
    bench = commands.add_parser(
        "bench", help="run the benchmarks (same as `python -m bench`; needs the source checkout)"
    )
    bench.add_argument("options", nargs=argparse.REMAINDER, help="passed on, e.g. --quick")
    bench.set_defaults(run=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    import subprocess

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "bench" / "__main__.py").exists():
        raise UsageError(f"no bench/ folder beside {Path(__file__).parent}: run it from a source checkout")
    return subprocess.run([sys.executable, "-m", "bench", *args.options], cwd=checkout).returncode


if __name__ == "__main__":
    sys.exit(main())
