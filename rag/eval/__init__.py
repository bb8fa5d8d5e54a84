"""Evaluation: score the answering pipeline on a gold question set and report it."""
