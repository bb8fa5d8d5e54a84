"""The `rag` command: thin wrappers over the same functions the app and tests call.

One module per command (`ingest`, `catalog`, `cards`/`themes`, `ask`, `serve`, `eval`, `train`,
`bench`), each registering its sub-parser; exit codes and shared options are in `common`.
"""

from __future__ import annotations

import argparse
import sys

from rag.cli import ask, bench, catalog, eval, ingest, insights, serve, train
from rag.cli.common import EXIT_INDEX, EXIT_USAGE, IndexProblem, UsageError


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
    except IndexProblem as exc:
        print(f"rag {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INDEX


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    for command in (ingest, catalog, insights, ask, serve, eval, train, bench):
        command.register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
