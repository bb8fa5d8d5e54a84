"""Typed variants of a gold set: each question as a practitioner types it in a hurry.

Lower case, no question mark, common shorthand ("wat", "recs", "sw", "HV", "CP", "SCR",
"strat meeting") and one slip of the keys in about every fourth long word (a letter missed,
doubled, swapped with its neighbour or replaced by the key beside it). Deterministic: the
changes are seeded by the item's id, so the same gold file always gives the same variant, and
ids are kept, so the variant falls in the same train/test split as the original.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

# Phrase -> how it is typed. Applied in this order, each with probability SHORTHAND_RATE.
SHORTHAND: list[tuple[str, str]] = [
    ("serious case reviews", "SCRs"),
    ("serious case review", "SCR"),
    ("executive summary", "exec summary"),
    ("recommendations", "recs"),
    ("recommendation", "rec"),
    ("social workers", "sws"),
    ("social worker", "sw"),
    ("health visitors", "HVs"),
    ("health visitor", "HV"),
    ("child protection", "CP"),
    ("strategy meeting", "strat meeting"),
    ("strategy discussion", "strat discussion"),
    ("general practitioner", "GP"),
    ("accident and emergency", "A&E"),
    ("domestic violence", "DV"),
    ("domestic abuse", "DA"),
    ("information", "info"),
    ("because", "cos"),
    ("about", "abt"),
    ("what", "wat"),
]
SHORTHAND_RATE = 0.7
SLIP_RATE = 0.25  # share of long words with one slip
LONG_WORD = 6  # letters
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_WORD = re.compile(r"[A-Za-z]+")


def _neighbours() -> dict[str, str]:
    """Keys beside each letter on a QWERTY keyboard (same row)."""
    near: dict[str, str] = {}
    for row in _ROWS:
        for i, key in enumerate(row):
            near[key] = row[max(i - 1, 0) : i] + row[i + 1 : i + 2]
    return near


_NEAR = _neighbours()


def rng_for(item_id: str, salt: str = "") -> random.Random:
    digest = hashlib.sha256(f"{salt}{item_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def slip(word: str, rng: random.Random) -> str:
    """One slip of the keys, never on the first letter (people rarely miss it)."""
    i = rng.randrange(1, len(word))
    kind = rng.choice(["miss", "double", "swap", "near"])
    if kind == "miss":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _NEAR.get(word[i].lower(), "")
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word[:i] + word[i + 1 :]


def type_like_a_practitioner(text: str, rng: random.Random) -> str:
    typed = text.lower().rstrip().rstrip("?").rstrip()
    for phrase, short in SHORTHAND:
        pattern = re.compile(rf"\b{re.escape(phrase)}\b")
        if pattern.search(typed) and rng.random() < SHORTHAND_RATE:
            typed = pattern.sub(short, typed)

    def maybe_slip(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) >= LONG_WORD and word.islower() and rng.random() < SLIP_RATE:
            return slip(word, rng)
        return word

    return _WORD.sub(maybe_slip, typed)


def typed_item(item: dict[str, Any]) -> dict[str, Any]:
    """The gold item with its question, and the user turns of its history, as typed."""
    out = dict(item)
    out["question"] = type_like_a_practitioner(item["question"], rng_for(item["id"]))
    history = []
    for n, turn in enumerate(item.get("history") or []):
        if turn.get("role") == "user":
            rng = rng_for(item["id"], f"h{n}:")
            turn = {**turn, "content": type_like_a_practitioner(turn["content"], rng)}
        history.append(turn)
    out["history"] = history
    return out


def write_typed(source: Path, target: Path) -> int:
    """Write the typed variant of every JSON line of `source`; returns the item count."""
    count = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            if line.strip():
                out.write(json.dumps(typed_item(json.loads(line)), ensure_ascii=False) + "\n")
                count += 1
    return count
