"""`rag eval`: score the answering pipeline on a gold set, compare configurations, write
a report; or, with --from-feedback, turn chat feedback into gold candidates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rag.cli.common import (
    EXIT_OK,
    EXIT_PARTIAL,
    UsageError,
    add_paths,
    progress,
    settings_from,
    stdout_console,
)

ROOT = Path(__file__).resolve().parents[2]  # the source checkout, when run from one


def _presets() -> list[str]:
    from rag.eval.run import presets

    return presets()


def register(commands) -> None:
    p = commands.add_parser("eval", help="score answers on a gold question set and write a report")
    p.add_argument("--gold", type=Path, help="gold JSONL file (default: eval/gold.jsonl)")
    p.add_argument("--out", type=Path, default=Path("eval/out"), help="output folder (default: eval/out)")
    p.add_argument(
        "--compare",
        nargs="+",
        default=[],
        metavar="CONFIG",
        help="also run these configurations: preset names from rag/eval/configs/ "
        f"({', '.join(_presets())}) or TOML files of settings sections",
    )
    p.add_argument("--thresholds", type=Path, help="quality gate (default: eval/thresholds.toml if present)")
    p.add_argument("--check", action="store_true", help="exit 1 when a metric misses its threshold")
    p.add_argument(
        "--split",
        choices=["train", "test"],
        help="only the train or the held-out test questions (a fixed split, stratified by category)",
    )
    p.add_argument(
        "--holdout-review",
        metavar="DOC",
        help="leave one review out: refit what is learned (reranker, learned scorer) without this "
        "document's questions and "
        "answer only those (`all`: every review in turn, with a summary)",
    )
    p.add_argument("--limit", type=int, metavar="N", help="only the first N gold items (a quick look)")
    p.add_argument("--json", action="store_true", help="print metrics.json instead of the summary")
    p.add_argument(
        "--from-feedback", type=Path, metavar="FILE", help="turn chat feedback lines into gold candidates"
    )
    p.add_argument("--out-gold", type=Path, metavar="FILE", help="with --from-feedback: file to append to")
    add_paths(p)
    p.set_defaults(run=run_eval)


def default_path(path: Path | None, relative: str) -> Path | None:
    """An explicit path, else `relative` in the working directory, else in the project."""
    if path is not None:
        return path
    for candidate in (Path(relative), ROOT / relative):
        if candidate.exists():
            return candidate
    return None


def run_eval(args: argparse.Namespace) -> int:
    if args.from_feedback or args.out_gold:
        return _run_feedback(args)
    from rag.eval import run as eval_run
    from rag.eval.gold import GoldError
    from rag.eval.metrics import ThresholdError, load_thresholds
    from rag.store import IndexMissing

    gold = default_path(args.gold, "eval/gold.jsonl")
    if gold is None:
        raise UsageError("no gold file: give --gold FILE")
    settings = settings_from(args)
    if args.holdout_review:
        return _run_holdout(args, gold, settings)
    try:
        configs = [eval_run.load_config(name) for name in args.compare]
        limits = default_path(args.thresholds, "eval/thresholds.toml")
        thresholds = load_thresholds(limits) if limits else None
        err = Console(stderr=True)
        with progress(err, enabled=not args.json or err.is_terminal) as update:
            metrics, checks = eval_run.run_and_write(
                gold,
                args.out,
                settings,
                configs,
                thresholds,
                progress=update,
                limit=args.limit,
                split=args.split,
            )
    except (GoldError, eval_run.ConfigError, ThresholdError, IndexMissing) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False, indent=1))
    else:
        _print_summary(metrics, args.out)
    failed = [c for c in checks if not c.passed]
    if metrics["overall"]["errors"] or (args.check and failed):
        return EXIT_PARTIAL
    return EXIT_OK


def _run_holdout(args: argparse.Namespace, gold: Path, settings) -> int:
    from rag.eval import holdout
    from rag.eval.gold import GoldError
    from rag.eval.run import Engines
    from rag.store import IndexMissing

    err = Console(stderr=True)
    try:
        with progress(err, enabled=not args.json or err.is_terminal) as update:
            if args.holdout_review == "all":
                summary = holdout.run_all(gold, args.out, settings, update)
                metrics = {"overall": summary["mean_over_reviews"], **summary}
            else:
                engines = Engines(warm_up=False)
                metrics = holdout.run_holdout(gold, args.out, settings, args.holdout_review, engines, update)
    except ImportError as exc:
        raise UsageError(f"refitting needs scikit-learn: pip install -e '.[dev]' ({exc})") from exc
    except (GoldError, IndexMissing, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False, indent=1))
    else:
        _print_summary(metrics, args.out)
    return EXIT_OK


def _print_summary(metrics: dict, out: Path) -> None:
    from rag.eval.metrics import HEADLINE, METRICS, TERMINAL_COLUMNS, fmt
    from rag.eval.report.sentences import compare_rows, winner_sentence

    console = stdout_console()
    table = Table("metric", "value", "what it means")
    overall = metrics["overall"]
    for key in HEADLINE:
        table.add_row(METRICS[key].label, fmt(key, overall.get(key)), METRICS[key].plain)
    console.print(table)
    rows = compare_rows(metrics)
    if len(rows) > 1:
        compare = Table("configuration", *[METRICS[k].label for k in TERMINAL_COLUMNS])
        for row in rows:
            compare.add_row(row.name, *[fmt(k, row.overall.get(k), True) for k in TERMINAL_COLUMNS])
        console.print(compare)
        console.print(winner_sentence(rows), markup=False, highlight=False)
    for gate in metrics.get("gate", []):
        if not gate["passed"]:
            bound = f"{'>=' if gate['kind'] == 'min' else '<='} {fmt(gate['metric'], gate['bound'])}"
            console.print(
                f"[bold red]below threshold[/]: {gate['metric']} = {fmt(gate['metric'], gate['value'])}"
                f" (needs {bound})"
            )
    if overall["errors"]:
        console.print(
            f"[bold red]{overall['errors']} item(s) raised an error[/]: see {out / 'results.jsonl'}"
        )
    console.print(f"report: {out / 'report.html'} (also report.md, metrics.json, results.jsonl)")


def _run_feedback(args: argparse.Namespace) -> int:
    from rag.eval.feedback import feedback_to_gold

    if not (args.from_feedback and args.out_gold):
        raise UsageError("--from-feedback FILE and --out-gold FILE go together")
    if not args.from_feedback.is_file():
        raise UsageError(f"--from-feedback {args.from_feedback}: no such file")
    gold = default_path(args.gold, "eval/gold.jsonl")
    result = feedback_to_gold(args.from_feedback, args.out_gold, gold)
    for problem in result.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(
        f"{len(result.candidates)} candidate(s) appended to {args.out_gold} for review; "
        f"{result.skipped} question(s) already in the gold set or the candidates file"
    )
    return EXIT_PARTIAL if result.problems else EXIT_OK
