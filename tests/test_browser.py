"""End to end in a real browser: Debian's Chromium, driven by Playwright, against a real `streamlit run`."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from pathways import load_pathway, resolve_pathway
from pathways.cases import cases_path_for, load_cases
from pathways.evaluate import evaluate
from tests.support.browser import PageWatch, wait_for_app, wait_for_run
from tests.support.content import PAST_DUE
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


def test_headings_have_no_link_icons_and_keep_their_ids(page, app_server):
    """No "Link to heading" icon beside a heading (a tab stop shown only on hover, and a restyle of the page on
    every click); each heading keeps the id a deep link (#id) points to."""
    page.goto(f"{app_server.url}/?age_group=child&cns_involvement=yes&cell_type=b_cell")
    wait_for_app(page)
    expect(page.locator(".st-key-card_car_t_cell_therapy h4")).to_be_visible()
    wait_for_run(page)
    headings = page.locator("[data-testid='stMain'] :is(h1, h2, h3, h4)")
    assert headings.count() >= 10
    assert page.get_by_role("link", name="Link to heading").count() == 0
    assert page.locator("[data-testid='stHeaderActionElements'] a").count() == 0
    ids = headings.evaluate_all("hs => hs.map(h => h.id)")
    assert all(ids), ids


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
    page.locator(".st-key-downloads_panel").get_by_text("Data files for staff:").click()
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_role("button", name=button).click()
    data = Path(download.value.path()).read_text(encoding="utf-8")
    assert needle in data
    assert "Educational information only" in data
    assert PATHWAY.content.metadata.last_reviewed.isoformat().replace("-", "&#45;") in data \
        or PATHWAY.content.metadata.last_reviewed.isoformat() in data
    assert_clean(page, app_server.url)


# ---- at the point of care: the answer first, on a phone, on a laptop and inside the dashboard --------------

#: The three ways people open the explorer: a phone, a laptop, and the dashboard's 960 px frame on a laptop.
VIEWPORTS = [("phone", 390, 844, False), ("laptop", 1366, 768, False), ("dashboard", 1366, 768, True)]
#: The dashboard's frame (docs: 960 px wide in the portal's content column).
FRAME_WIDTH, FRAME_HEIGHT = 960, 1400
LAST_ANSWERS = {"age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell"}


def host(body: str) -> http.server.ThreadingHTTPServer:
    """A portal page of another origin on a free port (shut down by the caller)."""
    handler = type("Host", (_HostPage,), {"body": body.encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def frame_page(app_url: str, query: str = "") -> str:
    src = f"{app_url}/?embed=true" + (f"&{query}" if query else "")
    return (f'<!doctype html><html lang="en"><title>Clinic intranet</title><h1>Clinic intranet</h1>'
            f'<iframe src="{src}" width="{FRAME_WIDTH}" height="{FRAME_HEIGHT}" title="Pathway explorer"></iframe>')


def inside(box: dict[str, float], width: int, height: int) -> bool:
    return box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] >= 0 and box["x"] + box["width"] <= width


@contextlib.contextmanager
def opened(browser, server, width: int, height: int, framed: bool,
           query: str = "") -> Iterator[tuple[Any, Any, list[str]]]:
    """The app's first view (for the link's ``query``) in a window of ``width`` x ``height``, alone or in the
    dashboard's frame: the page, the app (the page or its frame) and the origins it may load from; closed
    afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    portal = host(frame_page(server.url, query)) if framed else None
    try:
        page.goto(f"http://127.0.0.1:{portal.server_port}/" if portal else f"{server.url}/?{query}")
        app = page.frame_locator("iframe") if framed else page
        app.locator("[data-testid='stRadio']").first.wait_for()
        app.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
        yield page, app, [server.url, *([f"http://127.0.0.1:{portal.server_port}"] if portal else [])]
    finally:
        context.close()
        if portal:
            portal.shutdown()


def first_question_parts(app) -> list[Any]:
    """The first question's prompt and its first option: what must be seen without scrolling."""
    question = PATHWAY.content.questions[0]
    group = app.locator(f".st-key-{question.id}")
    return [group.locator("label").first, group.get_by_text(question.options[0].label, exact=True)]


@pytest.mark.parametrize("name, width, height, framed", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_the_first_option_is_in_the_first_view_and_the_result_comes_into_view_after_the_last_answer(
        browser, app_server, name, width, height, framed):
    with opened(browser, app_server, width, height, framed) as (page, app, origins):
        for part in first_question_parts(app):  # no scrolling needed
            assert inside(part.bounding_box(), width, height), (part.bounding_box(), name)
        for question_id, option_id in LAST_ANSWERS.items():
            label = next(o.label for o in PATHWAY.questions[question_id].options if o.id == option_id)
            group = app.locator(f".st-key-{question_id}")
            group.get_by_text(label, exact=True).click()  # (Playwright scrolls to what it clicks, as a person would)
            expect(group.get_by_role("radio", name=label)).to_be_checked()
        result = app.locator(".st-key-result")
        parts = [result.locator("h2"), result.locator("li").first, result.locator("li").last,
                 result.get_by_role("button", name="Handout (PDF)")]
        for part in parts:  # no scrolling by the user after the last answer: the page brings the result into view
            expect(part).to_be_in_viewport(ratio=1)
        for part in parts:
            assert inside(part.bounding_box(), width, height), (part.bounding_box(), name)
        title = evaluate(PATHWAY, LAST_ANSWERS).outcome.title
        expect(result.locator("h2")).to_have_text(title)
        expect(result.locator("li")).to_have_count(len(evaluate(PATHWAY, LAST_ANSWERS).treatments))
        shot(page, f"layout-{name}-result")
        assert_clean(page, *origins)


#: The other readings of the first view: the family reading, the Spanish page (its translation pending review, said
#: on the "About this content" line) and both.
READINGS = [("family", "reading=family", "Who is reading?"), ("spanish", "lang=es", "traducción pendiente de revisión"),
            ("spanish-family", "lang=es&reading=family", "traducción pendiente de revisión")]


@pytest.mark.parametrize("reading, query, said", READINGS, ids=[r[0] for r in READINGS])
@pytest.mark.parametrize("name, width, height, framed", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_the_first_option_is_in_the_first_view_in_every_reading_and_language(
        browser, app_server, name, width, height, framed, reading, query, said):
    with opened(browser, app_server, width, height, framed, query) as (page, app, origins):
        expect(app.locator(".st-key-masthead")).to_contain_text(said)
        question = PATHWAY.content.questions[0]
        group = app.locator(f".st-key-{question.id}")
        first = group.locator("[role='radiogroup'] label").first
        disclaimer = app.locator(".st-key-masthead [data-testid='stAlert']").first
        for part in [disclaimer, app.locator(".st-key-about_panel summary"), group.locator("label").first, first]:
            assert inside(part.bounding_box(), width, height), (part.bounding_box(), name, reading)
        shot(page, f"layout-{name}-{reading}")
        assert_clean(page, *origins)


@pytest.mark.parametrize("name, width, height, framed", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_an_overdue_review_is_named_in_the_first_view_and_the_first_option_stays_in_it(
        browser, overdue_server, name, width, height, framed):
    with opened(browser, overdue_server, width, height, framed) as (page, app, origins):
        notice = app.locator(".st-key-about_panel summary")
        expect(notice).to_contain_text(f"review overdue since {PAST_DUE}")
        disclaimer = app.locator("[data-testid='stAlert']").filter(has_text=DISCLAIMER[:40]).first
        for part in [disclaimer, notice, *first_question_parts(app)]:  # all in the first view, no scrolling
            assert inside(part.bounding_box(), width, height), (part.bounding_box(), name)
        shot(page, f"layout-{name}-overdue")
        notice.click()  # its details, one tap away
        details = app.locator(".st-key-about_panel [data-testid='stAlert']")
        expect(details).to_be_visible()
        expect(details).to_contain_text(f"due for review on {PAST_DUE}")
        assert_clean(page, *origins)


@pytest.mark.parametrize("name, width, height, framed", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_an_overdue_review_and_a_pending_translation_leave_the_first_option_in_the_first_view(
        browser, overdue_server, name, width, height, framed):
    """The longest About line there is (Spanish, both states on it), whatever day the tests run."""
    with opened(browser, overdue_server, width, height, framed, "lang=es") as (page, app, origins):
        notice = app.locator(".st-key-about_panel summary")
        expect(notice).to_contain_text(f"revisión vencida desde el {PAST_DUE}")
        expect(notice).to_contain_text("traducción pendiente de revisión")
        first = app.locator(f".st-key-{PATHWAY.content.questions[0].id} [role='radiogroup'] label").first
        for part in [notice, first]:
            assert inside(part.bounding_box(), width, height), (part.bounding_box(), name)
        shot(page, f"layout-{name}-overdue-spanish")
        assert_clean(page, *origins)


def test_the_path_table_cells_do_not_overlap_on_a_phone(browser, app_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(f"{app_server.url}/?age_group=adult&cns_involvement=yes&cell_type=b_cell")
        wait_for_app(page)
        panel = page.locator(".st-key-path_table")
        panel.get_by_text("The path as a table").click()
        panel.locator("table td").first.wait_for()
        rows = panel.locator("table tr")
        assert rows.count() > 4
        for row in range(rows.count()):
            cells = rows.nth(row).locator("th, td")
            boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
            for left, right in zip(boxes, boxes[1:]):
                assert left["x"] + left["width"] <= right["x"] + 0.5, (row, left, right)  # side by side, no overlap
            for i in range(cells.count()):  # and each cell's text stays inside its cell
                assert cells.nth(i).evaluate("c => c.scrollWidth <= c.clientWidth + 1"), (row, i)
        table = panel.locator("table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= 390, table
        shot(page, "layout-phone-path-table")
    finally:
        context.close()


def test_copy_link_inside_the_dashboard_gives_the_apps_own_address_that_reopens_the_same_view(browser, app_server):
    other = "child/no/b_cell"
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    query = "age_group=adult&cns_involvement=yes&cell_type=t_cell&time_since_treatment=under_3_years"
    portal = host(frame_page(app_server.url, f"{query}&compare={other}"))
    try:
        page.goto(f"http://127.0.0.1:{portal.server_port}/")
        app = page.frame_locator("iframe")
        button = app.locator(".st-key-copy_link").get_by_role("button", name="Copy link")
        button.click()
        status = app.get_by_role("status")
        expect(status).to_contain_text("Link copied")
        link = app.locator(".st-key-share_link code").inner_text().strip()
        frame = page.frames[1]
        assert frame.evaluate("() => window.pathwayCopied") == link  # what the button copied is the link shown
        assert link.startswith(app_server.url) and "embed" not in link  # the app's own address, not the portal's
        assert f"compare={other.replace('/', '%2F')}" in link
        reopened = context.new_page()
        reopened.goto(link)
        wait_for_app(reopened)
        for qid, oid in (("age_group", "adult"), ("cns_involvement", "yes"), ("cell_type", "t_cell"),
                         ("time_since_treatment", "under_3_years")):
            label = next(o.label for o in PATHWAY.questions[qid].options if o.id == oid)
            expect(reopened.locator(f".st-key-{qid}").get_by_role("radio", name=label)).to_be_checked()
        title = evaluate(PATHWAY, {"age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell"}).outcome.title
        expect(reopened.locator(".st-key-result h2")).to_have_text(title)
        expect(reopened.locator(".st-key-compare_panel table").first).to_be_visible()  # the comparison too
        assert reopened.locator(".st-key-share_link code").inner_text().strip() == link
        assert_clean(page, app_server.url, f"http://127.0.0.1:{portal.server_port}")
    finally:
        context.close()
        portal.shutdown()


def test_print_inside_the_dashboard_opens_the_whole_situation_in_a_tab_of_its_own(browser, app_server):
    answers = {"age_group": "child", "cns_involvement": "yes", "cell_type": "t_cell"}
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    portal = host(frame_page(app_server.url, "&".join(f"{k}={v}" for k, v in answers.items())))
    # The print dialog would hold a headless tab: record that the page asks for it, then print to PDF instead.
    context.add_init_script("window.print = () => { window.printAsked = true; };")
    try:
        page.goto(f"http://127.0.0.1:{portal.server_port}/")
        app = page.frame_locator("iframe")
        with context.expect_page(timeout=TIMEOUT) as opened:
            app.locator(".st-key-result").get_by_role("link", name="Print").click()
        printed = opened.value
        printed.locator("[data-testid='stMarkdownContainer']").first.wait_for()
        wait_for_run(printed)
        assert printed.url.startswith(app_server.url) and "view=print" in printed.url
        text = printed.locator("[data-testid='stMain']").inner_text()
        result = evaluate(PATHWAY, answers)
        assert DISCLAIMER.split(";")[0] in text and result.outcome.title in text
        for treatment in result.treatments:
            assert treatment.label in text and treatment.explanation.text in " ".join(text.split())
        printed.wait_for_function("() => window.printAsked === true")  # the tab opens the print dialog itself
        pdf = printed.pdf()  # what the browser prints: the same situation, every category
        from io import BytesIO

        from pypdf import PdfReader

        printed_text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
        for treatment in result.treatments:
            assert treatment.label in printed_text, treatment.label
    finally:
        context.close()
        portal.shutdown()
