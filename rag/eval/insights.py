"""Scoring collection insights against hand labels: theme tags (`eval/themes.jsonl`) and
review cards (`eval/cards.jsonl`), over a fixed split of the reviews."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

REVIEW_SPLITS = ("train", "test")
TEST_SHARE = 3  # one review in three is a test review


def review_split(doc_id: str) -> str:
    """A fixed split of the labelled reviews by a hash of the document name."""
    return "test" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % TEST_SHARE == 0 else "train"


def load_theme_labels(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                labels[(row["document"], row["theme"])] = row
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: not a theme label ({exc})") from exc
    return labels


def theme_scores(
    predicted: dict[tuple[str, str], bool], truth: dict[tuple[str, str], bool]
) -> dict[str, Any]:
    """Precision, recall and F1 over all (review, theme) pairs, and per theme."""
    per_theme: dict[str, dict[str, int]] = {}
    for key, gold in truth.items():
        counts = per_theme.setdefault(key[1], {"tp": 0, "fp": 0, "fn": 0})
        tagged = predicted.get(key, False)
        counts["tp"] += int(tagged and gold)
        counts["fp"] += int(tagged and not gold)
        counts["fn"] += int(gold and not tagged)
    total = {k: sum(c[k] for c in per_theme.values()) for k in ("tp", "fp", "fn")}
    return {"overall": _prf(total), "per_theme": {t: _prf(c) for t, c in sorted(per_theme.items())}}


def _prf(c: dict[str, int]) -> dict[str, Any]:
    tagged, labelled = c["tp"] + c["fp"], c["tp"] + c["fn"]
    precision = c["tp"] / tagged if tagged else 1.0
    recall = c["tp"] / labelled if labelled else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tagged": tagged, "labelled": labelled, **c}


# --- cards ---------------------------------------------------------------------------------

CARD_SCALARS = ("title", "board", "year", "review_type", "child_age", "child_sex", "incident")
CARD_LISTS = ("agencies", "key_findings", "recommendations")


def load_card_labels(path: Path) -> dict[str, dict[str, Any]]:
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                labels[row["document"]] = row["fields"]
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: not a card label ({exc})") from exc
    return labels


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    return " ".join(text.lower().split())


def holds(text: str, fact: str) -> bool:
    """The text states the fact: its words, in order, whole words, any case and spacing."""
    import re

    return re.search(rf"(?<![\w]){re.escape(_norm(fact))}(?![\w])", _norm(text)) is not None


def score_card(card: dict[str, Any], label: dict[str, Any]) -> dict[str, Any]:
    """Each field's score (0..1) for one document's card (`ReviewCard.to_dict()`) against its
    labels: a value counts when its quote holds a labelled fact, or when both say not stated
    (a value only the catalog gives is not stated by the document); a list scores the share
    of its labelled items some quote of the card holds."""
    out: dict[str, Any] = {}
    for name in CARD_SCALARS:
        got, want = card["fields"].get(name) or {}, label.get(name, {"not_stated": True})
        quote = (got.get("quote") or {}).get("text", "")
        if want.get("not_stated"):
            out[name] = 1.0 if not quote else 0.0
        else:
            out[name] = 1.0 if quote and any(holds(quote, f) for f in want["facts"]) else 0.0
    for name in CARD_LISTS:
        want = label.get(name, {"not_stated": True})
        items = card.get(name) or []
        texts = [f"{i['text']} {i['quote']['text']}" for i in items]
        if want.get("not_stated"):
            out[name] = 1.0 if not items else 0.0
            continue
        wanted = want["items"]
        if name == "key_findings":
            from rag.eval.score import overlaps

            found = [any(overlaps(i["quote"]["text"], w) for i in items) for w in wanted]
        else:
            found = [any(holds(t, w) for t in texts) for w in wanted]
        out[name] = sum(found) / len(wanted) if wanted else 1.0
        if name == "recommendations":
            out["recommendations_complete"] = all(found)
            out["recommendations_count"] = {"card": len(items), "labelled": want.get("count", len(wanted))}
    return out


def card_scores(cards_by_doc: dict[str, dict[str, Any]], labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per document and per field, and overall: the mean over every field of every document."""
    per_doc = {
        doc: score_card(cards_by_doc[doc], label) for doc, label in labels.items() if doc in cards_by_doc
    }
    fields = CARD_SCALARS + CARD_LISTS
    per_field = {f: sum(s[f] for s in per_doc.values()) / max(len(per_doc), 1) for f in fields}
    with_recs = [
        d for d, label in labels.items() if d in per_doc and not label["recommendations"].get("not_stated")
    ]
    return {
        "overall": sum(per_field.values()) / len(per_field),
        "scalar_fields": sum(per_field[f] for f in CARD_SCALARS) / len(CARD_SCALARS),
        "per_field": per_field,
        "recommendations_complete": sum(per_doc[d]["recommendations_complete"] for d in with_recs),
        "reviews_with_recommendations": len(with_recs),
        "per_document": per_doc,
        "missing": sorted(set(labels) - set(per_doc)),
    }
