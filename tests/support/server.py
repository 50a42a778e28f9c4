"""Start and stop a real ``streamlit run`` (or any command) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "free_port", "wait_http", "StreamlitServer", "start_streamlit"]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200; fail early if ``proc`` exits. ``timeout`` is a hang guard: generous,
    since a server starts slowly on a busy machine."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s ({last})")


@dataclass
class StreamlitServer:
    """A running ``streamlit run``; ``output`` is where its stdout and stderr go."""

    proc: subprocess.Popen
    port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""


def start_streamlit(
    output: Path,
    app: str = "app.py",
    port: int | None = None,
    env: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 120.0,
    base_path: str = "",
) -> StreamlitServer:
    """Start ``streamlit run app`` on 127.0.0.1 (under ``base_path``, e.g. ``/pathways``) and wait for its
    ``/_stcore/health``."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", app,
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", *(["--server.baseUrlPath", base_path] if base_path else []),
        *(extra_args or []),
    ]
    handle = open(output, "wb")
    proc = subprocess.Popen(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    handle.close()
    server = StreamlitServer(proc, port, output)
    try:
        wait_http(f"{server.url}{base_path.rstrip('/')}/_stcore/health", timeout=timeout, proc=proc)
    except Exception:
        server.stop()
        raise
    return server
