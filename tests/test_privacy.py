"""Privacy: a session's answers and link reach no log and no file; link text is shown as text, never run as HTML."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright

from pathways import load_pathway, resolve_pathway
from tests.support.browser import launch_chromium, wait_for_app
from tests.support.server import ROOT, start_streamlit

DISCLAIMER_START = load_pathway(resolve_pathway(None)).content.metadata.disclaimer.split(".")[0]
MARKER_KEY = "zz_marker_7f3a"
WAIT_MS = 60_000
#: Folders of the working copy a session could not write to, or that other tools own.
SKIP_DIRS = {".venv", ".git", "artifacts", ".pytest_cache", ".hypothesis", "__pycache__", ".mypy_cache",
             ".ruff_cache"}
XSS_KEY = "<img src=x onerror=\"document.title='pwned'\">"


def files_changed_since(root: Path, since: float, skip: set[str]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if any(part in skip for part in path.relative_to(root).parts):
            continue
        try:
            if path.is_file() and path.stat().st_mtime >= since:
                found.append(path)
        except OSError:
            continue
    return found


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def session_trace(tmp_path_factory):
    """Run one real browser session against a real server with a fresh HOME and TMPDIR; return what it left."""
    base = tmp_path_factory.mktemp("privacy")
    home, tmpdir = base / "home", base / "tmp"
    home.mkdir()
    tmpdir.mkdir()
    secret = f"qv{uuid.uuid4().hex[:12]}"  # a value the app never shows and must never write down
    started = time.time() - 1
    server = start_streamlit(base / "server.log", env={"HOME": str(home), "TMPDIR": str(tmpdir)})
    seen: dict[str, object] = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page()
                page.goto(f"{server.url}/?age_group=child&cns_involvement=yes&{MARKER_KEY}={secret}",
                          timeout=WAIT_MS)
                wait_for_app(page)
                notice = page.get_by_text("Some parts of the link were ignored")
                notice.wait_for(timeout=WAIT_MS)
                seen["notice"] = notice.inner_text()
                radio = page.locator("[data-testid='stRadio']").nth(2)
                radio.get_by_text("T-cell ALL", exact=True).click(timeout=WAIT_MS)
                page.wait_for_url(re.compile(r"cell_type=t_cell"), timeout=WAIT_MS)
                page.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=WAIT_MS)
                seen["url"] = page.url
            finally:
                browser.close()
    finally:
        server.stop()  # flushes and closes its output
    return {"secret": secret, "started": started, "log": server.log(), "home": home, "tmpdir": tmpdir,
            "base": base, **seen}


@pytest.mark.browser
def test_session_actually_sent_the_markers_and_answers_to_the_server(session_trace):
    """Guards the tests below: the server saw the marker (it quotes the key) and the answers."""
    assert MARKER_KEY in session_trace["notice"]
    assert session_trace["secret"] not in session_trace["notice"]  # unknown keys' values are not shown either
    assert "age_group=child" in session_trace["url"] and "cell_type=t_cell" in session_trace["url"]


@pytest.mark.browser
@pytest.mark.parametrize("text", ["secret", MARKER_KEY, "age_group", "cns_involvement", "cell_type", "t_cell",
                                  "GET /"], ids=["marker-value", "marker-key", "q1", "q2", "q3", "answer",
                                                 "request-line"])
def test_server_output_holds_no_answer_or_query_string(session_trace, text):
    needle = session_trace["secret"] if text == "secret" else text
    assert session_trace["log"].strip(), "no server output captured at all"
    assert needle not in session_trace["log"]


@pytest.mark.browser
def test_session_writes_no_file_in_home_or_temp(session_trace):
    written = files_under(session_trace["home"]) + files_under(session_trace["tmpdir"])
    assert written == []


@pytest.mark.browser
def test_session_leaves_its_answers_in_no_file_of_the_working_copy(session_trace):
    changed = files_changed_since(ROOT, session_trace["started"], SKIP_DIRS)
    holding = [p for p in changed if p.stat().st_size < 50_000_000
               and session_trace["secret"].encode() in p.read_bytes()]
    assert holding == []


def test_app_source_has_no_print_logging_or_file_writes():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    source = re.sub(r'(?m)^[A-Z_]+_JS = """.*?"""', "", source, flags=re.S)  # the page's scripts (test_properties)
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())  # comments may mention them
    forbidden = {
        "print": r"\bprint\(",
        "logging": r"\bimport logging\b|\blogging\.|getLogger|get_logger",
        "open": r"\bopen\(",
        "file write": r"\.write_(text|bytes)\(|\.to_(csv|parquet|pickle|json)\([\"']|shutil\.|os\.(remove|rename|replace)\(",
        "tempfile": r"\btempfile\b",
    }
    found = {name: re.findall(pattern, code) for name, pattern in forbidden.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


@pytest.mark.browser
def test_markup_in_a_link_is_shown_as_text_and_never_runs(tmp_path):
    server = start_streamlit(tmp_path / "server.log")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page()
                dialogs: list[str] = []
                page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
                query = urlencode({XSS_KEY: "1", "age_group": "<script>alert(1)</script>"})
                page.goto(f"{server.url}/?{query}", timeout=WAIT_MS)
                wait_for_app(page)
                notice = page.get_by_text("Some parts of the link were ignored")
                notice.wait_for(timeout=WAIT_MS)
                text = notice.inner_text()
                page.wait_for_timeout(1000)
                injected = page.locator("img[src='x'], [data-testid='stAlert'] script").count()
                title = page.title()
            finally:
                browser.close()
    finally:
        server.stop()
    assert XSS_KEY in text and "<script>alert(1)</script>" in text  # the reader sees the literal characters
    assert injected == 0 and title != "pwned" and dialogs == []
