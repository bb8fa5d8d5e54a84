"""Passages as llama-index nodes, the form both Chroma and BM25 store them in."""

from __future__ import annotations

import numpy as np

from rag.types import Passage

_NODE_META = (
    "title",
    "case",
    "review",
    "section_type",
    "board",
    "year",
    "page",
    "page_end",
    "section",
    "paragraph",
    "start",
    "end",
    "ordinal",
)
# BM25 sees the case and section beside the text, so "Case S" matches every Case S passage.
_BM25_VISIBLE = {"case", "section"}


def to_node(passage: Passage, vector: np.ndarray | None = None):  # -> TextNode
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    data = passage.to_dict()
    metadata = {key: data[key] for key in _NODE_META if data[key] is not None}
    return TextNode(
        id_=passage.id,
        text=passage.text,
        metadata=metadata,
        embedding=None if vector is None else [float(x) for x in vector],
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.doc_id)},
        excluded_embed_metadata_keys=[k for k in metadata if k not in _BM25_VISIBLE],
        excluded_llm_metadata_keys=list(metadata),
    )
