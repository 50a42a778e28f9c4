"""The embedding's settings and script: which origins get the height, the setting checked, the script allowed by the
proxy's Content-Security-Policy (the browser half is in tests/test_graph_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import re
import sys

import pytest
from streamlit.testing.v1 import AppTest

from embedding import EMBED_ENV, FRAME_SCRIPT, host_origins, size_script_html
from tests.support.server import ROOT

sys.path.insert(0, str(ROOT / "deploy"))
from render_nginx import content_security_policy  # noqa: E402 (deploy/ is a folder of scripts)

SCRIPT = re.compile(r"^<script data-origins='(.*)'>(.*)</script>$", re.S)


def test_without_the_setting_no_script_is_sent(monkeypatch):
    monkeypatch.delenv(EMBED_ENV, raising=False)
    assert host_origins() == () and size_script_html() is None


@pytest.mark.parametrize("value, origins", [
    ("https://intranet.example", ["https://intranet.example"]),
    ("https://a.example  http://127.0.0.1:8080", ["https://a.example", "http://127.0.0.1:8080"]),
], ids=["one", "two"])
def test_script_posts_only_to_the_origins_the_setting_names(monkeypatch, value, origins):
    monkeypatch.setenv(EMBED_ENV, value)
    match = SCRIPT.match(size_script_html())
    assert match and match.group(1) == str(origins).replace("'", '"')
    assert match.group(2) == FRAME_SCRIPT.read_text(encoding="utf-8")  # fixed text: one hash allows it


@pytest.mark.parametrize("value", ["*", "intranet.example", "https://a.example/path", "javascript:alert(1)",
                                   "https://a.example'><script>"], ids=["star", "no-scheme", "path", "script", "quote"])
def test_a_value_that_is_not_an_origin_is_refused_naming_the_setting(monkeypatch, value):
    monkeypatch.setenv(EMBED_ENV, value)
    with pytest.raises(ValueError, match=rf"setting {EMBED_ENV}=.* is not an origin \(scheme://host\[:port\]"):
        host_origins()


def test_a_bad_setting_gives_the_setting_error_page_and_no_category(monkeypatch):
    monkeypatch.setenv(EMBED_ENV, "intranet.example")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"age_group": "child", "cns_involvement": "no", "cell_type": "b_cell"})
    at.run()
    text = " ".join(e.value for e in (*at.markdown, *at.error, *at.warning, *at.code) if isinstance(e.value, str))
    assert not at.exception and f"{EMBED_ENV}='intranet.example' is not an origin" in text
    assert not at.radio and "not medical advice" in text


def test_proxy_policy_allows_the_script_by_its_hash():
    digest = hashlib.sha256(FRAME_SCRIPT.read_text(encoding="utf-8").encode()).digest()
    policy = content_security_policy(["https://intranet.example"])
    assert f"'sha256-{base64.b64encode(digest).decode()}'" in policy.split("script-src", 1)[1].split(";")[0]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
