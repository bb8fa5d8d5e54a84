"""Thumbs up/down feedback from the chat UI becomes gold candidates for review."""

from __future__ import annotations

import json

import pytest

from rag.cli import main
from rag.eval.feedback import candidate_id, feedback_to_gold
from rag.eval.gold import GoldError, load_gold

QUOTE = "The childminder phoned the MASH for an anonymous consultation."


def _answer(text: str, abstained: bool = False, quotes: tuple[str, ...] = ()) -> dict:
    citations = [
        {"n": i, "doc_id": "norfolk.md", "quote": q, "case": "Case S"} for i, q in enumerate(quotes, 1)
    ]
    return {
        "question": "",
        "answer": text,
        "abstained": abstained,
        "citations": citations,
        "cases": ["Case S"],
    }


def _line(question: str, rating: str, answer: dict, comment: str = "", user: str = "ann") -> str:
    return json.dumps(
        {
            "question": question,
            "answer": answer,
            "rating": rating,
            "comment": comment,
            "time": "t",
            "user": user,
        }
    )


@pytest.fixture
def feedback(tmp_path):
    path = tmp_path / "feedback.jsonl"
    lines = [
        _line(
            "What went wrong with the consultation in Case S?",
            "down",
            _answer("Wrong bits [1]", quotes=("x",)),
            "missed the MASH call",
        ),
        _line(
            "what went wrong with the consultation in case S",
            "up",
            _answer("- The childminder phoned [1]", quotes=(QUOTE,)),
            user="bob",
        ),
        _line(
            "How old was child H?",
            "down",
            _answer("The reviews in this collection don't say.", abstained=True),
            "it says two",
        ),
        _line("Who is Case S really?", "up", _answer("I can't help identify real people.", abstained=True)),
        _line("already in gold?", "up", _answer("yes [1]", quotes=(QUOTE,))),
        "{broken",
        json.dumps({"question": "no rating", "answer": _answer("a")}),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_feedback_becomes_candidates_marked_for_review(tmp_path, feedback):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g-1", "question": "Already in gold?"}) + "\n")
    out = tmp_path / "candidates.jsonl"
    result = feedback_to_gold(feedback, out, gold)
    assert result.problems[0].startswith(f"{feedback}:6: not valid JSON")
    assert result.problems[1] == f"{feedback}:7: field 'rating': expected 'up' or 'down'"
    assert result.skipped == 1  # the question already in the gold set
    by_question = {c["question"]: c for c in (json.loads(x) for x in out.read_text().splitlines())}
    assert len(by_question) == 3  # the two spellings of the Case S question are one candidate

    consultation = by_question["what went wrong with the consultation in case S"]  # the thumbs-up one
    assert consultation["answerable"] is None and consultation["category"] == "unreviewed"
    assert consultation["evidence"] == [{"doc": "norfolk.md", "quote": QUOTE}]
    assert consultation["reference_answer"] == "The childminder phoned"
    review = consultation["review"]
    assert review["ratings"] == {"up": 1, "down": 1} and review["comments"] == ["missed the MASH call"]
    assert review["suggested_answerable"] is True and review["users"] == ["ann", "bob"]

    age = by_question["How old was child H?"]  # thumbs down: no evidence taken from its answer
    assert (
        age["evidence"] == []
        and age["reference_answer"] == ""
        and age["review"]["suggested_answerable"] is None
    )
    identify = by_question["Who is Case S really?"]  # thumbs up on a refusal: suggest unanswerable
    assert identify["review"]["suggested_answerable"] is False and identify["evidence"] == []

    with pytest.raises(GoldError, match="needs review"):
        load_gold(out)


def test_running_again_adds_nothing_new(tmp_path, feedback):
    out = tmp_path / "candidates.jsonl"
    first = feedback_to_gold(feedback, out)
    second = feedback_to_gold(feedback, out)
    assert len(first.candidates) == 4 and second.candidates == [] and second.skipped == 4
    assert len(out.read_text().splitlines()) == 4
    assert candidate_id("How old was child H?").startswith("fb-how-old-was-child-h-")


def test_cli_from_feedback(tmp_path, feedback, capsys):
    out = tmp_path / "c.jsonl"
    code = main(
        ["eval", "--from-feedback", str(feedback), "--out-gold", str(out), "--gold", str(tmp_path / "none")]
    )
    assert code == 1  # two unreadable lines were skipped and reported
    captured = capsys.readouterr()
    assert "4 candidate(s) appended" in captured.out and f"{feedback}:6" in captured.err
    assert main(["eval", "--from-feedback", str(feedback)]) == 2
