"""Render the nginx reverse-proxy configuration for the explorer from a few settings.

Example (a snippet for /etc/nginx/conf.d/, included in nginx's ``http`` block)::

    BASE_PATH=/pathways python deploy/render_nginx.py --frame-ancestors "https://intranet.example" \\
        --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502 --listen 8080 --trusted-proxy 10.0.0.5 > explorer.conf

The sub-path has one spelling everywhere: ``BASE_PATH=/pathways`` (scripts/run.sh, the systemd unit, the
Dockerfile, the Kubernetes manifests); ``--base-path`` here defaults to it.
``--front`` renders the example front proxy instead (deploy/front-proxy.conf.template: where TLS ends, in front
of the shipped configuration).

``--standalone DIR`` renders a complete nginx.conf whose pid, logs and temporary files live in DIR
(what the tests run: ``nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "TEMPLATE",
    "FRONT_TEMPLATE",
    "STATIC_MAX_AGE",
    "FrontSettings",
    "render_front",
    "streamlit_static_dir",
    "normalize_base_path",
    "PINNED_INLINE_SCRIPT_HASHES",
    "Settings",
    "SettingError",
    "content_security_policy",
    "inline_script_hashes",
    "frame_script_hashes",
    "app_script_hashes",
    "render",
    "main",
]

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
FRONT_TEMPLATE = Path(__file__).with_name("front-proxy.conf.template")

#: Cache lifetime of Streamlit's front-end files (their names carry a hash of their content).
STATIC_MAX_AGE = 31_536_000
#: MIME types of the files in Streamlit's static folder (the standalone nginx.conf includes no mime.types).
STATIC_TYPES = {"js": "application/javascript", "mjs": "application/javascript", "css": "text/css",
                "woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf", "svg": "image/svg+xml",
                "png": "image/png", "json": "application/json", "wasm": "application/wasm", "map": "application/json",
                "txt": "text/plain", "html": "text/html"}

#: sha256 of the one inline <script> in Streamlit 1.67.0's index.html (``window.prerenderReady = false``).
#: Used when streamlit is not installed where the configuration is rendered; a test checks it still matches.
PINNED_INLINE_SCRIPT_HASHES = ("sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA=",)

_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|'self'|'none')$")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
_LISTEN = re.compile(r"^((\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}$")
_BASE_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)*$")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_PATH = re.compile(r"^[^\s;{}\"'$]+$")
_ADDRESS = re.compile(r"^([0-9.]+|[0-9A-Fa-f:]+)(/[0-9]{1,3})?$|^unix:$")
_DURATION = re.compile(r"^[0-9]+(ms|s|m|h|d)?$")


def normalize_base_path(value: str) -> str:
    """The one spelling of the sub-path: '' or '/name' (accepts 'name', '/name/' and 'name/' as written)."""
    value = value.strip()
    return "/" + value.strip("/") if value.strip("/") else ""


def streamlit_static_dir() -> str:
    """The installed Streamlit's front-end folder (index.html, static/), or '' where Streamlit is not installed."""
    try:
        import streamlit
    except ImportError:
        return ""
    return str(Path(streamlit.__file__).parent / "static")


class SettingError(ValueError):
    """A setting that would make an invalid or unsafe configuration."""


@dataclass
class Settings:
    """Everything the configuration depends on; ``frame_ancestors`` is the one embedding setting."""

    frame_ancestors: list[str] = field(default_factory=lambda: ["'self'"])
    upstreams: list[str] = field(default_factory=lambda: ["127.0.0.1:8501"])
    listen: str = "8080"
    server_name: str = "_"
    base_path: str = ""
    cookie: str = "explorer_backend"
    access_log: str = "/var/log/nginx/relapsed-all-explorer.access.log"
    error_log: str = "/var/log/nginx/relapsed-all-explorer.error.log"
    #: addresses (or CIDR ranges) of the front proxies whose X-Forwarded-For is believed; empty: none
    trusted_proxies: list[str] = field(default_factory=list)
    #: Streamlit's front-end folder for nginx to serve; None: the installed Streamlit's; '': Python serves them
    static_dir: str | None = None
    #: address:port of a loopback-only server with nginx's stub_status (for deploy/exporter.py); '': none
    status_listen: str = ""

    def check(self) -> None:
        """Raise SettingError naming the first bad value and what is allowed."""
        for origin in self.frame_ancestors:
            if not _ORIGIN.match(origin):
                raise SettingError(
                    f"invalid frame ancestor: {origin!r} (must be an origin like 'https://intranet.example', "
                    "\"'self'\" or \"'none'\")"
                )
        if not self.frame_ancestors:
            raise SettingError("frame ancestors must not be empty (use \"'none'\" to forbid every frame)")
        if not self.upstreams:
            raise SettingError("at least one upstream is needed (host:port of a streamlit process)")
        for upstream in self.upstreams:
            if not _HOST_PORT.match(upstream):
                raise SettingError(f"invalid upstream: {upstream!r} (must be host:port, e.g. '127.0.0.1:8501')")
        if not _LISTEN.match(self.listen):
            raise SettingError(f"invalid listen: {self.listen!r} (must be a port or address:port)")
        if not _BASE_PATH.match(self.base_path):
            raise SettingError(f"invalid base path: {self.base_path!r} (must be '' or like '/explorer')")
        if not _NAME.match(self.cookie):
            raise SettingError(f"invalid cookie name: {self.cookie!r} (letters, digits and '_')")
        for address in self.trusted_proxies:
            if not _ADDRESS.match(address):
                raise SettingError(f"invalid trusted proxy: {address!r} (must be an address or a range like "
                                   "'10.0.0.5' or '10.0.0.0/24')")
        if self.status_listen and not _LISTEN.match(self.status_listen):
            raise SettingError(f"invalid status listen: {self.status_listen!r} (must be a port or address:port)")
        if self.static_dir and not (Path(self.static_dir) / "index.html").exists():
            raise SettingError(f"invalid static dir: {self.static_dir!r} (must be Streamlit's static folder, "
                               "with index.html; '' lets Streamlit serve its files)")
        for name, value in (("server name", self.server_name), ("access log", self.access_log),
                            ("error log", self.error_log), ("static dir", self.static_dir or "-")):
            if not _PATH.match(value):
                raise SettingError(f"invalid {name}: {value!r} (no spaces, quotes, ';', '{{', '}}' or '$')")


def inline_script_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline scripts in the installed Streamlit's index.html (pinned ones without it)."""
    try:
        import streamlit
    except ImportError:
        return PINNED_INLINE_SCRIPT_HASHES
    index = Path(streamlit.__file__).parent / "static" / "index.html"
    scripts = re.findall(r"<script>(.*?)</script>", index.read_text(encoding="utf-8"), flags=re.S)
    return tuple(
        "sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        for body in scripts
    )


#: The explorer's own inline script inside the portal's iframe (embedding.py; README "Embedding in an intranet page").
FRAME_SCRIPT = Path(__file__).resolve().parent / "embed" / "frame-size.js"


def frame_script_hashes() -> tuple[str, ...]:
    """The CSP hash of the script that posts the content height to the portal (it runs only with
    EMBED_HOST_ORIGINS set; its text is fixed, the origins travel in an attribute)."""
    if not FRAME_SCRIPT.exists():
        return ()
    digest = hashlib.sha256(FRAME_SCRIPT.read_text(encoding="utf-8").encode("utf-8")).digest()
    return ("sha256-" + base64.b64encode(digest).decode("ascii"),)


#: The app, whose few fixed scripts (copy link, bring the result into view, print) the policy allows by hash.
APP = Path(__file__).resolve().parents[1] / "app.py"


def app_script_hashes(app: Path = APP) -> tuple[str, ...]:
    """CSP hashes of the page's own scripts: in app.py and i18n.py, the module constants named ``*_JS``,
    ``*_SCRIPT`` or ``*_SCRIPTS`` (a string, or a dict of strings), each one literal <script> that Streamlit's
    st.html runs as an inline script (the policy then allows these and no other inline script)."""
    import ast

    hashes = []
    for path in (app, app.parent / "i18n.py"):
        if not path.exists():  # rendered where the app is not: no app scripts to allow
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not (isinstance(node, ast.Assign) and any(getattr(t, "id", "").endswith(("_JS", "_SCRIPT", "_SCRIPTS"))
                                                         for t in node.targets)):
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            for text in (value.values() if isinstance(value, dict) else [value]):
                if not isinstance(text, str):
                    continue
                for body in re.findall(r"<script>(.*?)</script>", text, flags=re.S):
                    hashes.append("sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest())
                                  .decode("ascii"))
    return tuple(hashes)


def content_security_policy(frame_ancestors: list[str], script_hashes: tuple[str, ...] | None = None) -> str:
    """The smallest policy under which Streamlit's frontend (with its Graphviz renderer) runs without violations."""
    hashes = (*(inline_script_hashes() + app_script_hashes() if script_hashes is None else script_hashes),
              *frame_script_hashes())
    # Each source below was needed in Chromium (tests/test_deploy_nginx.py checks for violations); the rest
    # fall back to default-src 'none'. 'wasm-unsafe-eval': with GRAPH_RENDERER=browser, st.graphviz_chart
    # compiles Graphviz to WebAssembly in the page. 'unsafe-inline' styles: Streamlit's CSS-in-JS. The hash: the
    # one inline script in Streamlit's index.html, and the app's own fixed scripts. data: fonts: a font Streamlit inlines. data: images: the
    # graph, drawn as SVG on the server, is shown as a data: image (an <img> runs no script).
    # connect-src 'self' covers the same-origin websocket in Chromium.
    directives = [
        "default-src 'none'",
        " ".join(["script-src 'self'", *(f"'{h}'" for h in hashes), "'wasm-unsafe-eval'"]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'self'",
        "form-action 'none'",
        "object-src 'none'",
        "frame-ancestors " + " ".join(frame_ancestors),
    ]
    return "; ".join(directives)


def _security_headers(frame_ancestors: list[str], indent: str) -> str:
    return "\n".join(indent + line for line in (
        f'add_header Content-Security-Policy "{content_security_policy(frame_ancestors)}" always;',
        'add_header X-Content-Type-Options "nosniff" always;',
        'add_header Referrer-Policy "no-referrer" always;',
        'add_header Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=(), usb=()" always;',
    ))


def _real_ip(trusted: list[str]) -> str:
    if not trusted:
        return "    # No front proxy trusted (--trusted-proxy): $remote_addr is the connecting address."
    return "\n".join([
        "    # The browser's address from the front proxy's X-Forwarded-For (only from these proxies).",
        *(f"    set_real_ip_from {address};" for address in trusted),
        "    real_ip_header X-Forwarded-For;",
        "    real_ip_recursive on;",
    ])


def _static(base: str, directory: str, frame_ancestors: list[str]) -> str:
    if not directory:
        return "    # Streamlit serves its own front-end files (no --static-dir)."
    types = " ".join(f"{mime} {ext};" for ext, mime in sorted(STATIC_TYPES.items()))
    return "\n".join([
        "    # Streamlit's front-end files, content-hashed: served by nginx, cached for a year, never by Python.",
        f"    location {base}/static/ {{",
        f"        alias {directory.rstrip('/')}/static/;",
        f"        types {{ {types} }}",
        "        default_type application/octet-stream;",
        "        gzip on;",
        "        gzip_types application/javascript text/css image/svg+xml application/json;",
        "        etag on;",
        "        access_log off;",
        f'        add_header Cache-Control "public, max-age={STATIC_MAX_AGE}, immutable" always;',
        _security_headers(frame_ancestors, "        "),
        "    }",
        "    # The page itself (Streamlit's index.html, the same for every session): from the file, revalidated each time.",
        f"    location = {base}/ {{",
        f"        root {directory.rstrip('/')};",
        "        try_files /index.html =404;",
        "        types { text/html html; }",
        '        add_header Cache-Control "no-cache" always;',
        _security_headers(frame_ancestors, "        "),
        "        add_header Set-Cookie $explorer_sticky_cookie;",
        "    }",
    ])


def _status(listen: str) -> str:
    if not listen:
        return ""
    return "\n".join([
        "",
        "# nginx's own counters (connections, requests) for deploy/exporter.py; loopback only.",
        "server {",
        f"    listen {listen};",
        "    server_tokens off;",
        "    access_log off;",
        "    location = /nginx_status {",
        "        stub_status;",
        "        allow 127.0.0.1;",
        "        allow ::1;",
        "        deny all;",
        "    }",
        "    location / { return 404; }",
        "}",
    ])


def render(settings: Settings, standalone_dir: Path | None = None, user: str | None = None) -> str:
    """The configuration text: an ``http``-block snippet, or a complete nginx.conf with ``standalone_dir``."""
    settings.check()
    upstreams = "\n".join(f"    server {u} max_fails=1 fail_timeout=10s;" for u in settings.upstreams)
    static_dir = streamlit_static_dir() if settings.static_dir is None else settings.static_dir
    base = settings.base_path
    values = {
        "COOKIE": settings.cookie,
        "COOKIE_PATH": settings.base_path or "/",
        "UPSTREAMS": upstreams,
        "LISTEN": settings.listen,
        "SERVER_NAME": settings.server_name,
        "FRAME_ANCESTORS": " ".join(settings.frame_ancestors),
        "SECURITY_HEADERS": _security_headers(settings.frame_ancestors, "    "),
        "REAL_IP": _real_ip(settings.trusted_proxies),
        "STATIC": _static(base, static_dir, settings.frame_ancestors),
        "BASE_REDIRECT": (f"    location = {base} {{ return 301 {base}/; }}" if base else ""),
        "STATUS": _status(settings.status_listen),
        "BASE_PATH": settings.base_path,
        "ACCESS_LOG": settings.access_log,
        "ERROR_LOG": settings.error_log,
    }
    text = _fill(TEMPLATE.read_text(encoding="utf-8"), values)
    if standalone_dir is None:
        return text
    return _standalone(text, Path(standalone_dir), user)


@dataclass
class FrontSettings:
    """The example front proxy: where it listens (and ends TLS), and the shipped nginx behind it."""

    backend: str = "127.0.0.1:8080"
    listen: str = "443 ssl"
    server_name: str = "_"
    base_path: str = ""
    #: idle timeout of the websocket (nginx duration); far above Streamlit's 30 s ping
    stream_timeout: str = "1h"
    tls_certificate: str = "/etc/ssl/certs/intranet.example.pem"
    tls_key: str = "/etc/ssl/private/intranet.example.key"
    #: the local address this proxy connects from ('' lets the system choose); the shipped nginx trusts it
    proxy_bind: str = ""
    access_log: str = "/var/log/nginx/relapsed-all-explorer-front.access.log"
    error_log: str = "/var/log/nginx/relapsed-all-explorer-front.error.log"

    def check(self) -> None:
        """Raise SettingError naming the first bad value and what is allowed."""
        if not _HOST_PORT.match(self.backend):
            raise SettingError(f"invalid backend: {self.backend!r} (must be host:port of the shipped nginx)")
        if not re.match(r"^((\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}( ssl)?$", self.listen):
            raise SettingError(f"invalid listen: {self.listen!r} (must be a port or address:port, then 'ssl' for TLS)")
        if not _BASE_PATH.match(self.base_path):
            raise SettingError(f"invalid base path: {self.base_path!r} (must be '' or like '/pathways')")
        if not _DURATION.match(self.stream_timeout):
            raise SettingError(f"invalid stream timeout: {self.stream_timeout!r} (an nginx duration like '1h', '600s')")
        if self.proxy_bind and not _ADDRESS.match(self.proxy_bind):
            raise SettingError(f"invalid proxy bind: {self.proxy_bind!r} (must be a local address)")
        for name, value in (("server name", self.server_name), ("access log", self.access_log),
                            ("error log", self.error_log), ("TLS certificate", self.tls_certificate),
                            ("TLS key", self.tls_key)):
            if not _PATH.match(value):
                raise SettingError(f"invalid {name}: {value!r} (no spaces, quotes, ';', '{{', '}}' or '$')")


def render_front(settings: FrontSettings, standalone_dir: Path | None = None, user: str | None = None) -> str:
    """The example front proxy: an ``http``-block snippet, or a complete nginx.conf with ``standalone_dir``."""
    settings.check()
    base = settings.base_path
    tls = ("    ssl_certificate " + settings.tls_certificate + ";\n    ssl_certificate_key " + settings.tls_key
           + ";\n    ssl_protocols TLSv1.2 TLSv1.3;") if settings.listen.endswith(" ssl") else \
        "    # No TLS in this rendering (listen without 'ssl'): only for a test on loopback."
    values = {
        "BACKEND": settings.backend,
        "LISTEN": settings.listen,
        "SERVER_NAME": settings.server_name,
        "BASE_PATH": base,
        "STREAM_TIMEOUT": settings.stream_timeout,
        "TLS": tls,
        "PROXY_BIND": f"        proxy_bind {settings.proxy_bind};" if settings.proxy_bind else "",
        "BASE_REDIRECT": (f"    location = {base} {{ return 301 {base}/; }}" if base else ""),
        "ACCESS_LOG": settings.access_log,
        "ERROR_LOG": settings.error_log,
    }
    text = _fill(FRONT_TEMPLATE.read_text(encoding="utf-8"), values)
    if standalone_dir is None:
        return text
    return _standalone(text, Path(standalone_dir), user)


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if leftover:
        raise SettingError(f"template placeholders without a value: {sorted(set(leftover))}")
    return text


def _standalone(http_snippet: str, directory: Path, user: str | None) -> str:
    run = directory.resolve()
    lines = [
        "# Complete nginx.conf rendered by deploy/render_nginx.py --standalone.",
        *( [f"user {user};"] if user else [] ),
        "worker_processes 1;",
        f"pid {run}/nginx.pid;",
        f"error_log {run}/nginx-error.log warn;",
        "events { worker_connections 512; }",
        "http {",
        "    default_type application/octet-stream;",
        f"    client_body_temp_path {run}/temp/body;",
        f"    proxy_temp_path {run}/temp/proxy;",
        f"    fastcgi_temp_path {run}/temp/fastcgi;",
        f"    uwsgi_temp_path {run}/temp/uwsgi;",
        f"    scgi_temp_path {run}/temp/scgi;",
        *("    " + line if line else "" for line in http_snippet.splitlines()),
        "}",
        "",
    ]
    (run / "temp").mkdir(parents=True, exist_ok=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame-ancestors", default="'self'",
                        help="space-separated origins allowed to frame the explorer (the intranet portal), "
                             "e.g. 'https://intranet.example'; \"'none'\" forbids framing")
    parser.add_argument("--upstream", action="append", dest="upstreams",
                        help="host:port of a streamlit process (repeat for several); default 127.0.0.1:8501")
    parser.add_argument("--listen", default="8080", help="port or address:port nginx listens on")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--base-path", default=os.environ.get("BASE_PATH", ""),
                        help="the sub-path, e.g. /pathways (default: the BASE_PATH environment variable, as "
                             "scripts/run.sh, the systemd unit and the Dockerfile read it)")
    parser.add_argument("--trusted-proxy", action="append", dest="trusted_proxies", default=[],
                        help="address or range of a front proxy whose X-Forwarded-For is believed (repeat)")
    parser.add_argument("--static-dir", default=None,
                        help="Streamlit's static folder for nginx to serve (default: the installed Streamlit's; "
                             "'' lets Streamlit serve its files)")
    parser.add_argument("--status-listen", default="",
                        help="address:port of a loopback server with nginx's stub_status for deploy/exporter.py")
    parser.add_argument("--front", action="store_true",
                        help="render the example front proxy (deploy/front-proxy.conf.template) instead")
    parser.add_argument("--backend", default="127.0.0.1:8080", help="with --front: host:port of the shipped nginx")
    parser.add_argument("--stream-timeout", default="1h", help="with --front: the websocket's idle timeout")
    parser.add_argument("--tls-certificate", default=FrontSettings.tls_certificate, help="with --front")
    parser.add_argument("--tls-key", default=FrontSettings.tls_key, help="with --front")
    parser.add_argument("--cookie", default="explorer_backend", help="name of the cookie that pins a browser")
    parser.add_argument("--access-log", default=Settings.access_log)
    parser.add_argument("--error-log", default=Settings.error_log)
    parser.add_argument("--standalone", type=Path, metavar="DIR",
                        help="render a complete nginx.conf with pid, logs and temporary files in DIR")
    parser.add_argument("--user", help="with --standalone: the user nginx's workers run as")
    args = parser.parse_args(argv)
    base = normalize_base_path(args.base_path)
    if args.front:
        front = FrontSettings(backend=args.backend, listen=args.listen if args.listen != "8080" else "443 ssl",
                              server_name=args.server_name, base_path=base, stream_timeout=args.stream_timeout,
                              tls_certificate=args.tls_certificate, tls_key=args.tls_key)
        try:
            sys.stdout.write(render_front(front, args.standalone, args.user))
        except SettingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    settings = Settings(
        frame_ancestors=args.frame_ancestors.split(),
        upstreams=args.upstreams or ["127.0.0.1:8501"],
        listen=args.listen,
        server_name=args.server_name,
        base_path=base,
        cookie=args.cookie,
        access_log=args.access_log,
        error_log=args.error_log,
        trusted_proxies=args.trusted_proxies,
        static_dir=args.static_dir,
        status_listen=args.status_listen,
    )
    try:
        sys.stdout.write(render(settings, args.standalone, args.user))
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
