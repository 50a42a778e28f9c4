"""The family reading in a real browser: the switch and the link round-trip, axe finds no violation (a source
marker open too), the keyboard reaches the switch and the markers, the glossary links land on their entries."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pathways.family import FAMILY_TITLE, READING_LABELS
from tests.support.a11y import axe_findings
from tests.support.browser import PageWatch, wait_for_app
from tests.support.server import ROOT, start_streamlit

pytestmark = pytest.mark.browser

TIMEOUT = 60_000
COMPLETE = "age_group=adult&cns_involvement=yes&cell_type=b_cell"
GRAPH_READY = """() => { const img = document.querySelector("[data-testid='stImage'] img");
  return !!img && img.complete && img.naturalWidth > 0; }"""


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    server = start_streamlit(tmp_path_factory.mktemp("family") / "streamlit.log",
                             env={"CLINIC_FILE": str(ROOT / "deploy/clinic.example.yaml")})
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    yield page
    context.close()


def settle(page) -> None:
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.wait_for_function(GRAPH_READY)


def switch(page, reading: str) -> None:
    page.locator(".st-key-reading").get_by_role("radio", name=READING_LABELS[reading]).click()
    settle(page)


def test_switch_and_link_round_trip(page, app_server):
    open_app(page, f"{app_server.url}/?{COMPLETE}")
    switch(page, "family")
    expect(page.get_by_role("heading", name=FAMILY_TITLE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]reading=family(&|$)"))
    copied = page.url
    other = page.context.new_page()
    other.set_default_timeout(TIMEOUT)
    open_app(other, copied)  # the link a nurse shares opens the family reading
    expect(other.get_by_role("heading", name=FAMILY_TITLE)).to_be_visible()
    expect(other.locator(".st-key-share_link code")).to_contain_text("reading=family")
    other.close()
    switch(page, "clinician")
    expect(page).not_to_have_url(re.compile(r"reading="))
    expect(page.get_by_role("heading", name=FAMILY_TITLE)).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_family_reading_has_no_accessibility_violations_with_a_marker_open(browser, app_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    open_app(page, f"{app_server.url}/?{COMPLETE}&time_since_treatment=under_3_years&reading=family&figures=open")
    expect(page.locator(".st-key-clinic")).to_contain_text("From your clinic")
    findings = axe_findings(page)
    assert not findings, "\n".join(map(str, findings))
    marker = page.get_by_role("button", name=re.compile(r"^† Our reading and source: Systemic chemotherapy"))
    marker.click()
    expect(page.get_by_text(re.compile("we read it as applying to adults")).first).to_be_visible()
    findings = axe_findings(page, stretch=False)
    assert not findings, "\n".join(map(str, findings))
    assert page.watch.errors == [], page.watch.errors
    context.close()


def test_keyboard_reaches_the_switch_and_opens_a_marker(page, app_server):
    open_app(page, f"{app_server.url}/?{COMPLETE}&reading=family")
    settle(page)
    seen = []
    for _ in range(200):
        page.keyboard.press("Tab")
        name = page.evaluate("() => { const e = document.activeElement; "
                             "return e && e.matches('button, [role=radio]') ? e.innerText.trim() : ''; }")
        seen.append(name)
        if "† Our reading and source" in name:
            break
    assert any(READING_LABELS["clinician"] in n for n in seen), seen[:20]
    assert "† Our reading and source" in seen[-1], seen[-20:]
    settle(page)
    page.keyboard.press("Enter")
    reason = page.locator("[data-testid='stPopoverBody'] strong", has_text="† Our reading:")
    expect(reason.first).to_be_visible()
    page.keyboard.press("Escape")
    expect(reason).to_have_count(0)


def test_a_medical_word_links_to_its_glossary_entry(page, app_server):
    open_app(page, f"{app_server.url}/?{COMPLETE}&reading=family")
    for anchor in ("central-nervous-system-cns", "chemotherapy", "systemic-and-intrathecal"):
        expect(page.locator(f"a[href='#{anchor}']").first).to_be_visible()
        expect(page.locator(f"#{anchor}")).to_have_count(1)


def test_every_glossary_link_on_the_spanish_family_page_lands_on_its_entry(page, app_server):
    """Spanish glossary terms carry accents ("Sistémica e intratecal", "Células blásticas"): each link's target is the
    anchor Streamlit gives the heading, accents dropped, so the link lands on it."""
    open_app(page, f"{app_server.url}/?{COMPLETE}&reading=family&lang=es")
    hrefs = sorted(set(page.locator("[data-testid='stMarkdownContainer'] a[href^='#']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")))
    assert "#sistemica-e-intratecal" in hrefs and "#sistema-nervioso-central-snc" in hrefs, hrefs
    for href in hrefs:
        expect(page.locator(f"[id='{href[1:]}']")).to_have_count(1)
