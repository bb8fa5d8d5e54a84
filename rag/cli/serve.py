"""`rag serve` and `rag hash-password`, registered on the main `rag` parser."""

from __future__ import annotations

import argparse
import getpass
import sys


def register(commands) -> None:
    serve = commands.add_parser("serve", help="start the chat UI and REST API (same as python app.py)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; serve.host)")
    serve.add_argument("--port", type=int, help="port (default 7860; serve.port)")
    serve.add_argument("--root-path", help="public path prefix behind a reverse proxy, e.g. /scr")
    serve.add_argument("--auth", choices=["none", "password", "header"], help="who may use the app")
    serve.add_argument("--corpus", help="corpus folder (default: $RAG_CORPUS_DIR or corpus/)")
    serve.add_argument("--index", help="index folder (default: $RAG_INDEX_DIR or index/)")
    serve.set_defaults(run=_run_serve)

    hasher = commands.add_parser(
        "hash-password", help="print a 'user:hash' line for serve.users_file (scrypt, standard library)"
    )
    hasher.add_argument("user", help="the user name")
    hasher.add_argument("--stdin", action="store_true", help="read the password from standard input")
    hasher.set_defaults(run=_run_hash_password)


def _run_serve(args: argparse.Namespace) -> int:
    from rag.cli.common import UsageError
    from rag.settings import load_settings

    try:
        settings = load_settings(corpus_dir=args.corpus, index_dir=args.index)
        changes = {"host": args.host, "port": args.port, "root_path": args.root_path, "auth": args.auth}
        serve = settings.serve.model_copy(update={k: v for k, v in changes.items() if v is not None})
        settings = settings.model_copy(update={"serve": serve})
        from rag.web.server import run

        run(settings)
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _run_hash_password(args: argparse.Namespace) -> int:
    from rag.cli.common import UsageError
    from rag.web.auth import users_file_line

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.user}: ")
        if password != getpass.getpass("again: "):
            raise UsageError("the two passwords differ")
    if len(password) < 8:
        raise UsageError("use a password of at least 8 characters")
    try:
        print(users_file_line(args.user, password))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return 0
