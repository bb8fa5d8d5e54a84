"""Adapters between our small protocols and llama-index's interfaces.

llama-index defaults to OpenAI for embeddings and LLMs; every component we build is
handed these explicitly, and the global `Settings` is never touched.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from rag.embed import Embedder


class EmbedderAdapter(BaseEmbedding):
    """Any `Embedder` as a llama-index embedding model."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=32, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_passages(texts).tolist()


def as_query_engine(engine: Any) -> Any:
    """The answering pipeline as a llama-index query engine: `.query(q)` returns a Response
    whose text is the cited answer, whose source nodes are the cited passages (score = the
    citation's), and whose metadata holds the full Answer JSON."""
    from llama_index.core.base.response.schema import Response
    from llama_index.core.query_engine import CustomQueryEngine
    from llama_index.core.schema import NodeWithScore, TextNode

    class CitedQueryEngine(CustomQueryEngine):
        pipeline: Any

        def custom_query(self, query_str: str) -> Response:
            answer = self.pipeline.answer(query_str)
            nodes = [
                NodeWithScore(
                    node=TextNode(
                        id_=c.passage_id or f"{c.doc_id}:{c.start}",
                        text=c.text,
                        metadata={"case": c.case, "title": c.title, "quote": c.quote, "n": c.n},
                    ),
                    score=c.score,
                )
                for c in answer.citations
            ]
            return Response(response=answer.answer, source_nodes=nodes, metadata=answer.to_dict())

    return CitedQueryEngine(pipeline=engine)
