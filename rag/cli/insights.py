"""`rag cards [--json] [--review ID]` and `rag themes [--json]`: the review cards and the
review x theme matrix of the current index, as ingest built them."""

from __future__ import annotations

import argparse
import json
import sys

from rag.cli.common import EXIT_OK, IndexProblem, UsageError, add_paths, settings_from


def register(commands) -> None:
    cards = commands.add_parser("cards", help="a cited card for every review (or one)")
    cards.add_argument("--review", help="one review: its id, label or alias (e.g. 'child-s-norfolk-2017')")
    cards.add_argument("--json", action="store_true", help="print the cards as JSON")
    add_paths(cards)
    cards.set_defaults(run=run_cards)
    themes = commands.add_parser("themes", help="which reviews discuss which recurring themes")
    themes.add_argument("--json", action="store_true", help="print the matrix as JSON")
    add_paths(themes)
    themes.set_defaults(run=run_themes)


def _collection(args: argparse.Namespace):
    from rag import store
    from rag.insights import load_collection
    from rag.insights.taxonomy import TaxonomyError, load_taxonomy

    settings = settings_from(args)
    try:
        generation = store.open_current(settings)
        themes = load_taxonomy(settings.corpus_dir)
    except (store.IndexMissing, store.IndexBroken) as exc:
        raise IndexProblem(str(exc)) from exc
    except TaxonomyError as exc:
        raise UsageError(str(exc)) from exc
    collection = load_collection(generation.path, themes)
    if not collection.cards:
        raise IndexProblem(f"the index {generation.path} has no review cards: run `rag ingest` again")
    return collection


def run_cards(args: argparse.Namespace) -> int:
    from rag.insights.render import card_text

    collection = _collection(args)
    cards = collection.cards
    if args.review:
        wanted = args.review.strip().lower()
        cards = [c for c in cards if wanted in {c.review.lower(), c.name.lower(), *c.documents}]
        cards = cards or [c for c in collection.cards if wanted in c.name.lower()]
        if not cards:
            known = ", ".join(c.review for c in collection.cards)
            raise UsageError(f"no review {args.review!r} in this index; reviews: {known}")
    if args.json:
        json.dump([c.to_dict() for c in cards], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n\n".join(card_text(c) for c in cards) + "\n")
    return EXIT_OK


def run_themes(args: argparse.Namespace) -> int:
    from rag.insights.render import matrix_text

    collection = _collection(args)
    if args.json:
        json.dump(collection.themes_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(matrix_text(collection) + "\n")
    return EXIT_OK
