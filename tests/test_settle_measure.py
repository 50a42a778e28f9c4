"""The benchmarks' browser measure (benchmarks/browser.py): loopback only, and each click gives its readings."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.app import BASELINE
from benchmarks.browser import measure_settle
from tests.support.server import start_streamlit

HANG_GUARD_MS = 120_000  # a click not settled by then is an error (a hung page), however busy the machine


@pytest.mark.parametrize("url", ["http://example.org:8501/", "http://192.168.1.5:8501/"])
def test_refuses_any_page_but_loopback(url):
    with pytest.raises(ValueError, match="only loopback"):
        measure_settle(None, url, [("choice", "First")])


def test_each_counted_click_gives_time_to_settle_and_script_time(browser, tmp_path: Path):
    server = start_streamlit(tmp_path / "server.log", app=BASELINE)
    try:
        clicks = [("choice", "First"), ("choice", "Second"), ("choice", "First")]
        result = measure_settle(browser, server.url + "/", clicks, warmup=1, limit_ms=HANG_GUARD_MS)
    finally:
        server.stop()
    assert result.errors == []
    assert len(result.settled) == len(result.script) == len(result.busy) == 2, "the warm-up click is not counted"
    assert all(settled > 0 for settled in result.settled), "each counted click changed the page after it was made"
    assert all(script > 0 for script in result.script), "the page ran its own code to redraw the radio"
