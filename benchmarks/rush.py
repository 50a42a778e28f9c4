"""The morning rush: N new sessions open at once through nginx, each on a deep link, as when a shift starts and
every dashboard that embeds the explorer opens together.

Per session: the page (GET <base>/), the websocket, and the first run of the deep link up to its
``script_finished``: the time to the first complete result. All N start within ``RAMP`` seconds (one second),
stay open (a dashboard stays open) until every one has its result, then close. One and two app processes behind
the shipped nginx (sticky cookie; each session a different one, like different browsers), the same run.
Only loopback addresses are contacted; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks.load import _check_loopback, _Session, process_cpu_seconds, process_rss_bytes

__all__ = ["RAMP", "DEEP_LINK", "burst", "morning_rush", "machine_load"]

RAMP = 0.9  # seconds over which the N sessions start (all connected within one second)
DEEP_LINK = "age_group=child&cns_involvement=yes&cell_type=b_cell"
BASE_PATH = "/pathways"
COOKIE = "explorer_backend"
LIMIT = 180.0  # seconds: a hang guard for one burst (each session's steps have their own 30 s deadline)


def machine_load() -> str:
    """The load averages (1, 5, 15 min) and the core count, as ``uptime`` shows them."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def _tree_cpu_seconds(pid: int | None) -> float:
    """CPU seconds of a process and its direct children (nginx: the master and its workers); 0 without a pid."""
    if pid is None:
        return 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(int(child)) for child in children)


def burst(base: str, pids: list[int], sessions: int, seed: int = 0, proxy_pid: int | None = None) -> dict[str, object]:
    """Open ``sessions`` sessions within ``RAMP`` s; per session the seconds to the deep link's first result.
    ``proxy_pid``: nginx's master process, whose CPU (with its workers') is reported too."""
    _check_loopback(base)
    rng = random.Random(seed)
    times: list[float] = []
    errors: list[str] = []
    opened: list[_Session] = []
    peak_rss: dict[int, int] = {}

    async def one(i: int) -> None:
        await asyncio.sleep(RAMP * i / sessions)
        session = _Session(base, DEEP_LINK, f"{COOKIE}=rush{seed}-{i}-{rng.getrandbits(32):08x}")
        opened.append(session)
        try:
            times.append(await session.open())
        except Exception as exc:  # counted and reported, never raised
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(sessions))), LIMIT)
        for pid in pids:  # every session open and idle: what the processes hold for them
            peak_rss[pid] = process_rss_bytes(pid)
        for session in opened:
            try:
                await session.close()
            except Exception:
                pass

    rss0 = {pid: process_rss_bytes(pid) for pid in pids}
    cpu0 = sum(process_cpu_seconds(pid) for pid in pids)
    proxy0, client0 = _tree_cpu_seconds(proxy_pid), time.process_time()
    start = time.perf_counter()
    try:
        asyncio.run(main())
    except (asyncio.TimeoutError, TimeoutError):
        errors.append(f"the burst did not finish within {LIMIT:g} s")
    wall = time.perf_counter() - start
    ordered = sorted(times)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")

    return {
        "sessions": sessions, "processes": len(pids), "p50_s": pct(0.5), "p95_s": pct(0.95), "max_s": pct(1.0),
        "errors": sessions - len(times), "error_list": errors[:5], "wall_s": wall,
        "server_cpu_s": sum(process_cpu_seconds(pid) for pid in pids) - cpu0,
        "proxy_cpu_s": _tree_cpu_seconds(proxy_pid) - proxy0, "client_cpu_s": time.process_time() - client0,
        "rss_before": rss0, "rss_peak": peak_rss, "load": machine_load(),
    }


def morning_rush(counts: tuple[int, ...] = (100, 200), processes: tuple[int, ...] = (1, 2),
                 rounds: int = 1) -> list[dict[str, object]]:
    """Bursts of each size in ``counts`` against one and two processes behind the shipped nginx, in alternation
    (1 process, 2 processes, for each size), each process count on fresh processes warmed with one session."""
    from tests.support.nginx import start_nginx
    from tests.support.server import start_streamlit

    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        stacks = {}
        try:
            for count in processes:
                apps = [start_streamlit(Path(folder) / f"app{count}-{i}.log", base_path=BASE_PATH)
                        for i in range(count)]
                stacks[count] = (apps, None)
                proxy = start_nginx(Path(folder) / f"nginx{count}", [f"127.0.0.1:{a.port}" for a in apps],
                                    base_path=BASE_PATH)
                stacks[count] = (apps, proxy)
                burst(proxy.url + BASE_PATH, [a.proc.pid for a in apps], 4 * count, seed=99)  # warm every process
            for round_number in range(rounds):
                for sessions in counts:
                    for count in processes:
                        apps, proxy = stacks[count]
                        time.sleep(3)  # let the previous burst's sessions be dropped
                        results.append(burst(proxy.url + BASE_PATH, [a.proc.pid for a in apps], sessions,
                                             seed=round_number, proxy_pid=proxy.proc.pid))
        finally:
            for apps, proxy in stacks.values():
                if proxy is not None:
                    proxy.stop()
                for app in apps:
                    app.stop()
    return results


def rush_table(results: list[dict[str, object]]) -> str:
    """The morning-rush table for docs/performance.md, with the machine's load beside each row."""
    head = ("| sessions at once | processes | first result p50 / p95 / max | errors | CPU: app processes / nginx / "
            "load generator | resident memory per process (before / with every session open) | machine load at the "
            "end |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n")
    rows = []
    for r in results:
        target = " (target < 1 s: " + ("meets" if r["p95_s"] < 1 and not r["errors"] else "**misses**") + ")" \
            if r["sessions"] == 100 and r["processes"] == 2 else ""
        memory = ", ".join(f"{r['rss_before'][pid] / 2**20:.0f} / {r['rss_peak'].get(pid, 0) / 2**20:.0f} MiB"
                           for pid in r["rss_before"])
        rows.append(f"| {r['sessions']} | {r['processes']} | {r['p50_s'] * 1e3:.0f} / {r['p95_s'] * 1e3:.0f} / "
                    f"{r['max_s'] * 1e3:.0f} ms{target} | {r['errors']} | {r['server_cpu_s']:.2f} / "
                    f"{r.get('proxy_cpu_s', 0):.2f} / {r.get('client_cpu_s', 0):.2f} s | {memory} | "
                    f"{r['load']} |\n")
    errors = {f"{r['sessions']} x {r['processes']}": r["error_list"] for r in results if r["error_list"]}
    return head + "".join(rows) + (f"\nErrors seen: {errors}\n" if errors else "")


def profile_burst(py_spy: str, sessions: int = 100, top: int = 25) -> str:
    """One process behind nginx, sampled by py-spy (``--gil``: the thread holding the interpreter, i.e. Python's
    CPU) during one burst; the functions with the largest share of the samples, inclusive and self."""
    import collections
    import re
    import signal
    import subprocess

    from tests.support.nginx import start_nginx
    from tests.support.server import start_streamlit

    with tempfile.TemporaryDirectory() as folder:
        app = start_streamlit(Path(folder) / "app.log", base_path=BASE_PATH)
        proxy = None
        try:
            proxy = start_nginx(Path(folder) / "nginx", [f"127.0.0.1:{app.port}"], base_path=BASE_PATH)
            burst(proxy.url + BASE_PATH, [app.proc.pid], 4, seed=99)
            raw = Path(folder) / "profile.txt"
            spy = subprocess.Popen([py_spy, "record", "--pid", str(app.proc.pid), "--format", "raw", "--gil",
                                    "--rate", "200", "--nonblocking", "-o", str(raw)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.5)
            result = burst(proxy.url + BASE_PATH, [app.proc.pid], sessions)
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
            lines = raw.read_text().splitlines() if raw.exists() else []
        finally:
            if proxy is not None:
                proxy.stop()
            app.stop()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = [re.sub(r" \(/\S*site-packages/", " (", f) for f in stack.split(";")]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    out = [f"{sessions} sessions, one process: p95 {result['p95_s'] * 1e3:.0f} ms, server CPU "
           f"{result['server_cpu_s']:.2f} s, {result['load']}; {total} samples holding the GIL", "inclusive:"]
    out += [f"  {100 * n / max(1, total):5.1f}% {f}" for f, n in inclusive.most_common(top)]
    out += ["self:"] + [f"  {100 * n / max(1, total):5.1f}% {f}" for f, n in own.most_common(top // 2)]
    return "\n".join(out)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.rush", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bursts of 20 and 40 instead of 100 and 200")
    parser.add_argument("--profile", metavar="PY_SPY", help="profile one 100-session burst with this py-spy binary")
    args = parser.parse_args()
    if args.profile:
        print(profile_burst(args.profile))
    else:
        print(rush_table(morning_rush((20, 40) if args.quick else (100, 200))))
