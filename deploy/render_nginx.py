"""Render the nginx reverse-proxy configuration for the explorer from a few settings.

Example (a snippet for /etc/nginx/conf.d/, included in nginx's ``http`` block)::

    python deploy/render_nginx.py --frame-ancestors "https://intranet.example" \\
        --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502 --listen 8080 > explorer.conf

``--standalone DIR`` renders a complete nginx.conf whose pid, logs and temporary files live in DIR
(what the tests run: ``nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "TEMPLATE",
    "PINNED_INLINE_SCRIPT_HASHES",
    "Settings",
    "SettingError",
    "content_security_policy",
    "inline_script_hashes",
    "frame_script_hashes",
    "render",
    "main",
]

TEMPLATE = Path(__file__).with_name("nginx.conf.template")

#: sha256 of the one inline <script> in Streamlit 1.67.0's index.html (``window.prerenderReady = false``).
#: Used when streamlit is not installed where the configuration is rendered; a test checks it still matches.
PINNED_INLINE_SCRIPT_HASHES = ("sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA=",)

_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|'self'|'none')$")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
_LISTEN = re.compile(r"^((\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}$")
_BASE_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)*$")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_PATH = re.compile(r"^[^\s;{}\"'$]+$")


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
        for name, value in (("server name", self.server_name), ("access log", self.access_log),
                            ("error log", self.error_log)):
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


def content_security_policy(frame_ancestors: list[str], script_hashes: tuple[str, ...] | None = None) -> str:
    """The smallest policy under which Streamlit's frontend (with its Graphviz renderer) runs without violations."""
    hashes = (*(inline_script_hashes() if script_hashes is None else script_hashes), *frame_script_hashes())
    # Each source below was needed in Chromium (tests/test_deploy_nginx.py checks for violations); the rest
    # fall back to default-src 'none'. 'wasm-unsafe-eval': with GRAPH_RENDERER=browser, st.graphviz_chart
    # compiles Graphviz to WebAssembly in the page. 'unsafe-inline' styles: Streamlit's CSS-in-JS. The hash: the
    # one inline script in Streamlit's index.html. data: fonts: a font Streamlit inlines. data: images: the
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


def render(settings: Settings, standalone_dir: Path | None = None, user: str | None = None) -> str:
    """The configuration text: an ``http``-block snippet, or a complete nginx.conf with ``standalone_dir``."""
    settings.check()
    upstreams = "\n".join(f"    server {u} max_fails=1 fail_timeout=10s;" for u in settings.upstreams)
    values = {
        "COOKIE": settings.cookie,
        "COOKIE_PATH": settings.base_path or "/",
        "UPSTREAMS": upstreams,
        "LISTEN": settings.listen,
        "SERVER_NAME": settings.server_name,
        "FRAME_ANCESTORS": " ".join(settings.frame_ancestors),
        "CSP": content_security_policy(settings.frame_ancestors),
        "BASE_PATH": settings.base_path,
        "ACCESS_LOG": settings.access_log,
        "ERROR_LOG": settings.error_log,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if leftover:
        raise SettingError(f"template placeholders without a value: {sorted(set(leftover))}")
    if standalone_dir is None:
        return text
    return _standalone(text, Path(standalone_dir), user)


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
    parser.add_argument("--base-path", default="", help="URL prefix, same as streamlit's server.baseUrlPath")
    parser.add_argument("--cookie", default="explorer_backend", help="name of the cookie that pins a browser")
    parser.add_argument("--access-log", default=Settings.access_log)
    parser.add_argument("--error-log", default=Settings.error_log)
    parser.add_argument("--standalone", type=Path, metavar="DIR",
                        help="render a complete nginx.conf with pid, logs and temporary files in DIR")
    parser.add_argument("--user", help="with --standalone: the user nginx's workers run as")
    args = parser.parse_args(argv)
    base = args.base_path.rstrip("/")
    settings = Settings(
        frame_ancestors=args.frame_ancestors.split(),
        upstreams=args.upstreams or ["127.0.0.1:8501"],
        listen=args.listen,
        server_name=args.server_name,
        base_path=base,
        cookie=args.cookie,
        access_log=args.access_log,
        error_log=args.error_log,
    )
    try:
        sys.stdout.write(render(settings, args.standalone, args.user))
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
