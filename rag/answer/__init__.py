"""Answering: question -> analysis -> retrieval -> rerank -> an answerer (extractive, or
generative with checked citations) -> a cited `Answer`."""
