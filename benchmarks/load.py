"""A load generator that speaks Streamlit's own protocol: a websocket on /_stcore/stream carrying the
protobuf BackMsg (client → server) and ForwardMsg (server → client) messages that ship with streamlit.

Each simulated session loads the page (GET /, then the websocket and the first script run) and then clicks:
a click is a ``rerun_script`` BackMsg with the widget states changed, exactly as the browser sends it, and it
ends when the server's ``script_finished`` message arrives. Only loopback addresses are ever contacted, and
every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

__all__ = ["SessionStats", "LoadResult", "run_load", "idle_session_memory", "summary", "process_cpu_seconds",
           "process_rss_bytes"]

STEP_TIMEOUT = 30.0  # seconds a first load or a click may take before it counts as an error


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"refusing to load-test {host!r}: only loopback addresses are allowed")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children that were waited for (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return ticks / 100.0


def process_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class SessionStats:
    first_load: list[float] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: (start, end) of each click on the ``time.perf_counter`` clock; a click's end is the moment the session
    #: decides whether to start the next one
    spans: list[tuple[float, float]] = field(default_factory=list)
    opened_at: float = math.nan  # when the session's first load ended (``time.perf_counter`` clock)


class _Session:
    """One browser-like session over the websocket."""

    def __init__(self, base: str, query: str = "", cookie: str = ""):
        self.base = base.rstrip("/")
        self.query = query
        self.cookie = cookie  # "name=value" sent with the page and the websocket (a proxy's sticky-session key)
        self.ws = None
        self.radios: list[tuple[str, list[str], str]] = []  # (widget id, option labels, fragment id), in page order
        self.values: dict[str, str] = {}  # widget id -> chosen option label (radios send their label as a string)
        self.page_hash = ""

    async def open(self) -> float:
        start = time.perf_counter()
        await _http_get(self.base + "/", self.cookie)
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], origin=self.base, max_size=2**24,
                                           open_timeout=STEP_TIMEOUT, additional_headers=headers)
        await self._rerun()
        return time.perf_counter() - start

    async def click(self, rng: random.Random) -> float:
        """Change one radio (a later one more often, as a person walking down the questions would)."""
        widget, options, fragment = self.radios[min(len(self.radios) - 1, int(rng.random() * (len(self.radios) + 1)))]
        current = self.values.get(widget)
        self.values[widget] = options[0 if current not in options else (options.index(current) + 1) % len(options)]
        start = time.perf_counter()
        await self._rerun(fragment)  # as the browser does: a widget inside a fragment reruns only the fragment
        return time.perf_counter() - start

    async def _rerun(self, fragment: str = "") -> None:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.fragment_id = fragment
        for widget, value in self.values.items():
            state = WidgetState(id=widget, string_value=value)
            msg.rerun_script.widget_states.widgets.append(state)
        await self.ws.send(msg.SerializeToString())
        seen: list[tuple[str, list[str], str]] = []
        async with asyncio.timeout(STEP_TIMEOUT):  # one deadline for the whole step, not a timer per message
            await self._until_finished(seen)

    async def _until_finished(self, seen: list[tuple[str, list[str], str]]) -> None:
        """Read the server's messages until the run's ``script_finished``."""
        while True:
            raw = await self.ws.recv()
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                if element.WhichOneof("type") == "radio":
                    seen.append((element.radio.id, list(element.radio.options), fwd.delta.fragment_id))
                elif element.WhichOneof("type") == "exception":  # the script failed: an error, not a page
                    raise RuntimeError(f"the page shows an exception: {element.exception.message[:200]}")
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "page_info_changed":  # the app wrote the query string: the browser's URL follows it
                self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a rerun (e.g. st.rerun) follows: wait for it to finish
                if fwd.script_finished not in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                               ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    raise RuntimeError(f"script finished with status {fwd.script_finished}")
                if seen:
                    self.radios = seen
                    visible = {w for w, _, _ in seen}
                    self.values = {w: v for w, v in self.values.items() if w in visible}
                return

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def _http_get(url: str, cookie: str = "") -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), STEP_TIMEOUT)
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    request = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n{extra}Connection: close\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), STEP_TIMEOUT)
    await asyncio.wait_for(reader.read(), STEP_TIMEOUT)
    writer.close()
    if b" 200 " not in status:
        raise RuntimeError(f"GET {url}: {status!r}")


@dataclass
class LoadResult:
    sessions: int
    clicks_per_session: int
    first_load: list[float]
    clicks: list[float]
    errors: list[str]
    wall: float
    server_cpu: float
    client_cpu: float = 0.0  # CPU seconds the load generator itself used (it shares the machine)
    per_session: list[SessionStats] = field(default_factory=list)
    deadline: float = math.inf  # when sessions stopped starting clicks (``time.perf_counter`` clock)
    #: With ``clicks_apart``: server CPU seconds from the moment every session had opened to the end (the clicks
    #: alone, no first load in it); otherwise None
    clicks_cpu: float | None = None

    @property
    def clicks_per_second(self) -> float:
        return len(self.clicks) / self.wall if self.wall else 0.0

    @property
    def cpu_per_click_ms(self) -> float:
        """Server CPU per click and first load of the run (a first load counted as a click), in ms."""
        return self.server_cpu / max(1, len(self.clicks) + len(self.first_load)) * 1e3

    @property
    def cpu_per_click_alone_ms(self) -> float:
        """Server CPU per click, the clicks alone (``clicks_apart``), in ms; NaN without it."""
        if self.clicks_cpu is None:
            return float("nan")
        return self.clicks_cpu / max(1, len(self.clicks)) * 1e3

    def pct(self, values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _one_session(base: str, clicks: int, pace: float, seed: int, stats: SessionStats, query: str,
                       cookie: str, until: float = math.inf, opened: Callable[[], Awaitable[None]] | None = None,
                       ) -> None:
    rng = random.Random(seed)
    session = _Session(base, query, f"{cookie}=session{seed}-{rng.getrandbits(32):08x}" if cookie else "")
    try:
        try:
            stats.first_load.append(await session.open())
            stats.opened_at = time.perf_counter()
        finally:
            if opened is not None:
                await opened()  # (a session that failed to open counts as opened: the others go on)
        now = time.perf_counter()
        for _ in range(clicks):
            if pace:
                await asyncio.sleep(pace * (0.5 + rng.random()))
                now = time.perf_counter()
            if now >= until:
                break
            stats.clicks.append(await session.click(rng))
            stats.spans.append((now, end := time.perf_counter()))
            now = end
    except Exception as exc:  # counted, reported, never raised: a load test reports errors
        stats.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        try:
            await session.close()
        except Exception:
            pass


def run_load(base: str, server_pids: list[int], sessions: int, clicks: int, pace: float = 0.0,
             query: str = "", ramp: float = 0.0, limit: float = 600.0, cookie: str = "",
             duration: float = 0.0, clicks_apart: bool = False) -> LoadResult:
    """Run ``sessions`` concurrent sessions of ``clicks`` clicks each (``pace`` seconds apart on average).

    ``cookie``: the name of a cookie given a different value per session (a proxy's sticky-session key).
    ``duration``: if set, sessions stop starting new clicks after that many seconds (``clicks`` is then an upper
    bound), so every session is busy for the whole run: the way to measure how many clicks a set-up serves.
    ``clicks_apart``: every session opens first, and none clicks until all have opened; the server's CPU from
    then on is the clicks' alone (``LoadResult.clicks_cpu``).
    """
    _check_loopback(base)
    stats = [SessionStats() for _ in range(sessions)]
    t0 = time.perf_counter()
    until = t0 + duration if duration else math.inf
    marks: dict[str, float] = {}

    async def main() -> None:
        everyone = asyncio.Event()
        waiting = sessions

        async def opened() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                await asyncio.sleep(0.2)  # the server's work for the last first load ends after its reply
                marks["cpu"] = sum(process_cpu_seconds(p) for p in server_pids)
                everyone.set()
            await everyone.wait()

        async def start(i: int) -> None:
            await asyncio.sleep(ramp * i / max(1, sessions))
            await _one_session(base, clicks, pace, i, stats[i], query, cookie, until,
                               opened if clicks_apart else None)
        await asyncio.wait_for(asyncio.gather(*(start(i) for i in range(sessions))), timeout=limit)

    cpu0 = sum(process_cpu_seconds(p) for p in server_pids)
    client0 = time.process_time()
    errors: list[str] = []
    try:
        asyncio.run(main())
    except asyncio.TimeoutError:
        errors.append(f"the run did not finish within {limit}s")
    wall = time.perf_counter() - t0
    cpu = sum(process_cpu_seconds(p) for p in server_pids) - cpu0
    clicks_cpu = cpu0 + cpu - marks["cpu"] if "cpu" in marks else None
    return LoadResult(
        sessions, clicks,
        [x for s in stats for x in s.first_load], [x for s in stats for x in s.clicks],
        errors + [e for s in stats for e in s.errors], wall, cpu, time.process_time() - client0, stats, until,
        clicks_cpu,
    )


def summary(result: LoadResult) -> dict[str, float]:
    return {
        "first_p50_ms": result.pct(result.first_load, 0.5) * 1e3,
        "first_p95_ms": result.pct(result.first_load, 0.95) * 1e3,
        "click_p50_ms": result.pct(result.clicks, 0.5) * 1e3,
        "click_p95_ms": result.pct(result.clicks, 0.95) * 1e3,
        "click_p99_ms": result.pct(result.clicks, 0.99) * 1e3,
        "clicks_per_s": result.clicks_per_second,
        "cpu_per_click_ms": result.cpu_per_click_ms,
        "client_cpu_per_click_ms": result.client_cpu / max(1, len(result.clicks) + len(result.first_load)) * 1e3,
        "errors": len(result.errors),
        "median_click_ms": statistics.median(result.clicks) * 1e3 if result.clicks else float("nan"),
    }


def idle_session_memory(base: str, server_pid: int, sessions: int, settle: float = 2.0,
                        limit: float = 300.0) -> tuple[float, list[str]]:
    """Resident memory the server grows by per extra idle session (bytes): open ``sessions`` sessions, each
    loading the page once, hold them open and idle, and compare the server's RSS before and after."""
    _check_loopback(base)
    errors: list[str] = []
    opened: list[_Session] = []

    async def main() -> float:
        await asyncio.sleep(settle)
        before = process_rss_bytes(server_pid)
        for _ in range(sessions):
            session = _Session(base)
            try:
                await session.open()
                opened.append(session)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(settle)
        after = process_rss_bytes(server_pid)
        for session in opened:
            try:
                await session.close()
            except Exception:
                pass
        return (after - before) / max(1, len(opened))

    try:
        per_session = asyncio.run(asyncio.wait_for(main(), timeout=limit))
    except asyncio.TimeoutError:
        return float("nan"), errors + [f"did not finish within {limit}s"]
    return per_session, errors
