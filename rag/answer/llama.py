"""The answering pipeline as a llama-index query engine, for code built on llama-index."""

from __future__ import annotations

from typing import Any


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
