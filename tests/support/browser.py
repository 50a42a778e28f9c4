"""Debian's Chromium through Playwright, and a watch on what a page logs and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "launch_chromium", "PageWatch", "wait_for_app", "wait_for_run",
           "click_for_run"]

CHROMIUM = "/usr/bin/chromium"
#: Headless, no sandbox (root), and nothing that phones home: this machine (and a clinic intranet) has no internet.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--disable-features=Translate,OptimizationHints,MediaRouter",
]


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's Chromium headless; fail clearly (never skip) when it is missing."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: the test command installs it (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000)


@dataclass
class PageWatch:
    """Console errors, page errors and every requested URL of one page (and its frames)."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> "PageWatch":
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("request", lambda request: self.requests.append(request.url))
        return self

    def foreign_requests(self, *allowed_origins: str) -> list[str]:
        """Requests to anything but the allowed origins (``http://127.0.0.1:PORT``); data: and blob: are local."""
        allowed = {urlsplit(o).netloc for o in allowed_origins}
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc not in allowed]


def wait_for_app(page_or_frame: Any, timeout: float = 60_000) -> None:
    """Wait until the app has drawn its questions and finished running."""
    page_or_frame.locator("[data-testid='stRadio']").first.wait_for(state="visible", timeout=timeout)
    page_or_frame.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout)


def wait_for_run(page_or_frame: Any, timeout: float = 60_000) -> None:
    """Wait until the app's script run has finished and its last element is drawn (Streamlit marks its root).

    Call it once something of the awaited run is on the page (or after the first load): then no earlier run's
    "not running" can be mistaken for it.
    """
    page_or_frame.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout)


#: Counts the app's script runs that start from now on (Streamlit marks its root while one runs).
_COUNT_RUNS_JS = """() => { const app = document.querySelector("[data-testid='stApp']");
  window.__runsStarted = 0;
  if (window.__runObserver) window.__runObserver.disconnect();
  window.__runObserver = new MutationObserver(records => {
    if (records.some(r => r.oldValue === "running") || app.getAttribute("data-test-script-state") === "running")
      window.__runsStarted += 1; });
  window.__runObserver.observe(app, {attributes: true, attributeOldValue: true,
                                     attributeFilter: ["data-test-script-state"]}); }"""
_RUN_DONE_JS = ("() => window.__runsStarted > 0 && document.querySelector(\"[data-testid='stApp']\")"
                ".getAttribute('data-test-script-state') === 'notRunning'")


def click_for_run(target: Any, timeout: float = 60_000, grace: float = 20_000) -> int:
    """Click a widget that makes the app run, and wait until that run has finished; return the clicks it took.

    The target is clicked once it stands still (no animation running: an expander opening moves what follows it).
    Under a heavily loaded machine we once saw a click that started no run at all (the URL and the page stayed as
    they were, the button enabled). Only in that case, no run within ``grace`` ms, is it clicked once more; a click
    that runs and does the wrong thing still fails the caller's checks.
    """
    page_or_frame = target.element_handle(timeout=timeout).owner_frame()  # the page's frame, or the iframe's
    page_or_frame.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                                    timeout=timeout)
    for clicks in (1, 2):
        page_or_frame.evaluate(_COUNT_RUNS_JS)
        target.click(timeout=timeout)
        try:
            page_or_frame.wait_for_function(_RUN_DONE_JS, timeout=grace if clicks == 1 else timeout)
            return clicks
        except PlaywrightTimeout:  # no run started after the first click
            if clicks == 2:
                raise
    raise AssertionError("unreachable")
