"""Thumbs up/down feedback from the chat UI becomes gold candidates for review."""

from __future__ import annotations

import json

import pytest

from rag.cli import main
from rag.eval.feedback import candidate_id, feedback_to_gold
from rag.eval.gold import GoldError, load_gold
from rag.feedback import FeedbackRecord, read_feedback
from rag.web.feedback import append_feedback, feedback_record

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
    assert result.problems[1] == f"{feedback}:7: field 'rating': Field required"
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


def test_the_web_app_writes_the_lines_the_evaluation_reads(tmp_path):
    path = tmp_path / "feedback" / "feedback.jsonl"
    answer = {**_answer("The childminder phoned [1]", quotes=(QUOTE,)), "question": "Who phoned?"}
    append_feedback(path, feedback_record("up", answer, "  clear \n", "ann", "Case S"))
    append_feedback(path, feedback_record("down", answer, "x" * 5000))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    # The line format is a contract: these keys, in this order, the Answer JSON as it was given.
    assert [list(line) for line in lines] == [
        ["time", "user", "rating", "comment", "question", "case", "answer"]
    ] * 2
    assert lines[0]["comment"] == "clear" and lines[0]["user"] == "ann" and lines[0]["case"] == "Case S"
    assert lines[0]["answer"] == answer and lines[0]["question"] == "Who phoned?" and lines[0]["time"]
    assert lines[1]["user"] is None and lines[1]["case"] is None and len(lines[1]["comment"]) == 4000
    records, problems = read_feedback(path)
    assert problems == [] and [r.rating for r in records] == ["up", "down"]
    with pytest.raises(ValueError):
        feedback_record("meh", answer)
    with pytest.raises(ValueError):
        feedback_record("up", {**answer, "question": " "})


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('{"rating": "up", "question": "q?"}', "field 'answer': Field required"),
        (
            '{"rating": "up", "question": " ", "answer": {"answer": "a"}}',
            "field 'question': expected a non-empty",
        ),
        ('{"rating": "meh", "question": "q?", "answer": {"answer": "a"}}', "field 'rating': Input should be"),
        (
            '{"rating": "up", "question": "q?", "answer": {"text": "a"}}',
            "field 'answer': expected the Answer JSON",
        ),
        (
            '{"rating": "up", "question": "q?", "answer": {"answer": "a", "citations": 3}}',
            "list of 'citations'",
        ),
    ],
)
def test_feedback_lines_are_validated_with_a_reason(tmp_path, line, problem):
    path = tmp_path / "f.jsonl"
    path.write_text(line + "\n")
    records, problems = read_feedback(path)
    assert records == [] and len(problems) == 1
    assert problems[0].startswith(f"{path}:1: ") and problem in problems[0]


def test_history_is_read_leniently_and_only_written_when_there_is_one():
    record = FeedbackRecord.model_validate(
        {
            "rating": "up",
            "question": "and then?",
            "answer": {"answer": "a"},
            "history": [{"role": "user", "content": "first?"}, {"role": "system", "content": "x"}, "junk"],
        }
    )
    assert [t.model_dump() for t in record.history] == [{"role": "user", "content": "first?"}]
    assert json.loads(record.to_line())["history"] == [{"role": "user", "content": "first?"}]
    assert "history" not in json.loads(record.model_copy(update={"history": []}).to_line())


def test_a_rated_answer_becomes_prose_from_its_parts():
    from rag.answer.render import render
    from rag.eval.feedback import _plain
    from rag.types import Answer, AnswerPart

    parts = [AnswerPart("Case S", "It was anonymous.", (1,)), AnswerPart("Child J", "It was timely.", (2,), line=1)]
    answer = Answer("q", render(parts, True), False, "extractive", 0.0, parts=parts, grouped=True).to_dict()
    assert answer["answer"] == "- **Case S**: It was anonymous. [1]\n- **Child J**: It was timely. [2]"
    assert _plain(answer) == "Case S: It was anonymous. Child J: It was timely."
    assert _plain({"answer": "Old text [1] kept [2]"}) == "Old text kept"
