"""Turn thumbs up/down feedback from the chat UI (`rag.feedback` records) into gold candidates
for a person to review.

Candidates keep the gold format with `answerable: null` and a `review` block, so `load_gold`
refuses them until someone has decided and filled in the key points.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.render import plain_text
from rag.feedback import FeedbackRecord, read_feedback
from rag.jsonl import read_jsonl, write_jsonl
from rag.text import strip_markers
from rag.types import AnswerPart

CATEGORY = "unreviewed"


@dataclass
class FeedbackResult:
    candidates: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # questions already in the gold set or the candidates file
    problems: list[str] = field(default_factory=list)  # unreadable lines, with file:line


def normalise_question(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def candidate_id(question: str) -> str:
    words = normalise_question(question).split()[:6]
    digest = hashlib.sha1(normalise_question(question).encode()).hexdigest()[:6]
    return "fb-" + "-".join([*words, digest])


def candidates(
    feedback: list[FeedbackRecord], known_questions: set[str], known_ids: set[str]
) -> tuple[list[dict[str, Any]], int]:
    """One candidate per new question: built from its latest thumbs-up answer if any, else
    its latest record; the ratings and comments of every record about it go in `review`."""
    by_question: dict[str, list[FeedbackRecord]] = {}
    for record in feedback:
        by_question.setdefault(normalise_question(record.question), []).append(record)
    out, skipped = [], 0
    for key, records in by_question.items():
        if key in known_questions or candidate_id(records[-1].question) in known_ids:
            skipped += 1
            continue
        ups = [r for r in records if r.rating == "up" and not r.answer.get("abstained")]
        out.append(_candidate(ups[-1] if ups else records[-1], records))
    return out, skipped


def _candidate(chosen: FeedbackRecord, records: list[FeedbackRecord]) -> dict[str, Any]:
    answer = chosen.answer
    abstained = bool(answer.get("abstained"))
    trusted = chosen.rating == "up" and not abstained
    suggestion = (not abstained) if chosen.rating == "up" else None
    return {
        "id": candidate_id(chosen.question),
        "question": chosen.question.strip(),
        "category": CATEGORY,
        "cases": list(answer.get("cases") or []),
        "answerable": None,
        "reference_answer": _plain(answer) if trusted else "",
        "key_points": [],
        "evidence": [
            {"doc": c.get("doc_id", ""), "quote": c["quote"]}
            for c in answer.get("citations", [])
            if trusted and isinstance(c, dict) and c.get("quote")
        ],
        "history": [turn.model_dump() for turn in chosen.history],
        "review": {
            "status": "needs_review",
            "suggested_answerable": suggestion,
            "ratings": {r: sum(1 for x in records if x.rating == r) for r in ("up", "down")},
            "comments": [x.comment for x in records if x.comment],
            "users": sorted({x.user for x in records if x.user}),
            "last_time": records[-1].time,
            "answer_shown": answer["answer"],
            "todo": "set answerable and category, check the evidence quotes, write key points",
        },
    }


def _plain(answer: dict[str, Any]) -> str:
    """The rated answer as prose: rendered from its parts without citation markers (answers
    saved before parts existed: their text with the markers removed)."""
    parts = [AnswerPart.from_dict(p) for p in answer.get("parts") or []]
    grouped = bool(answer.get("grouped"))
    text = plain_text(parts, grouped) if parts else strip_markers(answer["answer"])
    text = text.replace("**", "")
    return " ".join(line.lstrip("- ").strip() for line in text.splitlines() if line.strip())


def feedback_to_gold(feedback_path: Path, out_path: Path, gold_path: Path | None = None) -> FeedbackResult:
    """Append candidates for questions not yet in `gold_path` or `out_path` to `out_path`."""
    records, problems = read_feedback(feedback_path)
    known_questions: set[str] = set()
    known_ids: set[str] = set()
    for path in (gold_path, out_path):
        for known in _objects(path):
            known_questions.add(normalise_question(str(known.get("question", ""))))
            known_ids.add(str(known.get("id", "")))
    new, skipped = candidates(records, known_questions, known_ids)
    if new:
        write_jsonl(out_path, new, append=True)
    return FeedbackResult(new, skipped, problems)


def _objects(path: Path | None) -> list[dict[str, Any]]:
    """Whatever JSON objects a gold or candidates file holds (bad lines are not our concern here)."""
    if path is None or not path.exists():
        return []
    return [line.value for line in read_jsonl(path) if isinstance(line.value, dict)]
