"""`rag bench`: run the benchmarks of a source checkout (same as `python -m bench`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from rag.cli.common import UsageError


def register(commands) -> None:
    bench = commands.add_parser(
        "bench", help="run the benchmarks (same as `python -m bench`; needs the source checkout)"
    )
    bench.add_argument("options", nargs=argparse.REMAINDER, help="passed on, e.g. --quick")
    bench.set_defaults(run=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "bench" / "__main__.py").exists():
        raise UsageError(f"no bench/ folder beside {Path(__file__).parent}: run it from a source checkout")
    return subprocess.run([sys.executable, "-m", "bench", *args.options], cwd=checkout).returncode
