"""The <gradio-app> entry module as the app serves it: its stylesheet follows the module."""

from __future__ import annotations

import re

import pytest

from rag.web.component import entry_module, frontend_dir, module_relative_css
from rag.web.server import create_app
from tests.web_support import client, fake_holder, serving, serving_settings

pytestmark = pytest.mark.loopback


@pytest.fixture(scope="module")
def http(fake_index, tmp_path_factory):
    settings = serving_settings(fake_index, tmp_path_factory.mktemp("web-component"))
    with serving(create_app(settings, fake_holder(settings))) as base, client(base) as web:
        yield web


def test_the_served_entry_module_finds_its_stylesheet_beside_itself(http):
    loader = http.get("/gradio.js").text
    name = re.search(r"\./assets/(index-[\w-]+\.js)", loader).group(1)
    served = http.get(f"/assets/{name}")
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    shipped = (frontend_dir() / "assets" / name).read_text(encoding="utf-8")
    css = re.search(r"`\./assets/(index-[\w-]+\.css)`", shipped).group(1)  # gradio's page-relative path
    assert f"`./assets/{css}`" not in served.text
    assert f"new URL(`./{css}`,import.meta.url).href" in served.text
    assert http.get(f"/assets/{css}").status_code == 200  # where that URL points, under the app
    assert len(served.text) == len(shipped) + len(f"new URL(`./{css}`,import.meta.url).href") - len(f"`./assets/{css}`")


def test_only_the_stylesheet_constant_is_rewritten():
    source = "a=`./assets/index-X.js`;var Hu=`./assets/index-Ab_1.css`,Uu;mount(Hu)"
    assert module_relative_css(source) == (
        "a=`./assets/index-X.js`;var Hu=new URL(`./index-Ab_1.css`,import.meta.url).href,Uu;mount(Hu)"
    )


def test_a_gradio_without_the_expected_path_is_reported():
    with pytest.raises(ValueError, match="found 0"):
        module_relative_css("var Hu=`/elsewhere/index.css`")
    assert entry_module(frontend_dir()).startswith("index-")
