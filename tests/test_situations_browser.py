"""The all-situations table, the comparison, the handout and the page's own Print in Debian's Chromium, against a
real `streamlit run`: on the page, inside an iframe of another origin, and at a phone's width."""

from __future__ import annotations

import http.server
import io
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from pathways import load_pathway, resolve_pathway
from pathways.situations import complete_situations
from tests.support.browser import PageWatch, click_for_run, wait_for_app, wait_for_run
from tests.support.server import ROOT, free_port, start_streamlit

pytestmark = pytest.mark.browser

PATHWAY = load_pathway(resolve_pathway(None))
DISCLAIMER = PATHWAY.content.metadata.disclaimer
SITUATIONS = complete_situations(PATHWAY)
ARTIFACTS = ROOT / "artifacts"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """One real streamlit server for the module, on a free loopback port, stopped by its PID."""
    server = start_streamlit(tmp_path_factory.mktemp("server") / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)
    page.watch = PageWatch().attach(page)
    yield page
    context.close()


def shown_categories(page_or_frame) -> set[str]:
    return {cid for cid in PATHWAY.categories if page_or_frame.locator(f".st-key-card_{cid}").count()}


def assert_clean(page, *origins: str) -> None:
    assert page.watch.errors == [], page.watch.errors
    assert page.watch.foreign_requests(*origins) == []


class _HostPage(http.server.SimpleHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def host_page(app_server):
    """A page of another origin (a clinic intranet) that embeds the app at a query string given later."""
    pages: list = []

    def serve(query: str) -> str:
        src = f"{app_server.url}/?embed=true&{query}"
        body = (f'<!doctype html><title>Clinic intranet</title><h1>Clinic intranet</h1><iframe src="{src}" '
                'width="1200" height="1600" title="Pathway explorer"></iframe>').encode()
        host = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), type("Host", (_HostPage,), {"body": body}))
        threading.Thread(target=host.serve_forever, daemon=True).start()
        pages.append(host)
        return f"http://127.0.0.1:{host.server_port}"

    yield serve
    for host in pages:
        host.shutdown()


def open_situation_from_the_table(frame, situation) -> None:
    panel = frame.locator(".st-key-situations_panel")
    panel.get_by_text("Every situation at a glance").click()
    expect(panel.locator("table")).to_be_visible(timeout=60_000)  # the panel's run has drawn it
    wait_for_run(frame)  # a click during that run could be dropped by the rerun that follows it
    button = panel.get_by_role("button", name=situation.label, exact=True)
    expect(button).to_be_enabled()
    click_for_run(button)


def test_clicking_a_row_of_the_situations_table_opens_that_situation(page, app_server):
    page.goto(f"{app_server.url}/?{SITUATIONS[0].query}")
    wait_for_app(page)
    table = page.locator(".st-key-situations_panel table")
    expect(table).to_have_count(0)  # the closed panel is not built
    target = SITUATIONS[6]
    open_situation_from_the_table(page, target)
    expect(page).to_have_url(re.compile(re.escape(target.query)))
    expect(page.locator(f".st-key-card_{target.result.treatments[0].id}")).to_be_visible()
    expect(page.locator("[class*='st-key-card_']")).to_have_count(len(target.result.treatments))
    assert shown_categories(page) == {t.id for t in target.result.treatments}
    assert_clean(page, app_server.url)


def test_the_situations_table_is_a_real_table_with_headers(page, app_server):
    page.goto(app_server.url)
    wait_for_app(page)
    page.locator(".st-key-situations_panel").get_by_text("Every situation at a glance").click()
    table = page.get_by_role("table", name=re.compile("Every complete situation"))
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_count(1 + len(PATHWAY.content.categories))
    expect(table.get_by_role("rowheader")).to_have_count(len(SITUATIONS))
    expect(table.get_by_role("cell", name="✘ not shown").first).to_be_visible()
    assert_clean(page, app_server.url)


def test_inside_an_iframe_a_row_opens_its_situation_in_the_frame_and_a_comparison_link_reopens(
        page, app_server, host_page):
    first, other = SITUATIONS[0], SITUATIONS[6]  # they differ (tests/test_compare.py has every pair)
    host = host_page(f"{first.query}&compare={other.key}")
    page.goto(host)
    frame = page.frame_locator("iframe")
    panel = frame.locator(".st-key-compare_panel")
    expect(panel.get_by_role("heading", name="What differs")).to_be_visible()  # the link reopened the comparison
    expect(panel).to_contain_text(f"Situation 2: {other.outcome.title}")
    expect(panel.get_by_role("columnheader", name=f"2: {other.outcome.title}")).to_be_visible()
    expect(panel.locator("table")).to_contain_text("Only in situation")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-iframe-compare.png"))
    target = SITUATIONS[7]
    open_situation_from_the_table(frame, target)
    expect(frame.locator(f".st-key-card_{target.result.treatments[0].id}")).to_be_visible()
    expect(frame.locator("[class*='st-key-card_']")).to_have_count(len(target.result.treatments))
    assert shown_categories(frame) == {t.id for t in target.result.treatments}
    assert page.url.startswith(host)  # the host page stayed; the frame shows the situation
    (app_frame,) = [f for f in page.frames if f.url.startswith(app_server.url)]
    assert "embed=true" in app_frame.url
    assert_clean(page, app_server.url, host)


def test_choosing_a_comparison_puts_it_in_the_address_bar_and_the_sides_stack_at_a_phone_width(page, app_server):
    first, other = SITUATIONS[0], SITUATIONS[3]
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(f"{app_server.url}/?{first.query}")
    wait_for_app(page)
    panel = page.locator(".st-key-compare_panel")
    panel.get_by_text("Compare with another situation").click()
    box = panel.get_by_role("combobox")
    box.click()
    box.press_sequentially(other.label)  # the selectbox filters its options as one types, as a keyboard user would
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"compare={re.escape(other.key).replace('/', '(/|%2F)')}"))  # replaceState: no load
    sides = panel.locator("[data-testid='stColumn']")
    expect(sides.nth(1)).to_contain_text(f"Situation 2: {other.outcome.title}")
    one, two = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
    assert two["y"] >= one["y"] + one["height"] - 1  # stacked, not squeezed side by side
    page.screenshot(path=str(ARTIFACTS / "browser-compare-narrow.png"), full_page=True)
    assert_clean(page, app_server.url)


def test_handout_download_is_a_pdf_of_the_situation_on_screen(page, app_server):
    situation = SITUATIONS[5]
    page.goto(f"{app_server.url}/?{situation.query}")
    wait_for_app(page)
    with page.expect_download() as download:  # the primary action beside the result
        page.locator(".st-key-result").get_by_role("button", name="Handout (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert DISCLAIMER[:60] in text and situation.outcome.title in text
    assert_clean(page, app_server.url)


def test_printing_the_page_gives_a_clean_document_with_the_disclaimer_graph_and_cards(page, app_server):
    situation = SITUATIONS[0]
    page.goto(f"{app_server.url}/?{situation.query}")
    wait_for_app(page)
    expect(page.locator("[data-testid='stImage'] img")).to_be_visible()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-print.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert DISCLAIMER[:60] in text[:1500]  # the disclaimer near the top of the first page
    for treatment in situation.result.treatments:
        assert treatment.label in text
    for chrome in ("Reset answers", "Data files for staff", "Deploy", "Every situation at a glance", "No, the CNS"):
        assert chrome not in text, chrome  # no buttons, closed panels or options not chosen
    assert any(page_.images for page_ in reader.pages) or "✔ Child" in text  # the graph is on it
    page.emulate_media(media="screen")
    assert_clean(page, app_server.url)


@pytest.mark.nginx
def test_the_panels_the_handout_and_print_raise_no_policy_violation_through_the_proxy(app_server, browser, tmp_path):
    """The table's HTML, the comparison, the PDF download and the print stylesheet under deploy/'s policy."""
    from tests.support.nginx import start_nginx

    proxy = start_nginx(tmp_path / "nginx", [f"127.0.0.1:{app_server.port}"])
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    try:
        page.goto(f"{proxy.url}/?{SITUATIONS[0].query}&compare={SITUATIONS[6].key}", timeout=TIMEOUT)
        expect(page.locator(".st-key-compare_panel").get_by_role("heading", name="What differs")).to_be_visible()
        page.locator(".st-key-situations_panel").get_by_text("Every situation at a glance").click()
        expect(page.locator(".st-key-situations_panel table")).to_be_visible()
        page.locator(".st-key-copy_link").get_by_role("button", name="Copy link").click()  # the app's own script
        expect(page.get_by_role("status").filter(has_text="Link")).to_be_visible()
        with page.expect_download(timeout=TIMEOUT) as download:
            page.locator(".st-key-result").get_by_role("button", name="Handout (PDF)").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
        page.emulate_media(media="print")
        page.pdf(format="A4")
    finally:
        context.close()
        proxy.stop()
    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
