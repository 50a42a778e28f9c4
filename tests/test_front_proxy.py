"""The hospital's front proxy (where TLS ends) in front of the shipped nginx: browser -> front nginx (the example in
deploy/front-proxy.conf.template) -> shipped nginx -> two app processes, all under the sub-path /pathways."""

from __future__ import annotations

import getpass
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from deploy.render_nginx import FrontSettings, render_front
from pathways import load_pathway, resolve_pathway
from tests.support.nginx import NginxServer, run_nginx, start_nginx
from tests.support.server import free_port, start_streamlit

BASE = "/pathways"
#: the front proxy connects to the shipped nginx from this address; the browser connects from 127.0.0.1
FRONT_ADDRESS = "127.0.0.3"
BROWSER_ADDRESS = "127.0.0.1"
DEEP_LINK = "?age_group=child&cns_involvement=yes&cell_type=b_cell"
DISCLAIMER_START = load_pathway(resolve_pathway(None)).content.metadata.disclaimer.split(".")[0]
#: idle time in the websocket test, and the shortened timeout that must drop a websocket idle that long
IDLE_MS = 10_000
SHORT_TIMEOUT = "5s"
WAIT_MS = 60_000

pytestmark = pytest.mark.nginx


def start_front(directory: Path, backend_port: int, stream_timeout: str) -> NginxServer:
    """The example front proxy, rendered as documented except: plain HTTP on loopback, and a fixed source address."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    settings = FrontSettings(backend=f"127.0.0.1:{backend_port}", listen=f"127.0.0.1:{port}", base_path=BASE,
                             stream_timeout=stream_timeout, proxy_bind=FRONT_ADDRESS,
                             access_log=str(directory / "access.log"), error_log=str(directory / "error.log"))
    conf = directory / "nginx.conf"
    user = getpass.getuser() if os.geteuid() == 0 else None
    conf.write_text(render_front(settings, standalone_dir=directory, user=user), encoding="utf-8")
    return run_nginx(directory, conf, port)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Two app processes under /pathways, the shipped nginx trusting the front proxy, and two front proxies: the
    documented websocket timeout (1h) and a shortened one."""
    directory = tmp_path_factory.mktemp("front-proxy")
    apps, servers = [], []
    try:
        for number in (1, 2):
            apps.append(start_streamlit(directory / f"app{number}.log", base_path=BASE))
        shipped = start_nginx(directory / "shipped", [f"127.0.0.1:{a.port}" for a in apps], base_path=BASE,
                              trusted_proxies=[FRONT_ADDRESS])
        servers.append(shipped)
        documented = start_front(directory / "front", shipped.port, FrontSettings.stream_timeout)
        servers.append(documented)
        short = start_front(directory / "front-short", shipped.port, SHORT_TIMEOUT)
        servers.append(short)
        yield {"shipped": shipped, "documented": documented, "short": short, "apps": apps}
    finally:
        for server in reversed(servers):
            server.stop()
        for app in apps:
            app.stop()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, b""


def log_lines(server: NginxServer, needle: str, timeout: float = 10.0) -> list[str]:
    """The access-log lines containing ``needle``, once there is one (nginx logs a request just after answering it;
    ``timeout`` is a hang guard)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in server.access_log().splitlines() if needle in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_the_documented_front_proxy_keeps_the_websocket_far_beyond_streamlits_ping():
    text = render_front(FrontSettings(base_path=BASE))
    stream = text[text.index(f"location {BASE}/_stcore/stream"):]
    stream = stream[:stream.index("}")]
    assert "proxy_read_timeout 1h;" in stream and "proxy_buffering off;" in stream
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "ssl_certificate " in text  # the documented front proxy is where TLS ends


def test_the_documented_front_proxy_with_tls_passes_nginx_syntax_check(tmp_path):
    """The rendering as documented (443 with TLS), with a throwaway self-signed certificate: nginx accepts it."""
    import shutil
    import subprocess

    from tests.support.nginx import NGINX

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed here (the plain-HTTP rendering is run in the tests below)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=intranet.example",
                    "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    settings = FrontSettings(base_path=BASE, listen=f"127.0.0.1:{free_port()} ssl", tls_certificate=str(cert),
                             tls_key=str(key), access_log=str(tmp_path / "a.log"), error_log=str(tmp_path / "e.log"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_front(settings, standalone_dir=tmp_path), encoding="utf-8")
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr


def test_the_sub_path_without_its_slash_redirects_to_the_page(stack):
    status, headers, _ = get(stack["documented"].url + BASE)
    assert status == 301 and headers["location"] == BASE + "/"


def test_static_files_come_from_nginx_with_a_long_cache_through_both_proxies(stack):
    _, _, page = get(stack["documented"].url + BASE + "/")
    script = re.search(rb'src="\./(static/js/[^"]+\.js)"', page).group(1).decode()
    status, headers, body = get(f"{stack['documented'].url}{BASE}/{script}")
    assert status == 200 and body
    assert headers["cache-control"] == "public, max-age=31536000, immutable"  # nginx's value, not Streamlit's
    assert headers["content-type"] == "application/javascript"


def test_a_forged_forwarded_for_does_not_replace_the_client_address(stack):
    get(stack["documented"].url + BASE + "/_stcore/health", headers={"X-Forwarded-For": "203.0.113.9"})
    lines = log_lines(stack["shipped"], "_stcore/health")
    assert lines and lines[-1].startswith(BROWSER_ADDRESS + " "), stack["shipped"].access_log()
    assert "203.0.113.9" not in stack["shipped"].access_log()


def test_browsers_without_a_cookie_are_spread_over_the_processes_by_their_own_address(stack):
    """Stickiness by address (the fallback when a cross-site iframe withholds the cookie) hashes the browser's
    address, which the shipped nginx takes from the trusted front proxy: browsers from 16 addresses reach both
    processes, each browser always the same one. Without real_ip every browser would have the proxy's address."""
    front = stack["documented"]
    chosen: dict[str, set[str]] = {}
    for number in range(16):
        client = f"127.0.1.{10 + number}"
        for _ in range(2):
            connection = http.client.HTTPConnection("127.0.0.1", front.port, timeout=30, source_address=(client, 0))
            connection.request("GET", f"{BASE}/_stcore/health?client={number}")
            assert connection.getresponse().status == 200
            connection.close()
    deadline = time.monotonic() + 10  # nginx logs just after answering (a hang guard)
    while time.monotonic() < deadline:
        lines = [line for line in stack["shipped"].access_log().splitlines()
                 if line.startswith("127.0.1.") and "_stcore/health" in line]
        if len(lines) >= 32:
            break
        time.sleep(0.1)
    for line in lines:
        chosen.setdefault(line.split()[0], set()).add(re.search(r"upstream=(\S+)", line).group(1))
    assert len(chosen) == 16, chosen
    assert all(len(upstreams) == 1 for upstreams in chosen.values()), chosen  # each browser keeps its process
    assert len(set().union(*chosen.values())) == 2, chosen  # and the browsers are spread over both


@pytest.mark.browser
def test_the_page_works_through_the_front_proxy_and_the_shipped_nginx_logs_the_browser(stack, browser):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(stack["documented"].url + BASE + "/" + DEEP_LINK, timeout=WAIT_MS)
        page.get_by_text(DISCLAIMER_START).first.wait_for(timeout=WAIT_MS)
        page.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=WAIT_MS)
    finally:
        context.close()
    log_lines(stack["shipped"], "_stcore/stream")
    log = stack["shipped"].access_log()
    page_lines = [line for line in log.splitlines() if f'"GET {BASE}/" 200' in line]
    stream_lines = [line for line in log.splitlines() if f"{BASE}/_stcore/stream" in line]
    assert page_lines and stream_lines, log
    assert all(line.startswith(BROWSER_ADDRESS + " ") for line in page_lines + stream_lines), log
    assert not any(line.startswith(FRONT_ADDRESS + " ") for line in log.splitlines()), log
    # the front proxy's own log shows the browser too
    front_lines = [line for line in stack["documented"].access_log().splitlines() if f"GET {BASE}/" in line]
    assert front_lines and all(line.startswith(BROWSER_ADDRESS + " ") for line in front_lines
                               if "_stcore/health" not in line)


@pytest.mark.browser
@pytest.mark.parametrize("front, survives", [("documented", True), ("short", False)],
                         ids=["documented-timeout-keeps-it", f"shortened-{SHORT_TIMEOUT}-drops-it"])
def test_an_idle_websocket_lives_as_long_as_the_front_proxys_timeout(stack, browser, front, survives):
    context = browser.new_context()
    page = context.new_page()
    opened: list[str] = []
    closed: list[str] = []

    def on_websocket(socket) -> None:
        if socket.url.endswith("/_stcore/stream"):
            opened.append(socket.url)
            socket.on("close", lambda _: closed.append(socket.url))

    page.on("websocket", on_websocket)
    try:
        page.goto(stack[front].url + BASE + "/" + DEEP_LINK, timeout=WAIT_MS)
        page.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=WAIT_MS)
        if survives:  # (behind the short timeout, a load slower than it on a busy machine is cut and reopened)
            assert len(opened) == 1 and not closed
        before = len(closed)
        page.wait_for_timeout(IDLE_MS)  # nobody clicks: no message either way (Streamlit's ping comes after 30 s)
        assert (len(closed) > before) is not survives, (opened, closed)
        if survives:  # the same websocket still carries a click and its answer
            page.locator('[data-testid="stRadio"]').first.get_by_text("Adult", exact=True).click(timeout=WAIT_MS)
            page.wait_for_url(re.compile(r"age_group=adult"), timeout=WAIT_MS)
            assert len(opened) == 1 and not closed
    finally:
        context.close()
