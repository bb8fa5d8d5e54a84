"""Plain pages beside the chat: reading a source in context, original files, embedding help.

Only documents of the live index are served, and only from inside the corpus folder.
Review text is escaped, and these pages forbid scripts outright (CSP), so even a document
full of markup renders as text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from rag import store
from rag.answer.holder import EngineHolder
from rag.settings import Settings
from rag.types import Document
from rag.web.proxy import frame_ancestors
from rag.web.reading import document_html
from rag.web.sources import escape_text, original_link

_TEXT = "text/plain; charset=utf-8"  # markdown is shown as the text it is, never rendered
_MEDIA_TYPES = {".pdf": "application/pdf", ".txt": _TEXT, ".md": _TEXT}
_STATIC = Path(__file__).parent / "static"


def pages_router(settings: Settings, holder: EngineHolder) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    framing = frame_ancestors(settings.serve)
    no_scripts = f"default-src 'none'; style-src 'self'; font-src 'self'; frame-ancestors {framing}"

    @router.get("/source/{doc_id:path}", response_class=HTMLResponse)
    def source(doc_id: str, request: Request, start: int | None = None, end: int | None = None):
        document = _documents(holder).get(doc_id)
        if document is None:
            raise HTTPException(404, detail="no such document in the index")
        html = source_page(document, start, end, _app_url(request), _back_to_chat(request))
        return HTMLResponse(html, headers={"Content-Security-Policy": no_scripts})

    @router.get("/files/{path:path}")
    def original_file(path: str) -> FileResponse:
        target = corpus_file(settings.corpus_dir, path, _documents(holder))
        headers = {"Content-Security-Policy": "sandbox; default-src 'none'"}
        return FileResponse(target, media_type=_MEDIA_TYPES[target.suffix.lower()], headers=headers,
                            content_disposition_type="inline")  # fmt: skip

    @router.get("/gradio.js")
    def gradio_web_component() -> FileResponse:
        # no-cache: the loader names hashed asset files that change when gradio is upgraded
        headers = {"Cache-Control": "no-cache"}
        return FileResponse(gradio_js_path(), media_type="text/javascript", headers=headers)

    @router.get("/embed")
    def embed_slash() -> RedirectResponse:
        return RedirectResponse("embed/", status_code=307)  # relative: keeps any proxy prefix

    @router.get("/embedding", response_class=HTMLResponse)
    def embedding(request: Request) -> HTMLResponse:
        return HTMLResponse(embedding_page(_app_url(request)))

    @router.get("/web-static/{name}")
    def static_file(name: str) -> FileResponse:
        target = _STATIC / name
        if "/" in name or not target.is_file():
            raise HTTPException(404)
        return FileResponse(target)

    return router


def corpus_file(corpus_dir: Path, path: str, documents: dict[str, Document]) -> Path:
    """The indexed file at `path` inside the corpus folder; 404 for anything else
    (other files such as the catalog, paths leaving the folder, symlinks pointing out)."""
    if "\x00" in path:  # no file has one; resolving it would raise, not answer 404
        raise HTTPException(404, detail="no such file in the corpus")
    root = corpus_dir.resolve()
    target = (root / path).resolve()
    indexed = {d.path for d in documents.values()}
    inside = target.is_relative_to(root) and target.is_file()
    servable = inside and target.suffix.lower() in _MEDIA_TYPES
    if not servable or target.relative_to(root).as_posix() not in indexed:
        raise HTTPException(404, detail="no such file in the corpus")
    return target


def gradio_js_path() -> Path:
    """The <gradio-app> web component loader shipped inside the installed gradio package."""
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend" / "gradio.js"


def source_page(
    document: Document, start: int | None, end: int | None, app_url: str, back: str = "../"
) -> str:
    """The reading page: the document rendered (markdown as headings and lists), the quote
    marked, a link to the original file (a PDF at the quote's page) and one back to the chat."""
    facts = [document.case, document.board, document.year, document.doc_type]
    meta = " · ".join(escape_text(str(f)) for f in facts if f)
    page = page_of(document, start)
    file_link = original_link(app_url, document.path, page)
    original = (
        f"Original file, page {page}" if page and document.path.lower().endswith(".pdf") else "Original file"
    )
    title = escape_text(document.title)
    markdown = document.kind == "markdown" or document.path.lower().endswith(".md")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="{app_url}web-static/source.css"></head><body><main>'
        f'<p class="links"><a class="back" href="{escape_text(back)}">Back to the answers</a></p>'
        f'<p class="meta">{meta}</p><h1>{title}</h1>'
        f'<p class="links"><a class="original" href="{escape_text(file_link)}">{original}</a></p>'
        f'<div class="text">{document_html(document.text, markdown, start, end)}</div></main></body></html>'
    )


def page_of(document: Document, offset: int | None) -> int | None:
    """The page of the document that holds character `offset` (None when it has no pages)."""
    if offset is None:
        return None
    for page in document.pages:  # a text file is one page without a number
        if page.get("start", 0) <= offset < page.get("end", 0) and page.get("number"):
            return int(page["number"])
    return None


def _back_to_chat(request: Request) -> str:
    """A relative link from /source/{doc_id} to the chat at the app's root, so it works at
    whatever sub-path a proxy serves the app (one '../' per folder of the request path)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    tail = raw.decode("latin-1").split("/source/", 1)[-1]
    return "../" * (tail.count("/") + 1)


def embedding_page(app_url: str) -> str:
    """Copy-paste snippets for intranet pages, with a live <gradio-app> below them."""
    iframe = (
        f'<iframe src="{app_url}embed/" title="Serious Case Review answers"\n'
        '        style="width: 100%; height: 760px; border: 0;" loading="lazy"></iframe>'
    )
    component = (
        f'<script type="module" src="{app_url}gradio.js"></script>\n'
        f'<gradio-app src="{app_url}embed/"></gradio-app>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Embedding</title>'
        f'<link rel="stylesheet" href="{app_url}web-static/source.css">'
        f'<script type="module" src="{escape_text(app_url)}gradio.js"></script></head><body><main>'
        "<h1>Embedding the answers in an intranet page</h1>"
        f"<h2>As an iframe</h2><pre>{escape_text(iframe)}</pre>"
        f"<h2>As a web component</h2><pre>{escape_text(component)}</pre>"
        "<p>Both load everything from this server; no outside site is contacted.</p>"
        f'<h2>Preview</h2><gradio-app src="{escape_text(app_url)}embed/"></gradio-app>'
        "</main></body></html>"
    )


def _documents(holder: EngineHolder) -> dict[str, Document]:
    try:
        return holder.documents()
    except store.IndexMissing as exc:
        raise HTTPException(503, detail=f"no index yet: {exc}") from exc


def _app_url(request: Request) -> str:
    """The app's public base URL ('https://intranet/scr/'), from the proxy's forwarded headers."""
    return str(request.base_url)
