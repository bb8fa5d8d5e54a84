"""Start-up without an index, a public sub-path (RAG_ROOT_PATH), and a real nginx in front."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.settings import ServeSettings
from rag.web.proxy import public_root
from tests.web_support import (
    CASE_S_QUESTION,
    NGINX,
    client,
    fake_holder,
    nginx_in_front,
    served_app,
    serving,
    serving_settings,
)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.loopback
needs_nginx = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: scripts/setup-browser.sh")


def test_public_root_comes_from_settings_or_rag_root_path(monkeypatch):
    from rag.settings import load_settings

    monkeypatch.setenv("RAG_ROOT_PATH", "scr/")
    assert public_root(load_settings().serve) == "/scr"
    monkeypatch.setenv("RAG_SERVE__ROOT_PATH", "/other/")
    assert public_root(load_settings().serve) == "/other"
    monkeypatch.delenv("RAG_ROOT_PATH")
    monkeypatch.delenv("RAG_SERVE__ROOT_PATH")
    assert public_root(load_settings().serve) == ""
    assert public_root(ServeSettings(root_path="/x/")) == "/x"


def test_rag_serve_applies_its_options(monkeypatch, tmp_path):
    from rag.cli import main
    from rag.web import server

    started = []
    monkeypatch.setattr(server, "run", started.append)
    argv = ["serve", "--host", "127.0.0.1", "--port", "9123", "--root-path", "/scr", "--auth", "header",
            "--index", str(tmp_path / "ix")]  # fmt: skip
    assert main(argv) == 0
    serve = started[0].serve
    assert (serve.host, serve.port, serve.root_path, serve.auth) == ("127.0.0.1", 9123, "/scr", "header")
    assert started[0].index_dir == tmp_path / "ix"


@pytest.fixture(scope="module")
def prefixed(fake_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("web-proxy")
    settings = serving_settings(fake_index, root, root_path="/scr")
    with served_app(settings) as (base, _):
        yield base, root, settings


def test_routes_answer_with_or_without_the_prefix(prefixed):
    with client(prefixed[0]) as web:
        assert web.get("/scr/api/health").json()["status"] == "ready"  # proxy passes the prefix on
        assert web.get("/api/health").json()["status"] == "ready"  # proxy strips it
        docs = web.get("/scr/docs").text  # Swagger UI from this server, not a CDN
        assert "url: '/scr/openapi.json'" in docs and "cdn" not in docs
        assert web.get("/scr/docs-static/swagger-ui-bundle.js").status_code == 200
        config = web.get("/scr/config").json()
        assert config["root"].endswith("/scr")


@needs_nginx
def test_through_nginx_at_a_sub_path(prefixed):
    with nginx_in_front(prefixed[0], prefixed[1] / "nginx") as public, client(public) as web:
        assert web.get("api/health").json()["status"] == "ready"
        bare = web.get(public.rstrip("/"), follow_redirects=False)
        assert bare.status_code == 301 and bare.headers["location"] == public
        assert web.get("config").json()["root"] == public.rstrip("/")
        assert web.get("embed/config").json()["root"] == public + "embed"
        assert f'<gradio-app src="{public}embed/">' in web.get("embedding").text
        assert web.get("gradio.js").status_code == 200
        with web.stream("POST", "api/ask/stream", json={"question": CASE_S_QUESTION}) as response:
            kinds = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
        assert kinds[-1] == "done" and "delta" in kinds


@needs_nginx
def test_nginx_never_passes_a_user_header_sent_by_the_browser(prefixed, tmp_path):
    # the same shared index and serve options as the other tests, with header auth on
    serve = prefixed[2].serve.model_copy(update={"auth": "header"})
    settings = prefixed[2].model_copy(update={"serve": serve})
    with served_app(settings) as (base, _), nginx_in_front(base, tmp_path / "nginx") as public:
        with client(base) as direct:  # the app believes the header from the proxy's address...
            assert direct.get("/api/cases", headers={"X-Remote-User": "mallory"}).status_code == 200
        with client(public) as web:  # ...and nginx replaces whatever the browser sent
            assert web.get("api/cases", headers={"X-Remote-User": "mallory"}).status_code == 401


@needs_nginx
def test_gradio_client_through_nginx(prefixed):
    from gradio_client import Client

    with nginx_in_front(prefixed[0], prefixed[1] / "nginx-client") as public:
        chat = Client(public, verbose=False, analytics_enabled=False, download_files=False)
        conversation, sources, _ = chat.predict(CASE_S_QUESTION, "Case S", api_name="/chat")
    assert '<a class="scr-cite" href="#cite-1-1"' in conversation  # answer 1's [1], linked to its card
    assert "<span class=\"scr-case\">Case S (Norfolk, 2017)</span>" in sources
    assert f"{public}source/" in sources  # reading links carry the public URL


def test_without_an_index_the_app_serves_and_says_how_to_build_one(tmp_path):
    from rag.settings import load_settings

    settings = load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "no-index")
    from rag.web.server import create_app

    with serving(create_app(settings, fake_holder(settings))) as base, client(base) as web:
        health = web.get("/api/health")
        assert health.status_code == 503 and "rag ingest" in health.json()["message"]
        asked = web.post("/api/ask", json={"question": CASE_S_QUESTION})
        assert asked.status_code == 503 and "rag ingest" in asked.json()["detail"]
        assert web.get("/").status_code == 200
        from gradio_client import Client

        chat = Client(base + "/", verbose=False, analytics_enabled=False, download_files=False)
        conversation, _, _ = chat.predict(CASE_S_QUESTION, "All cases", api_name="/chat")
    assert "No index yet" in conversation and "rag ingest" in conversation


@pytest.mark.slow
def test_app_py_starts_without_an_index(tmp_path):
    """The real entry point: `python app.py` in a folder with no index serves and explains."""
    port = _free_port()
    env = {**os.environ, "RAG_SERVE__PORT": str(port), "RAG_INDEX_DIR": str(tmp_path / "index"),
           "RAG_CORPUS_DIR": str(tmp_path / "corpus")}  # fmt: skip
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        health = _poll(f"http://127.0.0.1:{port}/api/health", process)
        assert health.status_code == 503 and "rag ingest" in health.json()["message"]
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "rag ingest" in output  # also said on the console at start-up
    assert "Traceback" not in output


def _free_port() -> int:
    from tests.web_support import _free_port as free

    return free()


def _poll(url: str, process: subprocess.Popen, timeout: float = 120) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode())
        try:
            return httpx.get(url, timeout=5, trust_env=False)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")
