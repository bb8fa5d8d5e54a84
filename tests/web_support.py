"""Helpers for the web tests: serve settings on the shared fake-embedder indexes, the app on a loopback port."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from rag.answer.engine import Engine
from rag.answer.holder import EngineHolder
from rag.settings import ServeSettings, Settings
from rag.web.server import create_app
from tests.conftest import FakeEmbedder

CASE_S_QUESTION = "What went wrong with the consultation in Case S?"

# A review whose text and catalog entry carry markup: all of it must render as plain text.
HOSTILE_FILE = "hostile-case-x.txt"
HOSTILE_TEXT = """Serious Case Review: Case X

1. The consultation

1.1 The consultation about Case X went wrong because <script>window.__xss = 1</script> the duty \
social worker never recorded the call and no referral followed it.

1.2 A note in the file said <img src=x onerror="window.__xss = 2"> and the consultation was not \
followed up by anyone in the team, so the child was not seen.

1.3 The log also held ${window.__xss = 3} and {{constructor.constructor('window.__xss = 4')()}} \
and [a link](javascript:window.__xss=5) which nobody read during the consultation.
"""
HOSTILE_CATALOG = f"""
[documents."{HOSTILE_FILE}"]
title = "Case X review <img src=x onerror=\\"window.__xss = 6\\">"
case = "Case X"
aliases = ["case x", "child x"]
board = "Hostile <script>window.__xss = 7</script> Board"
year = 2020
doc_type = "full report"
"""
HOSTILE_QUESTION = "What went wrong with the consultation in Case X?"


def add_hostile_review(corpus: Path) -> None:
    """The hostile review and its catalog entry added to a corpus folder."""
    (corpus / HOSTILE_FILE).write_text(HOSTILE_TEXT, encoding="utf-8")
    with (corpus / "catalog.toml").open("a", encoding="utf-8") as catalog:
        catalog.write(HOSTILE_CATALOG)


def serving_settings(index: Settings, root: Path, **serve: object) -> Settings:
    """A shared index's settings with these serve options; feedback is written under root."""
    serve_settings = ServeSettings(feedback_file=root / "feedback" / "feedback.jsonl", **serve)
    return index.model_copy(update={"serve": serve_settings})


def fake_holder(settings: Settings) -> EngineHolder:
    embedder = FakeEmbedder()
    return EngineHolder(settings, loader=lambda: Engine.load(settings, embedder=embedder))


@contextmanager
def serving(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the app with uvicorn in a thread on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    # A test's requests are done when it stops the server; only Gradio's open streams remain,
    # and waiting for them would add 2 s to every test that used a Gradio client.
    config = uvicorn.Config(app, log_level="warning", proxy_headers=False, timeout_graceful_shutdown=0.5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://{host}:{port}"
    _wait_until_up(base, server)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def served_app(settings: Settings, wait: bool = True) -> Iterator[tuple[str, EngineHolder]]:
    """The real app on a fake-embedder engine, served on loopback."""
    holder = fake_holder(settings)
    app = create_app(settings, holder)
    if wait:
        holder.wait_ready(timeout=120)
    with serving(app) as base:
        yield base, holder


def client(base: str, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=60, trust_env=False, **kwargs)


def _wait_until_up(base: str, server: uvicorn.Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"server at {base} did not start")
        time.sleep(0.05)


# --- a real nginx in front, at a sub-path ---------------------------------------------------------

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_NGINX_CONF = """
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    upstream scr_app {{ server 127.0.0.1:{app_port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        {server_extra}
        include {location};
    }}
}}
"""


@contextmanager
def nginx_in_front(
    app_base: str, prefix: Path, location: str | None = None, server_extra: str = ""
) -> Iterator[str]:
    """nginx on a free loopback port proxying /scr/ to the app with deploy/scr-location.conf
    (or the `location` text given instead, and `server_extra` in the server block); yields
    the public URL of the app ('http://127.0.0.1:PORT/scr/')."""
    import subprocess

    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    included = DEPLOY / "scr-location.conf"
    if location is not None:
        included = prefix / "scr-location.conf"
        included.write_text(location, encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(prefix=prefix, app_port=app_base.rsplit(":", 1)[1], port=port,
                                       location=included, server_extra=server_extra))  # fmt: skip
    command = [NGINX, "-p", str(prefix), "-c", str(conf)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/scr/"
    finally:
        subprocess.run([*command, "-s", "stop"], capture_output=True, timeout=30)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {process.stderr.read().decode()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start listening")


def eventually(condition, attempts: int = 600) -> bool:
    """Poll a condition another thread makes true (no timing is asserted)."""
    event = threading.Event()
    for _ in range(attempts):
        if condition():
            return True
        event.wait(0.05)
    return False
