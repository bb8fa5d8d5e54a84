"""Checks on the gold question set in eval/gold.jsonl.

It checks the schema of every item, that every evidence quote really occurs in the
cited corpus document as the product reads it (`rag.ingest.load.load_file`: PDFs
through their text layer, text cleaned), and that the set covers the categories,
reviews and question types it is meant to cover.

An item names its documents in `reviews` (corpus file names). Items without that key
name them through the catalog, by case label; this only works for catalogued reviews
whose label no other catalogued review shares.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

from rag.ingest.job import scan_corpus
from rag.ingest.load import load_file

ROOT = Path(__file__).resolve().parents[1]
GOLD_PATH = ROOT / "eval" / "gold.jsonl"
CORPUS_DIR = ROOT / "corpus"
CATALOG_PATH = CORPUS_DIR / "catalog.toml"
DOC_SUFFIXES = {".pdf", ".txt", ".md"}

REQUIRED_KEYS = {
    "id",
    "question",
    "category",
    "cases",
    "answerable",
    "reference_answer",
    "key_points",
    "evidence",
    "history",
}
OPTIONAL_KEYS = {"reviews"}
CATEGORIES = {
    "factual",
    "what_went_wrong",
    "recommendation",
    "learning",
    "timeline",
    "cross_case",
    "unanswerable",
    "follow_up",
    "adversarial",
}
# Every review document must be covered by each of these question types.
PER_REVIEW_CATEGORIES = ("factual", "what_went_wrong", "recommendation", "learning", "timeline")
REQUIRED_QUESTION = "what went wrong with the consultation in Case S"

MIN_ITEMS = 300
MIN_PER_REVIEW = 12
MIN_CROSS_CASE = 8
MIN_UNANSWERABLE = 30
MIN_FOLLOW_UP = 30
MIN_ADVERSARIAL = 4

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def collapse(text: str) -> str:
    """Collapse every whitespace run to one space and strip the ends."""
    return re.sub(r"\s+", " ", text).strip()


def _load_lines() -> list[tuple[int, str]]:
    lines = GOLD_PATH.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]


def _load_items() -> list[dict]:
    items = []
    for _, line in _load_lines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            # Reported by test_every_line_parses; keep collection going.
            continue
        if isinstance(obj, dict):
            items.append(obj)
    return items


def _load_catalog() -> dict:
    with CATALOG_PATH.open("rb") as fh:
        return tomllib.load(fh)["documents"]


ITEMS = _load_items()
CATALOG = _load_catalog()
# Review documents: the files the product ingests from corpus/ (not corpus/_sources/).
CORPUS_DOCS = sorted(scan_corpus(CORPUS_DIR, "catalog.toml"))  # what `rag ingest` reads
CASE_LABELS = {entry["case"] for entry in CATALOG.values()}
DOCS_FOR_CASE: dict[str, set[str]] = defaultdict(set)
for _name, _entry in CATALOG.items():
    DOCS_FOR_CASE[_entry["case"]].add(_name)


def _item_docs(item: dict) -> set[str]:
    """The documents an item is about: its `reviews`, else its cases' catalogued documents."""
    if "reviews" in item:
        return set(item["reviews"])
    return {doc for case in item.get("cases", []) for doc in DOCS_FOR_CASE.get(case, ())}


def _names_label(doc: str, label: str) -> bool:
    """Whether the document's text names this case label (as whole words, any case)."""
    return re.search(rf"(?<!\w){re.escape(collapse(label))}(?!\w)", _doc_text(doc), re.IGNORECASE) is not None


def _evidence_params() -> list:
    params = []
    for item in ITEMS:
        evidence = item.get("evidence")
        if not isinstance(evidence, list):
            continue
        for n, ev in enumerate(evidence):
            params.append(pytest.param(item.get("id"), ev, id=f"{item.get('id')}-ev{n}"))
    return params


@cache
def _doc_text(name: str) -> str:
    """The document's text as the product reads it, whitespace collapsed."""
    return collapse(load_file(CORPUS_DIR / name, name).text)


# --------------------------------------------------------------------------- file and schema


def test_gold_file_exists_and_is_large_enough():
    assert GOLD_PATH.is_file(), f"missing {GOLD_PATH}"
    assert len(ITEMS) >= MIN_ITEMS, f"only {len(ITEMS)} items, need >= {MIN_ITEMS}"


def test_every_line_parses():
    bad = []
    for n, line in _load_lines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {n}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {n}: not a JSON object")
    assert not bad, "\n".join(bad)


def test_ids_are_unique_slugs():
    ids = [item.get("id") for item in ITEMS]
    dupes = sorted(i for i, c in Counter(ids).items() if c > 1)
    assert not dupes, f"duplicate ids: {dupes}"
    bad = [i for i in ids if not isinstance(i, str) or not ID_RE.match(i)]
    assert not bad, f"ids must be lower-case slugs: {bad}"


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_schema(item):
    allowed = REQUIRED_KEYS | OPTIONAL_KEYS
    assert REQUIRED_KEYS <= set(item) <= allowed, (
        f"keys differ: missing {REQUIRED_KEYS - set(item)}, extra {set(item) - allowed}"
    )
    assert isinstance(item["question"], str) and item["question"].strip()
    assert item["category"] in CATEGORIES, f"bad category {item['category']!r}"
    assert isinstance(item["cases"], list)
    assert all(isinstance(c, str) for c in item["cases"])
    assert len(set(item["cases"])) == len(item["cases"]), "repeated case label"
    if "reviews" in item:
        reviews = item["reviews"]
        assert isinstance(reviews, list) and reviews, "reviews must be a non-empty list of file names"
        assert all(isinstance(r, str) for r in reviews), f"bad reviews {reviews!r}"
        assert len(set(reviews)) == len(reviews), "repeated review"
        missing = [r for r in reviews if r not in CORPUS_DOCS]
        assert not missing, f"reviews not in corpus/: {missing}"
    else:
        unknown = [c for c in item["cases"] if c not in CASE_LABELS]
        assert not unknown, f"cases not in catalog (name the documents in 'reviews'): {unknown}"
        shared = [c for c in item["cases"] if len(DOCS_FOR_CASE[c]) > 1]
        assert not shared, f"labels of several catalogued reviews (name them in 'reviews'): {shared}"
    assert isinstance(item["answerable"], bool)
    assert isinstance(item["reference_answer"], str) and item["reference_answer"].strip()
    assert isinstance(item["key_points"], list)
    assert all(isinstance(k, str) and k.strip() for k in item["key_points"])
    assert isinstance(item["evidence"], list)
    # A cross-case answer quotes each review it names; any one review, at most 4 sentences.
    per_doc: dict[str, int] = {}
    for ev in item["evidence"]:
        per_doc[ev.get("doc", "")] = per_doc.get(ev.get("doc", ""), 0) + 1
    assert max(per_doc.values(), default=0) <= 4, "at most 4 evidence quotes per document"
    for ev in item["evidence"]:
        assert isinstance(ev, dict) and set(ev) == {"doc", "quote"}, f"bad evidence {ev!r}"
        assert isinstance(ev["doc"], str) and isinstance(ev["quote"], str)
        assert ev["quote"].strip(), "empty quote"
    assert isinstance(item["history"], list)
    for turn in item["history"]:
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"bad turn {turn!r}"
        assert turn["role"] in {"user", "assistant"}
        assert isinstance(turn["content"], str) and turn["content"].strip()


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_answerability_is_consistent(item):
    if item["answerable"]:
        assert item["evidence"], "answerable item needs at least one evidence quote"
        most = 10 if item["category"] == "cross_case" else 5  # a point or two per review named
        assert 2 <= len(item["key_points"]) <= most, f"answerable item needs 2-{most} key points"
    else:
        assert item["evidence"] == [], "unanswerable or refused item must have no evidence"
        assert len(item["key_points"]) <= 1, "unanswerable or refused item has at most 1 point"
    if item["category"] == "unanswerable":
        assert item["answerable"] is False
    if item["category"] != "follow_up":
        assert item["history"] == [], "only follow_up items carry history"


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_evidence_docs_match_cases(item):
    """Every cited document is one of the item's documents (its reviews, else its cases')."""
    cited = {ev["doc"] for ev in item["evidence"]}
    allowed = _item_docs(item)
    assert cited <= allowed, f"evidence from {cited - allowed} not in {sorted(allowed)} ({item['cases']})"


@pytest.mark.parametrize(
    "item", [i for i in ITEMS if "reviews" in i], ids=[str(i.get("id")) for i in ITEMS if "reviews" in i]
)
def test_case_labels_match_reviews(item):
    """Each review carries one of the item's labels, and each label is one of its reviews':
    the catalog's label for a catalogued review, else a label the document's text names."""
    cases, reviews = item["cases"], item["reviews"]

    def labels(doc: str) -> set[str]:
        if doc in CATALOG:
            return {CATALOG[doc]["case"]} & set(cases)
        return {c for c in cases if _names_label(doc, c)}

    unlabelled = [doc for doc in reviews if not labels(doc)]
    assert not unlabelled, f"no label in {cases} for reviews {unlabelled}"
    strays = [c for c in cases if not any(c in labels(doc) for doc in reviews)]
    assert not strays, f"labels {strays} belong to none of the reviews {reviews}"


# --------------------------------------------------------------------------- evidence quotes


@pytest.mark.parametrize(("item_id", "evidence"), _evidence_params())
def test_evidence_quote_in_document(item_id, evidence):
    doc = evidence["doc"]
    assert doc in CORPUS_DOCS, f"{doc} is not a review document in corpus/"
    quote = collapse(evidence["quote"])
    assert quote, "empty quote"
    assert quote in _doc_text(doc), f"{item_id}: quote not found verbatim in {doc}: {quote!r}"


# --------------------------------------------------------------------------- coverage


def _by_category() -> Counter:
    return Counter(item["category"] for item in ITEMS)


def test_corpus_has_the_review_documents():
    # Guards the coverage checks below against an empty or misread corpus folder.
    assert len(CORPUS_DOCS) >= 15, f"only {len(CORPUS_DOCS)} review documents in corpus/"
    uncovered = sorted(set(CATALOG) - set(CORPUS_DOCS))
    assert not uncovered, f"catalogued but not in corpus/: {uncovered}"


@pytest.mark.parametrize("doc", CORPUS_DOCS)
def test_per_review_coverage(doc):
    mine = [item for item in ITEMS if doc in _item_docs(item)]
    assert len(mine) >= MIN_PER_REVIEW, f"{doc}: only {len(mine)} items"
    have = {item["category"] for item in mine}
    missing = [c for c in PER_REVIEW_CATEGORIES if c not in have]
    assert not missing, f"{doc}: no items in categories {missing}"


def test_cross_case_items():
    cross = [item for item in ITEMS if item["category"] == "cross_case"]
    assert len(cross) >= MIN_CROSS_CASE, f"only {len(cross)} cross_case items"
    for item in cross:
        docs = {ev["doc"] for ev in item["evidence"]}
        assert len(docs) >= 2, f"{item['id']}: cross_case evidence from {len(docs)} document(s)"
        assert len(item["cases"]) >= 2, f"{item['id']}: cross_case needs >= 2 cases"


def test_unanswerable_items():
    items = [item for item in ITEMS if item["category"] == "unanswerable"]
    assert len(items) >= MIN_UNANSWERABLE, f"only {len(items)} unanswerable items"
    assert any(item["cases"] == [] for item in items), "need a case not in the collection"
    assert any(item["cases"] for item in items), "need an absent fact about a real case"


def test_follow_up_items():
    items = [item for item in ITEMS if item["category"] == "follow_up"]
    assert len(items) >= MIN_FOLLOW_UP, f"only {len(items)} follow_up items"
    for item in items:
        roles = [turn["role"] for turn in item["history"]]
        assert "user" in roles and "assistant" in roles, f"{item['id']}: incomplete history"
        assert roles[0] == "user", f"{item['id']}: history must start with a user turn"
    case_s = [
        item
        for item in items
        if item["history"]
        and item["history"][0]["content"].strip().lower() == REQUIRED_QUESTION.lower()
        and "recommend" in item["question"].lower()
    ]
    assert case_s, "missing the Case S consultation -> board recommendation follow-up"


def test_adversarial_items():
    count = _by_category()["adversarial"]
    assert count >= MIN_ADVERSARIAL, f"only {count} adversarial items"


def test_required_case_s_question_present():
    hits = [item for item in ITEMS if item["question"] == REQUIRED_QUESTION]
    assert len(hits) == 1, f"expected exactly one item asking {REQUIRED_QUESTION!r}"
    item = hits[0]
    assert item["category"] == "what_went_wrong"
    assert item["cases"] == ["Case S"]
    assert item["answerable"] is True


def test_every_category_used():
    unused = CATEGORIES - set(_by_category())
    assert not unused, f"categories never used: {sorted(unused)}"
