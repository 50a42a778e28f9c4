"""The page's edge through AppTest: a fault in any part of the page shows the error page with an error id and logs
one line with that id and the traceback, never a user's value; content changed under an open session drops the
answers it no longer has, with a notice; the approval setting refuses unapproved content."""

from __future__ import annotations

import ast
import json
import logging
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import logs
from pathways import load_pathway, load_pathway_text, resolve_pathway
from tests.support.apptest import ERROR_PAGE_MARK, error_ids, page_problems

ROOT = Path(__file__).parents[1]
APP = ROOT / "app.py"
SHIPPED = resolve_pathway(None).read_text(encoding="utf-8")
PATHWAY = load_pathway(resolve_pathway(None))
DISCLAIMER = PATHWAY.content.metadata.disclaimer
MINIMAL = (ROOT / "tests" / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
#: A value no part of the page shows, carried in the injected exception's message (as an answer would be).
SECRET = "qv7f3a9c_user_value"
#: A complete deep link with a comparison (its panel opens), as the page's query string.
LINK = {"age_group": "adult", "cns_involvement": "no", "cell_type": "b_cell", "time_since_treatment": "under_3_years",
        "compare": "child/no/t_cell"}
#: The panels opened for the fault runs, so that what they draw runs too.
PANELS = ("basis_panel", "path_table", "downloads_panel", "situations_panel")
#: Parts that a page run never calls: click callbacks (tested below) and the broken-content page.
NOT_ON_A_RUN = {"reset", "open_situation", "show_error_page"}
CALLED: list[str] = []


@pytest.fixture
def log_lines():
    """Every line the app logs during the test, formatted as the server writes them."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logs.JsonFormatter())
    logger = logs.configure()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def app_functions() -> list[str]:
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def with_fault(name: str) -> str:
    """app.py with ``name`` raising (after recording that it was called) an exception whose message holds SECRET."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    fault = ast.parse(f"import tests.test_guard as _t\n_t.CALLED.append({name!r})\n"
                      f"raise RuntimeError('answer {SECRET} in ' + {name!r})").body
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            body = node.body
            start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
            node.body = body[:start] + fault + body[start:]
    return ast.unparse(ast.fix_missing_locations(tree))


def faulty_app(name: str) -> AppTest:
    at = AppTest.from_string(with_fault(name), default_timeout=60)
    at.query_params.update(LINK)
    for panel in PANELS:
        at.session_state[panel] = True
    return at


def events(lines: list[str], name: str) -> list[dict]:
    return [e for e in map(json.loads, lines) if e["event"] == name]


def assert_no_user_value(lines: list[str]) -> None:
    for line in lines:
        for value in (SECRET, "age_group=", "cell_type", "b_cell", "t_cell", "under_3_years", "child/no"):
            assert value not in line, f"{value!r} logged: {line}"


@pytest.mark.error_page
@pytest.mark.parametrize("name", sorted(set(app_functions()) - NOT_ON_A_RUN))
def test_fault_in_any_part_of_the_page_shows_an_error_id_and_logs_it_once_without_user_values(name, log_lines):
    CALLED.clear()
    at = faulty_app(name).run()
    if name not in CALLED:
        pytest.skip(f"{name} is not called on a run of the deep-linked page with its panels open")
    ids = error_ids(at)
    assert len(ids) == 1 and page_problems(at), f"no error page for a fault in {name}"
    assert not at.exception  # the guard caught it: Streamlit never saw it
    text = "\n".join(str(e.proto) for e in at.error)
    assert SECRET not in text and "Traceback" not in text and str(ROOT) not in text
    assert any(DISCLAIMER.split(".")[0] in w.value or "not medical advice" in w.value for w in at.warning)
    errors = events(log_lines, "unexpected_error")
    assert [e["error_id"] for e in errors] == ids  # one line, with the id the page shows
    assert errors[0]["type"] == "RuntimeError" and f"in {name}" in errors[0]["where"]
    assert any(f"in {name}" in frame for frame in errors[0]["traceback"])
    assert_no_user_value(log_lines)


def test_every_part_of_the_page_is_reached_by_the_fault_runs():
    """Guards the test above: its skips are the exception, not the rule."""
    assert len(set(app_functions()) - NOT_ON_A_RUN) >= 15


@pytest.mark.error_page
def test_fault_in_a_click_callback_reaches_streamlit_and_its_log_line_holds_no_user_value(log_lines):
    at = faulty_app("reset").run()
    assert not page_problems(at)
    at = at.button(key="reset").click().run()
    assert at.exception, "a callback's exception is Streamlit's to show (outside the page's guard)"
    lines = events(log_lines, "streamlit_error")
    assert len(lines) == 1 and lines[0]["type"] == "RuntimeError" and "in reset" in lines[0]["where"]
    assert_no_user_value(log_lines)


def test_page_run_logs_start_and_the_content_loaded_once(log_lines, tmp_path, monkeypatch):
    path = tmp_path / "served.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(path))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(age_group="child")
    at.run()
    at.radio(key="cns_involvement").set_value("no").run()
    loaded = [e for e in events(log_lines, "content_loaded") if e["file"] == str(path)]
    assert len(loaded) == 1
    assert loaded[0]["pathway"] == PATHWAY.id and loaded[0]["version"] == PATHWAY.content.metadata.version
    assert len(loaded[0]["fingerprint"]) == 64
    assert_no_user_value(log_lines)
    assert not any("child" in line or "cns_involvement" in line for line in log_lines)


def test_broken_content_is_logged_as_refused(log_lines, tmp_path, monkeypatch):
    path = tmp_path / "broken.yaml"
    path.write_text(SHIPPED.replace("  root: ", "  root: nowhere_", 1), encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(path))
    AppTest.from_file(str(APP), default_timeout=60).run()
    refused = events(log_lines, "content_refused")
    assert refused and refused[0]["reason"] == "invalid" and refused[0]["files"] == [str(path)]


# ---- content changed under an open session ---------------------------------------------------------------------


def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "served.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PATHWAY_FILE", str(path))
    return path


def edit(path: Path, text: str) -> None:
    """Replace the served file by a new version (a later mtime, even on a coarse clock)."""
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def change_notice(at: AppTest) -> str:
    notices = [w.value for w in at.warning if "content changed while this page was open" in w.value]
    assert len(notices) == 1, [w.value for w in at.warning]
    return notices[0]


def test_option_renamed_under_an_open_session_clears_that_answer_with_a_notice(tmp_path, monkeypatch, log_lines):
    path = served(tmp_path, monkeypatch, SHIPPED)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(age_group="adult", cns_involvement="no", cell_type="b_cell", compare="child/no/b_cell")
    at.run()
    assert at.selectbox(key="compare_with").value == "child/no/b_cell"
    edit(path, SHIPPED.replace("- id: b_cell", "- id: b_lineage").replace("{b_cell:", "{b_lineage:"))
    load_pathway(path)  # a valid new version
    at.run()
    notice = change_notice(at)
    cell_type = PATHWAY.questions["cell_type"]
    assert cell_type.prompt in notice and "B-cell" in notice and "comparison" in notice
    assert at.radio(key="cell_type").value is None  # asked again
    assert at.radio(key="age_group").value == "adult" and at.radio(key="cns_involvement").value == "no"
    assert any(DISCLAIMER in w.value.replace("\\", "") for w in at.warning)
    assert "Questions" in "".join(m.value for m in at.markdown) and at.get("image")
    assert at.session_state["compare_with"] is None  # the comparison was cleared too
    assert not [line for line in log_lines if "b_cell" in line or "child/no" in line]


def test_question_removed_under_an_open_session_drops_its_answer_with_a_notice(tmp_path, monkeypatch, log_lines):
    path = served(tmp_path, monkeypatch, MINIMAL)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(age_group="adult", time_since_treatment="under_3_years")
    at.run()
    assert at.radio(key="time_since_treatment").value == "under_3_years"
    start = MINIMAL.index("  - id: time_since_treatment")
    removed = MINIMAL[:start] + MINIMAL[MINIMAL.index("tree:"):]
    removed = removed.replace(", applies_when: {time_since_treatment: [under_3_years]}", "")
    edit(path, removed)
    load_pathway(path)
    at.run()
    notice = change_notice(at)
    assert "How long?" in notice and "Short" in notice and "no longer asked" in notice
    assert [r.key for r in at.radio] == ["age_group"] and at.radio(key="age_group").value == "adult"
    assert "Adult outcome" in "".join(m.value for m in at.markdown)
    assert not [line for line in log_lines if "under_3_years" in line or "time_since" in line]


# ---- the approval setting ----------------------------------------------------------------------------------------


def approved(text: str, on: str = "2026-11-30") -> str:
    """The content text signed off on ``on`` ("null": pending), whatever the shipped file records."""
    return re.sub(r"(?m)^  approved_on: .*$", f"  approved_on: {on}", text, count=1)


def pending(text: str) -> str:
    return approved(text, "null")


@pytest.mark.parametrize("setting, approval, serves", [
    ("", "pending", True), ("1", "pending", False), ("1", "approved", True), ("0", "pending", True),
], ids=["off-pending-served", "on-pending-refused", "on-approved-served", "off-explicitly"])
def test_approval_setting_serves_only_signed_off_content(tmp_path, monkeypatch, setting, approval, serves):
    served(tmp_path, monkeypatch, approved(SHIPPED) if approval == "approved" else pending(SHIPPED))
    monkeypatch.setenv("REQUIRE_APPROVAL", setting)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(age_group="child", cns_involvement="yes", cell_type="b_cell")
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    if serves:
        assert at.radio and PATHWAY.content.categories[0].label in text or "Intrathecal" in text
        return
    assert not at.radio and not at.get("image")
    assert "waiting for its clinical approval" in at.error[0].value
    assert "approval: pending" in at.code[0].value and str(tmp_path) not in at.code[0].value
    assert any("not medical advice" in w.value for w in at.warning)
    for category in PATHWAY.content.categories:
        assert category.label not in text


def test_approval_setting_with_an_unknown_value_is_a_setting_problem(tmp_path, monkeypatch):
    served(tmp_path, monkeypatch, approved(SHIPPED))
    monkeypatch.setenv("REQUIRE_APPROVAL", "maybe")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.radio and "set up wrongly" in at.error[0].value and "REQUIRE_APPROVAL" in at.code[0].value


def test_approved_and_pending_copies_of_the_shipped_content_load():
    """Guards the approval tests: the approved copy is valid content."""
    assert load_pathway_text(approved(SHIPPED)).content.metadata.approved_on is not None
    assert load_pathway_text(pending(SHIPPED)).content.metadata.approved_on is None


# ---- the page's own keys never collide with a content id ---------------------------------------------------


def page_keys(source: str) -> tuple[set[str], set[str]]:
    """The widget and session-state keys a page module uses: exact keys, and prefixes of keys made per item."""
    tree = ast.parse(source)
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else node.targets
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(targets, values):
                if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    names[target.id] = value.value
    exact, prefixes = set(), set()

    def take(value: ast.AST) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            exact.add(value.value)
        elif isinstance(value, ast.Name) and value.id in names:
            exact.add(names[value.id])
        elif isinstance(value, ast.JoinedStr) and value.values and isinstance(value.values[0], ast.Constant):
            prefixes.add(value.values[0].value)

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "key":
            take(node.value)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr in ("session_state", "query_params"):
            take(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and \
                isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "session_state" and node.args:
            take(node.args[0])
    for name, value in names.items():
        if name.endswith(("_PARAM", "_PANEL")) or (name.endswith("_KEY") and name != "GRAPH_KEY"):
            exact.add(value)
    return exact, prefixes


def test_every_key_the_page_uses_is_reserved_from_content_ids():
    from pathways.vocabulary import PAGE_KEY_PREFIXES, PAGE_KEYS

    exact, prefixes = page_keys(APP.read_text(encoding="utf-8"))
    assert "reset" in exact and "compare" in exact and "card_" in prefixes  # guards the scan
    unreserved = {k for k in exact if k not in PAGE_KEYS and not k.startswith(PAGE_KEY_PREFIXES + ("_",))}
    unreserved |= {p for p in prefixes if not p.startswith(PAGE_KEY_PREFIXES + ("_",))}
    assert unreserved == set(), "add them to pathways/vocabulary.py PAGE_KEYS or PAGE_KEY_PREFIXES"


def test_a_question_named_like_a_page_control_is_refused_by_the_loader():
    text = MINIMAL.replace("  - id: time_since_treatment\n", "  - id: reset\n").replace(
        "{time_since_treatment: [under_3_years]}", "{reset: [under_3_years]}")
    with pytest.raises(Exception, match=r"question id 'reset' is a name that the page uses"):
        load_pathway_text(text, "p.yaml")


@pytest.mark.browser
@pytest.mark.parametrize("approval, serves", [("pending", False), ("approved", True)], ids=["pending", "approved"])
def test_browser_with_approval_required_serves_only_signed_off_content(browser, tmp_path, approval, serves):
    from tests.support.browser import wait_for_app, wait_for_run
    from tests.support.server import start_streamlit

    path = tmp_path / "served.yaml"
    path.write_text(approved(SHIPPED) if approval == "approved" else pending(SHIPPED), encoding="utf-8")
    server = start_streamlit(tmp_path / "server.log", env={"PATHWAY_FILE": str(path), "REQUIRE_APPROVAL": "1"})
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/?age_group=child&cns_involvement=yes&cell_type=b_cell", timeout=60_000)
        if serves:
            wait_for_app(page)
            page.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=60_000)
            return
        page.get_by_text("waiting for its clinical approval").wait_for(timeout=60_000)
        page.get_by_text("REQUIRE_APPROVAL is on").wait_for(timeout=60_000)  # the code block comes a moment later
        wait_for_run(page)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "not medical advice" in text and "REQUIRE_APPROVAL" in text and str(tmp_path) not in text, text
        assert page.locator("[data-testid='stRadio']").count() == 0
        assert not any(c.label in text for c in PATHWAY.content.categories)
    finally:
        page.close()
        server.stop()


def test_every_setting_the_page_reads_is_documented_in_the_readme():
    import guard
    import views

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in (guard.APPROVAL_ENV, guard.TODAY_ENV, views.PATHWAY_ENV, views.RENDERER_ENV):
        assert f"| `{setting}` |" in readme, setting
