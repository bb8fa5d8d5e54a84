"""The <gradio-app> web component, with every file it loads under the app's own prefix.

gradio's loader (`/gradio.js`) imports its entry module relative to itself, and the entry
module imports its chunks relative to itself: both stay under the prefix. One path does not:
the component adds its main stylesheet with `mount_css("./assets/index-*.css")`, and gradio
resolves that against the *host page's* address on the same site (an intranet page at
/news/ asks for /news/assets/...) and against the app's bare origin on another
(`/assets/...` at the site root, outside a reverse proxy's sub-path: 404, "Unable to preload
CSS"). The app serves the entry module with that one path resolved against the module's own
URL instead (`new URL("./index-*.css", import.meta.url)`), so it follows wherever the app is
mounted, with no address written into the file. Only this module changes, at its usual path,
so there is still one copy of it for the chunks that import it.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

log = logging.getLogger("rag.web")
_LOADER_IMPORT = re.compile(r"""import\(\s*["']\./assets/(index-[\w-]+\.js)["']\s*\)""")
# The stylesheet constant, e.g. var Hu=`./assets/index-DiEEvXS6.css`
_PAGE_RELATIVE_CSS = re.compile(r"""([=(,])\s*([`"'])\./assets/(index-[\w-]+\.css)\2""")


def frontend_dir() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend"


def entry_module(frontend: Path) -> str:
    """The file name of the module gradio.js imports ('index-DphvyggB.js')."""
    found = _LOADER_IMPORT.search((frontend / "gradio.js").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError("gradio.js no longer imports ./assets/index-*.js: check rag/web/component.py")
    return found.group(1)


def module_relative_css(source: str) -> str:
    """The entry module with its page-relative stylesheet path made relative to the module."""
    rewritten, count = _PAGE_RELATIVE_CSS.subn(
        lambda m: f"{m.group(1)}new URL({m.group(2)}./{m.group(3)}{m.group(2)},import.meta.url).href", source
    )
    if count != 1:
        raise ValueError(f"expected one page-relative stylesheet in gradio's entry module, found {count}")
    return rewritten


@cache
def _served_entry(path: Path) -> bytes:
    return module_relative_css(path.read_text(encoding="utf-8")).encode("utf-8")


def component_router() -> APIRouter:
    """GET /assets/<entry module>, ahead of gradio's own route for the same path."""
    router = APIRouter(include_in_schema=False)
    frontend = frontend_dir()
    try:
        name = entry_module(frontend)
        _served_entry(frontend / "assets" / name)
    except (OSError, ValueError) as exc:  # gradio's own file is served; its CSS may 404 when embedded
        log.error("the web component's stylesheet path is left as gradio has it: %s", exc)
        return router

    @router.get(f"/assets/{name}")
    def entry() -> Response:
        # no-cache: the name is gradio's hash of its own file, not of this rewritten one
        body = _served_entry(frontend / "assets" / name)
        return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return router
