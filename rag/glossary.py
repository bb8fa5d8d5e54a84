"""Safeguarding shorthand (`rag/data/glossary.toml`, plus an organisation's own `glossary.toml`
beside the corpus): a question using a short or a long form is matched with both."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

PACKAGED = Path(__file__).parent / "data" / "glossary.toml"
GLOSSARY_FILE = "glossary.toml"  # an organisation's own terms, beside the corpus


@dataclass(frozen=True)
class Glossary:
    forms: dict[str, tuple[str, ...]]  # any form (lower case) -> the other forms of the term
    spellings: dict[str, str] = field(default_factory=dict)  # "wat" -> "what" (one way)

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        """One whole-word pattern per form, compiled once (every question is read with them)."""
        return [(re.compile(rf"(?<![\w&-]){re.escape(f)}(?![\w&-])"), o) for f, o in self.forms.items()]

    def used(self, text: str) -> list[str]:
        """The glossary forms the text uses ("recs", "hv"), in no particular order."""
        lowered = text.lower()
        patterns = zip(self._patterns, self.forms, strict=True)
        return [form for (pattern, _), form in patterns if pattern.search(lowered)]

    def expansions(self, text: str) -> list[str]:
        """The other forms of every term the text uses, in order of first use."""
        lowered = text.lower()
        found: list[tuple[int, str]] = []
        for pattern, others in self._patterns:
            for match in pattern.finditer(lowered):
                found.extend((match.start(), other) for other in others)
        return list(dict.fromkeys(other for _, other in sorted(found) if other not in lowered))


def load_glossary(extra: Path | None = None) -> Glossary:
    """The packaged glossary, with an organisation's own file's terms added."""
    return _load(PACKAGED, extra if extra is not None and extra.is_file() else None)


@lru_cache(maxsize=8)
def _load(packaged: Path, extra: Path | None) -> Glossary:
    terms: dict[str, list[str]] = {}
    spellings: dict[str, str] = {}
    for path in (packaged, extra):
        if path is None:
            continue
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML ({exc}); fix the glossary") from exc
        for typed, meant in tables.get("spellings", {}).items():
            if not isinstance(meant, str):
                raise ValueError(f"{path}: [spellings] {typed!r} must be the word it stands for")
            spellings[typed.lower().strip()] = meant.lower().strip()
        for short, longs in tables.get("terms", {}).items():
            if not isinstance(longs, list) or not all(isinstance(x, str) for x in longs):
                raise ValueError(f"{path}: [terms] {short!r} must be a list of long forms")
            terms.setdefault(short.lower().strip(), []).extend(x.lower().strip() for x in longs)
    forms: dict[str, set[str]] = {}
    for short, longs in terms.items():
        group = {short, *longs}
        for form in group:
            forms.setdefault(form, set()).update(group - {form})
    return Glossary({form: tuple(sorted(others)) for form, others in forms.items()}, spellings)
