"""Collection insights on the web: the REST API (GET /api/reviews, /api/reviews/{id},
/api/themes) and the Reviews view of the page (the theme matrix, then a card per review).

Both read `engine.insights`, the cards and tags the ingest that built the live index
generation made; an index built before insights existed has none, and both say to run
`rag ingest` again.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from rag import store
from rag.answer.holder import EngineHolder, EngineLoading
from rag.insights import Collection
from rag.web.api import live_engine
from rag.web.review_cards import review_card
from rag.web.sources import escape_text
from rag.web.theme_matrix import MATRIX_JS, matrix_section

EMPTY_NOTE = (
    "This index has no review cards or themes: it was built before they existed. "
    "Run `rag ingest` again to make them."
)
LISTING = "GET /api/reviews lists every review with its id (`review`)"
LOADING_HTML = '<div class="scr-reviews"><p class="scr-empty">Loading the reviews...</p></div>'


def reviews_router(holder: EngineHolder) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/reviews", summary="Every review's card, each value with its quote")
    def reviews() -> JSONResponse:
        """`reviews`: one card per review (title, board, year, review type, child, what happened,
        agencies, key findings, recommendations, themes), each value with the quote it was read
        from or `null` when the review does not state it."""
        collection = live_engine(holder).insights
        body = {"count": len(collection.cards), "reviews": [c.to_dict() for c in collection.cards]}
        return JSONResponse(_noted(body, collection))

    @router.get("/reviews/{review_id:path}", summary="One review's card")
    def review(review_id: str) -> JSONResponse:
        collection = live_engine(holder).insights
        card = collection.card(review_id)
        if card is None:
            shown = review_id if len(review_id) <= 200 else review_id[:200] + "..."
            why = f"; {EMPTY_NOTE}" if not collection.cards else ""
            raise HTTPException(404, detail=f"no review with id {shown!r} in the index: {LISTING}{why}")
        return JSONResponse(card.to_dict())

    @router.get("/themes", summary="The review x theme matrix: themes, reviews and every tag")
    def themes() -> JSONResponse:
        """`themes` with how many reviews discuss each, `reviews`, and `tags` (review, theme,
        strength, score and the sentences it was made from)."""
        collection = live_engine(holder).insights
        return JSONResponse(_noted(collection.themes_json(), collection))

    return router


def _noted(body: dict[str, Any], collection: Collection) -> dict[str, Any]:
    return {**body, "note": EMPTY_NOTE} if not collection.cards else body


# --- the Reviews view ----------------------------------------------------------------------------


def reviews_html(collection: Collection, link_base: str = "") -> str:
    """The whole view: what it shows, the matrix, then the cards."""
    if not collection.cards:
        return (
            '<div class="scr-reviews"><h2>Reviews</h2>'
            f'<p class="scr-notice">{escape_text(EMPTY_NOTE)}</p></div>'
        )
    count = len(collection.cards)
    cards = "".join(review_card(c, i, link_base) for i, c in enumerate(collection.cards))
    intro = (
        f'<p class="scr-intro">{count} review{"s" * (count != 1)}. Every value is read from the '
        'review: <span class="scr-src-sample">source</span> opens the passage it was read from, '
        'highlighted. <a href="#scr-cards-heading">Go to the review cards</a>.</p>'
    )
    return (
        f'<div class="scr-reviews">{intro}{matrix_section(collection, link_base)}'
        '<section class="scr-cards-section" aria-labelledby="scr-cards-heading">'
        f'<h2 id="scr-cards-heading">Review cards</h2><div class="scr-review-grid">{cards}</div>'
        "</section></div>"
    )


def reviews_tab(holder: EngineHolder, link_base) -> None:
    """The Reviews tab inside the page's gr.Tabs, rendered when opened (and again only when
    the index generation or the page's address changed). `link_base(request)` is the app's
    public base URL for the reading-page links."""
    with gr.Tab("Reviews", id="reviews", elem_id="scr-tab-reviews") as tab:
        view = gr.HTML(LOADING_HTML, elem_id="scr-reviews", js_on_load=MATRIX_JS)
    shown = gr.State("")

    def render(key: str, request: gr.Request):
        html, new_key = _render(holder, link_base(request))
        if new_key and new_key == key:
            return gr.skip(), gr.skip()
        return html, new_key

    tab.select(render, shown, [view, shown], api_visibility="private", show_progress="hidden")


def _render(holder: EngineHolder, link_base: str) -> tuple[str, str]:
    """The view's HTML and what it was made from ('' when it should be made again next time)."""
    try:
        engine = holder.get()
    except EngineLoading:
        return _notice("The reviews are still loading: open this tab again in a few seconds."), ""
    except store.IndexMissing as exc:  # IndexBroken too
        return _notice(f"No reviews to show: {exc}"), ""
    key = f"{engine.search.generation.path}|{link_base}"
    return reviews_html(engine.insights, link_base), key


def _notice(text: str) -> str:
    return f'<div class="scr-reviews"><p class="scr-notice">{escape_text(text)}</p></div>'
