"""Checks on the gold question set in eval/gold.jsonl.

Standalone: uses only the standard library and pytest, so it can run without the
project's dependencies. It checks the schema of every item, that every evidence
quote really occurs in the cited corpus document, and that the set covers the
categories, cases and question types it is meant to cover.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD_PATH = ROOT / "eval" / "gold.jsonl"
CORPUS_DIR = ROOT / "corpus"
CATALOG_PATH = CORPUS_DIR / "catalog.toml"

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
# Every review must be covered by each of these question types.
PER_REVIEW_CATEGORIES = ("factual", "what_went_wrong", "recommendation", "learning", "timeline")
REQUIRED_QUESTION = "what went wrong with the consultation in Case S"

MIN_ITEMS = 64
MIN_PER_REVIEW = 8
MIN_CROSS_CASE = 8
MIN_UNANSWERABLE = 6
MIN_FOLLOW_UP = 5
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
CASE_LABELS = {entry["case"] for entry in CATALOG.values()}
DOC_FOR_CASE = {entry["case"]: name for name, entry in CATALOG.items()}


def _evidence_params() -> list:
    params = []
    for item in ITEMS:
        evidence = item.get("evidence")
        if not isinstance(evidence, list):
            continue
        for n, ev in enumerate(evidence):
            params.append(pytest.param(item.get("id"), ev, id=f"{item.get('id')}-ev{n}"))
    return params


def _doc_text(name: str) -> str:
    return collapse((CORPUS_DIR / name).read_text(encoding="utf-8"))


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
    assert set(item) == REQUIRED_KEYS, (
        f"keys differ: missing {REQUIRED_KEYS - set(item)}, extra {set(item) - REQUIRED_KEYS}"
    )
    assert isinstance(item["question"], str) and item["question"].strip()
    assert item["category"] in CATEGORIES, f"bad category {item['category']!r}"
    assert isinstance(item["cases"], list)
    assert all(isinstance(c, str) for c in item["cases"])
    unknown = [c for c in item["cases"] if c not in CASE_LABELS]
    assert not unknown, f"cases not in catalog: {unknown}"
    assert len(set(item["cases"])) == len(item["cases"]), "repeated case label"
    assert isinstance(item["answerable"], bool)
    assert isinstance(item["reference_answer"], str) and item["reference_answer"].strip()
    assert isinstance(item["key_points"], list)
    assert all(isinstance(k, str) and k.strip() for k in item["key_points"])
    assert isinstance(item["evidence"], list)
    assert len(item["evidence"]) <= 4, "at most 4 evidence quotes"
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
        assert 2 <= len(item["key_points"]) <= 5, "answerable item needs 2-5 key points"
    else:
        assert item["evidence"] == [], "unanswerable or refused item must have no evidence"
        assert len(item["key_points"]) <= 1, "unanswerable or refused item has at most 1 point"
    if item["category"] == "unanswerable":
        assert item["answerable"] is False
    if item["category"] != "follow_up":
        assert item["history"] == [], "only follow_up items carry history"


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_evidence_docs_match_cases(item):
    """Every cited document belongs to one of the item's cases."""
    cited = {ev["doc"] for ev in item["evidence"]}
    allowed = {DOC_FOR_CASE[c] for c in item["cases"] if c in DOC_FOR_CASE}
    assert cited <= allowed, f"evidence from {cited - allowed} not in cases {item['cases']}"


# --------------------------------------------------------------------------- evidence quotes


@pytest.mark.parametrize(("item_id", "evidence"), _evidence_params())
def test_evidence_quote_in_document(item_id, evidence):
    doc = evidence["doc"]
    assert doc in CATALOG, f"{doc} is not listed in catalog.toml"
    path = CORPUS_DIR / doc
    assert path.is_file(), f"{doc} does not exist in corpus/"
    quote = collapse(evidence["quote"])
    assert quote, "empty quote"
    assert quote in _doc_text(doc), f"{item_id}: quote not found verbatim in {doc}: {quote!r}"


# --------------------------------------------------------------------------- coverage


def _by_category() -> Counter:
    return Counter(item["category"] for item in ITEMS)


@pytest.mark.parametrize("case", sorted(CASE_LABELS))
def test_per_review_coverage(case):
    mine = [item for item in ITEMS if case in item["cases"]]
    assert len(mine) >= MIN_PER_REVIEW, f"{case}: only {len(mine)} items"
    have = {item["category"] for item in mine}
    missing = [c for c in PER_REVIEW_CATEGORIES if c not in have]
    assert not missing, f"{case}: no items in categories {missing}"


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
