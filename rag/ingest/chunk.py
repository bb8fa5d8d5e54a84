"""Pack a document's structural blocks into citable passages.

Passages follow the document's own units: a numbered paragraph, a list with its
lead-in, the text under one heading or one slide title. Small neighbours in the same
section are merged up to a target size; a block longer than the maximum is split
between sentences (or list items), never inside one.
"""

from __future__ import annotations

from dataclasses import replace

from rag.ingest.anatomy import section_type
from rag.ingest.structure import Block, parse_blocks
from rag.settings import ChunkSettings
from rag.text import sentence_spans, word_count
from rag.types import DocumentInfo, LoadedDocument, Passage


def chunk_document(doc: LoadedDocument, info: DocumentInfo, settings: ChunkSettings) -> list[Passage]:
    """All passages of one document, in document order."""
    blocks = [piece for block in parse_blocks(doc.text) for piece in _split_long(block, settings)]
    groups = _merge_small(_pack(blocks, settings), settings)
    passages = [_passage(doc, info, group) for group in groups if _has_content(group)]
    return [replace(p, ordinal=i, id=f"{info.doc_id}#{i:04d}") for i, p in enumerate(passages)]


def _pack(blocks: list[Block], settings: ChunkSettings) -> list[list[Block]]:
    groups: list[list[Block]] = []
    current: list[Block] = []
    for block in blocks:
        if current and _starts_new_passage(current, block, settings):
            carried = _trailing_titles(current)  # a title belongs with the text below it
            if _words(carried) + word_count(block.text) > settings.max_words:
                carried = []  # ... unless the two together would pass the size limit
            if len(carried) < len(current):
                groups.append(current[: len(current) - len(carried)])
                current = carried
            if current and current[0].path != block.path:
                current = []
        current.append(block)
    if current:
        groups.append(current)
    return groups


def _starts_new_passage(current: list[Block], block: Block, settings: ChunkSettings) -> bool:
    size, extra = _words(current), word_count(block.text)
    if block.path != current[0].path or size + extra > settings.max_words:
        return True
    if size < settings.min_words:
        return False
    # Past the minimum, break where the document starts a new unit or the passage is full.
    return block.number is not None or block.kind == "title" or size + extra > settings.target_words


def _merge_small(groups: list[list[Block]], settings: ChunkSettings) -> list[list[Block]]:
    """Fold passages under the minimum into a neighbour from the same section."""
    merged: list[list[Block]] = []
    for group in groups:
        previous = merged[-1] if merged else None
        if previous is not None and _can_merge(previous, group, settings):
            previous.extend(group)
        else:
            merged.append(list(group))
    return merged


def _can_merge(first: list[Block], second: list[Block], settings: ChunkSettings) -> bool:
    small = _words(first) < settings.min_words or _words(second) < settings.min_words
    return (
        small
        and _related(first[0].path, second[0].path)
        and (_words(first) + _words(second) <= settings.max_words)
    )


def _related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same section, or a section and one of its own subsections."""
    n = min(len(a), len(b))
    return a[:n] == b[:n] and (n > 0 or a == b)


def _trailing_titles(group: list[Block]) -> list[Block]:
    n = 0
    while n < len(group) and group[-1 - n].kind == "title":
        n += 1
    return group[len(group) - n :]


def _split_long(block: Block, settings: ChunkSettings) -> list[Block]:
    if word_count(block.text) <= settings.max_words:
        return [block]
    spans = _item_spans(block.text) if block.kind == "list" else sentence_spans(block.text)
    limit = min(settings.target_words, settings.max_words)
    pieces: list[Block] = []
    start = end = None
    for a, b in spans:
        if start is not None and word_count(block.text[start:b]) > limit:
            pieces.append(_slice(block, start, end))
            start = None
        start = a if start is None else start
        end = b
    if start is not None:
        pieces.append(_slice(block, start, end))
    return pieces


def _item_spans(text: str) -> list[tuple[int, int]]:
    """Line-start spans of a list: the lead-in and each item (wrapped lines stay with it)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n" and _is_item(text[i + 1 :])]
    ends = starts[1:] + [len(text)]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if text[a:b].strip()]


def _is_item(rest: str) -> bool:
    return rest.lstrip()[:1] in {"-", "*", "+", "•", "▪", "◦", "●"}


def _slice(block: Block, start: int | None, end: int | None) -> Block:
    assert start is not None and end is not None
    text = block.text[start:end].rstrip()
    return replace(block, start=block.start + start, end=block.start + start + len(text), text=text)


def _words(group: list[Block]) -> int:
    return sum(word_count(b.text) for b in group)


def _has_content(group: list[Block]) -> bool:
    return any(b.kind != "title" for b in group) and any(ch.isalpha() for b in group for ch in b.text)


def _passage(doc: LoadedDocument, info: DocumentInfo, group: list[Block]) -> Passage:
    first, last = group[0], group[-1]
    numbers = [b.number for b in group if b.number]
    paragraph = None
    if numbers:
        paragraph = numbers[0] if numbers[0] == numbers[-1] else f"{numbers[0]}-{numbers[-1]}"
    minor = first.minor if first.kind != "title" else first.text.strip().rstrip(":")
    section = " > ".join(list(first.path) + ([minor] if minor else []))
    return Passage(
        id="",
        doc_id=info.doc_id,
        title=info.title,
        case=info.case,
        board=info.board,
        year=info.year,
        page=doc.page_at(first.start),
        page_end=doc.page_at(max(last.end - 1, first.start)),
        section=section,
        paragraph=paragraph,
        start=first.start,
        end=last.end,
        text="\n\n".join(b.text for b in group),
        ordinal=0,
        review=info.review,
        review_name=info.review_name,
        section_type=section_type(section).value,
    )
