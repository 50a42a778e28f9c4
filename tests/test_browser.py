"""End to end in a real browser: Debian's Chromium, driven by Playwright, against a real `streamlit run`."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pathways import load_pathway, resolve_pathway
from pathways.cases import cases_path_for, load_cases
from pathways.evaluate import evaluate
from tests.support.browser import PageWatch, wait_for_app, wait_for_run
from tests.support.server import ROOT, free_port, start_streamlit

pytestmark = pytest.mark.browser

PATHWAY = load_pathway(resolve_pathway(None))
DISCLAIMER = PATHWAY.content.metadata.disclaimer
CASES = [c for c in load_cases(cases_path_for(resolve_pathway(None)))[0].cases if c.complete]
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
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def answer(page, question_id: str, option_id: str) -> None:
    """Click the option's label as a person would, then wait for the app to finish its rerun."""
    question = PATHWAY.questions[question_id]
    label = next(o.label for o in question.options if o.id == option_id)
    group = page.locator(f".st-key-{question_id}")
    group.get_by_text(label, exact=True).click()
    expect(group.get_by_role("radio", name=label)).to_be_checked()
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")


def expected_ticks(answers: dict[str, str]) -> set[str]:
    """The ✔ labels the highlighted path must carry: each chosen branch and, when complete, the outcome."""
    result = evaluate(PATHWAY, answers)
    ticks = set()
    for step in result.path:
        option = next(o for o in step.question.options if o.id == step.option_id)
        ticks.add(f"✔ {option.graph_label}")
    if result.outcome is not None:
        ticks.add(f"✔ {result.outcome.short_title}")
    return ticks


#: The ✔ labels of the graph the page shows: an SVG image drawn on the server, decoded as the browser decodes it.
#: An empty list while the image is missing or not yet decoded (naturalWidth 0).
GRAPH_TICKS_JS = """() => {
  const img = document.querySelector("[data-testid='stImage'] img");
  if (!img || !img.complete || img.naturalWidth === 0 || !img.src.startsWith("data:image/svg+xml;base64,")) return [];
  const bytes = Uint8Array.from(atob(img.src.split(",")[1]), c => c.charCodeAt(0));
  const svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml");
  return [...svg.querySelectorAll("text")].map(t => t.textContent.trim()).filter(t => t.startsWith("✔"));
}"""


def graph_ticks(page_or_frame) -> set[str]:
    return set(page_or_frame.evaluate(GRAPH_TICKS_JS))


def wait_for_ticks(page, ticks: set[str]) -> None:
    """Wait until the graph image shows exactly ``ticks`` (it is redrawn, then decoded, after each answer)."""
    page.wait_for_function("""ticks => {
        const texts = (""" + GRAPH_TICKS_JS + """)();
        return ticks.every(t => texts.includes(t)) && texts.length === ticks.length;
    }""", arg=sorted(ticks))


def shown_categories(page_or_frame) -> set[str]:
    return {cid for cid in PATHWAY.categories if page_or_frame.locator(f".st-key-card_{cid}").count()}


def assert_disclaimer(page_or_frame) -> None:
    """The disclaimer stands in an alert box near the top, not only in the footer."""
    expect(page_or_frame.locator("[data-testid='stAlert']").filter(has_text=DISCLAIMER).first).to_be_visible()


def assert_clean(page, *origins: str) -> None:
    assert page.watch.errors == [], page.watch.errors
    assert page.watch.foreign_requests(*origins) == []


@pytest.mark.parametrize("case", CASES, ids=[c.name.replace(", ", "-").replace(" ", "_") for c in CASES])
def test_clicking_through_a_situation_highlights_its_path_and_shows_its_categories(page, app_server, case):
    page.goto(app_server.url)
    wait_for_app(page)
    assert_disclaimer(page)
    assert shown_categories(page) == set()
    answered: dict[str, str] = {}
    for question in PATHWAY.tree_questions():
        answer(page, question.id, case.answers[question.id])
        answered[question.id] = case.answers[question.id]
        expect(page.locator("[data-testid='stImage'] img")).to_be_visible()
        wait_for_ticks(page, expected_ticks(answered))
        assert_disclaimer(page)
    assert graph_ticks(page) == expected_ticks(case.answers)
    expect(page.locator(f".st-key-card_{case.must_include[0]}")).to_be_visible()
    wait_for_run(page)  # every card of this run is drawn
    assert shown_categories(page) == set(case.must_include)
    for category in case.must_exclude:
        assert page.locator(f".st-key-card_{category}").count() == 0
    shot(page, "browser-" + "-".join(case.answers.values()))
    assert_clean(page, app_server.url)


def test_deep_link_restores_the_answers_and_the_outcome(page, app_server):
    page.goto(f"{app_server.url}/?age_group=adult&cns_involvement=no&cell_type=t_cell")
    wait_for_app(page)
    for qid, option in (("age_group", "Adult"), ("cns_involvement", "No, the CNS is not involved"),
                        ("cell_type", "T-cell ALL")):
        expect(page.locator(f".st-key-{qid}").get_by_role("radio", name=option)).to_be_checked()
    expect(page.locator(".st-key-card_radiation_therapy")).to_be_visible()
    wait_for_run(page)
    assert shown_categories(page) == {"combination_chemotherapy", "stem_cell_transplant", "targeted_therapy",
                                      "radiation_therapy"}
    expected = expected_ticks({"age_group": "adult", "cns_involvement": "no", "cell_type": "t_cell"})
    wait_for_ticks(page, expected)  # the image is decoded after the page has drawn it
    assert graph_ticks(page) == expected
    assert_disclaimer(page)
    assert_clean(page, app_server.url)


def test_basis_panel_and_table_open_on_click_and_follow_later_answers(page, app_server):
    page.goto(f"{app_server.url}/?age_group=child&cns_involvement=no&cell_type=t_cell")
    wait_for_app(page)
    basis, table = page.locator(".st-key-basis_panel"), page.locator(".st-key-path_table")
    expect(basis.get_by_text("Decisions taken")).to_have_count(0)  # closed panels are not built
    basis.get_by_text("Why am I seeing this?").click()
    expect(basis.get_by_text("Decisions taken")).to_be_visible()
    table.get_by_text("The path as a table").click()
    expect(table.locator("table")).to_contain_text("Child, CNS not involved, T-cell ALL")
    answer(page, "cell_type", "b_cell")  # the open panels follow the new answer
    expect(table.locator("table")).to_contain_text("Child, CNS not involved, B-cell ALL")
    expect(table.locator("table")).not_to_contain_text("Child, CNS not involved, T-cell ALL")
    expect(basis.get_by_text("Decisions taken")).to_be_visible()
    assert_clean(page, app_server.url)


def test_clicking_puts_the_answers_in_the_address_bar(page, app_server):
    page.goto(app_server.url)
    wait_for_app(page)
    answer(page, "age_group", "child")
    answer(page, "cns_involvement", "yes")
    page.wait_for_url("**cns_involvement=yes**")
    assert "age_group=child" in page.url
    assert_clean(page, app_server.url)


@pytest.mark.parametrize("text, element", [
    ("**strong**", "strong"), ("_emphasis_", "em"), ("[a link](http://evil.example)", "a"),
    ("www.evil.example", "a"), ("http://evil.example/x", "a"), ("`code`", "code:text-is('code')"),
    ("- item", "li"),
    ("1. item", "li"), ("# heading", "h1"), ("> quote", "blockquote"), (":red[red]", "span[class*='red']"),
], ids=["strong", "em", "link", "bare-www", "bare-url", "code", "list", "ordered-list", "heading", "quote",
        "directive"])
def test_markup_in_an_unknown_link_value_is_shown_as_text(page, app_server, text, element):
    from urllib.parse import urlencode

    page.goto(f"{app_server.url}/?" + urlencode({"age_group": text}))  # an unknown answer, quoted back
    wait_for_app(page)
    alert = page.locator("[data-testid='stAlert']").filter(has_text="Some parts of the link were ignored")
    expect(alert).to_contain_text(text)  # the reader sees exactly what the link held
    assert alert.locator(f"[data-testid='stMarkdownContainer'] {element}").count() == 0


def test_unknown_link_parts_show_a_notice_with_the_text_not_markup(page, app_server):
    page.goto(f"{app_server.url}/?age_group=%3Cb%3Ebold%3C%2Fb%3E&colour=red")
    wait_for_app(page)
    notice = page.get_by_text("Some parts of the link were ignored")
    expect(notice).to_be_visible()
    expect(page.get_by_text("<b>bold</b>", exact=False).first).to_be_visible()
    assert page.locator("[data-testid='stAlert'] b:text('bold')").count() == 0
    assert_disclaimer(page)
    assert_clean(page, app_server.url)


class _HostPage(http.server.SimpleHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # keep test output quiet
        pass


def test_app_renders_inside_an_iframe_of_another_origin_with_embed(page, app_server):
    src = f"{app_server.url}/?embed=true&age_group=child&cns_involvement=no&cell_type=b_cell"
    handler = type("Host", (_HostPage,), {"body": (
        f'<!doctype html><title>Clinic intranet</title><h1>Clinic intranet</h1>'
        f'<iframe src="{src}" width="1200" height="1400" title="Pathway explorer"></iframe>').encode()})
    host = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{host.server_port}/")
        frame = page.frame_locator("iframe")
        expect(frame.locator(".st-key-card_car_t_cell_therapy")).to_be_visible(timeout=TIMEOUT)
        wait_for_run(frame)
        assert_disclaimer(frame)
        assert shown_categories(frame) == {"combination_chemotherapy", "targeted_therapy", "stem_cell_transplant",
                                           "car_t_cell_therapy"}
        shot(page, "browser-iframe")
        assert_clean(page, app_server.url, f"http://127.0.0.1:{host.server_port}")
    finally:
        host.shutdown()


@pytest.mark.parametrize(("button", "needle"), [("Summary (Markdown)", "Documented treatment categories"),
                                                ("Graph (SVG)", "<svg"), ("Path and categories (CSV)", "section,item"),
                                                ("FHIR Bundle (JSON)", '"resourceType": "PlanDefinition"')],
                         ids=["markdown", "svg", "csv", "fhir"])
def test_downloads_arrive_with_the_disclaimer(page, app_server, button, needle):
    page.goto(f"{app_server.url}/?age_group=child&cns_involvement=no&cell_type=b_cell")
    wait_for_app(page)
    expect(page.get_by_role("button", name=button)).to_have_count(0)  # the closed panel is not built
    page.locator(".st-key-downloads_panel").get_by_text("Downloads:").click()
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_role("button", name=button).click()
    data = Path(download.value.path()).read_text(encoding="utf-8")
    assert needle in data
    assert "Educational information only" in data
    assert PATHWAY.content.metadata.last_reviewed.isoformat().replace("-", "&#45;") in data \
        or PATHWAY.content.metadata.last_reviewed.isoformat() in data
    assert_clean(page, app_server.url)
