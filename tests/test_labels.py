"""The hand-labelled review cards and review x theme matrix (eval/cards.jsonl,
eval/themes.jsonl) hold only what their documents print, for every bundled review and every
theme of the taxonomy (rag/data/themes.toml)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT

CARDS = ROOT / "eval" / "cards.jsonl"
THEMES = ROOT / "eval" / "themes.jsonl"
TAXONOMY = ROOT / "rag" / "data" / "themes.toml"
FACT_FIELDS = ("title", "board", "year", "review_type", "child_age", "child_sex", "incident")
LIST_FIELDS = ("agencies", "key_findings", "recommendations")
DOCUMENTS = sorted(
    p.name for p in CORPUS.iterdir() if p.suffix in {".pdf", ".txt", ".md"} and p.name != "README.md"
)


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _document_text(name: str) -> str:
    """What the document prints: a PDF's words are those of the source it was built from."""
    path = CORPUS / "_sources" / f"{Path(name).stem}.txt" if name.endswith(".pdf") else CORPUS / name
    return _normalised(path.read_text(encoding="utf-8"))


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_taxonomy_has_twenty_themes_each_with_definition_phrasings_and_keywords():
    themes = tomllib.loads(TAXONOMY.read_text(encoding="utf-8"))["themes"]
    assert len(themes) == 20
    for theme_id, theme in themes.items():
        assert re.fullmatch(r"[a-z_]+", theme_id)
        assert theme["name"] and theme["definition"], theme_id
        assert len(theme["phrasings"]) >= 10 and len(theme["keywords"]) >= 5, theme_id
    keywords = [k for theme in themes.values() for k in theme["keywords"]]
    assert len(keywords) == len(set(keywords)), "a keyword signals one theme only"


def test_every_review_has_one_card_with_every_field():
    cards = _rows(CARDS)
    assert sorted(card["document"] for card in cards) == DOCUMENTS
    for card in cards:
        fields = card["fields"]
        assert set(fields) == set(FACT_FIELDS + LIST_FIELDS), card["document"]
        for name, value in fields.items():
            if value.get("not_stated"):
                continue
            key = "facts" if name in FACT_FIELDS else "items"
            assert value[key], (card["document"], name)
        recommendations = fields["recommendations"]
        if not recommendations.get("not_stated"):
            assert recommendations["count"] == len(recommendations["items"]), card["document"]


@pytest.mark.parametrize("card", _rows(CARDS), ids=lambda card: card["document"])
def test_every_card_label_is_printed_in_its_document(card):
    text = _document_text(card["document"])
    labels = [
        label
        for value in card["fields"].values()
        for label in value.get("facts", []) + value.get("items", [])
    ]
    missing = [label for label in labels if _normalised(label) not in text]
    assert not missing
    recommendations = card["fields"]["recommendations"].get("items", [])
    positions = [text.index(_normalised(item)) for item in recommendations]
    assert positions == sorted(positions), "recommendations are listed in the document's order"


def test_the_theme_matrix_has_every_review_and_theme_once():
    themes = set(tomllib.loads(TAXONOMY.read_text(encoding="utf-8"))["themes"])
    pairs = [(row["document"], row["theme"]) for row in _rows(THEMES)]
    assert len(pairs) == len(set(pairs)) == len(DOCUMENTS) * len(themes)
    assert {d for d, _ in pairs} == set(DOCUMENTS) and {t for _, t in pairs} == themes


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_theme_label_is_supported_by_its_documents_words(document):
    text = _document_text(document)
    for row in (r for r in _rows(THEMES) if r["document"] == document):
        if row["present"]:
            assert row["strength"] in {"major", "minor"} and 1 <= len(row["evidence"]) <= 3, row["theme"]
        else:
            assert row["strength"] is None and not row["evidence"], row["theme"]
        missing = [quote for quote in row["evidence"] if _normalised(quote) not in text]
        assert not missing, row["theme"]
