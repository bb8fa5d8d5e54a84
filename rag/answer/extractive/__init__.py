"""The extractive answerer: the best sentences of the top passages, each one cited."""

from rag.answer.extractive.answerer import ExtractiveAnswerer

__all__ = ["ExtractiveAnswerer"]
