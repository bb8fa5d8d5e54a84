"""Run a gold set through `Engine.answer` (what the UI calls), under the current settings
and under named configurations for comparison, and write results, metrics and reports."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from rag.eval import score as ev
from rag.eval.gold import GoldItem, in_split, load_gold, splits
from rag.eval.insights import insights_metrics
from rag.eval.metrics import Check, check, ir_measures_check
from rag.jsonl import write_jsonl
from rag.settings import Settings
from rag.types import Answer

CONFIG_DIR = Path(__file__).resolve().parent / "configs"  # package data: works when installed
CURRENT = "current"
Progress = Callable[[str, int, int], None]  # (label, done, total), as ingest reports


class ConfigError(ValueError):
    """A comparison configuration that cannot be found or applied."""


@dataclass
class Config:
    """A named set of settings overrides, e.g. rag/eval/configs/dense-only.toml."""

    name: str
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""

    def apply(self, settings: Settings) -> Settings:
        update = {}
        for section, values in self.overrides.items():
            current = getattr(settings, section, None)
            if not isinstance(current, BaseModel) or not isinstance(values, dict):
                raise ConfigError(f"config {self.name}: [{section}] is not a settings section")
            try:
                update[section] = type(current).model_validate({**current.model_dump(), **values})
            except ValidationError as exc:
                raise ConfigError(f"config {self.name}: [{section}] {_first_error(exc)}") from exc
        return settings.model_copy(update=update)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def presets() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))


def load_config(name_or_path: str) -> Config:
    """A preset name from rag/eval/configs/ or a path to a TOML file of section tables."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" or path.exists()):
        path = CONFIG_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise ConfigError(f"no config {name_or_path!r}; presets: {', '.join(presets()) or 'none'}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from exc
    description = data.pop("description", "")
    return Config(path.stem, data, str(description))


# --- engines sharing the expensive parts ---------------------------------------------------


class CachingEmbedder:
    """Remembers passage and sentence vectors so engines for several configurations embed
    the corpus sentences once. Query vectors are not cached, so latency stays honest."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._vectors: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.inner.embed_passages(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class Engines:
    """An engine holder per configuration; the holders share embedders and each loaded index
    generation, so several configurations load the index once."""

    def __init__(self, embedder=None, warm_up: bool = True):
        """`warm_up=False`: sentences are embedded only as questions need them, in question
        order, so that a run gives the same vectors, to the last bit, every time."""
        self._embedder = embedder
        self._warm_up = warm_up
        self._embedders: dict[str, CachingEmbedder] = {}
        self._search: dict[str, Any] = {}
        self._holders: dict[str, Any] = {}

    def engine(self, settings: Settings):
        from rag.answer.holder import EngineHolder

        key = settings.model_dump_json()
        if key not in self._holders:
            self._holders[key] = EngineHolder(settings, lambda: self._load(settings), background=False)
        return self._holders[key].get()

    def _load(self, settings: Settings):
        from rag import store
        from rag.answer.engine import Engine
        from rag.retrieve import SearchIndex

        generation = store.open_current(settings)
        key = str(generation.path)
        if key not in self._search:
            self._search[key] = SearchIndex.load(generation, self._embedder_for(settings))
        return Engine(settings, self._search[key], warm_up=self._warm_up)

    def _embedder_for(self, settings: Settings):
        key = settings.embed.model_dump_json()
        if key not in self._embedders:
            from rag.embed import get_embedder

            self._embedders[key] = CachingEmbedder(self._embedder or get_embedder(settings.embed))
        return self._embedders[key]


# --- running ------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """One configuration's run over the gold set."""

    name: str
    settings: Settings
    results: list[dict[str, Any]]  # Answer JSON with the item id, per item
    rows: list[ev.ItemScore]
    description: str = ""
    same_as: str | None = None  # another configuration with identical settings

    @property
    def overall(self) -> dict[str, Any]:
        return ev.summarise(self.rows)

    def metrics(self, assigned: dict[str, str] | None = None) -> dict[str, Any]:
        """`assigned`: item id -> train/test, for the split table (omitted without it)."""
        return {
            "overall": self.overall,
            "by_category": ev.by_category(self.rows),
            "by_split": ev.by_split(self.rows, assigned) if assigned else {},
            "by_case": ev.by_case(self.rows),
            "by_review": ev.by_review(self.rows),
            "ir_measures": ir_measures_check(self.rows),
        }


def answer_all(items: list[GoldItem], engine, label: str = CURRENT, progress: Progress | None = None):
    """Every gold item through Engine.answer, with its conversation history; an item that
    raises is recorded with its error rather than stopping the run."""
    results = []
    for done, item in enumerate(items, start=1):
        try:
            answer = engine.answer(item.question, history=item.history_turns()).to_dict()
        except Exception as exc:  # noqa: BLE001  (reported per item in results and report)
            answer = Answer(item.question, "", False, "error", 0.0).to_dict()
            answer["error"] = f"{type(exc).__name__}: {exc}"
        results.append({"id": item.id, **answer})
        if progress:
            progress(label, done, len(items))
    return results


def evaluate(
    items: list[GoldItem],
    settings: Settings,
    configs: list[Config] = (),  # type: ignore[assignment]
    engines: Engines | None = None,
    progress: Progress | None = None,
) -> list[Evaluation]:
    """The current settings first, then each configuration (reusing a run with equal settings)."""
    engines = engines or Engines()
    runs: list[Evaluation] = []
    for config in [Config(CURRENT, description="settings as configured"), *configs]:
        resolved = config.apply(settings)
        twin = next((r for r in runs if r.settings == resolved), None)
        if twin is not None:
            runs.append(
                Evaluation(config.name, resolved, twin.results, twin.rows, config.description, twin.name)
            )
            continue
        if progress:  # the bar shows while the model and index load
            progress(config.name, 0, len(items))
        results = answer_all(items, engines.engine(resolved), config.name, progress)
        rows = [ev.score_item(item, result) for item, result in zip(items, results, strict=True)]
        runs.append(Evaluation(config.name, resolved, results, rows, config.description))
    return runs


# --- writing --------------------------------------------------------------------------------


def write_outputs(
    out_dir: Path,
    runs: list[Evaluation],
    items: list[GoldItem],
    gold_path: Path,
    checks: list[Check] | None = None,
    split: str | None = None,
    assigned: dict[str, str] | None = None,
    insights: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """results.jsonl, scores.jsonl, metrics.json, report.html and report.md; returns the metrics.
    `split`: the gold items were kept to the train or the test split; `assigned`: each gold
    item's split, for the train/test table of a run over both; `insights`: card and theme
    scores (rag.eval.insights)."""
    from rag.eval.report.context import build_report
    from rag.eval.report.render import render_html, render_markdown

    out_dir.mkdir(parents=True, exist_ok=True)
    main, compared = runs[0], runs[1:]
    for run in runs:
        if run.same_as is None:
            folder = out_dir if run is main else out_dir / "compare" / run.name
            write_jsonl(folder / "results.jsonl", run.results)
            write_jsonl(folder / "scores.jsonl", [row.to_dict() for row in run.rows])
    metrics = {
        "gold": str(gold_path),
        "split": split or "all",  # "train" | "test" | "all" (then by_split shows both)
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings_summary(main.settings),
        **main.metrics(assigned if split is None else None),
        "per_item": per_item(main.rows),
        "gate": [{**c.__dict__, "passed": c.passed} for c in checks or []],
        "compare": {
            r.name: {
                "description": r.description,
                "same_as": r.same_as,
                "settings": settings_summary(r.settings),
                "overall": r.overall,
                "by_category": ev.by_category(r.rows),
                "per_item": per_item(r.rows),
            }
            for r in compared
        },
        **({"insights": insights} if insights else {}),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False), encoding="utf-8")
    report = build_report(metrics, main.results, main.rows, items)
    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    return metrics


def per_item(rows: list[ev.ItemScore]) -> dict[str, float]:
    """Evidence recall within the word budget by item id: what comparisons test for chance."""
    return {r.id: r.retrieval.budget_recall for r in rows if r.retrieval}


def settings_summary(settings: Settings) -> dict[str, Any]:
    """The settings that change answers, for the report and metrics.json, with the sentence
    scorer's and the passage reranker's weights when they are learned ones."""
    summary = {
        section: getattr(settings, section).model_dump(mode="json")
        for section in ("embed", "chunk", "retrieve", "rerank", "answer")
    }
    summary["sentence_scorer"] = _scorer_summary(settings)
    summary["passage_reranker"] = _reranker_summary(settings)
    return summary


def _reranker_summary(settings: Settings) -> dict[str, Any]:
    if settings.rerank.backend != "learned":
        return {"kind": settings.rerank.backend}
    from rag.rerank.learned import PACKAGED_MODEL, PassageModel

    try:
        model = PassageModel.load(settings.rerank.model_path or PACKAGED_MODEL)
    except (OSError, ValueError) as exc:
        return {"kind": "learned", "error": str(exc)}
    return {"kind": "learned", "weights": model.weights(), "fitted": model.fitted}


def _scorer_summary(settings: Settings) -> dict[str, Any]:
    from rag.answer.extractive.model import get_scorer

    try:
        scorer = get_scorer(settings.answer)
    except ValueError as exc:
        return {"kind": settings.answer.scorer, "error": str(exc)}
    if settings.answer.scorer == "hand":
        return {"kind": "hand"}
    return {
        "kind": "learned",
        "weights": scorer.weights(),
        "fitted": scorer.fitted,
        "abstain_below": round(scorer.abstain_below, 4),
        "relative_floor": scorer.relative_floor,
        "max_sentences": scorer.max_sentences,
    }


def run_and_write(
    gold_path: Path,
    out_dir: Path,
    settings: Settings,
    configs: list[Config] = (),  # type: ignore[assignment]
    thresholds: dict[str, dict[str, float]] | None = None,
    engines: Engines | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    split: str | None = None,
) -> tuple[dict[str, Any], list[Check]]:
    """What `rag eval` does: load, run every configuration, gate, write. Returns (metrics, checks).
    `split` keeps the train or the test items only (the gate is meant for the test split)."""
    gold = load_gold(gold_path)
    items = in_split(gold, split)[:limit]
    engines = engines or Engines()
    runs = evaluate(items, settings, configs, engines, progress)
    checks = check(runs[0].overall, thresholds) if thresholds else []
    insights = insights_metrics(engines.engine(runs[0].settings).insights, gold_path.parent)
    return write_outputs(out_dir, runs, items, gold_path, checks, split, splits(gold), insights), checks
