"""Start Debian's nginx with the rendered deploy/ configuration, and serve iframe host pages, on loopback."""

from __future__ import annotations

import getpass
import http.server
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.render_nginx import Settings, render
from tests.support.server import free_port, wait_http

__all__ = [
    "NGINX",
    "NginxServer",
    "start_nginx",
    "run_nginx",
    "HostPage",
    "serve_host_page",
    "established_connections",
]

NGINX = "/usr/sbin/nginx"


@dataclass
class NginxServer:
    """A running nginx (master process started with ``daemon off``)."""

    proc: subprocess.Popen
    port: int
    directory: Path
    conf: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> str:
        path = self.directory / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def output(self) -> str:
        parts = [self.directory / name for name in ("nginx-error.log", "error.log", "stdout.log")]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def stop(self) -> None:
        """Stop nginx by its master's process id (SIGQUIT lets workers finish, then SIGKILL)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_nginx(directory: Path, upstreams: list[str], frame_ancestors: list[str] | None = None,
                port: int | None = None, timeout: float = 60.0, **settings: object) -> NginxServer:
    """Render the deploy/ configuration for ``upstreams`` and run nginx on a free loopback port.

    ``settings``: other fields of ``deploy.render_nginx.Settings`` (e.g. ``base_path``, ``trusted_proxies``)."""
    if not Path(NGINX).exists() and shutil.which("nginx") is None:
        raise RuntimeError(f"nginx is not installed ({NGINX} missing); scripts/test.sh installs it (apt: nginx)")
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    settings = Settings(
        frame_ancestors=frame_ancestors or ["'self'"],
        upstreams=upstreams,
        listen=f"127.0.0.1:{port}",
        access_log=str(directory / "access.log"),
        error_log=str(directory / "error.log"),
        **settings,  # type: ignore[arg-type]
    )
    user = getpass.getuser() if os.geteuid() == 0 else None  # workers keep our user, so they can use DIR
    conf = directory / "nginx.conf"
    conf.write_text(render(settings, standalone_dir=directory, user=user), encoding="utf-8")
    return run_nginx(directory, conf, port, timeout)


def run_nginx(directory: Path, conf: Path, port: int, timeout: float = 60.0, host: str = "127.0.0.1") -> NginxServer:
    """Run nginx with the complete configuration ``conf`` (pid, logs, temp files in ``directory``) until it listens
    on ``host:port``."""
    binary = NGINX if Path(NGINX).exists() else str(shutil.which("nginx"))
    handle = open(directory / "stdout.log", "wb")
    proc = subprocess.Popen([binary, "-p", str(directory), "-c", str(conf), "-g", "daemon off;"],
                            stdout=handle, stderr=subprocess.STDOUT, env=real_clock_env())
    handle.close()
    server = NginxServer(proc, port, directory, conf)
    try:
        _wait_listening(port, proc, timeout, host)
    except Exception:
        server.stop()
        raise RuntimeError(f"nginx did not start:\n{server.output()}") from None
    return server


#: libfaketime's own settings (``faketime`` sets them; docs/reliability.md "Date and approval independence").
FAKETIME_VARS = ("FAKETIME", "FAKETIME_SHARED", "FAKETIME_DONT_FAKE_MONOTONIC", "DONT_FAKE_MONOTONIC")


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime (its settings, and its library in LD_PRELOAD): nginx on the real clock.

    The suite runs under ``faketime`` to show that the page and its exports do not depend on the day. Under
    libfaketime nginx cuts websockets before their timeout: behind the front proxy with a 5 s timeout, the app's
    stream was closed and reopened while the page was still loading (``tests/test_front_proxy.py``, in each of
    three runs at 2027-12-03). The day nginx believes it is changes nothing a reader sees."""
    env = {k: v for k, v in os.environ.items() if k not in FAKETIME_VARS}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split(":") if lib and "faketime" not in lib]
    return {**env, **({"LD_PRELOAD": ":".join(preload)} if preload else {})}


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float, host: str = "127.0.0.1") -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with code {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nginx did not listen on {port} within {timeout}s")


class HostPage:
    """A tiny web server on loopback whose one page frames ``target`` (an intranet portal stand-in).

    ``target`` may change after start (the origin must be known before the proxy that allows it).
    """

    def __init__(self, target: str, port: int | None = None):
        self.target = target
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                page = (
                    "<!doctype html><html><head><meta charset='utf-8'><title>Intranet portal</title></head><body>"
                    "<h1>Intranet portal</h1><iframe id='explorer' title='Pathway explorer' "
                    f"src='{host.target}' width='1200' height='900'></iframe></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="host-page", daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve_host_page(target: str, port: int | None = None) -> HostPage:
    """Serve ``<iframe id="explorer" src=target>`` at ``/`` from a free loopback port (a thread, not a process)."""
    host = HostPage(target, port)
    wait_http(host.url, timeout=60)
    return host


def established_connections(port: int) -> int:
    """How many TCP connections to local ``port`` are established right now (read from /proc/net/tcp)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count
