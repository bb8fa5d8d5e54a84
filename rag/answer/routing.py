"""Reviews that share a label: which of them a question means, and what the answer says.

Published reviews reuse labels ("Child S", "Child A"). When a question names only the shared
label, its other words may still point at one review ("the childminder's consultation"); the
review whose passages match them far better is chosen. Otherwise the answer covers every
review with that label. Either way its first line says that the label is shared.
"""

from __future__ import annotations

from dataclasses import replace

from rag import prompts
from rag.query import CaseDirectory, Query
from rag.retrieve import SearchIndex

# A review is kept when its best passage scores at least this share of the best review's
# (BM25 on the question's topic words): far behind means the details are about another review.
KEEP_SHARE = 0.5
_COUNTS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}


def resolve_shared_labels(query: Query, directory: CaseDirectory, search: SearchIndex) -> Query:
    """The query routed to the reviews its details match, with `shared_labels` set."""
    if not query.ambiguous:
        return query
    dropped: set[str] = set()
    topic = " ".join(query.topic_words)
    for ids in query.ambiguous:
        scores = {rid: _best_score(search, rid, topic) for rid in ids} if topic else {}
        best = max(scores.values(), default=0.0)
        if best > 0:
            dropped |= {rid for rid in ids if scores[rid] < KEEP_SHARE * best}
    cases = [rid for rid in query.cases if rid not in dropped]
    return replace(
        query,
        cases=cases,
        case_names=[directory.name(rid) for rid in cases],
        cross_case=query.cross_case or len(cases) > 1,
        shared_labels=directory.sharing_label([rid for ids in query.ambiguous for rid in ids]),
    )


def shared_label_notice(query: Query, directory: CaseDirectory) -> str:
    """'Two reviews in this collection concern a Child S: Norfolk 2017 and Surrey 2014.'"""
    sentences = []
    for label, ids in query.shared_labels.items():
        names = [directory.name(rid) for rid in ids]
        count = _COUNTS.get(len(ids), str(len(ids)))
        text = prompts.SHARED_LABEL.format(count=count, label=label, names=_and(names))
        kept = [rid for rid in ids if rid in query.cases]
        if len(kept) == 1:
            text += prompts.SHARED_LABEL_CHOSEN.format(chosen=directory.name(kept[0]))
        sentences.append(text)
    return " ".join(sentences)


def _best_score(search: SearchIndex, review_id: str, text: str) -> float:
    retriever = search.bm25_for((review_id,), 1)
    found = retriever.retrieve(text)
    return max((n.score or 0.0 for n in found), default=0.0)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
