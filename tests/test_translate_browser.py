"""The Spanish page in a real browser: the document's language reads ``es`` (English without ``lang=es``), the
source's quotes left in English are marked ``lang="en"``, the language choice works, and axe-core finds no
violation with the result, the basis and the figures open."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.a11y import axe_findings, unexplained
from tests.support.browser import PageWatch, wait_for_app
from tests.support.server import start_streamlit

TIMEOUT = 60_000
SITUATION = "age_group=adult&cns_involvement=yes&cell_type=b_cell&time_since_treatment=under_3_years"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    server = start_streamlit(tmp_path_factory.mktemp("spanish") / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    yield page
    context.close()


def settle(page) -> None:
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


@pytest.mark.browser
def test_spanish_page_declares_spanish_and_has_no_axe_violation(app_server, page):
    page.goto(f"{app_server.url}/?lang=es&{SITUATION}&figures=open")
    wait_for_app(page)
    expect(page.locator("html")).to_have_attribute("lang", "es", timeout=TIMEOUT)
    expect(page.locator(".st-key-result")).to_contain_text("Adulto, SNC afectado, LLA de células B")
    page.locator(".st-key-basis_panel summary").click()
    expect(page.locator(".st-key-basis_panel").get_by_text("Datos usados")).to_be_visible()
    settle(page)
    quotes = page.locator("[data-testid='stMarkdownContainer'] span[lang='en']")
    expect(quotes.first).to_be_visible()
    assert all(q.startswith("“") and q.endswith("”") for q in quotes.all_inner_texts()[:20])
    problems = unexplained(axe_findings(page), ())
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.browser
def test_language_choice_switches_the_page_and_its_declared_language(app_server, page):
    page.goto(f"{app_server.url}/?{SITUATION}")
    wait_for_app(page)
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=TIMEOUT)
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es", timeout=TIMEOUT)
    expect(page.get_by_text("pendiente de revisión").first).to_be_visible()
    assert "lang=es" in page.url and "cell_type=b_cell" in page.url
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=TIMEOUT)
    assert "lang=" not in page.url
