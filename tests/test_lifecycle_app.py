"""The app and the review cycle: an overdue review is a visible warning beside the disclaimer and the content is
still shown; the about panel says what changed in this version, the approval and the review dates."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from pathways import load_pathway, resolve_pathway
from pathways.lifecycle import current_change
from tests.support.a11y import axe_findings
from tests.support.browser import PageWatch, wait_for_app
from tests.support.server import ROOT, start_streamlit

APP = str(ROOT / "app.py")
SHIPPED = resolve_pathway(None).read_text(encoding="utf-8")
META = load_pathway(resolve_pathway(None)).content.metadata
DEEP_LINK = {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}
TIMEOUT = 60_000
#: A review date in the past whatever day the tests run (and after the copy's last review, as validation needs).
PAST_LAST_REVIEW, PAST_DUE = "2025-01-02", "2026-01-02"


def overdue_copy(directory: Path) -> Path:
    """The shipped content with its review dates moved into the past: valid, and overdue today."""
    text = re.sub(r"(?m)^  last_reviewed: .*$", f"  last_reviewed: {PAST_LAST_REVIEW}", SHIPPED, count=1)
    text = re.sub(r"(?m)^  next_review_due: .*$", f"  next_review_due: {PAST_DUE}", text, count=1)
    path = directory / "overdue.yaml"
    path.write_text(text, encoding="utf-8")
    load_pathway(path)  # still valid content
    return path


def run_app(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> AppTest:
    if path is None:
        monkeypatch.delenv("PATHWAY_FILE", raising=False)
    else:
        monkeypatch.setenv("PATHWAY_FILE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in DEEP_LINK.items():
        at.query_params[key] = value
    return at.run()


def overdue_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "Review overdue" in w.value]


def test_overdue_review_shows_a_warning_beside_the_disclaimer_and_still_shows_the_content(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAYS_TODAY", "2026-03-01")  # the page's "today" (README "Configuration")
    at = run_app(monkeypatch, overdue_copy(tmp_path))
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    disclaimer = next(i for i, w in enumerate(warnings) if META.disclaimer[:40] in w.replace("\\", ""))
    assert "Review overdue" in warnings[disclaimer + 1], warnings  # the next element after the disclaimer
    days = (datetime.date(2026, 3, 1) - datetime.date.fromisoformat(PAST_DUE)).days
    assert f"due for review on {PAST_DUE} ({days} days ago)" in warnings[disclaimer + 1]
    assert f"last reviewed on {PAST_LAST_REVIEW}" in warnings[disclaimer + 1]
    markdown = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Intrathecal chemotherapy" in markdown  # the categories of the deep-linked situation are shown


def test_review_not_due_shows_no_overdue_warning(tmp_path, monkeypatch):
    path = tmp_path / "future.yaml"
    path.write_text(re.sub(r"(?m)^  next_review_due: .*$", "  next_review_due: 2999-01-01", SHIPPED, count=1))
    at = run_app(monkeypatch, path)
    assert not at.exception
    assert overdue_warnings(at) == []
    assert "Intrathecal chemotherapy" in "\n".join(m.value for m in at.markdown).replace("\\", "")


def pending_copy(directory: Path) -> Path:
    """The shipped content with its approval pending, whatever the shipped file records."""
    path = directory / "pending.yaml"
    path.write_text(re.sub(r"(?m)^  approved_on: .*$", "  approved_on: null", SHIPPED, count=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("shift, overdue", [(-1, False), (0, False), (1, True), (3000, True)],
                         ids=["day-before-due", "due-day", "day-after-due", "years-later"])
def test_page_today_setting_decides_the_overdue_warning_of_the_shipped_dates(monkeypatch, shift, overdue):
    monkeypatch.setenv("PATHWAYS_TODAY", (META.next_review_due + datetime.timedelta(days=shift)).isoformat())
    at = run_app(monkeypatch, None)
    assert bool(overdue_warnings(at)) is overdue


def test_page_today_setting_that_is_not_a_date_is_a_setting_problem(monkeypatch):
    monkeypatch.setenv("PATHWAYS_TODAY", "tomorrow")
    at = run_app(monkeypatch, None)
    assert "set up wrongly" in at.error[0].value and "PATHWAYS_TODAY" in at.code[0].value


def test_header_and_about_panel_show_approval_review_dates_and_what_changed_in_this_version(tmp_path, monkeypatch):
    at = run_app(monkeypatch, pending_copy(tmp_path))
    caption = next(m.value for m in at.markdown if "Content version" in m.value).replace("\\", "")  # the header
    assert f"next review due {META.next_review_due.isoformat()}" in caption
    assert "Approval: pending: version" in caption and "has not been signed off yet" in caption
    about = next(m.value for m in at.markdown if "What changed in this version" in m.value).replace("\\", "")
    change = current_change(META)
    assert change is not None
    assert f"What changed in this version ({META.version}, {change.date.isoformat()}):** {change.summary}" in about
    assert f"**Next review due:** {META.next_review_due.isoformat()}" in about
    assert "**Approval:** pending" in about and META.approved_by in about


@pytest.fixture(scope="module")
def overdue_server(tmp_path_factory):
    """A real streamlit server serving the overdue copy (PATHWAY_FILE), stopped by its PID."""
    directory = tmp_path_factory.mktemp("overdue")
    server = start_streamlit(directory / "streamlit.log", env={"PATHWAY_FILE": str(overdue_copy(directory))})
    yield server
    server.stop()


@pytest.mark.browser
def test_browser_shows_the_overdue_warning_next_to_the_disclaimer_and_the_categories(browser, overdue_server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = PageWatch().attach(page)
    try:
        page.goto(overdue_server.url + "/?" + "&".join(f"{k}={v}" for k, v in DEEP_LINK.items()))
        wait_for_app(page)
        alerts = page.locator("[data-testid='stAlert']")
        disclaimer = alerts.filter(has_text=META.disclaimer[:40]).first
        overdue = alerts.filter(has_text="Review overdue").first
        expect(disclaimer).to_be_visible()
        expect(overdue).to_be_visible()
        expect(overdue).to_contain_text(f"due for review on {PAST_DUE}")
        top_d, top_o = disclaimer.bounding_box()["y"], overdue.bounding_box()["y"]
        assert 0 < top_o - top_d < 250, (top_d, top_o)  # right under the disclaimer, above the questions
        expect(page.locator(".st-key-card_intrathecal_chemotherapy")).to_be_visible()  # content still shown
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
        findings = axe_findings(page)
        assert not findings, "\n".join(map(str, findings))  # WCAG 2.2 AA with the warning on the page
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "lifecycle-overdue.png"))
        assert watch.errors == []
        assert watch.foreign_requests(overdue_server.url) == []
    finally:
        context.close()
