"""Turn thumbs up/down feedback from the chat UI into gold candidates for a person to review.

A feedback line is `{"question", "answer": <Answer JSON>, "rating": "up"|"down", "comment",
"time", "user"}`. Candidates keep the gold format with `answerable: null` and a `review`
block, so `load_gold` refuses them until someone has decided and filled in the key points.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORY = "unreviewed"
_MARKER = re.compile(r"\s*\[\d+\]")


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


def read_feedback(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Valid feedback lines and a problem per invalid one (file:line: what is wrong)."""
    lines, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not valid JSON ({exc.msg})")
            continue
        problem = _problem(data)
        if problem:
            problems.append(f"{path}:{number}: {problem}")
        else:
            lines.append(data)
    return lines, problems


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "expected a JSON object"
    if not isinstance(data.get("question"), str) or not data["question"].strip():
        return "field 'question': expected a non-empty string"
    if data.get("rating") not in ("up", "down"):
        return "field 'rating': expected 'up' or 'down'"
    answer = data.get("answer")
    if not isinstance(answer, dict) or not isinstance(answer.get("answer"), str):
        return "field 'answer': expected the Answer JSON"
    if not isinstance(answer.get("citations", []), list):
        return "field 'answer.citations': expected a list"
    return None


def candidates(
    feedback: list[dict[str, Any]], known_questions: set[str], known_ids: set[str]
) -> tuple[list[dict[str, Any]], int]:
    """One candidate per new question: built from its latest thumbs-up answer if any, else
    its latest line; the ratings and comments of every line about it go in `review`."""
    by_question: dict[str, list[dict[str, Any]]] = {}
    for line in feedback:
        by_question.setdefault(normalise_question(line["question"]), []).append(line)
    out, skipped = [], 0
    for key, lines in by_question.items():
        if key in known_questions or candidate_id(lines[-1]["question"]) in known_ids:
            skipped += 1
            continue
        ups = [x for x in lines if x["rating"] == "up" and not x["answer"].get("abstained")]
        out.append(_candidate(ups[-1] if ups else lines[-1], lines))
    return out, skipped


def _candidate(chosen: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    answer = chosen["answer"]
    abstained = bool(answer.get("abstained"))
    trusted = chosen["rating"] == "up" and not abstained
    suggestion = (not abstained) if chosen["rating"] == "up" else None
    return {
        "id": candidate_id(chosen["question"]),
        "question": chosen["question"].strip(),
        "category": CATEGORY,
        "cases": list(answer.get("cases") or []),
        "answerable": None,
        "reference_answer": _plain(answer["answer"]) if trusted else "",
        "key_points": [],
        "evidence": [
            {"doc": c.get("doc_id", ""), "quote": c["quote"]}
            for c in answer.get("citations", [])
            if trusted and isinstance(c, dict) and c.get("quote")
        ],
        "history": _history(chosen.get("history")),
        "review": {
            "status": "needs_review",
            "suggested_answerable": suggestion,
            "ratings": {r: sum(1 for x in lines if x["rating"] == r) for r in ("up", "down")},
            "comments": [x["comment"] for x in lines if isinstance(x.get("comment"), str) and x["comment"]],
            "users": sorted({str(x["user"]) for x in lines if x.get("user")}),
            "last_time": lines[-1].get("time", ""),
            "answer_shown": answer["answer"],
            "todo": "set answerable and category, check the evidence quotes, write key points",
        },
    }


def _plain(text: str) -> str:
    """Answer text without citation markers and list/bold markup."""
    text = _MARKER.sub("", text).replace("**", "")
    return " ".join(line.lstrip("- ").strip() for line in text.splitlines() if line.strip())


def _history(turns: Any) -> list[dict[str, str]]:
    if not isinstance(turns, list):
        return []
    return [
        {"role": t["role"], "content": t["content"]}
        for t in turns
        if isinstance(t, dict)
        and t.get("role") in ("user", "assistant")
        and isinstance(t.get("content"), str)
    ]


def feedback_to_gold(feedback_path: Path, out_path: Path, gold_path: Path | None = None) -> FeedbackResult:
    """Append candidates for questions not yet in `gold_path` or `out_path` to `out_path`."""
    lines, problems = read_feedback(feedback_path)
    known_questions: set[str] = set()
    known_ids: set[str] = set()
    for path in (gold_path, out_path):
        for record in _records(path):
            known_questions.add(normalise_question(str(record.get("question", ""))))
            known_ids.add(str(record.get("id", "")))
    new, skipped = candidates(lines, known_questions, known_ids)
    if new:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(c, ensure_ascii=False) + "\n" for c in new)
    return FeedbackResult(new, skipped, problems)


def _records(path: Path | None) -> list[dict[str, Any]]:
    """Whatever JSON objects a gold or candidates file holds (bad lines are not our concern here)."""
    if path is None or not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out
