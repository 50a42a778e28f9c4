"""Privacy: a session's answers and link reach no log and no file; link text is shown as text, never run as HTML."""

from __future__ import annotations

import ast
import json
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright

from pathways import load_pathway, resolve_pathway
from tests.support.browser import launch_chromium, wait_for_app, wait_for_run
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


#: Every module the page or the command line runs: the page's own and the whole package.
MODULES = sorted([ROOT / name for name in ("app.py", "views.py", "serving.py", "guard.py", "logs.py")]
                 + list((ROOT / "pathways").rglob("*.py")))
#: Who may do what: the command line prints and writes the files it is asked for (it never sees a session);
#: logs.py is the one module that uses logging (fixed event names, fields checked) and writes standard error.
ALLOWED = {"print": {"pathways/cli.py"}, "logging": {"logs.py"}, "file write": {"pathways/cli.py"},
           "standard streams": {"pathways/cli.py", "logs.py"}}
_WRITES = {"write_text", "write_bytes", "to_parquet", "to_pickle", "mkstemp", "NamedTemporaryFile"}
#: Calls that write only as a module's function (``os.remove``, ``shutil.copy``, ``json.dump``), not as a method.
_MODULE_WRITES = {"os": {"remove", "rename", "replace", "unlink", "makedirs", "mkdir"},
                  "shutil": {"copy", "copyfile", "copytree", "move", "rmtree"}, "json": {"dump"}, "pickle": {"dump"}}


def source_findings(source: str) -> dict[str, list[int]]:
    """Lines where a module prints, logs, opens or writes a file, or writes a standard stream."""
    found: dict[str, list[int]] = {}
    for node in ast.walk(ast.parse(source)):
        kind = None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            if any(n and n.split(".")[0] in ("logging", "tempfile", "pickle") for n in names):
                kind = "logging" if any(n and n.startswith("logging") for n in names) else "file write"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "print":
                kind = "print"
            elif name == "open" and isinstance(func, ast.Name):
                kind = "file write"
            elif isinstance(func, ast.Attribute) and (name in _WRITES or (
                    isinstance(func.value, ast.Name) and name in _MODULE_WRITES.get(func.value.id, ()))):
                kind = "file write"
            elif name in ("getLogger", "basicConfig"):
                kind = "logging"
        elif isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr") and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            kind = "standard streams"
        if kind:
            found.setdefault(kind, []).append(node.lineno)
    return found


@pytest.mark.parametrize("module", MODULES, ids=[str(m.relative_to(ROOT)) for m in MODULES])
def test_module_prints_logs_and_writes_nothing_it_should_not(module):
    """No module can leak an answer by printing, logging or writing it, except through the one allowed door."""
    name = str(module.relative_to(ROOT))
    found = source_findings(module.read_text(encoding="utf-8"))
    assert {kind: lines for kind, lines in found.items() if name not in ALLOWED.get(kind, set())} == {}


@pytest.mark.parametrize("line", ["print(answers)", "import logging", "logging.getLogger('x').info(answers)",
                                  "open('/tmp/a', 'w')", "Path('a').write_text(str(answers))",
                                  "sys.stderr.write(str(answers))", "import tempfile"],
                         ids=["print", "import-logging", "getLogger", "open", "write_text", "stderr", "tempfile"])
def test_privacy_scan_catches_a_leak_added_to_views(line):
    """Guards the scan: a leak added to views.py is found."""
    source = (ROOT / "views.py").read_text(encoding="utf-8") + f"\n\ndef leak(answers):\n    {line}\n"
    assert source_findings(source)


def test_every_module_of_the_package_is_scanned():
    assert ROOT / "views.py" in MODULES and ROOT / "pathways" / "outputs" / "handout.py" in MODULES
    assert len(MODULES) >= 20


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


#: Started in the server process before the app (PYTHONPATH): every page run raises, with a user value in the
#: exception's message, where the page checks the review date (as a fault in the page's code would).
FAULT_SITECUSTOMIZE = """
import sys
sys.path.insert(0, {root!r})
import pathways.lifecycle as lifecycle

def review_status(*args, **kwargs):
    raise RuntimeError("answer {secret} reached the fault")

lifecycle.review_status = review_status
"""


@pytest.mark.browser
def test_unexpected_error_on_a_real_server_shows_an_error_id_logged_once_with_no_user_value(tmp_path):
    secret, link_value = f"qv{uuid.uuid4().hex[:12]}", f"lv{uuid.uuid4().hex[:12]}"
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FAULT_SITECUSTOMIZE.format(root=str(ROOT), secret=secret))
    server = start_streamlit(tmp_path / "server.log", env={"PYTHONPATH": str(hook)})
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page()
                page.goto(f"{server.url}/?age_group=child&cell_type=b_cell&{MARKER_KEY}={link_value}",
                          timeout=WAIT_MS)
                page.get_by_text("Error id:").wait_for(timeout=WAIT_MS)
                wait_for_run(page)
                shown = page.locator("[data-testid='stMain']").inner_text()
                from tests.support.a11y import axe_findings

                findings = axe_findings(page)  # the error page meets WCAG 2.2 AA too
            finally:
                browser.close()
    finally:
        server.stop()
    assert not findings, "\n".join(map(str, findings))
    error_id = re.search(r"Error id: ([0-9a-f]{8})", shown).group(1)
    assert secret not in shown and "Traceback" not in shown and str(ROOT) not in shown
    assert "not medical advice" in shown
    lines = [line for line in server.log().splitlines() if error_id in line]
    assert len(lines) == 1, server.log()
    logged = json.loads(lines[0])
    assert logged["event"] == "unexpected_error" and logged["type"] == "RuntimeError"
    assert any("review_status" in frame for frame in logged["traceback"]) and "app.py:" in lines[0]  # a frame of the page
    for value in (secret, link_value, MARKER_KEY, "age_group", "b_cell", "GET /"):
        assert value not in server.log()
