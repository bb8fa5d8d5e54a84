"""Auth: off by default; when on, every route of the app (UI, API, files, Gradio's own API and
queue routes) refuses anonymous requests. Over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re

import pytest
from starlette.routing import Mount

from rag.cli import main
from rag.settings import ServeSettings
from rag.web.auth import hash_password, load_users, verify_password
from rag.web.server import create_app
from tests.web_support import CASE_S_QUESTION, client, fake_holder, serving, serving_settings

PASSWORD = "correct horse battery"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# --- hashing and users ------------------------------------------------------------------------


def test_scrypt_hash_verifies_only_the_right_password():
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "!", stored)
    assert hash_password(PASSWORD) != stored  # salted


def test_pbkdf2_hashes_are_accepted_and_malformed_ones_refused():
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 1000)
    stored = f"pbkdf2_sha256$1000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_password(PASSWORD, stored)
    for bad in ("", "plain", "scrypt$1$2", "md5$x$y", "scrypt$16384$8$1$!!$!!"):
        assert not verify_password(PASSWORD, bad)


def test_users_come_from_the_file_and_the_environment(tmp_path, monkeypatch):
    users_file = tmp_path / "users"
    users_file.write_text(f"# staff\nann:{hash_password('a' * 8)}\n\n", encoding="utf-8")
    monkeypatch.setenv("RAG_SERVE__USERS", json.dumps({"bob": hash_password("b" * 8)}))
    from rag.settings import load_settings

    serve = load_settings().serve.model_copy(update={"users_file": users_file})
    users = load_users(serve)
    assert set(users) == {"ann", "bob"} and verify_password("b" * 8, users["bob"])


def test_hash_password_command_prints_a_users_file_line(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["hash-password", "ann", "--stdin"]) == 0
    user, stored = capsys.readouterr().out.strip().split(":", 1)
    assert user == "ann" and verify_password(PASSWORD, stored)


def test_password_mode_without_users_fails_at_start(tmp_path):
    from rag.settings import load_settings

    settings = load_settings(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i")
    settings = settings.model_copy(update={"serve": ServeSettings(auth="password")})
    with pytest.raises(ValueError, match="no users"):
        create_app(settings, fake_holder(settings))


# --- every route refuses anonymous requests -----------------------------------------------------


@pytest.fixture(scope="module")
def index_root(fake_index, tmp_path_factory):
    return fake_index, tmp_path_factory.mktemp("web-auth")


def _settings(index_root, **serve):
    index, root = index_root
    return serving_settings(index, root, **serve)


def all_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route, descending into mounted apps (the two Gradio UIs)."""
    found: list[tuple[str, str]] = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount) and hasattr(route.app, "routes"):
                walk(route.app.routes, prefix + route.path)
            elif isinstance(route, Mount):  # static files (the offline Swagger UI)
                found.append(("GET", prefix + route.path + "/swagger-ui.css"))
            elif hasattr(route, "effective_candidates"):  # FastAPI's included routers
                walk(route.effective_candidates(), prefix)
            else:
                original = getattr(route, "original_route", route)
                for method in sorted(getattr(original, "methods", None) or {"GET"}):
                    found.append((method, prefix + route.path))

    walk(app.routes, "")
    return found


def _concrete(path: str) -> str:
    """A request path for a route pattern: every {parameter} filled with a plausible value."""
    return re.sub(r"\{[^}]+\}", "x", path) or "/"


@pytest.mark.loopback
@pytest.mark.parametrize("mode", ["password", "header"])
def test_every_route_refuses_anonymous_requests(index_root, mode):
    serve = {"auth": mode, "users": {"ann": hash_password(PASSWORD)}}
    settings = _settings(index_root, **serve)
    app = create_app(settings, fake_holder(settings))
    routes = all_routes(app)
    assert len(routes) > 150  # the API, pages, and both Gradio apps' routes are all there
    assert ("POST", "/gradio_api/queue/join") in routes and ("GET", "/embed/gradio_api/queue/data") in routes
    refusal = {"password": "sign in with your user name and password",
               "header": "not signed in: the proxy did not name a user"}[mode]  # fmt: skip
    with serving(app) as base, client(base) as web:
        for method, path in routes:
            response = web.request(method, _concrete(path))
            assert response.status_code == 401, (method, path, response.status_code)
            # refused by the app-wide check itself, not only by a route's own dependency
            if method != "HEAD":
                assert response.json() == {"detail": refusal}, (method, path, response.text)


@pytest.mark.loopback
def test_password_mode_lets_users_in_and_records_them(index_root):
    settings = _settings(index_root, auth="password", users={"ann": hash_password(PASSWORD)})
    holder = fake_holder(settings)
    app = create_app(settings, holder)
    holder.wait_ready(timeout=120)
    with serving(app) as base, client(base) as web:
        assert web.get("/api/health", headers=_basic("ann", "wrong")).status_code == 401
        assert web.get("/api/health", headers=_basic("eve", PASSWORD)).status_code == 401
        refused = web.get("/api/health")
        assert refused.headers["www-authenticate"].startswith("Basic")
        ann = _basic("ann", PASSWORD)
        assert web.get("/", headers=ann).status_code == 200
        answer = web.post("/api/ask", json={"question": CASE_S_QUESTION}, headers=ann).json()
        web.post("/api/feedback", json={"rating": "up", "answer": answer}, headers=ann)
        from gradio_client import Client

        chat = Client(base + "/", headers=ann, verbose=False, analytics_enabled=False, download_files=False)
        _, sources, _ = chat.predict(CASE_S_QUESTION, "All cases", api_name="/chat")
    assert "Case S" in sources
    record = json.loads(settings.serve.feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["user"] == "ann"


@pytest.mark.loopback
def test_header_mode_trusts_the_user_header_only_from_the_proxy(index_root):
    settings = _settings(index_root, auth="header", trusted_proxies=["127.0.0.0/8"])
    with serving(create_app(settings, fake_holder(settings))) as base, client(base) as web:
        assert web.get("/api/cases", headers={"X-Remote-User": "ann"}).status_code == 200
        assert web.get("/api/cases", headers={"X-Remote-User": ""}).status_code == 401
        assert web.get("/api/cases").status_code == 401
    untrusted = _settings(index_root, auth="header", trusted_proxies=["10.1.2.3"])
    with serving(create_app(untrusted, fake_holder(untrusted))) as base, client(base) as web:
        spoofed = {"X-Remote-User": "ann", "X-Forwarded-For": "10.1.2.3"}
        assert web.get("/api/cases", headers=spoofed).status_code == 403


@pytest.mark.loopback
def test_auth_is_off_by_default_on_localhost(index_root):
    settings = _settings(index_root)
    assert settings.serve.auth == "none" and settings.serve.host == "127.0.0.1"
    with serving(create_app(settings, fake_holder(settings))) as base, client(base) as web:
        assert web.get("/api/cases").status_code == 200
        assert web.get("/").status_code == 200
