"""Tagging a review with the themes it discusses, each tag with its best sentences.

Two small models, fitted on hand-labelled reviews (`rag/data/theme_model.json`, refitted by
`python -m rag.eval.themes_fit`):
- a sentence model: how likely one sentence is to express a theme, from how close it comes
  to the theme's example phrasings (and how much closer than to the other themes, so a
  sentence close to everything counts for nothing), whether it uses one of the theme's
  keywords (not negated: "no concerns about domestic abuse" is not about domestic abuse),
  and whether it sits in a part of the review that states findings;
- a review model: how likely the review is to discuss the theme, from its sentences' scores
  (the best, the best three, how many are likely).
The features never name a theme, so a theme an organisation adds is tagged by the same models.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.insights.sentences import Sentence, quote_of
from rag.insights.types import Theme, ThemeTag
from rag.store.sentence_vectors import text_key
from rag.text import denied_before
from rag.types import Document

PACKAGED_MODEL = Path(__file__).resolve().parent.parent / "data" / "theme_model.json"
SENTENCE_FEATURES = (
    "cosine",
    "specific",
    "top_theme",
    "context",
    "keyword",
    "negated",
    "in_findings",
    "short",
)
REVIEW_FEATURES = ("best", "top3", "mass", "likely", "size", "top3_relative", "likely_relative")
MOST_SENTENCES = 3
EVIDENCE_FLOOR = 0.2  # supporting sentences: at least this likely to express the theme
SHORT_WORDS = 5  # fewer words than this: a heading or a fragment more than a statement
# Sections that state what the review found, rather than telling the story.
FINDING_SECTIONS = ("analysis", "learning", "summary", "recommendations", "response")


@dataclass(frozen=True)
class Logistic:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.array(self.mean)) / np.array(self.scale)
        return 1 / (1 + np.exp(-(z @ np.array(self.weights) + self.bias)))

    @classmethod
    def from_dict(cls, data: dict) -> Logistic:
        return cls(tuple(data["weights"]), data["bias"], tuple(data["mean"]), tuple(data["scale"]))


@dataclass(frozen=True)
class ThemeModel:
    sentence: Logistic
    review: Logistic
    threshold: float  # tag when the review probability reaches this
    major: float  # a tag this probable is "major", else "minor"

    def to_json(self) -> str:
        data = {
            "sentence_features": list(SENTENCE_FEATURES),
            "review_features": list(REVIEW_FEATURES),
            "sentence": self.sentence.__dict__,
            "review": self.review.__dict__,
            "threshold": self.threshold,
            "major": self.major,
        }
        return json.dumps(data, indent=1, default=float)

    @classmethod
    def load(cls, path: Path = PACKAGED_MODEL) -> ThemeModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        made_for = (data.get("sentence_features"), data.get("review_features"))
        if made_for != (list(SENTENCE_FEATURES), list(REVIEW_FEATURES)):
            raise ValueError(f"{path}: made for other features; refit with `python -m rag.eval.themes_fit`")
        return cls(
            Logistic.from_dict(data["sentence"]), Logistic.from_dict(data["review"]),
            data["threshold"], data["major"],
        )  # fmt: skip


class ThemeMatcher:
    """The taxonomy, embedded once, matched against one document's sentences at a time.
    `known` holds phrasing vectors embedded before (by text key): only the others are embedded."""

    def __init__(self, themes: list[Theme], embedder, known: Mapping[str, np.ndarray] | None = None):
        self.themes = themes
        texts = [p for t in themes for p in t.phrasings]
        self.by_key = _phrasing_vectors(texts, embedder, known or {})
        self.embedded = len(set(self.by_key) - set(known or {}))
        empty = np.zeros((0, embedder.dim))
        vectors = np.vstack([self.by_key[text_key(t)] for t in texts]) if texts else empty
        self._phrasings: list[np.ndarray] = []
        i = 0
        for theme in themes:
            self._phrasings.append(vectors[i : i + len(theme.phrasings)])
            i += len(theme.phrasings)

    @cached_property
    def _keywords(self) -> list[re.Pattern[str] | None]:
        return [keyword_pattern(t.keywords) for t in self.themes]

    def match(self, sentences: list[Sentence], vectors: np.ndarray) -> DocumentMatches:
        n, count = len(sentences), len(self.themes)
        cosine = np.zeros((n, count), dtype=np.float32)
        keyword = np.zeros((n, count), dtype=bool)
        negated = np.zeros((n, count), dtype=bool)
        for j, (phrasings, pattern) in enumerate(zip(self._phrasings, self._keywords, strict=True)):
            if n:
                cosine[:, j] = (vectors @ phrasings.T).max(axis=1)
            if pattern is None:
                continue
            for i, sentence in enumerate(sentences):
                for found in pattern.finditer(sentence.text):
                    if denied_before(sentence.text, found.start()):
                        negated[i, j] = True
                    else:
                        keyword[i, j] = True
        return DocumentMatches(self.themes, sentences, cosine, keyword, negated & ~keyword)


def _phrasing_vectors(texts: list[str], embedder, known: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every phrasing's vector by text key, embedding only those not `known`."""
    keys = [text_key(t) for t in texts]
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
    fresh = embedder.embed_passages(missing) if missing else np.zeros((0, embedder.dim))
    out = {k: known[k] for k in keys if k in known}
    out.update({text_key(t): v for t, v in zip(missing, fresh, strict=True)})
    return out


def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words, any case, hyphen or space alike ("over-optimism", "over optimism"),
    plurals included."""
    if not keywords:
        return None
    forms = []
    for keyword in sorted(keywords, key=len, reverse=True):
        parts = [re.escape(w) for w in re.split(r"[\s-]+", keyword) if w]
        forms.append(r"[\s-]*".join(parts))
    return re.compile(rf"(?<![\w-])(?:{'|'.join(forms)})(?:s|es)?(?![\w])", re.IGNORECASE)


@dataclass
class DocumentMatches:
    """How each sentence of one document matches each theme (sentences x themes)."""

    themes: list[Theme]
    sentences: list[Sentence]
    cosine: np.ndarray
    keyword: np.ndarray
    negated: np.ndarray

    def sentence_features(self, j: int) -> np.ndarray:
        """SENTENCE_FEATURES of every sentence for theme j."""
        if not self.sentences:
            return np.zeros((0, len(SENTENCE_FEATURES)))
        others = (self.cosine.sum(axis=1) - self.cosine[:, j]) / max(len(self.themes) - 1, 1)
        findings = np.array([s.section_type in FINDING_SECTIONS for s in self.sentences], dtype=float)
        short = np.array([len(s.text.split()) < SHORT_WORDS for s in self.sentences], dtype=float)
        own = self.cosine[:, j]
        top_theme = (self.cosine >= own[:, None]).sum(axis=1) <= 2  # among its two closest themes
        context = np.maximum(np.r_[own[1:], 0.0], np.r_[0.0, own[:-1]])  # the sentences either side
        return np.column_stack([
            own, own - others, top_theme, context, self.keyword[:, j], self.negated[:, j], findings, short,
        ]).astype(float)  # fmt: skip


def review_features(likely: np.ndarray, sentences: int) -> np.ndarray:
    """REVIEW_FEATURES of every theme (rows) from its sentences' probabilities (themes x
    sentences). The relative ones compare a theme with the review's other themes, so a long
    review, where every theme finds a few close sentences, is not tagged with all of them."""
    count = likely.shape[0]
    if likely.shape[1] == 0:
        return np.zeros((count, len(REVIEW_FEATURES)))
    top = -np.sort(-likely, axis=1)
    top3 = top[:, :3].mean(axis=1)
    sure = np.log1p((likely >= 0.5).sum(axis=1))
    return np.column_stack([
        top[:, 0], top3, np.log1p(likely.sum(axis=1)), sure, np.full(count, math.log(sentences)),
        top3 - top3.mean(), sure - sure.mean(),
    ])  # fmt: skip


def sentence_likelihoods(matches: DocumentMatches, model: Logistic) -> np.ndarray:
    """themes x sentences: how likely each sentence is to express each theme."""
    rows = [model.probabilities(matches.sentence_features(j)) for j in range(len(matches.themes))]
    return np.vstack(rows) if rows else np.zeros((0, len(matches.sentences)))


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def headings(matches: DocumentMatches) -> np.ndarray:
    """Which sentences are a heading of the passage they sit in, printed in its text."""
    out = []
    for sentence in matches.sentences:
        parts = {_key(h) for h in sentence.passage.section.split(" > ")}
        parts |= {_key(re.sub(r"^[\d.]+\s*", "", h)) for h in sentence.passage.section.split(" > ")}
        out.append(_key(sentence.text) in parts)
    return np.array(out, dtype=bool)


def has_evidence(matches: DocumentMatches, likely: np.ndarray) -> np.ndarray:
    """Per theme: whether any sentence can be shown as its evidence, a statement rather than
    a heading (a review is tagged only when one can)."""
    if not matches.sentences:
        return np.zeros(len(matches.themes), dtype=bool)
    return ((likely >= EVIDENCE_FLOOR) & ~headings(matches)[None, :]).any(axis=1)


def tag_document(document: Document, matches: DocumentMatches, model: ThemeModel) -> tuple[ThemeTag, ...]:
    """The themes a document discusses, most probable first, each with its best sentences."""
    tags = []
    likely_all = sentence_likelihoods(matches, model.sentence)
    review = model.review.probabilities(review_features(likely_all, len(matches.sentences)))
    heading = headings(matches)
    for j, theme in enumerate(matches.themes):
        likely, p = likely_all[j], float(review[j])
        order = np.argsort(-likely, kind="stable")
        best = [i for i in order if likely[i] >= EVIDENCE_FLOOR and not heading[i]][:MOST_SENTENCES]
        if p < model.threshold or not best:
            continue
        quotes = tuple(quote_of(matches.sentences[i], document) for i in best)
        tags.append(ThemeTag(theme.id, theme.name, "major" if p >= model.major else "minor", p, quotes))
    return tuple(sorted(tags, key=lambda t: -t.score))
