"""`rag ask`: answer one question from the indexed reviews, with citations."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.cli.common import EXIT_OK, IndexProblem, UsageError, add_paths, settings_from, stdout_console


def register(commands) -> None:
    ask = commands.add_parser("ask", help="answer a question from the indexed reviews, with citations")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--case", help="restrict to one case (label or alias, e.g. 'Case S')")
    ask.add_argument(
        "--history", type=Path, help="JSON file: a list of {role, content} turns before this question"
    )
    ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    add_paths(ask)
    ask.set_defaults(run=_run_ask)


def _run_ask(args: argparse.Namespace) -> int:
    from rag.answer.holder import get_engine
    from rag.store import IndexBroken, IndexMissing
    from rag.text import question_problem

    settings = settings_from(args)
    problem = question_problem(args.question, settings.answer.max_question_chars)
    if problem:  # the limit of every door, before any model is loaded
        raise UsageError(problem)
    history = _read_history(args.history) if args.history else None
    try:
        engine = get_engine(settings, warm_up=False)  # one question: embed only what it needs
        answer = engine.answer(args.question, history=history, case=args.case)
    except IndexBroken as exc:
        raise IndexProblem(str(exc)) from exc
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
    console = stdout_console()
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
