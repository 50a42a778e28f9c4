"""The morning-rush benchmark (benchmarks/rush.py) runs, stops by itself and counts every session."""

from __future__ import annotations

import pytest

from benchmarks.rush import BASE_PATH, burst, rush_table
from tests.support.nginx import start_nginx
from tests.support.server import start_streamlit


@pytest.mark.nginx
def test_a_small_burst_through_nginx_gives_every_session_its_first_result(tmp_path):
    app = start_streamlit(tmp_path / "app.log", base_path=BASE_PATH)
    proxy = None
    try:
        proxy = start_nginx(tmp_path / "nginx", [f"127.0.0.1:{app.port}"], base_path=BASE_PATH)
        result = burst(proxy.url + BASE_PATH, [app.proc.pid], 5)
    finally:
        if proxy is not None:
            proxy.stop()
        app.stop()
    assert result["errors"] == 0, result["error_list"]
    assert result["sessions"] == 5 and result["p95_s"] > 0
    assert result["rss_peak"][app.proc.pid] > 0
    table = rush_table([result])
    assert table.count("\n") == 3 and "| 5 | 1 |" in table


def test_a_burst_against_a_closed_port_counts_every_session_as_an_error():
    from tests.support.server import free_port

    result = burst(f"http://127.0.0.1:{free_port()}{BASE_PATH}", [], 3)
    assert result["errors"] == 3 and result["error_list"]


def test_the_burst_refuses_any_host_but_loopback():
    with pytest.raises(ValueError, match="only loopback"):
        burst("http://intranet.example/pathways", [], 1)
