"""deploy/exporter.py: Prometheus metrics from nginx's access log and stub_status, the app's health and /proc."""

from __future__ import annotations

import asyncio
import re
import threading
import urllib.error
import urllib.request

import pytest
import websockets

from deploy.exporter import Config, LogCounts, LogTail, make_server, parse_line
from tests.support.nginx import start_nginx
from tests.support.server import free_port, start_streamlit

BASE = "/pathways"
SAMPLE_LOG = [
    '127.0.0.1 [02/Dec/2026:21:00:00 +0000] "GET /pathways/" 200 7863 upstream=- upstream_status=-',
    '127.0.0.1 [02/Dec/2026:21:00:01 +0000] "GET /pathways/_stcore/stream" 101 5600 upstream=127.0.0.1:8501 '
    'upstream_status=101',
    '127.0.0.1 [02/Dec/2026:21:00:02 +0000] "GET /pathways/_stcore/stream" 403 0 upstream=127.0.0.1:8501 '
    'upstream_status=403',
    '127.0.0.1 [02/Dec/2026:21:00:03 +0000] "GET /pathways/_stcore/health" 200 2 upstream=127.0.0.1:8502, '
    '127.0.0.1:8501 upstream_status=502, 200',
    '127.0.0.1 [02/Dec/2026:21:00:04 +0000] "GET /pathways/" 502 150 upstream=127.0.0.1:8501 upstream_status=502',
    "not a line of ours",
]
#: one sample line of Prometheus' text format 0.0.4
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*='
                    r'"[^"\\\n]*")*\})? -?[0-9.e+]+$')


def value(page: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", page, re.M)
    assert match, f"{name}{labels} missing from:\n{page}"
    return float(match.group(1))


def well_formed(page: str) -> None:
    declared = set()
    for line in page.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in ("counter", "gauge"), line
            declared.add(name)
        elif not line.startswith("# HELP "):
            assert SAMPLE.match(line), f"not a Prometheus sample line: {line!r}"
            assert line.split("{")[0].split(" ")[0] in declared, f"sample before its TYPE: {line!r}"


@pytest.mark.parametrize("line, status, path", [(SAMPLE_LOG[0], "200", "/pathways/"),
                                                (SAMPLE_LOG[3], "200", "/pathways/_stcore/health")],
                         ids=["page", "retried"])
def test_access_log_lines_of_the_shipped_format_are_parsed(line, status, path):
    fields = parse_line(line)
    assert fields["status"] == status and fields["path"] == path


def test_counts_classes_websocket_outcomes_and_retries():
    counts = LogCounts()
    for line in SAMPLE_LOG:
        counts.add(line)
    assert counts.responses["2xx"] == 2 and counts.responses["5xx"] == 1 and counts.responses["4xx"] == 1
    assert (counts.websocket_upgraded, counts.websocket_failed, counts.retried, counts.unparsed) == (1, 1, 1, 1)


def test_log_tail_reads_only_new_lines_and_follows_a_rotated_log(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(SAMPLE_LOG[0] + "\n")
    tail = LogTail(log)  # starts at the end: what was there before is not counted
    assert tail.update().lines == 0
    with log.open("a") as handle:
        handle.write(SAMPLE_LOG[1] + "\n" + SAMPLE_LOG[2][:30])  # the last line is not complete yet
    assert tail.update().lines == 1
    with log.open("a") as handle:
        handle.write(SAMPLE_LOG[2][30:] + "\n")
    assert tail.update().websocket_failed == 1
    log.rename(tmp_path / "access.log.1")  # logrotate: a new file under the old name
    log.write_text(SAMPLE_LOG[4] + "\n")
    assert tail.update().responses["5xx"] == 1


@pytest.mark.nginx
def test_metrics_follow_the_running_app_through_nginx_and_its_failure(tmp_path):
    app = start_streamlit(tmp_path / "app.log", base_path=BASE)
    status_port = free_port()
    proxy = exporter = None
    try:
        proxy = start_nginx(tmp_path / "nginx", [f"127.0.0.1:{app.port}"], base_path=BASE,
                            status_listen=f"127.0.0.1:{status_port}")
        upstream = f"127.0.0.1:{app.port}"
        exporter = make_server(Config([upstream], BASE, proxy.directory / "access.log",
                                      f"http://127.0.0.1:{status_port}/nginx_status"), port=0)
        threading.Thread(target=exporter.serve_forever, daemon=True).start()
        metrics = f"http://127.0.0.1:{exporter.server_address[1]}/metrics"

        def scrape() -> str:
            with urllib.request.urlopen(metrics, timeout=30) as response:
                assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                return response.read().decode()

        page = scrape()
        well_formed(page)
        label = f'{{upstream="{upstream}"}}'
        assert value(page, "explorer_up", label) == 1 and value(page, "nginx_up") == 1
        assert value(page, "explorer_process_resident_memory_bytes", label) > 50 * 2**20  # a Python with Streamlit
        started = value(page, "explorer_process_start_time_seconds", label)

        urllib.request.urlopen(proxy.url + BASE + "/?age_group=child", timeout=30).read()

        async def handshakes() -> None:
            url = proxy.url.replace("http://", "ws://") + BASE + "/_stcore/stream"
            async with websockets.connect(url, origin=proxy.url, subprotocols=["streamlit"], open_timeout=30):
                pass
            with pytest.raises(websockets.exceptions.InvalidStatus):  # a foreign page's origin is refused
                async with websockets.connect(url, origin="http://foreign.example", subprotocols=["streamlit"],
                                              open_timeout=30):
                    pass

        asyncio.run(asyncio.wait_for(handshakes(), 60))
        app.stop()
        with pytest.raises(urllib.error.HTTPError, match="502"):
            urllib.request.urlopen(proxy.url + BASE + "/_stcore/health", timeout=30)

        page = scrape()
        well_formed(page)
        assert value(page, "explorer_up", label) == 0
        assert f"explorer_process_start_time_seconds{label}" not in page  # no process listens any more
        assert started > 0
        assert value(page, "explorer_http_responses_total", '{class="2xx"}') >= 1
        assert value(page, "explorer_http_responses_total", '{class="5xx"}') >= 1
        assert value(page, "explorer_websocket_connections_total", '{outcome="upgraded"}') == 1
        assert value(page, "explorer_websocket_connections_total", '{outcome="failed"}') == 1
        assert value(page, "nginx_http_requests_total") >= 4
        assert "age_group" not in page and "child" not in page  # nothing a person chose
    finally:
        if exporter is not None:
            exporter.shutdown()
            exporter.server_close()
        if proxy is not None:
            proxy.stop()
        app.stop()


def test_the_exporters_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    import shutil
    import subprocess

    from tests.support.server import ROOT

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    unit = tmp_path / "relapsed-all-explorer-exporter.service"
    text = (ROOT / "deploy" / unit.name).read_text(encoding="utf-8")
    assert "deploy/exporter.py" in text and "--listen 127.0.0.1:" in text  # loopback only
    unit.write_text(text.replace("/opt/relapsed-all-explorer", str(ROOT)))
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
