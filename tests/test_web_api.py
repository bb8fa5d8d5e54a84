"""The REST API and reading pages over real HTTP (uvicorn on 127.0.0.1), on a fake-embedder index."""

from __future__ import annotations

import json
from http.client import HTTPConnection
from urllib.parse import quote, urlsplit

import pytest

from tests.web_support import (
    CASE_S_QUESTION,
    HOSTILE_FILE,
    HOSTILE_QUESTION,
    client,
    served_app,
    serving_settings,
)

pytestmark = pytest.mark.loopback


@pytest.fixture(scope="module")
def app_server(hostile_index, tmp_path_factory):
    settings = serving_settings(hostile_index, tmp_path_factory.mktemp("web-api"))
    with served_app(settings) as (base, holder):
        yield base, holder, settings


@pytest.fixture
def http(app_server):
    with client(app_server[0]) as c:
        yield c


def test_health_reports_index_size_and_version(http, app_server):
    body = http.get("/api/health").json()
    engine = app_server[1].get()
    assert body["status"] == "ready"
    assert body["passages"] == len(engine.search.passages) > 100
    assert body["documents"] == len(engine.search.documents) == 16  # the corpus and one hostile review
    assert body["version"] and body["index"]


def test_ask_returns_the_answer_json_with_exact_quotes(http, app_server):
    response = http.post("/api/ask", json={"question": CASE_S_QUESTION})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) >= {"question", "answer", "abstained", "generator", "latency_ms", "citations",
                           "retrieved", "reason", "cases", "related"}  # fmt: skip
    assert not answer["abstained"] and answer["citations"]
    documents = app_server[1].get().search.documents
    for citation in answer["citations"]:
        assert citation["case"] == "Case S (Norfolk, 2017)"
        assert f"[{citation['n']}]" in answer["answer"]
        assert documents[citation["doc_id"]].text[citation["start"] : citation["end"]] == citation["quote"]


def test_case_filter_restricts_citations(http):
    answer = http.post("/api/ask", json={"question": "What did the review recommend?", "case": "Child J"}).json()
    assert answer["citations"] and {c["case"] for c in answer["citations"]} == {"Child J (Warwickshire, 2017)"}


def test_history_is_accepted_for_follow_ups(http):
    history = [{"role": "user", "content": CASE_S_QUESTION}, {"role": "assistant", "content": "It failed [1]"}]
    response = http.post("/api/ask", json={"question": "What did they recommend?", "history": history})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "question"),
        ({"question": "   "}, 422, "question"),
        ({"question": 42}, 422, "question"),
        ({"question": "x" * 2001}, 422, "question"),
        ({"question": "why?", "case": "Case Z"}, 400, "case"),
        ({"question": "why?", "history": [{"role": "robot", "content": "hi"}]}, 422, "history"),
        ({"question": "why?", "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_input_is_refused_naming_the_field(http, body, status, field):
    response = http.post("/api/ask", json=body)
    assert response.status_code == status
    details = response.json()["detail"]
    assert any(field in detail["loc"] for detail in details), details


def test_unknown_case_message_lists_the_known_cases(http):
    detail = http.post("/api/ask", json={"question": "why?", "case": "Case Z"}).json()["detail"][0]
    assert "Case S" in detail["msg"] and "Child J" in detail["msg"]


def test_cases_lists_every_case(http, app_server):
    cases = http.get("/api/cases").json()["cases"]
    names = {d.review_name for d in app_server[1].get().search.documents.values()}
    assert len(cases) == len(set(cases)) == len(names) == 16  # one per review: the corpus and Case X
    assert set(cases) == names
    for name in ("Case S (Norfolk, 2017)", "Child B (Blackpool, 2008)", "Child B (Staffordshire, 2017)",
                 "Child B (City of York)", "Jack (Bradford, 2017)", "Case X (2020)"):  # fmt: skip
        assert name in cases


def test_stream_sends_deltas_then_the_answer(http):
    with http.stream("POST", "/api/ask/stream", json={"question": CASE_S_QUESTION}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _sse_events("".join(response.iter_text()))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and kinds.count("delta") >= 1 and set(kinds[:-1]) == {"delta"}
    answer = events[-1][1]
    assert "".join(data["text"] for kind, data in events[:-1]) == answer["answer"]
    assert answer["citations"][0]["case"] == "Case S (Norfolk, 2017)"


def test_stream_refuses_bad_input_before_streaming(http):
    response = http.post("/api/ask/stream", json={"question": "why?", "case": "Case Z"})
    assert response.status_code == 400


def test_feedback_is_appended_as_json_lines(http, app_server):
    answer = http.post("/api/ask", json={"question": CASE_S_QUESTION}).json()
    for rating, comment in (("up", "clear"), ("down", "")):
        saved = http.post("/api/feedback", json={"rating": rating, "answer": answer, "comment": comment})
        assert saved.json() == {"saved": True}
    lines = app_server[2].serve.feedback_file.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines][-2:]
    assert [r["rating"] for r in records] == ["up", "down"]
    assert records[0]["comment"] == "clear" and records[0]["question"] == CASE_S_QUESTION
    assert records[0]["answer"]["citations"] == answer["citations"]
    assert records[0]["user"] is None and records[0]["time"]
    eval_feedback = pytest.importorskip("rag.eval.feedback")  # the evaluation reads these lines
    _, problems = eval_feedback.read_feedback(app_server[2].serve.feedback_file)
    assert problems == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": "meh", "answer": {"question": "q", "answer": "a"}}, "rating"),
        ({"rating": "up", "answer": {}}, "answer"),
        ({"rating": "up", "answer": {"question": " ", "answer": "a"}}, "answer"),
        ({"rating": "up"}, "answer"),
    ],
)
def test_feedback_needs_a_rating_and_the_rated_answer(http, body, field):
    response = http.post("/api/feedback", json=body)
    assert response.status_code == 422
    assert any(field in detail["loc"] for detail in response.json()["detail"])


def test_openapi_docs_describe_the_api(http):
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/cases", "/api/health", "/api/feedback", "/api/ask/stream"} <= set(paths)


def test_source_page_highlights_the_quote_in_the_whole_document(http):
    citation = http.post("/api/ask", json={"question": CASE_S_QUESTION}).json()["citations"][0]
    page = http.get(f"/source/{quote(citation['doc_id'], safe='')}",
                    params={"start": citation["start"], "end": citation["end"]})  # fmt: skip
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    quote_html = citation["quote"].replace("'", "&#x27;").replace('"', "&quot;").replace("&", "&amp;")
    assert '<mark id="quote">' in page.text and quote_html.split(" ")[0] in page.text


def test_unknown_source_is_404(http):
    assert http.get("/source/no-such-review.md").status_code == 404


def test_hostile_review_is_served_as_text(http):
    answer = http.post("/api/ask", json={"question": HOSTILE_QUESTION}).json()
    assert any(c["doc_id"] == HOSTILE_FILE for c in answer["citations"]), answer
    # Tags are never quoted as an answer; template syntax is, and must stay inert.
    assert any("${window" in c["quote"] or "{{constructor" in c["quote"] for c in answer["citations"])
    page = http.get(f"/source/{HOSTILE_FILE}").text
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    raw = http.get(f"/files/{HOSTILE_FILE}")
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in raw.headers["content-security-policy"]


def test_original_files_are_served_from_the_corpus(http):
    response = http.get("/files/norfolk-case-s-learning-presentation.md")
    assert response.status_code == 200 and "Case S" in response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/files/catalog.toml",  # inside the corpus, but not an indexed document
        "/files/_private-notes.txt",  # a text file ingest skips (leading underscore)
        "/files/../index/CURRENT",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/..%2f..%2f..%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd",
        "/files/linked-outside.txt",
        "/source/..%2f..%2fetc%2fpasswd",
    ],
)
def test_nothing_outside_the_indexed_corpus_files_is_served(app_server, path):
    corpus = app_server[2].corpus_dir
    link = corpus / "linked-outside.txt"
    if not link.exists():
        link.symlink_to("/etc/passwd")
        (corpus / "_private-notes.txt").write_text("[documents.] private notes\n", encoding="utf-8")
    status, body = _raw_get(app_server[0], path)  # raw: no client-side path normalisation
    assert status == 404, (status, body[:200])
    assert b"root:" not in body and b"[documents." not in body


def test_gradio_file_route_does_not_serve_the_corpus(app_server):
    catalog = app_server[2].corpus_dir.resolve() / "catalog.toml"
    for prefix in ("/gradio_api/file=", "/embed/gradio_api/file="):
        status, body = _raw_get(app_server[0], prefix + str(catalog))
        assert status in (403, 404), status
        assert b"[documents." not in body


def test_web_component_script_is_served_by_the_app(http):
    loader = http.get("/gradio.js")
    assert loader.status_code == 200 and "javascript" in loader.headers["content-type"]
    module = loader.text.split('"')[1]  # import("./assets/index-....js")
    assert module.startswith("./assets/")
    assert http.get("/" + module[2:]).status_code == 200


def test_embedding_page_gives_snippets_pointing_at_this_server(http):
    page = http.get("/embedding").text
    base = str(http.base_url).rstrip("/")
    assert f"&lt;iframe src=&quot;{base}/embed/&quot;" in page
    assert f"&lt;script type=&quot;module&quot; src=&quot;{base}/gradio.js&quot;&gt;" in page
    assert f'<gradio-app src="{base}/embed/">' in page
    assert "cdn" not in page.lower()


def test_embed_page_is_served_and_frameable_by_configured_origins_only(http):
    assert http.get("/embed", follow_redirects=False).headers["location"] == "embed/"
    page = http.get("/embed/")
    assert page.status_code == 200 and "gradio_config" in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'self'"


def test_other_sites_may_embed_only_when_listed(app_server):
    from rag.web.server import create_app
    from tests.web_support import fake_holder, serving

    listed = "https://intranet.example"
    serve = app_server[2].serve.model_copy(update={"embed_origins": [listed]})
    settings = app_server[2].model_copy(update={"serve": serve})
    with serving(create_app(settings, fake_holder(settings))) as base, client(base) as web:
        page = web.get("/embed/")
        assert page.headers["content-security-policy"] == f"frame-ancestors 'self' {listed}"
        allowed = web.get("/gradio.js", headers={"Origin": listed})
        assert allowed.headers["access-control-allow-origin"] == listed
        other = web.get("/gradio.js", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def _raw_get(base: str, path: str) -> tuple[int, bytes]:
    host = urlsplit(base)
    connection = HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events
