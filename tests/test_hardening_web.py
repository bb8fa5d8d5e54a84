"""The app under hostile input, over real HTTP: one question limit at every door, bounded bodies
and no uploads, sign-in guessing that backs off, 4xx (never 500) for malformed input, and
pages that name no outside site."""

from __future__ import annotations

import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from rag import cli
from rag.web.auth import hash_password
from tests.web_support import CASE_S_QUESTION, client, served_app, serving_settings

pytestmark = pytest.mark.loopback
PASSWORD = "correct horse battery"
USERS = ("ann", "bob", "cat", "dan", "eve", "fay")


@pytest.fixture(scope="module")
def app(fake_index, tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening-web")
    settings = serving_settings(fake_index, root)
    with served_app(settings) as (base, _):
        yield base, settings


@pytest.fixture
def http(app):
    with client(app[0]) as web:
        yield web


def _feedback_lines(settings) -> int:
    path = settings.serve.feedback_file
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


# --- one question limit for every door ------------------------------------------------------


def test_the_chat_keeps_the_question_limit_of_the_api(app, http):
    from gradio_client import Client

    chat = Client(app[0] + "/", verbose=False, analytics_enabled=False, download_files=False)
    conversation, _, _ = chat.predict("why? " * 401, "All cases", api_name="/chat")
    assert "at most 2,000" in conversation and "scr-problem" in conversation
    assert "scr-q" not in conversation, "the long question is not echoed"
    assert http.post("/api/ask", json={"question": "why? " * 401}).status_code == 422


def test_a_huge_question_is_refused_before_it_is_read(http):
    body = json.dumps({"data": ["x" * 2_000_000, "All cases", []], "fn_index": 0, "session_hash": "s"})
    joined = http.post("/gradio_api/queue/join", content=body, headers={"Content-Type": "application/json"})
    assert joined.status_code == 413
    asked = http.post("/api/ask", content=json.dumps({"question": "x" * 2_000_000}))
    assert asked.status_code == 413


def test_the_command_line_keeps_the_question_limit(real_index, capsys):
    paths = ["--corpus", str(real_index.corpus_dir), "--index", str(real_index.index_dir)]
    assert cli.main(["ask", "why? " * 401, *paths]) == 2
    assert "at most 2,000 are read" in capsys.readouterr().err


# --- sizes of what is saved, and no uploads -----------------------------------------------------


def test_feedback_has_size_limits(app, http):
    answer = http.post("/api/ask", json={"question": CASE_S_QUESTION}).json()
    before = _feedback_lines(app[1])
    huge = {**answer, "answer": "x" * 10_000_000}
    assert http.post("/api/feedback", json={"rating": "up", "answer": huge}).status_code == 413
    big = {**answer, "answer": "x" * 300_000}
    refused = http.post("/api/feedback", json={"rating": "up", "answer": big})
    assert refused.status_code == 422 and "answer" in refused.json()["detail"][0]["loc"]
    long_case = http.post("/api/feedback", json={"rating": "up", "answer": answer, "case": "c" * 300})
    assert long_case.status_code == 422 and "case" in long_case.json()["detail"][0]["loc"]
    assert _feedback_lines(app[1]) == before
    assert http.post("/api/feedback", json={"rating": "up", "answer": answer}).status_code == 200
    assert _feedback_lines(app[1]) == before + 1


@pytest.mark.parametrize("size", [10, 50_000_000])
def test_uploads_are_off(http, size):
    for route in ("/gradio_api/upload", "/embed/gradio_api/upload"):
        sent = http.post(route, files={"files": ("review.pdf", b"%PDF-" + b"0" * size, "application/pdf")})
        assert sent.status_code in (404, 413), (route, sent.status_code)


# --- 4xx for every malformed input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"question": "\\ud800"}', "question"),
        ('{"question": "why \\udfff now?"}', "question"),
        ('{"question": "why?", "history": [{"role": "user", "content": "\\ud800"}]}', "history"),
        ('{"question": "why?", "case": "\\ud800"}', "case"),
    ],
)
def test_a_lone_surrogate_gets_a_422_naming_the_field(http, body, field):
    response = http.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert any(field in detail["loc"] for detail in response.json()["detail"])


def test_a_lone_surrogate_in_feedback_gets_a_422(app, http):
    answer = http.post("/api/ask", json={"question": CASE_S_QUESTION}).json()
    body = json.dumps({"rating": "down", "answer": answer, "comment": "\ud800"})
    response = http.post("/api/feedback", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    bad_answer = json.dumps({"rating": "down", "answer": {**answer, "answer": "\ud800"}})
    response = http.post("/api/feedback", content=bad_answer, headers={"Content-Type": "application/json"})
    assert response.status_code == 422


MALFORMED = [
    ("GET", "/files/x.md%00.pdf", None),
    ("GET", "/files/%00", None),
    ("GET", "/files/%ff%fe.txt", None),
    ("GET", "/source/%00", None),
    ("GET", "/source/x%ed%a0%80", None),
    ("GET", "/web-static/%00", None),
    ("GET", "/web-static/..%2f..%2fpyproject.toml", None),
    ("GET", "/source/norfolk-case-s-learning-presentation.md?start=-5&end=99999999999999999999", None),
    ("GET", "/source/norfolk-case-s-learning-presentation.md?start=x", None),
    ("POST", "/api/ask", b"not json"),
    ("POST", "/api/ask", b'{"question": "\xff\xfe"}'),
    ("POST", "/api/ask", b'{"question": "why?", "history": "none"}'),
    ("POST", "/api/ask/stream", b'{"question": "\\ud800"}'),
    ("POST", "/api/feedback", b'{"rating": "up", "answer": []}'),
    ("POST", "/api/feedback", b"[]"),
    ("GET", "/api/health?x=%00", None),
]


@pytest.mark.parametrize(("method", "path", "body"), MALFORMED)
def test_malformed_input_gets_a_4xx_not_a_500(http, method, path, body):
    response = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500 or (response.status_code == 200 and method == "GET"), (
        response.status_code, response.text[:300])  # fmt: skip


# --- pages name no outside site -------------------------------------------------------------


def test_served_pages_name_no_outside_site(app, http):
    own = urlsplit(app[0]).netloc
    pages = ["/", "/embed/", "/docs", "/embedding", "/source/norfolk-case-s-learning-presentation.md"]
    for page in pages:
        html = http.get(page).text
        hosts = set(re.findall(r"(?:https?:)?//([A-Za-z0-9.\-]+(?::\d+)?)", html))
        assert hosts <= {own}, (page, hosts - {own})


# --- password guessing ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def password_app(fake_index, tmp_path_factory):
    users = {name: hash_password(PASSWORD) for name in USERS}
    settings = serving_settings(fake_index, tmp_path_factory.mktemp("hardening-auth"), auth="password",
                                users=users, sign_in_wait_s=120.0)  # fmt: skip
    with served_app(settings) as (base, _):
        yield base


def _from(address: str, base: str) -> httpx.Client:
    """A client whose requests come from `address` (any of 127.0.0.0/8 reaches loopback)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, timeout=60, trust_env=False, transport=transport)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_guesses_from_one_address_back_off(password_app):
    with _from("127.0.0.2", password_app) as guesser, _from("127.0.0.3", password_app) as other:
        statuses = [guesser.get("/api/cases", headers=_basic("ann", f"guess {n}")).status_code for n in range(5)]
        assert statuses == [401] * 5
        throttled = guesser.get("/api/cases", headers=_basic("ann", "guess 6"))
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
        assert guesser.get("/api/cases", headers=_basic("bob", PASSWORD)).status_code == 429
        assert other.get("/api/cases", headers=_basic("bob", PASSWORD)).status_code == 200


def test_guesses_at_one_user_back_off_from_any_address(password_app):
    with _from("127.0.0.4", password_app) as guesser, _from("127.0.0.5", password_app) as other:
        for n in range(5):
            assert guesser.get("/api/cases", headers=_basic("cat", f"guess {n}")).status_code == 401
        assert other.get("/api/cases", headers=_basic("cat", PASSWORD)).status_code == 429
        assert other.get("/api/cases", headers=_basic("dan", PASSWORD)).status_code == 200


def test_a_burst_of_guesses_checks_only_a_few_passwords(password_app):
    with _from("127.0.0.6", password_app) as signed_in:
        assert signed_in.get("/api/cases", headers=_basic("eve", PASSWORD)).status_code == 200

    def guess(n: int) -> int:
        with _from("127.0.0.7", password_app) as guesser:
            return guesser.get("/api/cases", headers=_basic("fay", f"guess {n}")).status_code

    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(guess, range(64)))
    assert statuses.count(401) <= 5 + 2 and statuses.count(429) >= 64 - 7, statuses
    with _from("127.0.0.6", password_app) as signed_in:  # an earlier sign-in is never throttled
        assert signed_in.get("/api/cases", headers=_basic("eve", PASSWORD)).status_code == 200


def test_the_wait_doubles_and_a_success_or_quiet_clears_it():
    from rag.web.throttle import SignInThrottle

    now = [0.0]
    throttle = SignInThrottle(free=3, first_wait=1.0, max_wait=60.0, clock=lambda: now[0])
    keys = ["addr:10.0.0.1", "user:ann"]
    waits: list[float] = []
    for attempt in range(9):
        now[0] += waits[-1] if attempt else 0  # each attempt as soon as it is let in
        throttle.failed(keys)
        waits.append(throttle.wait(keys))
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert throttle.wait(["addr:10.0.0.2"]) == 0 and throttle.wait(["user:ann"]) > 0
    throttle.succeeded(keys)
    assert throttle.wait(keys) == 0
    throttle.failed(["user:bob"])
    now[0] += throttle.forget_after + 1
    throttle.failed(["user:bob"])
    throttle.failed(["user:bob"])
    assert throttle.wait(["user:bob"]) == 0, "failures long ago are forgotten"


# --- the load test takes any number of clients ----------------------------------------------


def test_the_load_test_takes_any_number_of_clients(app, capsys):
    from bench.load_test import main

    assert main(["--url", app[0], "--clients", "24", "--seconds", "1"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[0])
    assert report["clients"] == 24 and report["errors"] == 0 and report["requests"] >= 24

