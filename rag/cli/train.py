"""`rag train`: refit the learned passage reranker and sentence scorer on the gold set's
train split."""

from __future__ import annotations

import argparse
from pathlib import Path

from rag.cli.common import EXIT_OK, UsageError, add_paths, settings_from, stdout_console
from rag.cli.eval import default_path


def register(commands) -> None:
    p = commands.add_parser(
        "train", help="refit the passage reranker and the sentence scorer on the gold set's train split"
    )
    p.add_argument("--gold", type=Path, help="gold JSONL file (default: eval/gold.jsonl)")
    p.add_argument("--out", type=Path, help="sentence model file to write (default: the packaged one)")
    p.add_argument("--rerank-out", type=Path, help="reranker model file to write (default: the packaged one)")
    p.add_argument("--holdout-review", metavar="DOC", help="fit on every question not about this document")
    add_paths(p)
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    from rag.answer.extractive.model import PACKAGED_MODEL
    from rag.eval.fit import train
    from rag.eval.gold import GoldError
    from rag.rerank.learned import PACKAGED_MODEL as RERANK_MODEL
    from rag.rerank.learned import PassageModel
    from rag.store import IndexMissing

    gold = default_path(args.gold, "eval/gold.jsonl")
    if gold is None:
        raise UsageError("no gold file: give --gold FILE")
    out = args.out or PACKAGED_MODEL
    rerank_out = args.rerank_out or RERANK_MODEL
    try:
        scorer = train(gold, settings_from(args), out, args.holdout_review, rerank_out=rerank_out)
    except ImportError as exc:
        raise UsageError(f"fitting needs scikit-learn: pip install -e '.[dev]' ({exc})") from exc
    except (GoldError, IndexMissing, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    console = stdout_console()
    if rerank_out.is_file():
        weights = PassageModel.load(rerank_out).weights()
        console.print(f"passage reranker -> {rerank_out}; weights {weights}", markup=False, highlight=False)
    console.print(f"fitted on {scorer.fitted} -> {out}", markup=False, highlight=False)
    console.print(f"weights (per standard deviation): {scorer.weights()}", markup=False, highlight=False)
    console.print(
        f"declines below {scorer.abstain_below:.3f}; quotes sentences above "
        f"{scorer.relative_floor:.2f} of the best, at most {scorer.max_sentences}",
        markup=False,
        highlight=False,
    )
    return EXIT_OK
