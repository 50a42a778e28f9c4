"""The app and the review cycle: an overdue review is named on the about line right under the disclaimer, its
details open from it, and the content is still shown; the about panel says what changed in this version, the approval
and the review dates."""

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
from tests.support.content import PAST_DUE, PAST_LAST_REVIEW, overdue_copy, pending_copy
from tests.support.server import ROOT

APP = str(ROOT / "app.py")
SHIPPED = resolve_pathway(None).read_text(encoding="utf-8")
META = load_pathway(resolve_pathway(None)).content.metadata
DEEP_LINK = {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell"}
TIMEOUT = 60_000
def run_app(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> AppTest:
    if path is None:
        monkeypatch.delenv("PATHWAY_FILE", raising=False)
    else:
        monkeypatch.setenv("PATHWAY_FILE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in DEEP_LINK.items():
        at.query_params[key] = value
    return at.run()


def about_label(at: AppTest) -> str:
    (about,) = [e for e in at.expander if e.label.startswith("About this content")]
    return about.label


def overdue_notices(at: AppTest) -> list[str]:
    """Where the page says the review is overdue: the about line, and the details inside its panel."""
    return [text for text in [about_label(at), *(w.value for w in at.warning)] if "eview overdue" in text]


def test_overdue_review_is_named_on_the_about_line_under_the_disclaimer_and_the_content_is_still_shown(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAYS_TODAY", "2026-03-01")  # the page's "today" (README "Configuration")
    at = run_app(monkeypatch, overdue_copy(tmp_path))
    assert not at.exception and not at.error
    assert at.warning[0].value.replace("\\", "").startswith(f"**{META.disclaimer[:40]}")  # the disclaimer first
    assert "overdue" not in at.warning[0].value  # the disclaimer's box stays as short as ever
    label = about_label(at).replace("\\", "")  # the line right under the disclaimer: no line of its own
    assert f"**review overdue** since {PAST_DUE}]" in label and META.version in label, label
    (details,) = [w.value for w in at.warning if "Review overdue" in w.value]  # inside the about panel
    days = (datetime.date(2026, 3, 1) - datetime.date.fromisoformat(PAST_DUE)).days
    assert f"due for review on {PAST_DUE} ({days} days ago)" in details
    assert f"last reviewed on {PAST_LAST_REVIEW}" in details
    markdown = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Intrathecal chemotherapy" in markdown  # the categories of the deep-linked situation are shown


def test_review_not_due_shows_no_overdue_warning(tmp_path, monkeypatch):
    path = tmp_path / "future.yaml"
    path.write_text(re.sub(r"(?m)^  next_review_due: .*$", "  next_review_due: 2999-01-01", SHIPPED, count=1))
    at = run_app(monkeypatch, path)
    assert not at.exception
    assert overdue_notices(at) == []
    assert "Intrathecal chemotherapy" in "\n".join(m.value for m in at.markdown).replace("\\", "")


@pytest.mark.parametrize("shift, overdue", [(-1, False), (0, False), (1, True), (3000, True)],
                         ids=["day-before-due", "due-day", "day-after-due", "years-later"])
def test_page_today_setting_decides_the_overdue_warning_of_the_shipped_dates(monkeypatch, shift, overdue):
    monkeypatch.setenv("PATHWAYS_TODAY", (META.next_review_due + datetime.timedelta(days=shift)).isoformat())
    at = run_app(monkeypatch, None)
    assert bool(overdue_notices(at)) is overdue


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


@pytest.mark.browser
def test_browser_names_the_overdue_review_under_the_disclaimer_and_opens_its_details_with_the_categories_shown(
        browser, overdue_server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = PageWatch().attach(page)
    try:
        page.goto(overdue_server.url + "/?" + "&".join(f"{k}={v}" for k, v in DEEP_LINK.items()))
        wait_for_app(page)
        disclaimer = page.locator("[data-testid='stAlert']").filter(has_text=META.disclaimer[:40]).first
        notice = page.locator(".st-key-about_panel summary")
        expect(disclaimer).to_be_visible()
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(f"review overdue since {PAST_DUE}")
        below = disclaimer.bounding_box()
        gap = notice.bounding_box()["y"] - (below["y"] + below["height"])
        assert 0 <= gap < 40, gap  # the next line after the disclaimer, above the questions
        expect(page.locator(".st-key-card_intrathecal_chemotherapy")).to_be_visible()  # content still shown
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
        findings = axe_findings(page)
        assert not findings, "\n".join(map(str, findings))  # WCAG 2.2 AA with the notice on the page
        notice.click()  # the details, one tap away
        details = page.locator(".st-key-about_panel [data-testid='stAlert']")
        expect(details).to_be_visible()
        expect(details).to_contain_text(f"due for review on {PAST_DUE}")
        expect(details).to_contain_text(f"last reviewed on {PAST_LAST_REVIEW}")
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
        findings = axe_findings(page)
        assert not findings, "\n".join(map(str, findings))  # and with its details open
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "lifecycle-overdue.png"))
        assert watch.errors == []
        assert watch.foreign_requests(overdue_server.url) == []
    finally:
        context.close()
