"""Running the gold set: configurations, engines, outputs and `rag eval` end to end (fake embedder)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.cli import main
from rag.eval import run as eval_run
from rag.eval.gold import GoldItem
from rag.ingest import ingest
from rag.types import Answer

from .conftest import ROOT

GOLD = ROOT / "eval" / "gold.jsonl"


def test_presets_ship_and_change_what_they_say(settings):
    assert {"dense-only", "bm25-only", "hybrid", "hybrid-rerank", "learned-rerank"} <= set(eval_run.presets())
    dense = eval_run.load_config("dense-only").apply(settings)
    assert dense.retrieve.bm25_weight == 0 and dense.retrieve.dense_weight > 0
    assert dense.rerank.backend == "none"
    bm25 = eval_run.load_config("bm25-only").apply(settings)
    assert bm25.retrieve.dense_weight == 0 and bm25.retrieve.bm25_weight > 0
    hybrid = eval_run.load_config("hybrid").apply(settings)
    assert hybrid.retrieve == settings.retrieve and hybrid.rerank.backend == "none"
    hand = eval_run.load_config("hybrid-rerank").apply(settings)
    assert hand.rerank.backend == "sentence" and hand.answer.passage_weight < settings.answer.passage_weight
    assert eval_run.load_config("learned-rerank").apply(settings).rerank.backend == "learned"
    assert dense.answer == settings.answer and settings.rerank.backend == "learned"  # original untouched


def test_config_files_are_validated(settings, tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text("[retrieve]\nbm25_wieght = 0\n")
    with pytest.raises(eval_run.ConfigError, match="typo.*bm25_wieght"):
        eval_run.load_config(str(bad)).apply(settings)
    bad.write_text("[retreive]\ntop_k = 3\n")
    with pytest.raises(eval_run.ConfigError, match=r"\[retreive\] is not a settings section"):
        eval_run.load_config(str(bad)).apply(settings)
    bad.write_text("[retrieve]\ntop_k = 0\n")
    with pytest.raises(eval_run.ConfigError, match="top_k"):
        eval_run.load_config(str(bad)).apply(settings)
    with pytest.raises(eval_run.ConfigError, match="presets: .*dense-only"):
        eval_run.load_config("no-such-preset")


def test_caching_embedder_embeds_each_passage_text_once(fake_embedder):
    cached = eval_run.CachingEmbedder(fake_embedder)
    first = cached.embed_passages(["a b", "c d", "a b"])
    again = cached.embed_passages(["c d", "e f"])
    assert fake_embedder.texts_embedded == 3  # "a b", "c d", then only "e f"
    assert np.array_equal(first[1], again[0]) and first.shape == (3, fake_embedder.dim)
    assert cached.embed_passages([]).shape == (0, fake_embedder.dim)


class RecordingEngine:
    """Stands in for Engine: records what it was asked; fails on request."""

    def __init__(self):
        self.calls = []

    def answer(self, question, history=None, case=None):
        self.calls.append((question, history))
        if "boom" in question:
            raise RuntimeError("index closed")
        return Answer(question, f"answer to {question}", False, "fake", 12.0)


class FakeEngines:
    def __init__(self):
        self.built = []

    def engine(self, settings):
        self.built.append(settings)
        return RecordingEngine()


def _items() -> list[GoldItem]:
    base = {"category": "factual", "answerable": True, "evidence": [{"doc": "d", "quote": "q"}]}
    return [
        GoldItem.model_validate({**base, "id": "a", "question": "first?"}),
        GoldItem.model_validate(
            {**base, "id": "b", "question": "and then?", "history": [{"role": "user", "content": "first?"}]}
        ),
        GoldItem.model_validate({**base, "id": "c", "question": "boom?"}),
    ]


def test_follow_ups_get_their_history_and_errors_are_recorded():
    engine = RecordingEngine()
    results = eval_run.answer_all(_items(), engine)
    assert engine.calls[0] == ("first?", None)
    assert engine.calls[1] == ("and then?", [{"role": "user", "content": "first?"}])
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[2]["error"] == "RuntimeError: index closed" and results[2]["answer"] == ""


def test_configurations_with_the_current_settings_are_not_run_twice(settings):
    engines, seen = FakeEngines(), []
    configs = [eval_run.load_config("learned-rerank"), eval_run.load_config("dense-only")]
    runs = eval_run.evaluate(_items(), settings, configs, engines, lambda *a: seen.append(a))
    assert [r.name for r in runs] == ["current", "learned-rerank", "dense-only"]
    assert runs[1].same_as == "current" and runs[2].same_as is None
    assert len(engines.built) == 2  # current and dense-only
    assert seen[-1] == ("dense-only", 3, 3)
    assert runs[0].overall["errors"] == 1


def _renamed_gold(tmp_path, n: int) -> tuple:
    """The first n gold items, and the same with every evidence document renamed."""
    lines = GOLD.read_text().splitlines()[:n]
    original, renamed = tmp_path / "gold.jsonl", tmp_path / "gold-renamed.jsonl"
    original.write_text("\n".join(lines) + "\n")
    changed = []
    for line in lines:
        data = json.loads(line)
        data["evidence"] = [{**e, "doc": f"renamed/{i}.pdf"} for i, e in enumerate(data["evidence"])]
        changed.append(json.dumps(data))
    renamed.write_text("\n".join(changed) + "\n")
    return original, renamed


def test_rag_eval_end_to_end_with_a_fake_embedder(
    settings, corpus_copy, fake_embedder, tmp_path, monkeypatch
):
    ingest(settings, embedder=fake_embedder)
    # Through the embedder cache, not by replacing get_embedder: a module first imported during
    # the test would keep the replacement (`from rag.embed import get_embedder`) for the session.
    from rag import embed

    key = (settings.embed.model, settings.embed.batch_size)
    monkeypatch.setitem(embed._CACHE, key, fake_embedder)
    embedded_before = fake_embedder.calls
    original, renamed = _renamed_gold(tmp_path, 8)
    out = tmp_path / "out"
    code = main(
        ["eval", "--gold", str(original), "--out", str(out), "--compare", "bm25-only", "hybrid-rerank"]
    )
    assert code == 0 and fake_embedder.calls > embedded_before  # the questions met the fake
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(results) == 8 and all({"id", "answer", "citations", "retrieved"} <= set(r) for r in results)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["overall"]["items"] == 8 and set(metrics["compare"]) == {"bm25-only", "hybrid-rerank"}
    assert metrics["ir_measures"]["mrr"] == pytest.approx(metrics["overall"]["mrr"], abs=1e-4)
    assert (out / "compare" / "bm25-only" / "results.jsonl").exists()
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 5 and "bm25-only" in html  # split, category, case, document, compare
    assert (out / "report.md").read_text().startswith("# Evaluation report")

    assert main(["eval", "--gold", str(renamed), "--out", str(tmp_path / "out2")]) == 0
    renamed_metrics = json.loads((tmp_path / "out2" / "metrics.json").read_text())
    for key in ("mrr", "hit@5", "evidence_recall@500w", "citation_recall", "key_points"):
        assert renamed_metrics["overall"][key] == metrics["overall"][key], key


def test_rag_eval_reports_a_malformed_gold_file_by_line_and_field(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    good = GOLD.read_text().splitlines()[0]
    bad.write_text(good + "\n" + good.replace('"answerable": true', '"answerable": "maybe"') + f"\n{good}\n")
    assert main(["eval", "--gold", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: field 'answerable'" in err and f"{bad}:3: field 'id'" in err and "on line 1" in err
    assert not (tmp_path / "o").exists()


def test_rag_eval_refuses_an_unknown_config_and_a_missing_index(tmp_path, capsys):
    assert main(["eval", "--compare", "dense-ony", "--out", str(tmp_path / "o")]) == 2
    assert "no config 'dense-ony'" in capsys.readouterr().err
    assert main(["eval", "--out", str(tmp_path / "o")]) == 2
    assert "rag ingest" in capsys.readouterr().err
