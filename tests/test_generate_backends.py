"""Choosing a generator: settings, optional extras, the GGUF file rule, and what failures mean."""

from __future__ import annotations

import sys
import types

import httpx
import pytest

from rag import prompts
from rag.answer.generate import MissingExtra, load_generative, load_generator
from rag.answer.generate.base import classify
from rag.settings import GenerateSettings, load_settings


def test_extractive_needs_no_generator(settings):
    assert load_generative(settings, fallback=None, evidence=None) is None


@pytest.mark.parametrize(
    ("backend", "module", "extra"),
    [
        ("openai", "llama_index.llms.openai_like", "openai"),
        ("ollama", "llama_index.llms.ollama", "ollama"),
    ],
)
def test_a_missing_extra_names_what_to_install(backend, module, extra, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # as if the integration were not installed
    generate = GenerateSettings(backend=backend, base_url="http://llm.internal/v1", model="m")
    with pytest.raises(MissingExtra, match=rf"pip install -e '\.\[{extra}\]'"):
        load_generator(generate)


def test_openai_needs_a_server_and_a_model():
    with pytest.raises(ValueError, match="generate.base_url"):
        load_generator(GenerateSettings(backend="openai", model="m"))
    with pytest.raises(ValueError, match="generate.model"):
        load_generator(GenerateSettings(backend="ollama"))


def test_building_a_generator_leaves_llama_index_global_settings_alone():
    from llama_index.core import Settings

    before = (Settings._llm, Settings._embed_model)
    generator = load_generator(GenerateSettings(backend="openai", base_url="http://llm.internal/v1", model="m"))
    load_generator(GenerateSettings(backend="ollama", model="m"))
    assert (Settings._llm, Settings._embed_model) == before == (None, None)
    assert generator.name == "openai:m"
    assert generator.llm.api_base == "http://llm.internal/v1" and generator.llm.max_retries == 0
    assert generator.llm.is_chat_model and generator.llm.tokenizer is None


# --- llamacpp: a GGUF file the user gives, never a download ----------------------------------------


@pytest.fixture
def fake_llama_cpp(monkeypatch):
    """llama-index's LlamaCPP stood in for, recording how it is built."""
    built = []

    class LlamaCPP:
        def __init__(self, **kwargs):
            built.append(kwargs)
            self._model = types.SimpleNamespace(metadata={})

    module = types.ModuleType("llama_index.llms.llama_cpp")
    module.LlamaCPP = LlamaCPP
    monkeypatch.setitem(sys.modules, "llama_index.llms.llama_cpp", module)
    return built


def test_llamacpp_refuses_to_start_without_a_model_file(tmp_path, fake_llama_cpp):
    with pytest.raises(ValueError, match="model_path.*nothing is downloaded"):
        load_generator(GenerateSettings(backend="llamacpp"))
    with pytest.raises(FileNotFoundError, match="no GGUF file at .*missing.gguf"):
        load_generator(GenerateSettings(backend="llamacpp", model_path=tmp_path / "missing.gguf"))
    assert fake_llama_cpp == []  # LlamaCPP (which downloads a 7B model without a path) never built


def test_llamacpp_loads_the_given_file_only(tmp_path, fake_llama_cpp):
    gguf = tmp_path / "org-model.Q4_K_M.gguf"
    gguf.write_bytes(b"GGUF")
    generator = load_generator(GenerateSettings(backend="llamacpp", model_path=gguf, temperature=1.5))
    assert generator.name == "llamacpp:org-model.Q4_K_M.gguf"
    (kwargs,) = fake_llama_cpp
    assert kwargs["model_path"] == str(gguf) and "model_url" not in kwargs
    assert kwargs["temperature"] == 1.0 and kwargs["context_window"] == 8192


def test_llamacpp_without_its_extra_names_it(tmp_path, monkeypatch):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_index.llms.llama_cpp", None)
    with pytest.raises(MissingExtra, match=r"pip install -e '\.\[llamacpp\]'"):
        load_generator(GenerateSettings(backend="llamacpp", model_path=gguf))


# --- settings and configurations -------------------------------------------------------------------------


def test_generate_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_GENERATE__BACKEND", "ollama")
    monkeypatch.setenv("RAG_GENERATE__MODEL", "llama3.1:8b")
    monkeypatch.setenv("RAG_GENERATE__CHECK_MIN_COSINE", "0.7")
    generate = load_settings().generate
    assert (generate.backend, generate.model, generate.check_min_cosine) == ("ollama", "llama3.1:8b", 0.7)


def test_the_generative_eval_configuration_applies_through_settings(settings):
    from rag.eval import run as eval_run

    config = eval_run.load_config("generative-openai")
    generate = config.apply(settings).generate
    assert generate.backend == "openai" and generate.base_url.endswith("/v1") and generate.model
    assert config.description


# --- what a failure means --------------------------------------------------------------------------------


class _StatusError(Exception):
    def __init__(self, status_code: int):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def _wrapped(cause: BaseException) -> Exception:
    try:
        raise RuntimeError("client error") from cause
    except RuntimeError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "kind", "notice"),
    [
        (_StatusError(429), "rate_limited", prompts.LLM_RATE_LIMITED),
        (_StatusError(502), "server_error", prompts.LLM_SERVER_ERROR),
        (_StatusError(401), "refused", prompts.LLM_REFUSED),
        (_wrapped(httpx.ReadTimeout("timed out")), "timeout", prompts.LLM_TIMEOUT),
        (TimeoutError(), "timeout", prompts.LLM_TIMEOUT),
        (_wrapped(httpx.ConnectError("refused")), "unreachable", prompts.LLM_UNREACHABLE),
        (ConnectionRefusedError(), "unreachable", prompts.LLM_UNREACHABLE),
        (KeyError("choices"), "failed", prompts.LLM_FAILED),
    ],
)
def test_failures_are_classified_by_what_they_mean(error, kind, notice):
    classified = classify(error)
    assert (classified.kind, classified.notice) == (kind, notice)
