"""A small Prometheus exporter for the explorer, without patching Streamlit: standard library only.

    python deploy/exporter.py --access-log /var/log/nginx/relapsed-all-explorer.access.log \\
        --nginx-status http://127.0.0.1:8081/nginx_status --base-path /pathways \\
        --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502 --listen 127.0.0.1:9180

On every scrape of ``/metrics`` (Prometheus' text format 0.0.4) it:
- asks each app process for ``<base>/_stcore/health`` (``explorer_up``);
- reads each process's resident memory and start time from /proc (the process listening on the upstream's port;
  the exporter must run as the same user as the app, or as root, to see it): a changed start time is a restart;
- reads the lines nginx added to the shipped access log since the last scrape (``explorer_no_query`` format: no
  query strings, so no answers) and counts responses by class, websocket upgrades and failed upgrades, and
  requests that nginx had to retry on another process;
- reads nginx's ``stub_status`` (connections, requests), when given.
Labels carry no paths, addresses or anything a person typed. docs/deploy.md lists the alerts to set on these.
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import socket
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Config", "LogCounts", "LogTail", "parse_line", "collect", "make_server", "main"]

#: one line of the shipped nginx's ``explorer_no_query`` log format (deploy/nginx.conf.template)
LINE = re.compile(r'^(?P<addr>\S+) \[[^\]]*\] "(?P<method>\S+) (?P<path>[^"]*)" (?P<status>\d{3}) \d+ '
                  r'upstream=(?P<upstream>.*?) upstream_status=(?P<upstream_status>.*)$')
STREAM = "/_stcore/stream"
CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


@dataclass
class Config:
    upstreams: list[str]
    base_path: str = ""
    access_log: Path | None = None
    nginx_status: str = ""
    timeout: float = 2.0


@dataclass
class LogCounts:
    """Counters from the access log since the exporter started."""

    responses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    websocket_upgraded: int = 0
    websocket_failed: int = 0
    retried: int = 0
    lines: int = 0
    unparsed: int = 0

    def add(self, line: str) -> None:
        self.lines += 1
        match = parse_line(line)
        if match is None:
            self.unparsed += 1
            return
        status = int(match["status"])
        self.responses[f"{status // 100}xx"] = self.responses.get(f"{status // 100}xx", 0) + 1
        if match["path"].endswith(STREAM):
            if status == 101:
                self.websocket_upgraded += 1
            else:
                self.websocket_failed += 1
        if "," in match["upstream_status"]:  # nginx tried more than one process for this request
            self.retried += 1


def parse_line(line: str) -> dict[str, str] | None:
    """The fields of one access-log line, or None if it is not in the shipped format."""
    match = LINE.match(line.rstrip("\n"))
    return match.groupdict() if match else None


class LogTail:
    """Reads what was appended to a log since the last call; starts at the end; follows rotation and truncation."""

    def __init__(self, path: Path):
        self.path = path
        self.counts = LogCounts()
        self.inode, self.offset = self._stat()
        self.partial = ""
        self.lock = threading.Lock()

    def _stat(self) -> tuple[int, int]:
        try:
            info = self.path.stat()
        except OSError:
            return 0, 0
        return info.st_ino, info.st_size

    def update(self) -> LogCounts:
        with self.lock:
            inode, size = self._stat()
            if inode != self.inode or size < self.offset:  # rotated or truncated: the new file from its start
                self.inode, self.offset, self.partial = inode, 0, ""
            if size > self.offset:
                with open(self.path, "rb") as handle:
                    handle.seek(self.offset)
                    data = handle.read(size - self.offset)
                self.offset += len(data)
                text = self.partial + data.decode("utf-8", "replace")
                *complete, self.partial = text.split("\n")
                for line in complete:
                    if line:
                        self.counts.add(line)
            return self.counts


def _pid_listening_on(port: int) -> int | None:
    """The process with a listening TCP socket on ``port`` (from /proc/net/tcp and each process's descriptors)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:  # gone, or not ours to see
            continue
    return None


def _process_figures(pid: int) -> tuple[int, float] | None:
    """Resident bytes and start time (seconds since the epoch) of ``pid``."""
    try:
        rss = next(int(line.split()[1]) * 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    return rss, boot + ticks / os.sysconf("SC_CLK_TCK")


def _healthy(upstream: str, base: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://{upstream}{base}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def _stub_status(url: str, timeout: float) -> dict[str, int] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read().decode("ascii", "replace")
    except (OSError, ValueError):
        return None
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) < 7:
        return None
    active, accepts, handled, requests, reading, writing, waiting = numbers[:7]
    return {"active": active, "accepts": accepts, "handled": handled, "requests": requests, "reading": reading,
            "writing": writing, "waiting": waiting}


def _metric(out: list[str], name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        out.append(f"{name}{labels} {value:g}" if isinstance(value, int) or float(value).is_integer()
                   else f"{name}{labels} {value}")


def collect(config: Config, tail: LogTail | None) -> str:
    """The metrics page, gathered now."""
    out: list[str] = []
    base = config.base_path.rstrip("/")
    up, rss, started = [], [], []
    for upstream in config.upstreams:
        label = f'{{upstream="{upstream}"}}'
        up.append((label, 1 if _healthy(upstream, base, config.timeout) else 0))
        pid = _pid_listening_on(int(upstream.rsplit(":", 1)[1]))
        figures = _process_figures(pid) if pid else None
        if figures:
            rss.append((label, figures[0]))
            started.append((label, round(figures[1], 2)))
    _metric(out, "explorer_up", "gauge", "1 if the app process answers its health check under the base path.", up)
    _metric(out, "explorer_process_resident_memory_bytes", "gauge",
            "Resident memory of the app process listening on the upstream's port.", rss)
    _metric(out, "explorer_process_start_time_seconds", "gauge",
            "Start time of the app process (a change is a restart).", started)
    if tail is not None:
        counts = tail.update()
        _metric(out, "explorer_http_responses_total", "counter",
                "Responses of the shipped nginx by status class, from its access log.",
                [(f'{{class="{k}"}}', v) for k, v in sorted(counts.responses.items())])
        _metric(out, "explorer_websocket_connections_total", "counter",
                "Websocket requests on <base>/_stcore/stream: upgraded (101) or failed (any other status).",
                [('{outcome="upgraded"}', counts.websocket_upgraded), ('{outcome="failed"}', counts.websocket_failed)])
        _metric(out, "explorer_upstream_retries_total", "counter",
                "Requests nginx passed to another process after one failed.", [("", counts.retried)])
        _metric(out, "explorer_access_log_lines_total", "counter", "Access-log lines read (unparsed: not in the "
                "shipped format).", [('{parsed="yes"}', counts.lines - counts.unparsed),
                                     ('{parsed="no"}', counts.unparsed)])
    if config.nginx_status:
        status = _stub_status(config.nginx_status, config.timeout)
        _metric(out, "nginx_up", "gauge", "1 if nginx's stub_status answered.", [("", 1 if status else 0)])
        if status:
            _metric(out, "nginx_connections", "gauge", "nginx's client connections by state.",
                    [(f'{{state="{k}"}}', status[k]) for k in ("active", "reading", "writing", "waiting")])
            _metric(out, "nginx_connections_accepted_total", "counter", "Client connections accepted.",
                    [("", status["accepts"])])
            _metric(out, "nginx_connections_handled_total", "counter", "Client connections handled.",
                    [("", status["handled"])])
            _metric(out, "nginx_http_requests_total", "counter", "Client requests.", [("", status["requests"])])
    return "\n".join(out) + "\n"


def make_server(config: Config, host: str = "127.0.0.1", port: int = 9180) -> http.server.ThreadingHTTPServer:
    """An HTTP server answering ``/metrics``; call ``serve_forever`` (or run it in a thread)."""
    tail = LogTail(config.access_log) if config.access_log else None

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = collect(config, tail).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # scrapes are not worth a line each
            pass

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("Server", (http.server.ThreadingHTTPServer,), {"address_family": family,
                                                                       "daemon_threads": True})
    return server_class((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", action="append", dest="upstreams", required=True,
                        help="host:port of an app process (repeat for each)")
    parser.add_argument("--base-path", default=os.environ.get("BASE_PATH", ""), help="the sub-path (BASE_PATH)")
    parser.add_argument("--access-log", type=Path, help="the shipped nginx's access log")
    parser.add_argument("--nginx-status", default="", help="URL of nginx's stub_status (render_nginx.py "
                                                           "--status-listen)")
    parser.add_argument("--listen", default="127.0.0.1:9180", help="address:port to serve /metrics on")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    base = "/" + args.base_path.strip("/") if args.base_path.strip("/") else ""
    server = make_server(Config(args.upstreams, base, args.access_log, args.nginx_status), host.strip("[]"),
                         int(port))
    print(f"serving http://{args.listen}/metrics", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
