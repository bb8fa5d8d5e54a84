"""Understand a question before retrieval: which cases, what kind of answer, and whether
it is a request to refuse. Rules only: no model is needed, and every rule is testable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.asks import Intent, clauses, detail_holder, expected_detail, intent_of, refusal_of
from rag.glossary import Glossary
from rag.text import QUESTION_STOPWORDS as STOPWORDS
from rag.text import words


@dataclass(frozen=True)
class ReviewEntry:
    """A review of the collection as routing knows it."""

    id: str
    label: str  # "Child S"
    name: str  # "Child S (Norfolk, 2017)"
    aliases: tuple[str, ...] = ()
    year: int | None = None


@dataclass(frozen=True)
class CaseDirectory:
    """The reviews in the index and what people type for them (lower case). An alias may name
    several reviews: published reviews reuse labels ("Child S", "Child A")."""

    aliases: dict[str, tuple[str, ...]]  # alias -> review ids
    reviews: dict[str, ReviewEntry]

    @classmethod
    def build(cls, cases: dict[str, list[str]]) -> CaseDirectory:
        """One review per label (its id and name are the label)."""
        reviews = [ReviewEntry(label, label, label, tuple(names)) for label, names in cases.items()]
        return cls.from_reviews(reviews)

    @classmethod
    def from_reviews(cls, reviews: list[ReviewEntry]) -> CaseDirectory:
        aliases: dict[str, list[str]] = {}
        for review in reviews:
            for name in {review.label, review.name, review.id, *review.aliases}:
                if name.strip():
                    ids = aliases.setdefault(name.lower().strip(), [])
                    if review.id not in ids:
                        ids.append(review.id)
        return cls({a: tuple(ids) for a, ids in aliases.items()}, {r.id: r for r in reviews})

    @property
    def labels(self) -> tuple[str, ...]:
        """Display names of every review, for a case filter."""
        return tuple(sorted(r.name for r in self.reviews.values()))

    def name(self, review_id: str) -> str:
        review = self.reviews.get(review_id)
        return review.name if review else review_id

    def sharing_label(self, review_ids: list[str]) -> dict[str, list[str]]:
        """Labels that several of these reviews share: {"Child S": [id, id]} ("Case S" and
        "Child S" are one label: reviews and readers use both)."""
        by_label: dict[str, list[str]] = {}
        shown: dict[str, str] = {}
        for rid in dict.fromkeys(review_ids):
            review = self.reviews.get(rid)
            if review is not None:
                key = re.sub(r"^case ", "child ", review.label.lower())
                by_label.setdefault(key, []).append(rid)
                shown.setdefault(key, review.label)
        return {shown[key]: ids for key, ids in by_label.items() if len(ids) > 1}


@dataclass(frozen=True)
class QueryPart:
    intent: Intent
    topic_words: tuple[str, ...]
    expects: str | None = None  # a kind of detail this part's answer must contain
    detail_holder: str | None = None  # whose detail, when not the child's


@dataclass
class Query:
    question: str  # as understood: with slips of the keys corrected
    text: str  # what retrieval searches with (question plus carried-over topic words)
    cases: list[str] = field(default_factory=list)  # ids of the reviews it is routed to
    case_names: list[str] = field(default_factory=list)  # their display names
    case_source: str = "none"  # "argument" | "question" | "history" | "none"
    unknown_cases: list[str] = field(default_factory=list)
    intent: Intent = "factual"
    # The things a compound question asks, each with its own words ("what happened to
    # Child F and what was the learning?": timeline, then learning); empty for one thing.
    parts: list[QueryPart] = field(default_factory=list)
    cross_case: bool = False
    expects: str | None = None  # a kind of detail the answer must contain
    detail_holder: str | None = None  # whose detail, when not the child's ("mother": rag.asks)
    refusal: str | None = None  # "identify" | "opinion" | "instructions"
    topic_words: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)  # earlier {role, content} turns
    # Reviews the question names that the case filter excludes (the question is not answered
    # from the filter's review instead).
    outside_filter: list[str] = field(default_factory=list)
    # Labels several routed reviews share, with those reviews' ids, for the answer to say so.
    shared_labels: dict[str, list[str]] = field(default_factory=dict)
    # Mentions that several reviews answer to ("Child B", "Hackney"): the answer layer narrows
    # them by the question's details.
    ambiguous: list[tuple[str, ...]] = field(default_factory=list)
    typed: str = ""  # the question as typed, when the speller changed it
    shorthand: list[str] = field(default_factory=list)  # glossary forms it uses ("recs", "hv")


_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_LABEL = re.compile(r"\b(child|case|baby)\s+([a-z])\b", re.IGNORECASE)
_PLACE_REVIEW = re.compile(r"\bthe ([A-Z][a-z]+) (?:review|scr|case|report|one)\b")
_CROSS = re.compile(
    r"\b(which|what) (reviews|cases|documents)\b|\bacross (the |these |all )?(reviews|cases)\b|"
    r"\b(these|the|all|both|other) reviews\b|\bcompare\b|\bin (each|all|both)\b|\bcommon\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|so|then|but)\b|\b(that|this|it|they|them|those|these|he|she|"
    r"his|her|the same)\b|\bthe (board|review|practice|one|case|hospital|hospitals)\b",
    re.I,
)


def analyse(
    question: str,
    directory: CaseDirectory,
    history: list[dict[str, str]] | None = None,
    case: str | None = None,
    glossary: Glossary | None = None,
) -> Query:
    """Route a question to cases, classify it and carry context from earlier turns. Shorthand
    in the glossary ("recs", "MASH", "s47") is read with its long forms as well."""
    expanded = " ".join([question, *(glossary.expansions(question) if glossary else [])])
    query = Query(question=question, text=expanded, history=list(history or []))
    query.shorthand = glossary.used(question) if glossary else []
    query.refusal = refusal_of(question)
    query.intent = intent_of(expanded)
    query.expects = expected_detail(expanded)
    query.detail_holder = detail_holder(question, query.expects)
    query.cross_case = bool(_CROSS.search(question))
    groups, unknown = find_mentions(question, directory)
    mentioned = list(dict.fromkeys(rid for group in groups for rid in group))
    query.ambiguous = [group for group in groups if len(group) > 1]
    query.unknown_cases = unknown
    if case:
        query.cases, query.case_source = [case], "argument"
        query.outside_filter = [rid for rid in mentioned if rid != case and case not in mentioned]
    elif mentioned:
        query.cases, query.case_source = mentioned, "question"
    query.topic_words = content_words(expanded, directory)
    query.parts = _parts(question, directory)
    if history and _is_follow_up(question, query):
        _carry_context(query, history, directory)
    if len(query.cases) > 1:
        query.cross_case = True
    query.case_names = [directory.name(rid) for rid in query.cases]
    return query


def find_cases(question: str, directory: CaseDirectory) -> tuple[list[str], list[str]]:
    """Reviews the question names (ids, in order of mention) and labels it names that are not
    indexed."""
    groups, unknown = find_mentions(question, directory)
    return list(dict.fromkeys(rid for group in groups for rid in group)), unknown


def find_mentions(question: str, directory: CaseDirectory) -> tuple[list[tuple[str, ...]], list[str]]:
    """The reviews each mention in the question may mean, in order of mention, and labels it
    names that are not indexed. A mention several reviews answer to (a shared label, a place
    with two reviews) is narrowed by whatever else the question names ("the Norfolk Child S",
    "Child S in 2014")."""
    lowered = question.lower()
    found: list[tuple[int, tuple[str, ...]]] = []
    taken: list[tuple[int, int]] = []
    for alias in sorted(directory.aliases, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", lowered):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue  # inside a longer alias already found ("the norfolk review")
            taken.append((match.start(), match.end()))
            found.append((match.start(), directory.aliases[alias]))
    years = {int(y) for y in _YEAR.findall(question)}
    groups = _narrowed([ids for _, ids in sorted(found)], directory, years)
    unknown = []
    for kind, letter in _LABEL.findall(question):
        label = f"{kind.lower()} {letter.lower()}"
        if label not in directory.aliases and (kind[0].isupper() or letter.isupper()):
            unknown.append(f"{kind.capitalize()} {letter.upper()}")
    for place in _PLACE_REVIEW.findall(question):
        if place.lower() not in directory.aliases and not any(place.lower() in a for a in directory.aliases):
            unknown.append(f"the {place} review")
    return groups, list(dict.fromkeys(unknown))


def _narrowed(
    mentions: list[tuple[str, ...]], directory: CaseDirectory, years: set[int]
) -> list[tuple[str, ...]]:
    """Each mention's reviews, kept to those another mention (or a year) also points at."""
    out: list[tuple[str, ...]] = []
    for i, ids in enumerate(mentions):
        others = {rid for j, other in enumerate(mentions) if j != i for rid in other}
        kept = [rid for rid in ids if rid in others] if len(ids) > 1 else list(ids)
        if len(ids) > 1 and years:
            kept = [rid for rid in (kept or ids) if directory.reviews[rid].year in years] or kept
        group = tuple(kept or ids)
        if group not in out:
            out.append(group)
    return out


def content_words(text: str, directory: CaseDirectory) -> list[str]:
    """Topic words: not stopwords, not case names (those route, they don't describe the topic)."""
    alias_words = {w for alias in directory.aliases for w in alias.split()}
    out = []
    for word in (part for w in words(text.lower()) for part in w.split("-")):
        if len(word) > 2 and word not in STOPWORDS and word not in alias_words:
            out.append(word)
    return list(dict.fromkeys(out))


def _is_follow_up(question: str, query: Query) -> bool:
    """A question carries the conversation's case and topic when it refers back ("what did
    they recommend?", "and the GP?") or names no review; a question about the collection
    ("which reviews mention over-optimism?") is asked afresh unless it refers back."""
    refers_back = bool(_FOLLOW_UP.search(question))
    if _CROSS.search(question) and not refers_back:
        return False
    return not query.cases or refers_back or len(question.split()) <= 6


def _carry_context(query: Query, history: list[dict[str, str]], directory: CaseDirectory) -> None:
    """Without an LLM to rewrite the question, carry the case(s) and topic words of the
    most recent user turns into it."""
    earlier = [turn.get("content", "") for turn in history if turn.get("role") == "user"][-2:]
    if not earlier:
        return
    if not query.cases:
        for text in reversed(earlier):
            groups, _ = find_mentions(text, directory)
            if groups:
                query.cases = list(dict.fromkeys(rid for group in groups for rid in group))
                query.ambiguous, query.case_source = [g for g in groups if len(g) > 1], "history"
                break
    carried = [w for w in content_words(earlier[-1], directory) if w not in query.topic_words]
    # A follow-up with a topic of its own ("what did it recommend to the hospitals?") keeps it;
    # only a bare one ("and what about that?") borrows the earlier topic words.
    if len(query.topic_words) > 2:
        carried = []
    if carried:
        query.text = f"{query.text} {' '.join(carried)}"
        query.topic_words = query.topic_words + carried
    if query.intent == "factual":
        query.intent = intent_of(earlier[-1])


def _parts(question: str, directory: CaseDirectory) -> list[QueryPart]:
    """The things a question asks when it asks different kinds of thing in turn."""
    asked = clauses(question)
    if len(asked) < 2:
        return []
    parts = []
    for clause in asked:
        expects = expected_detail(clause)
        words = tuple(content_words(clause, directory))
        parts.append(QueryPart(intent_of(clause), words, expects, detail_holder(clause, expects)))
    return parts if len({(p.intent, p.expects) for p in parts}) > 1 else []
