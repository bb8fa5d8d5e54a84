"""Thumbs up/down on answers, appended as JSON lines the evaluation can turn into gold
candidates; the record and its file format live in `rag.feedback`."""

from __future__ import annotations

from typing import Any

from rag.feedback import MAX_COMMENT, FeedbackRecord, Rating, append_feedback

__all__ = ["MAX_COMMENT", "Rating", "append_feedback", "feedback_record"]


def feedback_record(
    rating: Rating,
    answer: dict[str, Any],
    comment: str = "",
    user: str | None = None,
    case: str | None = None,
) -> FeedbackRecord:
    """A rating of `answer` (the Answer JSON shown) made now; raises ValueError when invalid."""
    return FeedbackRecord.rate(rating, answer, comment, user, case)
