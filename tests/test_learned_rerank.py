"""The learned passage reranker: its features, its model file, fitting it, and refitting it
without a held-out review's questions (fake embedder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rag.answer.engine import Engine
from rag.eval import rerank_fit
from rag.eval.holdout import RERANK_FILE, run_holdout
from rag.eval.run import Engines
from rag.query import analyse
from rag.rerank.learned import PACKAGED_MODEL, PASSAGE_FEATURES, LearnedRescorer, PassageModel, passage_rows

from .conftest import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
INDEX = {name: i for i, name in enumerate(PASSAGE_FEATURES)}


def _model(**weights: float) -> PassageModel:
    n = len(PASSAGE_FEATURES)
    coef = tuple(weights.get(name, 0.0) for name in PASSAGE_FEATURES)
    return PassageModel((0.0,) * n, (1.0,) * n, coef, 0.0)


def _hits(engine: Engine, question: str):
    query = analyse(question, engine.directory)
    return query, engine.search.embedder.embed_query(query.text), engine.retrieve(query)


def test_every_hit_gets_one_row_of_its_own_features(fake_engine):
    query, vector, hits = _hits(fake_engine, "what did the review say about the childminder and the MASH")
    rows = passage_rows(query, vector, hits, fake_engine.sentences)
    assert rows.shape == (len(hits), len(PASSAGE_FEATURES)) and len(hits) > 3
    assert rows[0, INDEX["fused_prior"]] == 1.0 and rows[1, INDEX["fused_prior"]] < 1.0
    covering = hits[int(np.argmax(rows[:, INDEX["topic_words"]]))].passage.text.lower()
    assert "childminder" in covering and "mash" in covering
    assert (rows[:, INDEX["best_cosine"]] >= rows[:, INDEX["top2_cosine"]]).all()
    assert (rows[:, INDEX["length"]] > 0).all() and set(rows[:, INDEX["section_fit"]]) <= {-1.0, 0.0, 1.0}


def test_a_model_that_weighs_topic_words_puts_the_covering_passage_first(fake_engine):
    query, vector, hits = _hits(fake_engine, "anonymous consultation with the MASH")
    reranker = LearnedRescorer(fake_engine.sentences, _model(topic_words=5.0))
    out = reranker.rerank(query, vector, list(reversed(hits)))
    assert sorted(h.passage.id for h in out) == sorted(h.passage.id for h in hits)
    assert [h.score for h in out] == sorted((h.score for h in out), reverse=True)
    top = out[0].passage.text.lower()
    assert "anonymous" in top and "consultation" in top and "mash" in top
    upside_down = LearnedRescorer(fake_engine.sentences, _model(topic_words=-5.0)).rerank(query, vector, hits)
    assert upside_down[0].passage.id != out[0].passage.id


def test_fitting_learns_which_feature_marks_the_evidence_and_is_deterministic():
    rng = np.random.default_rng(3)
    features, labels = {}, {}
    for q in range(30):
        y = np.array([1, 0, 0, 0, 0, 0])
        x = rng.normal(0.5, 0.2, size=(6, len(PASSAGE_FEATURES)))
        x[:, INDEX["bm25_rank"]] = np.where(y == 1, rng.normal(0.8, 0.1, 6), rng.normal(0.2, 0.1, 6))
        features[f"q{q}"], labels[f"q{q}"] = x, y
    rows = rerank_fit.PassageRows(features, labels)
    model = rerank_fit.fit(rows, {"split": "train"})
    weights = model.weights()
    assert max(weights, key=lambda k: abs(weights[k])) == "bm25_rank" and weights["bm25_rank"] > 1.0
    assert model == rerank_fit.fit(rows, {"split": "train"})
    assert model.fitted["questions"] == 30 and model.fitted["positives"] == 30
    assert rerank_fit.fit(rows.only({"q1", "q2", "q3"}), {}).fitted["questions"] == 3
    with pytest.raises(ValueError, match="evidence quote"):
        rerank_fit.fit(rerank_fit.PassageRows(features, {k: v * 0 for k, v in labels.items()}), {})


def test_the_model_file_round_trips_is_reread_when_refitted_and_a_bad_one_names_itself(tmp_path):
    path = tmp_path / "rerank.json"
    rerank_fit.write(_model(bm25_rank=1.0), path)
    assert PassageModel.load(path).weights()["bm25_rank"] == 1.0
    rerank_fit.write(_model(bm25_rank=2.0), path)
    os.utime(path, ns=(1, 10**18))  # a refit in the same instant still reads as new
    assert PassageModel.load(path).weights()["bm25_rank"] == 2.0
    with pytest.raises(FileNotFoundError, match=r"rerank\.model_path.*nowhere.*rag train"):
        PassageModel.load(tmp_path / "nowhere.json")
    other = json.loads(path.read_text())
    other["features"] = ["cosine"]
    path.write_text(json.dumps(other))
    os.utime(path, ns=(1, 2 * 10**18))
    with pytest.raises(ValueError, match="other passage features"):
        PassageModel.load(path)


def test_the_packaged_model_says_it_was_fitted_on_the_train_split():
    model = PassageModel.load(PACKAGED_MODEL)
    assert model.fitted["split"] == "train" and model.fitted["questions"] >= 100
    assert set(model.weights()) == set(PASSAGE_FEATURES)


def _gold_about(docs: tuple[str, ...], per_doc: int) -> list[dict]:
    """Answerable gold items whose evidence lies in one of `docs` only, `per_doc` of each."""
    out, count = [], dict.fromkeys(docs, 0)
    for line in (ROOT / "eval" / "gold.jsonl").read_text().splitlines():
        item = json.loads(line)
        where = {e["doc"] for e in item.get("evidence", [])}
        if item.get("answerable", True) and len(where) == 1 and not item.get("history"):
            doc = where.pop()
            if doc in count and count[doc] < per_doc:
                count[doc] += 1
                out.append(item)
    assert all(n == per_doc for n in count.values()), count
    return out


def test_a_held_out_review_teaches_the_reranker_nothing(fake_index, tmp_path):
    held, kept = "norfolk-case-s-learning-presentation.md", "derbyshire-child-h-executive-summary.txt"
    items = _gold_about((held, kept), 4)
    changed = [
        {**i, "evidence": [{**e, "quote": "words no passage holds"} for e in i["evidence"]]}
        if i["evidence"][0]["doc"] == held
        else i
        for i in items
    ]
    engines = Engines(embedder=FakeEmbedder(), warm_up=False)
    models = []
    for name, rows in (("gold", items), ("changed", changed)):
        gold = tmp_path / f"{name}.jsonl"
        gold.write_text("".join(json.dumps(i) + "\n" for i in rows))
        metrics = run_holdout(gold, tmp_path / name, fake_index, held, engines)
        assert metrics["overall"]["items"] == 4 and metrics["holdout_review"] == held
        models.append(json.loads((tmp_path / name / RERANK_FILE).read_text()))
    learned = [{k: v for k, v in m.items() if k != "fitted"} for m in models]
    assert learned[0] == learned[1]  # what the held-out review's questions say changed nothing
    assert models[0]["fitted"]["split"] == f"all but {held}" and models[0]["fitted"]["questions"] == 4
