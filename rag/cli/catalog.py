"""`rag catalog --suggest [--write]`: guessed catalog entries for documents it does not cover."""

from __future__ import annotations

import argparse
import sys

from rag.cli.common import EXIT_OK, EXIT_PARTIAL, UsageError, add_paths, settings_from, stdout_console


def register(commands) -> None:
    catalog = commands.add_parser("catalog", help="suggest catalog entries for uncatalogued documents")
    catalog.add_argument(
        "--suggest", action="store_true", help="print guessed entries for documents not in the catalog"
    )
    catalog.add_argument("--write", action="store_true", help="with --suggest: append them to catalog.toml")
    add_paths(catalog)
    catalog.set_defaults(run=run_catalog)


def run_catalog(args: argparse.Namespace) -> int:
    from rag.ingest.catalog import CatalogError, load_catalog
    from rag.ingest.suggest import as_toml, suggest

    if not args.suggest:
        raise UsageError("say what to do: --suggest (and --write to append to the catalog)")
    settings = settings_from(args)
    if not settings.corpus_dir.is_dir():
        raise UsageError(f"no corpus folder {settings.corpus_dir}: give --corpus DIR")
    try:
        suggestions = suggest(settings)
    except CatalogError as exc:
        raise UsageError(str(exc)) from exc
    text = as_toml(suggestions)
    console = stdout_console()
    if not suggestions:
        console.print(f"every document in {settings.corpus_dir} has a catalog entry", highlight=False)
        return EXIT_OK
    if args.write:
        path = settings.catalog_path
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(existing.rstrip("\n") + ("\n\n" if existing.strip() else "") + text, encoding="utf-8")
        load_catalog(path)  # what was written must read back
        console.print(f"{len(suggestions)} entr(ies) appended to {path}: check them", highlight=False)
    else:
        sys.stdout.write(text)  # plain: a console would fold long lines of TOML
    return EXIT_PARTIAL if any(s.info is None for s in suggestions) else EXIT_OK
