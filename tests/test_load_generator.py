"""The benchmarks' load generator (benchmarks/load.py): it talks to loopback only, and its loops are bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.load import run_load
from tests.support.server import start_streamlit


@pytest.mark.parametrize("url", ["http://example.org:8501", "http://10.0.0.1:8501", "http://[2001:db8::1]:8501"])
def test_refuses_any_host_but_loopback(url):
    with pytest.raises(ValueError, match="only loopback"):
        run_load(url, [], 1, 1)


def test_timed_run_keeps_every_session_clicking_until_the_deadline_then_stops(tmp_path: Path):
    server = start_streamlit(tmp_path / "server.log")
    try:
        start = time.perf_counter()
        result = run_load(server.url, [server.proc.pid], 3, 100_000, duration=2.0, limit=15.0)
        took = time.perf_counter() - start
    finally:
        server.stop()
    assert result.errors == []
    assert 2.0 <= took < 2.0 + 10, "stops starting clicks at the deadline; the clicks under way finish"
    assert len(result.first_load) == 3 and len(result.clicks) >= 3 * 5, "every session clicked the whole time"
    assert len(result.clicks) < 3 * 100_000
