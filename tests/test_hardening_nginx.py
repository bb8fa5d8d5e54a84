"""Header sign-in through a real nginx with deploy/scr-location.conf: the user is whoever the
sign-in named, never whatever the browser sent (an Authorization: Basic header included)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.web_support import (
    CASE_S_QUESTION,
    DEPLOY,
    NGINX,
    client,
    nginx_in_front,
    served_app,
    serving_settings,
)

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed: scripts/setup-browser.sh"),
]
ANN_TICKET = "sso=ann-ticket"
SHIPPED = (DEPLOY / "scr-location.conf").read_text(encoding="utf-8")


def _uncommented(text: str, *directives: str) -> str:
    """The shipped block with the commented-out lines for `directives` turned on, as the
    comments in it tell an administrator to do."""
    names = "|".join(re.escape(d) for d in directives)
    return re.sub(rf"^(\s*)# ((?:{names}) .*;)$", r"\1\2", text, flags=re.M)


@pytest.fixture(scope="module")
def header_app(fake_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening-nginx")
    settings = serving_settings(fake_index, root, root_path="/scr", auth="header")
    with served_app(settings) as (base, _):
        yield base, settings


class _SSO(BaseHTTPRequestHandler):
    """An SSO service as auth_request asks it: 200 naming the user for a valid ticket, else 401."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        signed_in = ANN_TICKET in (self.headers.get("Cookie") or "")
        self.send_response(200 if signed_in else 401)
        if signed_in:
            self.send_header("X-Auth-User", "ann")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def sso_service() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SSO)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _last_feedback_user(settings) -> str | None:
    lines = settings.serve.feedback_file.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[-1])["user"]


def _rate(web) -> int:
    answer = web.post("api/ask", json={"question": CASE_S_QUESTION})
    if answer.status_code != 200:
        return answer.status_code
    return web.post("api/feedback", json={"rating": "up", "answer": answer.json()}).status_code


def test_a_basic_header_sent_through_the_shipped_block_chooses_no_user(header_app, tmp_path):
    with nginx_in_front(header_app[0], tmp_path / "nginx") as public:
        with client(public, auth=("admin", "anything")) as web:
            for route in ("gradio_api/user", "api/cases", "config"):
                response = web.get(route)
                assert response.status_code == 401, (route, response.text[:200])
            assert _rate(web) == 401
        with client(public, headers={"X-Remote-User": "admin"}) as web:
            assert web.get("api/cases").status_code == 401


def test_single_sign_on_names_the_user_whatever_the_browser_sends(header_app, tmp_path):
    location = _uncommented(SHIPPED, "auth_request", "auth_request_set")
    with sso_service() as port:
        sso = (f"location = /_scr_sso {{ internal; proxy_pass http://127.0.0.1:{port}/validate; "
               'proxy_pass_request_body off; proxy_set_header Content-Length ""; }')  # fmt: skip
        with nginx_in_front(header_app[0], tmp_path / "nginx", location, sso) as public:
            forged = {"Cookie": ANN_TICKET, "X-Remote-User": "admin"}
            with client(public, headers=forged, auth=("admin", "anything")) as web:
                assert _rate(web) == 200
            with client(public, auth=("admin", "anything")) as stranger:
                assert stranger.get("api/cases").status_code == 401  # nginx: the SSO said no
    assert _last_feedback_user(header_app[1]) == "ann"


def test_basic_sign_in_checked_by_nginx_names_only_checked_users(header_app, tmp_path):
    users = tmp_path / "scr.htpasswd"
    users.write_text("ann:{PLAIN}ann-secret\n", encoding="utf-8")
    location = _uncommented(SHIPPED, "auth_basic", "auth_basic_user_file", "set")
    location = location.replace("/etc/nginx/scr.htpasswd", str(users))
    sets = re.findall(r"^\s*set \$scr_user .*;$", location, flags=re.M)
    assert len(sets) == 2, "the block must set the user empty, then from nginx"
    with nginx_in_front(header_app[0], tmp_path / "nginx", location) as public:
        with client(public, auth=("admin", "anything")) as guesser:
            assert guesser.get("api/cases").status_code == 401
        with client(public, auth=("ann", "ann-secret"), headers={"X-Remote-User": "admin"}) as web:
            assert _rate(web) == 200
    assert _last_feedback_user(header_app[1]) == "ann"
