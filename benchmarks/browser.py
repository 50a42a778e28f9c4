"""What a user feels: in headless Chromium, the time from a click until the page stops changing.

Method: a MutationObserver in the page records the time of every change to the document (elements, text,
attributes) and a capture-phase ``click`` listener records the click. After each click we wait until the page
has been quiet for ``QUIET_MS`` (and Streamlit's running indicator is gone); "settled" is the time of the last
change minus the time of the click. The graph redraw is included, whichever renderer draws it. Main-thread
"long tasks" (over 50 ms, from the Long Tasks API) in the same window are summed, as the part of that time in
which the page could not answer the user. "Script" is the page's main-thread JavaScript time per click
(Chromium's own ``ScriptDuration`` counter, read through the DevTools protocol before the click and once the
page has settled), which shows how much of the wait is the browser's own work. Only loopback pages are opened;
every wait is bounded.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SettleResult", "measure_settle"]

QUIET_MS = 600  # the page counts as settled after this long without a change
LIMIT_MS = 15_000  # a click that has not settled by then counts as an error

_OBSERVER = """() => {
  window.__bench = {last: performance.now(), click: 0, longTasks: []};
  new MutationObserver(() => { window.__bench.last = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('click', () => { window.__bench.click = performance.now(); }, true);
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]); })
      .observe({type: 'longtask', buffered: true});
  } catch (e) {}
}"""

_SETTLED = """([quiet]) => {
  const b = window.__bench, now = performance.now();
  const running = document.querySelector("[data-testid='stStatusWidget']");
  return !running && b.last > b.click && now - b.last >= quiet;
}"""

_READING = """() => {
  const b = window.__bench;
  const busy = b.longTasks.filter(([start]) => start >= b.click).reduce((sum, [, d]) => sum + d, 0);
  return {settled: b.last - b.click, busy: busy};
}"""


@dataclass
class SettleResult:
    """Milliseconds per click: until the page stopped changing, main-thread long tasks in that time, and the
    page's JavaScript time."""

    settled: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    script: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.settled) if self.settled else float("nan")

    @property
    def median_busy(self) -> float:
        return statistics.median(self.busy) if self.busy else float("nan")

    @property
    def median_script(self) -> float:
        return statistics.median(self.script) if self.script else float("nan")


def measure_settle(browser: Any, url: str, clicks: list[tuple[str, str]], warmup: int = 2,
                   limit_ms: float = LIMIT_MS) -> SettleResult:
    """Open ``url``, then click each ``(radio group key, option label)`` in turn and time until settled.

    The first ``warmup`` clicks are made but not counted (the renderer's first use loads its code). A click not
    settled within ``limit_ms`` is an error.
    """
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.")):
        raise ValueError(f"refusing to open {host!r}: only loopback pages are measured")
    result = SettleResult()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Performance.enable")
    try:
        page.goto(url, timeout=60_000)
        page.locator("[data-testid='stRadio']").first.wait_for(state="visible", timeout=60_000)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)
        page.wait_for_timeout(QUIET_MS)
        page.evaluate(_OBSERVER)
        for number, (group, label) in enumerate(clicks):
            try:
                script_before = _script_seconds(devtools)
                page.locator(f".st-key-{group}").get_by_text(label, exact=True).click(timeout=limit_ms)
                page.wait_for_function(_SETTLED, arg=[QUIET_MS], timeout=limit_ms, polling=50)
                reading = page.evaluate(_READING)
                script = (_script_seconds(devtools) - script_before) * 1000
            except Exception as exc:  # counted, reported: a benchmark reports errors, it does not stop
                result.errors.append(f"click {number} ({group}={label}): {type(exc).__name__}: {str(exc)[:120]}")
                continue
            if number >= warmup:
                result.settled.append(reading["settled"])
                result.busy.append(reading["busy"])
                result.script.append(script)
    finally:
        context.close()
    return result


def _script_seconds(devtools: Any) -> float:
    """Chromium's running total of the page's main-thread JavaScript time, in seconds."""
    metrics = devtools.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "ScriptDuration")
