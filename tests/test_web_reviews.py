"""The collection-insights part of the web layer on a hand-built Collection: the REST API
(GET /api/reviews, /api/reviews/{id}, /api/themes) through the whole app, and the HTML of the
Reviews view (cards, the theme matrix), checked by parsing it."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from rag.answer.holder import EngineLoading
from rag.insights import Collection, Field, Item, Quote, ReviewCard, Theme, ThemeTag, load_collection
from rag.settings import ServeSettings
from rag.web.auth import hash_password
from rag.web.reviews import EMPTY_NOTE, reviews_html
from rag.web.server import create_app

HOSTILE_INCIDENT = "She was found <script>window.__xss = 1</script> at ${window.__xss = 2} {{x}} home."
HOSTILE_SENTENCE = 'Nobody shared the note <img src=x onerror="window.__xss = 3"> with the school.'
THEMES = [
    Theme("professional_curiosity", "Professional curiosity", "Practitioners asking and checking."),
    Theme("information_sharing", "Information sharing", "Agencies telling each other what they know."),
    Theme("voice_of_child", "Voice of the child", "What the child said, felt and lived."),
]


def _quote(doc_id: str, text: str, start: int, **where) -> Quote:
    return Quote(doc_id, start, start + len(text), text, **where)


def _stated(doc_id: str, value: str, quote_text: str, start: int, page: int | None = None) -> Field:
    return Field(value, _quote(doc_id, quote_text, start, page=page), "document")


def fake_collection(quote=_quote) -> Collection:
    """Three reviews: one stating everything (and seven recommendations), one full of markup
    with facts missing and one from the catalog, one with no theme. `quote(doc_id, text,
    start, **where)` makes each quote (the browser test finds them in real documents)."""
    s, x, j = "norfolk-case-s.md", "hostile-case-x.txt", "warwickshire-child-j.md"
    child_s = ReviewCard(
        review="norfolk-case-s",
        name="Child S (Norfolk, 2017)",
        documents=(s,),
        fields={
            "title": Field("Learning from Case S", quote(s, "Learning from Case S", 0, page=1), "document"),
            "board": Field(
                "Norfolk Safeguarding Children Board",
                quote(s, "Norfolk Safeguarding Children Board", 30, page=1),
                "document",
            ),
            "year": Field("2017", quote(s, "published in 2017", 80, page=1), "document"),
            "review_type": Field(
                "Serious Case Review", quote(s, "This Serious Case Review", 120, page=2), "document"
            ),
            "child_age": Field(
                "7 months", quote(s, "aged 7 months", 160, page=2, paragraph="2.1"), "document"
            ),
            "child_sex": Field("male", quote(s, "he was", 200, page=2), "document"),
            "incident": Field(
                "He died of a head injury.",
                quote(s, "He died of a head injury.", 240, page=2, paragraph="2.2"),
                "document",
            ),
        },
        agencies=(
            Item("Police", quote(s, "the police", 300, page=3)),
            Item("Health visiting", quote(s, "the health visitor", 320, page=3)),
        ),
        key_findings=tuple(
            Item(
                f"Finding {n} about the consultation.",
                quote(s, f"Finding {n} about the consultation.", 400 + 50 * n, page=4),
                str(n),
            )
            for n in (1, 2)
        ),
        recommendations=tuple(
            Item(
                f"The Board should act on point {n}.",
                quote(s, f"The Board should act on point {n}.", 600 + 50 * n, page=5),
                f"R{n}",
            )
            for n in range(1, 8)
        ),
        themes=(
            ThemeTag(
                "professional_curiosity",
                "Professional curiosity",
                "major",
                0.91,
                (
                    quote(
                        s,
                        "Nobody asked why the baby was bruised.",
                        1000,
                        page=6,
                        paragraph="4.1.17",
                        section="4 Analysis",
                    ),
                    quote(
                        s,
                        "Professionals accepted the explanation.",
                        1100,
                        page=6,
                        page_end=7,
                        paragraph="4.1.18",
                    ),
                ),
            ),  # fmt: skip
            ThemeTag(
                "information_sharing",
                "Information sharing",
                "minor",
                0.55,
                (quote(s, "The GP was not told.", 1200, page=8),),
            ),  # fmt: skip
        ),
    )
    child_x = ReviewCard(
        review="case-x",
        name="Case X <b>(2020)</b>",
        documents=(x,),
        fields={
            "title": Field("Case X <script>window.__xss = 4</script>", quote(x, "Case X", 0), "document"),
            "board": Field("Hostile Board", None, "catalog"),
            "year": Field("2020", None, "catalog"),
            "incident": Field(HOSTILE_INCIDENT, quote(x, HOSTILE_INCIDENT, 50, page=1), "document"),
        },
        themes=(
            ThemeTag(
                "information_sharing", "Information sharing", "major", 0.8, (quote(x, HOSTILE_SENTENCE, 300),)
            ),
        ),
    )
    child_j = ReviewCard(
        review="warwickshire/child-j",
        name="Child J (Warwickshire, 2017)",
        documents=(j,),
        fields={"title": Field("Child J review", quote(j, "Child J review", 0), "document")},
        agencies=(Item("Children's social care", quote(j, "children's social care", 40)),),
    )
    return Collection([child_s, child_x, child_j], THEMES, taxonomy="rag/data/themes.toml")


class StubHolder:
    """What the app asks of an EngineHolder, with an engine that is only its insights."""

    def __init__(self, settings, collection: Collection, loading: bool = False):
        self.settings = settings
        self.loading = loading
        self.engine = SimpleNamespace(
            insights=collection, search=SimpleNamespace(generation=SimpleNamespace(path=Path("g1")))
        )

    def get(self):
        if self.loading:
            raise EngineLoading("the index is loading; try again in a few seconds")
        return self.engine

    def start(self) -> None:
        pass

    def status(self) -> dict[str, str]:
        return {"status": "loading" if self.loading else "ready", "message": ""}

    def documents(self) -> dict:
        return {}


def _app(settings, collection: Collection, tmp_path: Path, loading: bool = False, **serve) -> TestClient:
    serve_settings = ServeSettings(feedback_file=tmp_path / "feedback.jsonl", index_check_s=0, **serve)
    settings = settings.model_copy(update={"serve": serve_settings})
    return TestClient(create_app(settings, StubHolder(settings, collection, loading)))


@pytest.fixture
def api(settings, tmp_path) -> TestClient:
    return _app(settings, fake_collection(), tmp_path)


# --- the REST API -------------------------------------------------------------------------------


def test_reviews_lists_every_card_as_its_json(api):
    response = api.get("/api/reviews")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and "note" not in body
    assert [r["review"] for r in body["reviews"]] == ["norfolk-case-s", "case-x", "warwickshire/child-j"]
    child_s = body["reviews"][0]
    assert set(child_s["fields"]) == {
        "title",
        "board",
        "year",
        "review_type",
        "child_age",
        "child_sex",
        "incident",
    }
    assert child_s["fields"]["child_age"]["quote"]["paragraph"] == "2.1"
    assert [r["number"] for r in child_s["recommendations"]] == [f"R{n}" for n in range(1, 8)]
    assert child_s["themes"][0]["sentences"][1]["page_end"] == 7
    hostile = body["reviews"][1]
    assert hostile["fields"]["child_age"] == {"value": None, "quote": None, "source": ""}
    assert hostile["fields"]["board"]["source"] == "catalog"
    assert hostile["fields"]["incident"]["value"] == HOSTILE_INCIDENT  # JSON carries the text as it is


def test_one_review_by_id_including_an_id_with_a_slash(api):
    response = api.get("/api/reviews/case-x")
    assert response.status_code == 200
    assert response.json()["name"] == "Case X <b>(2020)</b>"
    assert api.get("/api/reviews/warwickshire/child-j").json()["review"] == "warwickshire/child-j"


def test_an_unknown_review_is_a_404_naming_it_and_how_to_list_ids(api):
    response = api.get("/api/reviews/child-z")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "'child-z'" in detail and "GET /api/reviews" in detail
    assert EMPTY_NOTE not in detail  # the collection has cards: the id is wrong, not the index


def test_themes_is_the_matrix_json(api):
    body = api.get("/api/themes").json()
    assert body["total_reviews"] == 3 and "note" not in body
    counts = {t["id"]: t["reviews"] for t in body["themes"]}
    assert counts == {"professional_curiosity": 1, "information_sharing": 2, "voice_of_child": 0}
    assert {(t["review"], t["theme"], t["strength"]) for t in body["tags"]} == {
        ("norfolk-case-s", "professional_curiosity", "major"),
        ("norfolk-case-s", "information_sharing", "minor"),
        ("case-x", "information_sharing", "major"),
    }


def test_an_index_built_before_insights_gives_empty_lists_and_a_note(settings, tmp_path):
    empty = load_collection(tmp_path, THEMES)  # a generation folder without insights.jsonl
    web = _app(settings, empty, tmp_path)
    reviews = web.get("/api/reviews").json()
    assert reviews["count"] == 0 and reviews["reviews"] == [] and "rag ingest" in reviews["note"]
    themes = web.get("/api/themes").json()
    assert themes["reviews"] == [] and themes["tags"] == [] and "rag ingest" in themes["note"]
    missing = web.get("/api/reviews/child-s")
    assert missing.status_code == 404 and "rag ingest" in missing.json()["detail"]


def test_while_the_engine_loads_the_api_says_so(settings, tmp_path):
    web = _app(settings, fake_collection(), tmp_path, loading=True)
    for path in ("/api/reviews", "/api/reviews/case-x", "/api/themes"):
        response = web.get(path)
        assert response.status_code == 503 and response.headers["retry-after"] == "5", path


def test_the_routes_keep_the_apps_sign_in(settings, tmp_path):
    web = _app(
        settings, fake_collection(), tmp_path, auth="password", users={"ann": hash_password("pw-ann-123")}
    )
    for path in ("/api/reviews", "/api/reviews/case-x", "/api/themes"):
        assert web.get(path).status_code == 401, path
    signed_in = {"Authorization": "Basic " + base64.b64encode(b"ann:pw-ann-123").decode()}
    assert web.get("/api/reviews", headers=signed_in).json()["count"] == 3


# --- the Reviews view's HTML --------------------------------------------------------------------


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, css: str | None = None) -> list[Element]:
        return [
            e for e in self.iter()
            if (tag is None or e.tag == tag) and (css is None or css in (e.attrs.get("class") or "").split())
        ]  # fmt: skip


class TreeBuilder(HTMLParser):
    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("root", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"</{tag}> closes nothing"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


@pytest.fixture(scope="module")
def view() -> Element:
    return parse(reviews_html(fake_collection(), "https://intranet.example/scr/"))


def cards(view: Element) -> dict[str, Element]:
    return {card.find_all("h3")[0].text: card for card in view.find_all("article", "scr-review")}


def test_review_text_is_escaped_never_markup():
    html = reviews_html(fake_collection(), "")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    assert "${" not in html and "{{" not in html  # gr.HTML would evaluate these as templates
    view = parse(html)
    assert not view.find_all("script") and not view.find_all("img") and not view.find_all("b")
    hostile = cards(view)["Case X <b>(2020)</b>"]  # the name shows as the characters it is
    assert HOSTILE_INCIDENT in hostile.text
    panels = [p for p in view.find_all("section", "scr-tag-panel") if "Case X" in p.text]
    assert HOSTILE_SENTENCE in panels[0].text


def test_every_card_shows_its_facts_lists_and_themes(view):
    shown = cards(view)
    assert list(shown) == ["Child S (Norfolk, 2017)", "Case X <b>(2020)</b>", "Child J (Warwickshire, 2017)"]
    child_s = shown["Child S (Norfolk, 2017)"]
    facts = {dt.text: dd for dt, dd in zip(child_s.find_all("dt"), child_s.find_all("dd"), strict=True)}
    assert list(facts) == ["Title", "Board", "Year", "Review type", "Child's age", "Child's sex"]
    assert facts["Child's age"].find_all("span", "scr-value")[0].text == "7 months"
    assert [h.text.split(" (")[0] for h in child_s.find_all("h4")] == [
        "What happened", "Agencies", "Key findings", "Recommendations", "Themes"]  # fmt: skip
    recs = child_s.find_all("section", "scr-recs")[0]
    assert [n.text for n in recs.find_all("span", "scr-num")] == [f"R{n}" for n in range(1, 8)]
    assert len(recs.find_all("details")[0].find_all("li")) == 2  # five shown, two behind "Show 2 more"
    chips = child_s.find_all("li", "scr-chip")
    assert [c.text for c in chips] == [
        "Professional curiosity, major theme",
        "Information sharing, minor theme",
    ]


def test_every_quoted_value_links_to_its_span_on_the_reading_page(view):
    child_s = cards(view)["Child S (Norfolk, 2017)"]
    age = [dd for dd in child_s.find_all("dd") if "7 months" in dd.text][0].find_all("a")[0]
    assert (
        age.attrs["href"] == "https://intranet.example/scr/source/norfolk-case-s.md?start=160&end=173#quote"
    )
    assert age.attrs["aria-label"] == "Source of the child's age, p. 2 · para 2.1 (opens the review)"
    assert age.attrs["title"] == "aged 7 months" and age.attrs["target"] == "_blank"
    links = child_s.find_all("a", "scr-src")
    # 6 facts + what happened + 2 agencies + 2 findings + 7 recommendations, names all different
    assert len(links) == 18 and len({a.attrs["aria-label"] for a in links}) == 18
    j = cards(view)["Child J (Warwickshire, 2017)"]
    assert (
        j.find_all("a", "scr-src")[0]
        .attrs["href"]
        .startswith("https://intranet.example/scr/source/warwickshire-child-j.md?")
    )


def test_values_not_stated_say_so_and_catalog_values_say_where_they_come_from(view):
    hostile = cards(view)["Case X <b>(2020)</b>"]
    facts = {dt.text: dd for dt, dd in zip(hostile.find_all("dt"), hostile.find_all("dd"), strict=True)}
    for name in ("Review type", "Child's age", "Child's sex"):
        assert [s.text for s in facts[name].find_all("span", "scr-not-stated")] == ["not stated"], name
        assert not facts[name].find_all("a")
    assert facts["Board"].text == "Hostile Board (from the catalog)" and not facts["Board"].find_all("a")
    for section in ("scr-agencies", "scr-findings", "scr-recs"):
        assert (
            hostile.find_all("section", section)[0].find_all("span", "scr-not-stated")[0].text == "not stated"
        )
    j = cards(view)["Child J (Warwickshire, 2017)"]
    assert j.find_all("section", "scr-incident")[0].text == "What happenednot stated"
    assert (
        j.find_all("section", "scr-themes")[0].find_all("span", "scr-not-stated")[0].text == "no theme found"
    )


def test_the_matrix_has_a_row_per_theme_a_column_per_review_and_counts(view):
    table = view.find_all("table", "scr-matrix")[0]
    heads = table.find_all("thead")[0].find_all("th")
    assert all(th.attrs.get("scope") == "col" for th in heads)
    assert [th.text for th in heads] == ["Theme", "Child S (Norfolk, 2017)", "Case X <b>(2020)</b>",
                                         "Child J (Warwickshire, 2017)", "Reviews"]  # fmt: skip
    rows = table.find_all("tbody")[0].find_all("tr")
    names = [r.find_all("th")[0] for r in rows]
    assert all(th.attrs.get("scope") == "row" for th in names)
    assert [th.text for th in names] == [
        "Information sharing",
        "Professional curiosity",
        "Voice of the child",
    ]
    assert [r.find_all("td", "scr-count")[0].text for r in rows] == ["2", "1", "0"]
    sharing = rows[0].find_all("td", "scr-cell")
    assert [c.find_all("span", "scr-dot")[0].attrs["class"] for c in sharing] == [
        "scr-dot scr-dot-minor", "scr-dot scr-dot-major", "scr-dot scr-dot-none"]  # fmt: skip
    assert sharing[2].text == "not tagged" and not sharing[2].find_all("button")
    bars = [r.find_all("span", "scr-bar")[0].children[0].attrs["style"] for r in rows]
    assert bars == ["width: 100%", "width: 50%", "width: 0%"]


def test_a_tagged_cell_is_a_named_button_for_its_cited_sentences(view):
    row = [
        r
        for r in view.find_all("tr")
        if r.find_all("th") and r.find_all("th")[0].text == "Professional curiosity"
    ][0]
    button = row.find_all("button")[0]
    assert (
        button.attrs["aria-label"]
        == "Child S (Norfolk, 2017): Professional curiosity, major theme; show 2 cited sentences"
    )
    assert button.attrs["aria-expanded"] == "false" and button.attrs["type"] == "button"
    panel = [
        p for p in view.find_all("section", "scr-tag-panel") if p.attrs["id"] == button.attrs["data-tag"]
    ][0]
    assert button.attrs["aria-controls"] == panel.attrs["id"] and "hidden" in panel.attrs
    assert panel.find_all("h3")[0].text == "Professional curiosity in Child S (Norfolk, 2017)"
    sentences = panel.find_all("li")
    assert [s.find_all("blockquote")[0].text for s in sentences] == [
        "Nobody asked why the baby was bruised.", "Professionals accepted the explanation."]  # fmt: skip
    assert (
        sentences[0].find_all("p", "scr-where")[0].text == "p. 6 · para 4.1.17 · 4 Analysis · Read in context"
    )
    assert sentences[1].find_all("p", "scr-where")[0].text.startswith("pp. 6\u20137 · para 4.1.18")
    assert sentences[0].find_all("a")[0].attrs["href"] == (
        "https://intranet.example/scr/source/norfolk-case-s.md?start=1000&end=1038#quote"
    )


def test_headings_are_in_order(view):
    levels = [int(e.tag[1]) for e in view.iter() if e.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    assert levels[0] == 2  # under the page's h1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_an_empty_collection_says_to_ingest_again():
    view = parse(reviews_html(Collection([], THEMES)))
    assert not view.find_all("table") and not view.find_all("article")
    assert "rag ingest" in view.find_all("p", "scr-notice")[0].text
