"""The benchmarks' load generator (benchmarks/load.py): it talks to loopback only, and its loops are bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import run_load
from tests.support.server import start_streamlit

HANG_GUARD = 120.0  # seconds past the deadline after which a run counts as hung (an error), not as slow


@pytest.mark.parametrize("url", ["http://example.org:8501", "http://10.0.0.1:8501", "http://[2001:db8::1]:8501"])
def test_refuses_any_host_but_loopback(url):
    with pytest.raises(ValueError, match="only loopback"):
        run_load(url, [], 1, 1)


def test_timed_run_keeps_every_session_clicking_until_the_deadline_then_stops(tmp_path: Path):
    """No rate: each session clicks back to back, its last click is under way at the deadline, none starts after."""
    server = start_streamlit(tmp_path / "server.log")
    try:
        assert run_load(server.url, [], 1, 1).errors == []  # the server's first script run is behind us
        for duration in (2.0, 8.0, 30.0):  # longer only where the machine is so busy a session opened too late
            result = run_load(server.url, [server.proc.pid], 3, 100_000, duration=duration,
                              limit=duration + HANG_GUARD)
            if result.errors or all(session.spans for session in result.per_session):
                break
    finally:
        server.stop()
    assert result.errors == []
    assert len(result.per_session) == len(result.first_load) == 3
    deadline = result.deadline
    for number, session in enumerate(result.per_session):
        assert session.spans, f"session {number} clicked"
        assert all(end == start for (_, end), (start, _) in zip(session.spans, session.spans[1:])), \
            f"session {number} started each click as the one before ended"
        assert all(start < deadline for start, _ in session.spans), "no click started after the deadline"
        last_start, last_end = session.spans[-1]
        assert last_start < deadline <= last_end, f"session {number}'s last click was under way at the deadline"
    assert len(result.clicks) < 3 * 100_000, "the deadline stopped the run, not the click budget"


@pytest.mark.parametrize("apart", [True, False], ids=["clicks apart", "together"])
def test_clicks_apart_start_once_every_session_has_opened_and_their_cpu_is_counted_alone(tmp_path: Path, apart):
    server = start_streamlit(tmp_path / "server.log")
    try:
        result = run_load(server.url, [server.proc.pid], 3, 4, ramp=1.0, clicks_apart=apart, limit=HANG_GUARD)
    finally:
        server.stop()
    assert result.errors == [] and len(result.clicks) == 12
    first_click = min(start for session in result.per_session for start, _ in session.spans)
    last_open = max(session.opened_at for session in result.per_session)
    if apart:
        assert first_click > last_open, "a session clicked before every session had opened"
        assert result.clicks_cpu is not None and 0 <= result.clicks_cpu <= result.server_cpu
    else:  # (when the first session clicks depends on the machine's speed: not asserted)
        assert result.clicks_cpu is None and result.cpu_per_click_alone_ms != result.cpu_per_click_alone_ms  # NaN
