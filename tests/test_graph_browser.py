"""The graph on a phone and a laptop, its full screen by mouse, keyboard and touch, and the documented embedding
(deploy/embed/example.html) giving the portal one scroll area; in Debian's Chromium against a real server."""

from __future__ import annotations

import functools
import http.server
import re
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
CASES = [c for c in load_cases(cases_path_for(resolve_pathway(None)))[0].cases if c.complete]
EMBED = ROOT / "deploy" / "embed"
#: The address the documented host page frames; the test serves the page with its own server's address instead.
DOCUMENTED_SRC = "http://127.0.0.1:8501"
PHONE, LAPTOP = (390, 844), (1366, 768)
REFLOW_WIDTH = 320
MIN_TEXT_PX = 12
#: How far the iframe's height may differ from its content's (rounding of fractional CSS pixels).
HEIGHT_SLACK_PX = 3
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, host_port):
    """One real streamlit server that posts its height to the documented host page's origin."""
    server = start_streamlit(tmp_path_factory.mktemp("graph") / "streamlit.log",
                             env={"EMBED_HOST_ORIGINS": f"http://127.0.0.1:{host_port}"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def portal(app_server, host_port):
    """deploy/embed/ served from loopback as a portal would serve it, its iframe pointed at the test server."""
    class Host(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.split("?")[0] in ("/", "/example.html"):
                body = (EMBED / "example.html").read_text().replace(DOCUMENTED_SRC, app_server.url).encode()
                query = self.path.partition("?")[2]
                if query:  # the test's answers, added to the framed address
                    body = body.replace(b"/?embed=true", f"/?embed=true&{query}".encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def log_message(self, *args):  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", host_port),
                                             functools.partial(Host, directory=str(EMBED)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{host_port}/"
    server.shutdown()


def new_page(browser, size: tuple[int, int], touch: bool = False):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.watch = PageWatch().attach(page)
    return page


@pytest.fixture
def pages(browser):
    opened = []

    def make(size: tuple[int, int], touch: bool = False):
        opened.append(new_page(browser, size, touch))
        return opened[-1]

    yield make
    for page in opened:
        page.context.close()


def query_of(answers: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in answers.items())


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    wait_for_run(page)


#: The texts of a graph image as the browser draws it: each with its size in CSS px and its box on the page.
IMAGE_TEXT_JS = """img => {
  const rect = img.getBoundingClientRect();
  const bytes = Uint8Array.from(atob(img.src.split(",")[1]), c => c.charCodeAt(0));
  const svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml").documentElement;
  svg.setAttribute("width", rect.width); svg.setAttribute("height", rect.height);
  const host = document.createElement("div");
  host.style.cssText = `position:absolute;left:${rect.left + scrollX}px;top:${rect.top + scrollY}px;visibility:hidden`;
  host.appendChild(document.importNode(svg, true));
  document.body.appendChild(host);
  const texts = [...host.querySelectorAll("text")].map(t => { const r = t.getBoundingClientRect();
    return {text: t.textContent.trim(), px: parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a,
            left: r.left, right: r.right}; });
  host.remove();
  return {left: rect.left, right: rect.right, width: rect.width, texts,
          page: {client: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth}};
}"""


def outcome_lines(answers: dict[str, str]) -> list[str]:
    """The first words of each category on the chosen outcome, as the graph writes them (wrapped lines)."""
    result = evaluate(PATHWAY, answers)
    return [(t.label or PATHWAY.categories[t.category].label).split()[0] for t in result.outcome.treatments]


# ---- the graph on a phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name.replace(", ", "-").replace(" ", "_") for c in CASES])
def test_phone_shows_the_path_top_to_bottom_with_the_outcome_in_view_sideways(pages, app_server, case):
    page = pages(PHONE, touch=True)
    open_app(page, f"{app_server.url}/?{query_of(case.answers)}")
    image = page.locator(".st-key-graph_path img")
    expect(image).to_be_visible()
    expect(page.locator(".st-key-graph_box")).to_be_hidden()  # the whole tree waits behind its switch
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    for width in (PHONE[0], REFLOW_WIDTH):  # a phone, and WCAG's reflow width
        page.set_viewport_size({"width": width, "height": PHONE[1]})
        drawn = image.evaluate(IMAGE_TEXT_JS)
        assert 0 <= drawn["left"] and drawn["right"] <= width, drawn  # no sideways scrolling needed
        assert drawn["page"]["scroll"] <= drawn["page"]["client"], "the page scrolls sideways"
        texts = drawn["texts"]
        assert min(t["px"] for t in texts) >= MIN_TEXT_PX, min(texts, key=lambda t: t["px"])
        assert all(0 <= t["left"] and t["right"] <= width for t in texts), [t for t in texts if t["right"] > width]
    words = [t["text"] for t in texts]
    result = evaluate(PATHWAY, case.answers)
    assert f"✔ {result.outcome.short_title}" in words
    for first_word in outcome_lines(case.answers):
        assert any(w.startswith(f"• {first_word}") for w in words), (first_word, words)
    assert any(re.fullmatch(r"\d+ other answers? not taken", w) for w in words)  # the branches not taken
    assert not any(re.search(r"\d+ categor", w) for w in words)  # no count to read as "more is better"
    alt = image.get_attribute("alt")
    assert alt.startswith("The path for your answers") and result.outcome.title in alt


def test_phone_shows_the_whole_tree_one_tap_away(pages, app_server):
    page = pages(PHONE, touch=True)
    open_app(page, f"{app_server.url}/?{query_of(CASES[0].answers)}")
    switch = page.locator(".st-key-whole_tree")
    switch.get_by_text(re.compile("Show the tree, not only your path")).tap()
    whole = page.locator(".st-key-graph_box [data-testid='stImage'] img")
    expect(whole).to_be_visible()
    drawn = whole.evaluate(IMAGE_TEXT_JS)
    assert min(t["px"] for t in drawn["texts"]) >= MIN_TEXT_PX
    assert drawn["page"]["scroll"] <= drawn["page"]["client"], "the page scrolls sideways (the tree's box should)"


AXE_STATES = {"path-only": False, "whole-tree": True}


@pytest.mark.parametrize("whole", AXE_STATES.values(), ids=AXE_STATES.keys())
def test_phone_graph_states_have_no_accessibility_violations(pages, app_server, whole):
    from tests.support.a11y import axe_findings

    page = pages(PHONE, touch=True)
    open_app(page, f"{app_server.url}/?{query_of(CASES[0].answers)}")
    if whole:
        page.locator(".st-key-whole_tree").get_by_text(re.compile("Show the tree, not only your path")).tap()
        expect(page.locator(".st-key-graph_box [data-testid='stImage'] img")).to_be_visible()
        wait_for_run(page)
    findings = axe_findings(page)
    assert not findings, "\n".join(map(str, findings))


@pytest.mark.parametrize("size", [(640, 900), LAPTOP], ids=["640px", "1366px"])
def test_wider_screens_show_the_whole_tree_and_no_switch(pages, app_server, size):
    page = pages(size)
    open_app(page, f"{app_server.url}/?{query_of(CASES[0].answers)}")
    expect(page.locator(".st-key-graph_box [data-testid='stImage'] img")).to_be_visible()
    expect(page.locator(".st-key-graph_path img")).to_be_hidden()
    expect(page.locator(".st-key-whole_tree")).to_be_hidden()


# ---- full screen by mouse, keyboard and touch ---------------------------------------------------------------


#: Whether the button is drawn whole and on top near its (rounded) corners: not clipped by a scroll box, not covered.
UNCLIPPED_JS = """button => {
  const r = button.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const toolbar = button.closest('[data-testid="stElementToolbar"]') || button;  // its tooltip target wraps it
  return [[r.left + 5, r.top + 5], [r.right - 5, r.top + 5], [r.left + 5, r.bottom - 5], [r.right - 5, r.bottom - 5]]
    .every(([x, y]) => { const hit = document.elementFromPoint(x, y); return !!hit && toolbar.contains(hit); });
}"""


def unclipped(page, button) -> bool:
    """Whether ``button`` is drawn whole and on top, waiting out an opening transition (a hang guard, no pace)."""
    for _ in range(50):
        if button.evaluate(UNCLIPPED_JS):
            return True
        page.wait_for_timeout(100)
    return False


def fullscreen_button(page):
    return page.locator(".st-key-graph_box").get_by_role("button", name=re.compile("^Fullscreen"))


def tab_to(page, target, limit: int = 300) -> None:
    """Press Tab until ``target`` has the keyboard focus."""
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", handle):
            return
    raise AssertionError("Tab never reached the element")


HOW = ["click", "keyboard", "tap"]
SIZES = {"390x844": PHONE, "1366x768": LAPTOP}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_full_screen_opens_by_click_keyboard_and_tap(pages, app_server, size, how):
    page = pages(size, touch=how == "tap")
    open_app(page, f"{app_server.url}/?{query_of(CASES[0].answers)}")
    if size == PHONE:  # on a phone the whole tree is behind its switch
        switch = page.locator(".st-key-whole_tree")
        if how == "keyboard":
            tab_to(page, switch.locator("input"))
            page.keyboard.press("Space")
        elif how == "tap":
            switch.get_by_text(re.compile("Show the tree, not only your path")).tap()
        else:
            switch.get_by_text(re.compile("Show the tree, not only your path")).click()
        wait_for_run(page)
    button = fullscreen_button(page)
    expect(button).to_be_visible()
    button.scroll_into_view_if_needed()
    assert unclipped(page, button), "the full-screen button is clipped or covered"
    if how == "keyboard":
        tab_to(page, button)
        page.keyboard.press("Enter")
    elif how == "tap":
        button.tap()
    else:
        button.click()
    close = page.get_by_role("button", name=re.compile("^Close fullscreen"))
    expect(close).to_be_visible()
    frame = page.locator("[data-testid='stFullScreenFrame']").filter(has=close)
    box = frame.bounding_box()
    assert box["x"] <= 0 and box["y"] <= 0 and box["width"] >= size[0] and box["height"] >= size[1], box
    assert unclipped(page, close), "the close button is clipped or covered"
    expect(frame.locator("[data-testid='stImage'] img")).to_be_visible()
    expect(page.locator(".st-key-result")).to_be_hidden()  # the page behind: hidden, so Tab cannot reach it
    if how == "tap":
        close.tap()
    else:
        close.click()
    expect(button).to_be_visible()
    expect(page.locator(".st-key-result")).to_be_visible()  # and back once full screen is closed
    assert page.watch.errors == [], page.watch.errors


# ---- the documented embedding: one scroll area -----------------------------------------------------------


#: Inside the frame (another origin, so measured there): the content's height and how far the frame scrolls.
CONTENT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  return main && block ? {content: block.getBoundingClientRect().height,
                          innerScroll: main.scrollHeight - main.clientHeight} : null;
}"""
#: On the portal page: the iframe's height and the page's own scroll.
PORTAL_JS = """() => ({frame: document.querySelector("iframe[data-pathway-explorer]").getBoundingClientRect().height,
                      scroll: document.scrollingElement.scrollHeight, client: innerHeight})"""


def fit(page) -> dict:
    frame = page.locator("iframe[data-pathway-explorer]").element_handle().content_frame()  # the Frame itself
    return {**page.evaluate(PORTAL_JS), **(frame.evaluate(CONTENT_JS) or {})}


def fits(now: dict) -> bool:
    return "content" in now and abs(now["frame"] - now["content"]) <= HEIGHT_SLACK_PX and now["innerScroll"] <= 1


def assert_one_scroll(page, when: str) -> None:
    """The iframe grows or shrinks to its content (the messages arrive after the frame's layout: polled, with a
    hang guard), the frame does not scroll inside, and the portal page is the one scroll area."""
    now = fit(page)
    for _ in range(150):
        if fits(now):
            break
        page.wait_for_timeout(200)
        now = fit(page)
    assert fits(now), (when, now)
    assert now["scroll"] > now["client"], (when, now)


def answer_in(frame, question_id: str, option_id: str) -> None:
    question = PATHWAY.questions[question_id]
    label = next(o.label for o in question.options if o.id == option_id)
    group = frame.locator(f".st-key-{question_id}")
    group.get_by_text(label, exact=True).click()
    expect(group.get_by_role("radio", name=label)).to_be_checked()
    wait_for_run(frame)


def test_documented_host_page_gives_the_portal_one_scroll_area(pages, portal):
    page = pages(LAPTOP)
    page.goto(portal)
    frame = page.frame_locator("iframe[data-pathway-explorer]")
    wait_for_app(frame)
    assert_one_scroll(page, "on load")
    for question_id, option_id in CASES[0].answers.items():
        answer_in(frame, question_id, option_id)
    expect(frame.locator(f".st-key-card_{evaluate(PATHWAY, CASES[0].answers).treatments[0].id}")).to_be_visible()
    assert_one_scroll(page, "after the last answer")
    closed = frame.locator("[data-testid='stExpander'] details:not([open]) summary").first
    closed.click()
    wait_for_run(frame)
    assert_one_scroll(page, "after opening a panel")
    assert page.watch.errors == [], page.watch.errors
    app_origin = page.locator("iframe").get_attribute("src").split("/?")[0]
    assert page.watch.foreign_requests(portal, app_origin) == []


def test_full_screen_inside_the_embedding_covers_the_portal_window_and_gives_it_back(pages, portal):
    page = pages(LAPTOP)
    page.goto(f"{portal}?{query_of(CASES[0].answers)}")
    frame = page.frame_locator("iframe[data-pathway-explorer]")
    wait_for_app(frame)
    assert_one_scroll(page, "on load")
    height = page.locator("iframe").bounding_box()["height"]
    frame.locator(".st-key-graph_box").get_by_role("button", name=re.compile("^Fullscreen")).click()
    close = frame.get_by_role("button", name=re.compile("^Close fullscreen"))
    expect(close).to_be_visible()
    page.wait_for_function("""([w, h]) => { const r = document.querySelector("iframe").getBoundingClientRect();
                                            return r.top === 0 && r.left === 0 && r.width === w && r.height === h; }""",
                           arg=list(LAPTOP))
    assert unclipped(page, close), "the close button is clipped or covered"
    close.click()
    page.wait_for_function("h => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) <= 3",
                           arg=height)
    assert_one_scroll(page, "after full screen")


# ---- the handout's link, from inside the frame ------------------------------------------------------------


def test_handout_from_inside_the_frame_carries_the_link_to_this_view_as_a_qr_code(pages, portal, tmp_path):
    from tests.test_handout_link import pages_as_text_and_codes

    page = pages(LAPTOP)
    page.goto(f"{portal}?{query_of(CASES[0].answers)}")
    frame = page.frame_locator("iframe[data-pathway-explorer]")
    wait_for_app(frame)
    shown_link = frame.locator(".st-key-share_link code").inner_text().strip()
    assert shown_link.startswith(app_origin := page.locator("iframe").get_attribute("src").split("/?")[0])
    with page.expect_download() as download:
        frame.get_by_role("button", name=re.compile("Handout \\(PDF\\)")).click()
    pdf = Path(download.value.path()).read_bytes()
    text, codes = pages_as_text_and_codes(pdf, tmp_path)
    assert codes == [shown_link], (codes, shown_link)
    assert shown_link in "".join(text.split())
    reopened = pages(LAPTOP)  # the link reopens the same situation
    open_app(reopened, codes[0])
    result = evaluate(PATHWAY, CASES[0].answers)
    expect(reopened.locator(f".st-key-card_{result.treatments[0].id}")).to_be_visible()
