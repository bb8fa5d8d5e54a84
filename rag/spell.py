"""Spelling that knows the collection: a slip of the keys in a question ("consltation",
"norflok") is corrected to a word the indexed reviews use, so retrieval, case routing and the
off-topic check see what the practitioner meant.

A word is never changed when it is a word of the reviews, of a general English word list
(the one symspellpy ships), or of the glossary: only words nobody writes are corrected, and
only towards words the reviews write (correcting towards a word no review uses would not
help retrieval and would risk turning an unknown name into a known one).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

from rag.text import stemmer

VOCABULARY_FILE = "vocabulary.json"  # word -> count, written with each index generation
_WORD = re.compile(r"[A-Za-z][A-Za-z']*[A-Za-z]|[A-Za-z]")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9']*")  # what a question is read in (keeps "b4", "s47")
_MIN_LENGTH = 5  # shorter words are too ambiguous to correct ("resi", "cot", "hv")
_ACRONYM_MAX = 6  # an upper-case word this short is an acronym, not a slip ("NSPCC")


def collection_vocabulary(texts: Iterable[str]) -> dict[str, int]:
    """Lower-case words of the collection with their counts (what the speller corrects to)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text))
    return dict(counts)


@lru_cache(maxsize=1)
def english_stems() -> frozenset[str]:
    """Snowball stems of the English word list: "stepfathers" is known when "stepfather" is."""
    return frozenset(stemmer().stemWords(sorted(english_words())))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """A general English word list (82,765 words, shipped inside the symspellpy wheel)."""
    dictionary = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    return frozenset(line.split(" ", 1)[0] for line in dictionary.read_text(encoding="utf-8").splitlines())


@dataclass(frozen=True)
class Correction:
    """A question as understood: its text with corrected words, and each change made."""

    text: str
    changes: list[tuple[str, str]] = field(default_factory=list)  # (typed, understood)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class Speller:
    """Corrects words that are in no word list to the closest word of the collection."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        names: Iterable[str] = (),
        extra_known: Iterable[str] = (),
        spellings: dict[str, str] | None = None,
        max_distance: int = 2,
    ):
        """`names`: words of review names and aliases ("jack", "calderdale"), corrected to
        even from three letters ("jak"); `extra_known`: words never corrected (glossary)."""
        self.max_distance = max_distance
        self.spellings = spellings or {}  # typed in a hurry -> the word ("wat" -> "what")
        names = {w.lower() for w in names if len(w) >= 3 and w.isalpha()}
        self.known = english_words() | set(vocabulary) | names | {w.lower() for w in extra_known}
        self._known_stems = english_stems() | frozenset(stemmer().stemWords(sorted(set(vocabulary))))
        self._name_words = sorted(names)
        self._words = _dictionary(vocabulary.items(), max_distance)
        self._names = _dictionary(((name, vocabulary.get(name, 1)) for name in names), 1)

    def correct(self, text: str) -> Correction:
        changes: list[tuple[str, str]] = []

        def fix(match: re.Match[str]) -> str:
            typed = match.group(0)
            understood = self.correct_word(typed)
            if understood != typed:
                changes.append((typed, understood))
            return understood

        corrected = _TOKEN.sub(fix, text)
        return Correction(corrected, changes)

    def correct_word(self, word: str) -> str:
        lowered = word.lower()
        if lowered in self.spellings:
            return self.spellings[lowered]
        if len(word) < 3 or self._is_known(lowered) or self._is_acronym(word):
            return word
        if not _WORD.fullmatch(word):  # digits in it: "s47", "2019", "b12"
            return word
        if lowered.endswith("nt") and f"{lowered[:-2]}n't" in self.known:
            return f"{word[:-2]}n't"  # "wasnt" is "wasn't", never "want"
        if self._shortens_a_name(lowered):
            return word  # "cambs", "staffs": a place written short, not a slip
        best = _closest(self._names, lowered, 1)  # a review's name first: "jak" is Jack
        if best is None and len(word) >= _MIN_LENGTH:
            best = _closest(self._words, lowered, 1 if len(word) <= 6 else self.max_distance)
        if best is None:
            return word
        return best.capitalize() if word[0].isupper() and not word.isupper() else best

    def _is_known(self, lowered: str) -> bool:
        """A word of a list, or a form of one ("stepfathers", "toddler's")."""
        if lowered in self.known:
            return True
        bare = lowered.removesuffix("'s").removesuffix("'")
        return bare in self.known or stemmer().stemWord(bare) in self._known_stems

    def _shortens_a_name(self, lowered: str) -> bool:
        bare = lowered.removesuffix("s")
        return len(bare) >= 4 and any(n.startswith(bare) and n != bare for n in self._name_words)

    @staticmethod
    def _is_acronym(word: str) -> bool:
        return word.isupper() and len(word) <= _ACRONYM_MAX


def _dictionary(counts: Iterable[tuple[str, int]], max_distance: int) -> SymSpell:
    symspell = SymSpell(max_dictionary_edit_distance=max_distance, prefix_length=7)
    for word, count in counts:
        if len(word) >= 3 and "'" not in word:
            symspell.create_dictionary_entry(word, count)
    return symspell


def _closest(dictionary: SymSpell, word: str, distance: int) -> str | None:
    """The word fewest edits away; among equals, one that keeps the first letter (slips
    rarely hit it), then the commonest in the collection."""
    found = dictionary.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
    if not found:
        return None
    found.sort(key=lambda s: (s.distance, s.term[0] != word[0], -s.count, s.term))
    return found[0].term
