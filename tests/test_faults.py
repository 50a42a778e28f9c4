"""Faults behind the nginx proxy: an app process killed mid-use, and a websocket dropped and re-opened."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from pathways import load_pathway, resolve_pathway
from tests.support.browser import wait_for_app
from tests.support.nginx import established_connections, start_nginx
from tests.support.server import start_streamlit

pytestmark = [pytest.mark.nginx, pytest.mark.browser]

WAIT_MS = 60_000
#: The outlook option's label as the content words it (labels are content, ids are the contract).
WITHIN_3_YEARS = next(o.label for o in load_pathway(resolve_pathway(None)).questions["time_since_treatment"].options
                      if o.id == "under_3_years")
COOKIE = "explorer_backend"


def radio(page, number: int, option: str) -> None:
    """Click ``option`` of the ``number``-th question on the page."""
    page.locator("[data-testid='stRadio']").nth(number).get_by_text(option, exact=True).click(timeout=WAIT_MS)


def backend_for(proxy, cookie: str) -> int:
    """The app port nginx sends a browser with ``cookie`` to (read from the access log's upstream= field)."""
    request = urllib.request.Request(proxy.url + "/_stcore/health", headers={"Cookie": f"{COOKIE}={cookie}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    deadline = time.monotonic() + 30  # the log line is written as the response completes; bounded wait for it
    while time.monotonic() < deadline:
        lines = proxy.access_log().strip().splitlines()
        if lines and "/_stcore/health" in lines[-1]:
            return int(re.search(r"upstream=127\.0\.0\.1:(\d+)", lines[-1]).group(1))
        time.sleep(0.1)
    raise AssertionError("no access log line for the probe request")


def cookies_per_backend(proxy, ports: list[int]) -> dict[int, str]:
    """A cookie value that pins a browser to each app process (a bounded search over candidate values)."""
    pins: dict[int, str] = {}
    for number in range(64):
        value = f"pin{number}"
        pins.setdefault(backend_for(proxy, value), value)
        if set(pins) >= set(ports):
            return pins
    raise AssertionError(f"no cookie pinned a browser to every backend: {pins}")


class Load:
    """Plain HTTP sessions through the proxy in a thread: page and health requests with fresh cookies."""

    def __init__(self, url: str, limit: int = 400, seconds: float = 90):
        self.url, self.limit, self.seconds = url, limit, seconds
        self.results: list[tuple[float, int | str]] = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="load", daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + self.seconds
        while not self.stop_event.is_set() and len(self.results) < self.limit and time.monotonic() < deadline:
            for path in ("/", "/_stcore/health", "/_stcore/host-config"):
                request = urllib.request.Request(self.url + path, headers={"Cookie": f"{COOKIE}={uuid.uuid4().hex}"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        self.results.append((time.monotonic(), response.status))
                except urllib.error.HTTPError as exc:
                    self.results.append((time.monotonic(), exc.code))
                except OSError as exc:
                    self.results.append((time.monotonic(), type(exc).__name__))
            time.sleep(0.02)

    def wait_for_results(self, count: int, after: float = 0.0, timeout: float = 60) -> None:
        """Wait until ``count`` requests have finished after the moment ``after`` (bounded; fails if it stopped)."""
        deadline = time.monotonic() + timeout
        while sum(1 for moment, _ in self.results if moment > after) < count:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"the load made fewer than {count} requests after {after}: {self.results[-5:]}")
            time.sleep(0.05)

    def __enter__(self) -> "Load":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory):
    """Two app processes behind one nginx, and a cookie that pins a browser to each."""
    directory = tmp_path_factory.mktemp("faults")
    first = start_streamlit(directory / "first.log")
    second = start_streamlit(directory / "second.log")
    proxy = None
    try:
        proxy = start_nginx(directory / "nginx", [f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"])
        pins = cookies_per_backend(proxy, [first.port, second.port])
        yield {"victim": first, "survivor": second, "proxy": proxy, "pins": pins, "dir": directory}
    finally:
        if proxy is not None:
            proxy.stop()
        second.stop()
        first.stop()


def open_pinned(browser, proxy, cookie: str, query: str):
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": proxy.url}])
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append("open") or ws.on("close", lambda _ws: sockets.append("close")))
    page.goto(f"{proxy.url}/?{query}", timeout=WAIT_MS)
    wait_for_app(page)
    return context, page, sockets


def test_killing_one_app_process_mid_click_leaves_the_other_serving_and_its_sessions_recoverable(two_apps, browser):
    proxy, pins = two_apps["proxy"], two_apps["pins"]
    victim, survivor = two_apps["victim"], two_apps["survivor"]
    contexts = []
    try:
        ctx, on_victim, victim_sockets = open_pinned(browser, proxy, pins[victim.port],
                                                     "age_group=child&cns_involvement=yes&cell_type=b_cell")
        contexts.append(ctx)
        ctx, on_survivor, _ = open_pinned(browser, proxy, pins[survivor.port],
                                          "age_group=adult&cns_involvement=no&cell_type=t_cell")
        contexts.append(ctx)
        on_victim.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=WAIT_MS)
        on_survivor.get_by_text("Adult, CNS not involved, T-cell ALL").first.wait_for(timeout=WAIT_MS)

        with Load(proxy.url) as load:
            load.wait_for_results(3)  # the load is under way
            radio(on_victim, 2, "T-cell ALL")  # a click on its way to the process ...
            os.kill(victim.proc.pid, signal.SIGKILL)  # ... that dies now
            killed_at = time.monotonic()
            victim.proc.wait(timeout=30)

            # The other process keeps serving its own session.
            radio(on_survivor, 2, "B-cell ALL")
            on_survivor.wait_for_url(re.compile(r"cell_type=b_cell"), timeout=WAIT_MS)
            on_survivor.get_by_text("Adult, CNS not involved, B-cell ALL").first.wait_for(timeout=WAIT_MS)

            # A new browser pinned to the dead process is moved to the living one and works.
            ctx, fresh, _ = open_pinned(browser, proxy, pins[victim.port],
                                        "age_group=child&cns_involvement=no&cell_type=b_cell")
            contexts.append(ctx)
            fresh.get_by_text("Child, CNS not involved, B-cell ALL").first.wait_for(timeout=WAIT_MS)
            radio(fresh, 3, WITHIN_3_YEARS)
            fresh.wait_for_url(re.compile(r"time_since_treatment=under_3_years"), timeout=WAIT_MS)
            load.wait_for_results(6, after=killed_at)  # plain requests went on after the kill

        after = [status for moment, status in load.results if moment > killed_at]
        print(f"plain requests after the kill: {len(after)}, statuses {sorted(set(map(str, after)))}")
        assert after and all(status == 200 for status in after), after  # nginx retried on the survivor

        # The killed process's page re-opens its websocket through nginx, now to the survivor ...
        deadline = time.monotonic() + 60
        while victim_sockets.count("open") < 2 and time.monotonic() < deadline:
            on_victim.wait_for_timeout(250)
        assert victim_sockets[:3] == ["open", "close", "open"], victim_sockets
        # The survivor then holds three websockets: its own page's, the fresh page's and this one's. (A count
        # compared with one taken before the kill would also count short-lived HTTP connections.)
        deadline = time.monotonic() + 60
        while established_connections(survivor.port) < 3 and time.monotonic() < deadline:
            on_victim.wait_for_timeout(250)
        assert established_connections(survivor.port) >= 3
        # ... and a reload (Streamlit 1.67 does not rerun an idle page on a new process) brings the answers
        # back from the link: the same situation, and the page answers clicks again.
        answers = dict(part.split("=") for part in on_victim.url.split("?", 1)[1].split("&"))
        assert answers["age_group"] == "child" and answers["cns_involvement"] == "yes"
        on_victim.reload(timeout=WAIT_MS)
        wait_for_app(on_victim)
        cell = "B-cell" if answers["cell_type"] == "b_cell" else "T-cell"
        on_victim.get_by_text(f"Child, CNS involved, {cell} ALL").first.wait_for(timeout=WAIT_MS)
        radio(on_victim, 1, "No, the CNS is not involved")
        on_victim.wait_for_url(re.compile(r"cns_involvement=no"), timeout=WAIT_MS)
        on_victim.get_by_text(f"Child, CNS not involved, {cell} ALL").first.wait_for(timeout=WAIT_MS)
    finally:
        for context in contexts:
            context.close()


def test_dropped_websocket_reconnects_and_the_page_keeps_its_answers(two_apps, browser):
    """nginx restarts under an open page: the websocket closes, re-opens to the same process, and the page goes on."""
    survivor = two_apps["survivor"]
    directory = two_apps["dir"] / "nginx-restart"
    proxy = start_nginx(directory / "one", [f"127.0.0.1:{survivor.port}"])
    context = None
    try:
        context, page, sockets = open_pinned(browser, proxy, "any", "age_group=adult&cns_involvement=yes&cell_type=b_cell")
        page.get_by_text("Adult, CNS involved, B-cell ALL").first.wait_for(timeout=WAIT_MS)
        port = proxy.port
        os.kill(proxy.proc.pid, signal.SIGTERM)  # fast shutdown: open connections are cut
        proxy.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while "close" not in sockets and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert "close" in sockets, "the websocket did not drop"
        proxy = start_nginx(directory / "two", [f"127.0.0.1:{survivor.port}"], port=port)
        deadline = time.monotonic() + 60
        while sockets.count("open") < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert sockets.count("open") >= 2, sockets
        radio(page, 2, "T-cell ALL")  # the page answers clicks again, without a reload
        page.wait_for_url(re.compile(r"age_group=adult&cns_involvement=yes&cell_type=t_cell"), timeout=WAIT_MS)
        page.get_by_text("Adult, CNS involved, T-cell ALL").first.wait_for(timeout=WAIT_MS)
    finally:
        if context is not None:
            context.close()
        proxy.stop()
