"""The nginx reverse proxy in deploy/: rendered settings, headers, websocket, sticky cookie, iframe policy."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets

from deploy.render_nginx import (
    PINNED_INLINE_SCRIPT_HASHES,
    FrontSettings,
    Settings,
    SettingError,
    content_security_policy,
    inline_script_hashes,
    normalize_base_path,
    render,
    render_front,
    streamlit_static_dir,
)
from pathways import load_pathway, resolve_pathway
from tests.support.nginx import NGINX, serve_host_page, start_nginx
from tests.support.server import ROOT, free_port, start_streamlit

DISCLAIMER_START = load_pathway(resolve_pathway(None)).content.metadata.disclaimer.split(".")[0]
MARKER = "zz_marker_7f3a"
WAIT_MS = 60_000


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        return response.status, headers, response.read().decode("utf-8", "replace")


# ---- rendering (no nginx process) -------------------------------------------------------------------


def test_frame_ancestors_setting_appears_only_in_the_policy_directive():
    text = render(Settings(frame_ancestors=["https://intranet.example"], upstreams=["127.0.0.1:8501"]))
    policy = re.search(r'add_header Content-Security-Policy "([^"]+)"', text).group(1)
    assert policy.endswith("frame-ancestors https://intranet.example")
    # the comment naming the setting, and the directive: on every response, and again where nginx serves the page
    # and the static files itself (an add_header in a location replaces the server's)
    assert text.count("https://intranet.example") == 4
    assert text.count(policy) == 3


@pytest.mark.parametrize(
    "origins",
    [["https://a.example; script-src *"], ["javascript:alert(1)"], ['https://a.example" always; #'], []],
    ids=["directive-injection", "script-scheme", "quote-injection", "empty"],
)
def test_unsafe_frame_ancestor_values_are_refused(origins):
    with pytest.raises(SettingError, match="frame ancestor"):
        render(Settings(frame_ancestors=origins))


@pytest.mark.parametrize(
    "field, value, match",
    [("upstreams", ["127.0.0.1"], "invalid upstream"), ("upstreams", [], "at least one upstream"),
     ("listen", "80; include /etc/passwd", "invalid listen"), ("base_path", "explorer", "invalid base path"),
     ("trusted_proxies", ["10.0.0.5; allow all"], "invalid trusted proxy"),
     ("static_dir", "/nonexistent", "invalid static dir"), ("status_listen", "8081; x", "invalid status listen")],
    ids=["upstream-without-port", "no-upstream", "listen-injection", "base-path-without-slash",
         "trusted-proxy-injection", "static-dir-without-streamlit", "status-listen-injection"],
)
def test_bad_settings_are_refused_with_a_message_naming_them(field, value, match):
    settings = Settings()
    setattr(settings, field, value)
    with pytest.raises(SettingError, match=match):
        render(settings)


@pytest.mark.parametrize("written", ["/pathways", "pathways", "/pathways/", "pathways/"],
                         ids=["slash-first", "bare", "both-slashes", "slash-last"])
def test_the_sub_path_has_one_spelling_however_it_is_written(written):
    assert normalize_base_path(written) == "/pathways"
    assert normalize_base_path("") == normalize_base_path("/") == ""


def test_real_ip_is_taken_only_from_the_trusted_front_proxies():
    text = render(Settings(trusted_proxies=["10.0.0.5", "10.1.0.0/16"]))
    assert re.findall(r"set_real_ip_from (\S+);", text) == ["10.0.0.5", "10.1.0.0/16"]
    assert "real_ip_header X-Forwarded-For;" in text and "real_ip_recursive on;" in text
    assert "set_real_ip_from" not in render(Settings())


def test_static_files_are_left_to_streamlit_when_no_static_dir_is_given():
    assert "alias " not in render(Settings(static_dir="")) and "immutable" not in render(Settings(static_dir=""))


@pytest.mark.parametrize("field, value, match",
                         [("stream_timeout", "1h; proxy_pass x", "invalid stream timeout"),
                          ("backend", "10.0.0.7", "invalid backend"), ("proxy_bind", "$remote_addr", "invalid proxy bind"),
                          ("listen", "443 ssl; x", "invalid listen")],
                         ids=["timeout-injection", "backend-without-port", "bind-variable", "listen-injection"])
def test_bad_front_proxy_settings_are_refused(field, value, match):
    settings = FrontSettings()
    setattr(settings, field, value)
    with pytest.raises(SettingError, match=match):
        render_front(settings)


@pytest.mark.nginx
def test_static_files_are_served_by_nginx_even_with_every_app_process_down(tmp_path):
    """The front-end files never reach Python: with no process behind nginx they are still served, cached for a
    year, while the app's own paths answer 502."""
    static = Path(streamlit_static_dir())
    script = next((static / "static" / "js").glob("index.*.js")).name
    proxy = start_nginx(tmp_path / "nginx", [f"127.0.0.1:{free_port()}"], base_path="/pathways")
    try:
        status, headers, body = fetch(f"{proxy.url}/pathways/static/js/{script}")
        assert status == 200 and body and headers["cache-control"] == "public, max-age=31536000, immutable"
        assert headers["x-content-type-options"] == "nosniff" and "frame-ancestors" in headers["content-security-policy"]
        status, headers, page = fetch(f"{proxy.url}/pathways/")
        assert status == 200 and script in page and headers["cache-control"] == "no-cache"
        assert headers["set-cookie"].startswith("explorer_backend=")
        with pytest.raises(urllib.error.HTTPError, match="502"):
            fetch(f"{proxy.url}/pathways/_stcore/health")
    finally:
        proxy.stop()


def test_every_upstream_is_listed_with_a_sticky_hash():
    text = render(Settings(upstreams=["127.0.0.1:8501", "127.0.0.1:8502", "10.0.0.7:8501"]))
    assert re.findall(r"server (\S+) max_fails", text) == ["127.0.0.1:8501", "127.0.0.1:8502", "10.0.0.7:8501"]
    assert "hash $explorer_sticky_key consistent;" in text


def test_pinned_inline_script_hash_matches_the_installed_streamlit():
    """When Streamlit is upgraded this fails: update PINNED_INLINE_SCRIPT_HASHES (the test run shows the new one)."""
    assert inline_script_hashes() == PINNED_INLINE_SCRIPT_HASHES


def test_access_log_format_leaves_out_the_query_string_and_referrer():
    text = render(Settings())
    log_format = text[text.index("log_format"):text.index(";", text.index("log_format"))]
    assert "$explorer_path_only" in log_format
    path_map = text[text.index("map $request_uri $explorer_path_only"):]
    assert '"~^(?<explorer_path>[^?]*)" $explorer_path;' in path_map[:path_map.index("}")]  # cut at the '?'
    for leaky in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer", "$request\""):
        assert leaky not in log_format


@pytest.mark.nginx
def test_rendered_configuration_passes_nginx_syntax_check(tmp_path):
    assert Path(NGINX).exists(), f"nginx is not installed ({NGINX}); scripts/test.sh installs it"
    conf = tmp_path / "nginx.conf"
    conf.write_text(render(Settings(access_log=str(tmp_path / "a.log"), error_log=str(tmp_path / "e.log")),
                           standalone_dir=tmp_path))
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


# ---- a running proxy in front of the app -----------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The app on loopback, two iframe host pages (allowed and not), and nginx allowing the first."""
    directory = tmp_path_factory.mktemp("nginx-stack")
    app = start_streamlit(directory / "app.log")
    allowed = serve_host_page("about:blank")
    other = serve_host_page("about:blank")
    proxy = None
    try:
        proxy = start_nginx(directory / "nginx", [f"127.0.0.1:{app.port}"], frame_ancestors=[allowed.origin])
        allowed.target = other.target = proxy.url + "/?embed=true&age_group=adult"
        yield {"app": app, "proxy": proxy, "allowed": allowed, "other": other}
    finally:
        if proxy is not None:
            proxy.stop()
        allowed.stop()
        other.stop()
        app.stop()


@pytest.mark.nginx
@pytest.mark.parametrize("path", ["/", "/_stcore/health", f"/?age_group=child&{MARKER}=1"],
                         ids=["page", "health", "deep-link"])
def test_proxy_sends_security_headers_on_every_response(stack, path):
    status, headers, _ = fetch(stack["proxy"].url + path)
    assert status == 200
    assert headers["content-security-policy"] == content_security_policy([stack["allowed"].origin])
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "server" not in headers or "nginx/" not in headers["server"]


@pytest.mark.nginx
def test_proxy_sets_a_sticky_cookie_once(stack):
    _, first, _ = fetch(stack["proxy"].url + "/")
    assert re.match(r"explorer_backend=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax", first["set-cookie"])
    request = urllib.request.Request(stack["proxy"].url + "/", headers={"Cookie": "explorer_backend=abc"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get("Set-Cookie") is None


@pytest.mark.nginx
def test_websocket_upgrade_passes_through_the_proxy(stack):
    async def handshake() -> int:
        url = stack["proxy"].url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(url, origin=stack["proxy"].url, open_timeout=30,
                                      subprotocols=["streamlit"]) as socket:
            return socket.response.status_code

    assert asyncio.run(asyncio.wait_for(handshake(), 60)) == 101


@pytest.mark.nginx
def test_access_log_records_requests_without_their_answers(stack):
    fetch(stack["proxy"].url + f"/?age_group=child&{MARKER}=secret_answer_91")
    log = stack["proxy"].access_log()
    assert '"GET /" 200' in log
    assert MARKER not in log and "secret_answer_91" not in log and "age_group" not in log


@pytest.mark.nginx
@pytest.mark.browser
def test_app_works_through_the_proxy_without_policy_violations(stack, browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    try:
        page.goto(stack["proxy"].url + "/", timeout=WAIT_MS)
        page.get_by_text(DISCLAIMER_START).first.wait_for(timeout=WAIT_MS)
        for number, option in enumerate(["Child", "Yes, the CNS is involved", "B-cell ALL"]):
            radio = page.locator('[data-testid="stRadio"]').nth(number)
            radio.wait_for(timeout=WAIT_MS)
            radio.get_by_text(option, exact=True).click(timeout=WAIT_MS)
        # the answers went over the websocket and came back as the link
        page.wait_for_url(re.compile(r"age_group=child&cns_involvement=yes&cell_type=b_cell"), timeout=WAIT_MS)
        page.get_by_text("Intrathecal chemotherapy").first.wait_for(timeout=WAIT_MS)
        # the graph, an SVG data: image, was allowed by img-src and decoded
        page.wait_for_function("""() => { const img = document.querySelector("[data-testid='stImage'] img");
                                      return img && img.complete && img.naturalWidth > 0; }""", timeout=WAIT_MS)
        page.locator("summary").filter(has_text="Glossary").click(timeout=WAIT_MS)
        page.get_by_text("Data files for staff:").first.click(timeout=WAIT_MS)
        with page.expect_download(timeout=WAIT_MS) as download:  # a media URL served by the same app process
            page.get_by_text("Summary (Markdown)").click(timeout=WAIT_MS)
        assert DISCLAIMER_START in Path(download.value.path()).read_text(encoding="utf-8")
        page.wait_for_timeout(1000)
    finally:
        context.close()
    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []


@pytest.mark.nginx
@pytest.mark.browser
def test_browser_graph_renderer_runs_under_the_proxy_policy(tmp_path, browser):
    """GRAPH_RENDERER=browser lays the graph out with WebAssembly in the page: 'wasm-unsafe-eval' must suffice."""
    app = start_streamlit(tmp_path / "app.log", env={"GRAPH_RENDERER": "browser"})
    proxy = None
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    try:
        proxy = start_nginx(tmp_path / "nginx", [f"127.0.0.1:{app.port}"])
        page.goto(proxy.url + "/?age_group=child&cns_involvement=yes", timeout=WAIT_MS)
        page.locator("[data-testid='stGraphVizChart'] svg .node").first.wait_for(timeout=WAIT_MS)
        assert page.locator("[data-testid='stGraphVizChart'] svg text").filter(has_text="✔ CNS: yes").count() == 1
        page.wait_for_timeout(500)
    finally:
        context.close()
        if proxy is not None:
            proxy.stop()
        app.stop()
    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []


@pytest.mark.nginx
@pytest.mark.browser
def test_app_renders_in_an_iframe_on_the_allowed_origin(stack, browser):
    host = stack["allowed"]
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(host.url, timeout=WAIT_MS)
        frame = page.locator("#explorer").content_frame
        try:
            frame.get_by_text(DISCLAIMER_START).first.wait_for(timeout=WAIT_MS)
            frame.get_by_text("Has the relapsed ALL spread to the central nervous system").first.wait_for(
                timeout=WAIT_MS)
        except Exception as exc:
            shown = frame.locator("body").inner_text(timeout=5_000)[:500]
            raise AssertionError(f"{exc}\nframes: {[f.url for f in page.frames]}\nconsole: {console}\n"
                                 f"frame text: {shown!r}") from None
    finally:
        context.close()


@pytest.mark.nginx
@pytest.mark.browser
def test_app_refuses_to_render_in_an_iframe_on_another_origin(stack, browser):
    other = stack["other"]
    assert other.origin != stack["allowed"].origin
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=WAIT_MS):
            page.goto(other.url, timeout=WAIT_MS)
        framed = page.locator("#explorer").content_frame
        deadline = time.monotonic() + 60  # until Chromium shows its blocked-frame page (a hang guard, not a pace)
        while not blocked_frame(page) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert framed.get_by_text(DISCLAIMER_START).count() == 0
        assert framed.locator('[data-testid="stApp"]').count() == 0
        assert blocked_frame(page)  # Chromium's blocked-frame page, not the app
    finally:
        context.close()
    assert any("violates" in m and f"frame-ancestors {stack['allowed'].origin}" in m for m in console), console


def blocked_frame(page) -> bool:
    """The page's iframe shows Chromium's error page: the frame-ancestors policy refused to let the app load."""
    return len(page.frames) > 1 and page.frames[1].url.startswith("chrome-error://")


# ---- container and service files -------------------------------------------------------------------

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
UNIT = (ROOT / "deploy" / "relapsed-all-explorer.service").read_text(encoding="utf-8")


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_base_image_is_pinned_to_an_exact_python_311_tag():
    bases = [arg for name, arg in dockerfile_instructions() if name == "FROM"]
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", bases[0]), bases[0]


def test_dockerfile_runs_the_app_as_a_non_root_user():
    users = [arg for name, arg in dockerfile_instructions() if name == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    last_user = max(i for i, (name, _) in enumerate(dockerfile_instructions()) if name == "USER")
    assert any(name == "CMD" and i > last_user for i, (name, _) in enumerate(dockerfile_instructions()))


def test_dockerfile_installs_graphviz_and_the_pinned_requirements_and_exposes_8501():
    runs = " ".join(arg for name, arg in dockerfile_instructions() if name == "RUN")
    assert "apt-get install" in runs and "graphviz" in runs and "pip install -r requirements.txt" in runs
    assert ("EXPOSE", "8501") in dockerfile_instructions()


def test_dockerfile_copies_every_local_module_the_app_imports():
    """The image is built from COPY lines: a module of ours that app.py imports but the image lacks would
    make the container fail on its first page."""
    import ast

    copied = {source.rstrip("/") for name, arg in dockerfile_instructions() if name == "COPY"
              for source in arg.split()[:-1]}  # the last word is the destination

    def local_imports(module: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        return {name for name in names if (ROOT / f"{name}.py").exists() or (ROOT / name / "__init__.py").exists()}

    ours, todo = set(), [ROOT / "app.py"]
    while todo:  # app.py's own modules, and the modules those import
        for name in local_imports(todo.pop()) - ours:
            ours.add(name)
            if (ROOT / f"{name}.py").exists():
                todo.append(ROOT / f"{name}.py")
    assert ours >= {"pathways", "serving", "views"}
    missing = {name for name in ours if f"{name}.py" not in copied and name not in copied}
    assert not missing, f"Dockerfile does not COPY {sorted(missing)}"


def healthcheck_command() -> list[str]:
    import json

    line = next(arg for name, arg in dockerfile_instructions() if name == "HEALTHCHECK")
    return json.loads(line[line.index("CMD") + 3:].strip())


@pytest.mark.nginx
def test_dockerfile_healthcheck_passes_on_a_running_app_and_fails_on_a_dead_one(stack):
    import sys

    command = [sys.executable if part == "python" else part for part in healthcheck_command()]
    assert "curl" not in " ".join(command) and "wget" not in " ".join(command)
    alive = subprocess.run(command, env={"STREAMLIT_SERVER_PORT": str(stack["app"].port)}, timeout=30,
                           capture_output=True)
    assert alive.returncode == 0, alive.stderr
    dead = subprocess.run(command, env={"STREAMLIT_SERVER_PORT": str(free_port())}, timeout=30, capture_output=True)
    assert dead.returncode != 0


def test_dockerignore_keeps_the_virtualenv_git_and_tests_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "tests", "artifacts"} <= ignored


@pytest.mark.parametrize("directive", ["User=explorer", "NoNewPrivileges=yes", "ProtectSystem=strict",
                                       "PrivateTmp=yes", "Restart=on-failure", "Environment=STREAMLIT_SERVER_PORT=",
                                       "Environment=STREAMLIT_SERVER_ADDRESS=", "Environment=BASE_PATH="],
                         ids=lambda d: d.split("=")[0] + ("-" + d.split("=")[1].split("_")[-1] if "_" in d else ""))
def test_systemd_unit_sets_hardening_restart_and_settings(directive):
    assert any(line.startswith(directive) for line in UNIT.splitlines()), directive


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (the unit's directives are checked above)")
    unit = tmp_path / "relapsed-all-explorer.service"
    unit.write_text(UNIT.replace("/opt/relapsed-all-explorer", str(ROOT)))  # paths that exist on this machine
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_repository_deploy_files_hold_no_secrets():
    texts = [DOCKERFILE, UNIT, (ROOT / "deploy" / "nginx.conf.template").read_text()]
    for text in texts:
        assert not re.search(r"(?i)(password|secret|token|api[_-]?key)\s*[=:]", text)
        assert "BEGIN PRIVATE KEY" not in text
