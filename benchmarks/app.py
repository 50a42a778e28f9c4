"""App benchmarks: per-click server time in AppTest, the real server under load, scale-out, and the browser.

Every figure for the explorer is paired with the same figure for ``benchmarks/baseline_app.py`` (one radio,
one small static graph: Streamlit's own floor) measured in the same run, and given as a ratio to it.
Servers are real ``streamlit run`` processes on loopback; the load generator (``benchmarks/load.py``) speaks
Streamlit's websocket protocol; the browser is Debian's Chromium through Playwright.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from benchmarks.load import idle_session_memory, process_cpu_seconds, run_load, summary
from tests.support.server import ROOT, StreamlitServer, start_streamlit

__all__ = ["apptest_clicks", "server_figures", "single_click_latency", "scale_out", "browser_settle", "APP",
           "BASELINE", "AS_SHIPPED", "cpu_and_first_load"]

APP = "app.py"
BASELINE = "benchmarks/baseline_app.py"
SITUATION = "age_group=child&cns_involvement=yes&cell_type=b_cell"
COOKIE = "explorer_backend"  # the sticky-session cookie of deploy/nginx.conf.template
MAX_CLICKS = 100_000  # upper bound on the clicks of one session in a timed run (never reached: a bounded loop)
#: The baseline as Streamlit ships it, for context: without the process tuning of serving.py and with
#: Streamlit's collection after every run (which .streamlit/config.toml switches off for both apps).
AS_SHIPPED = ({"BASELINE_AS_SHIPPED": "1"}, ["--runner.postScriptGC", "true"])


@contextmanager
def server(app: str, env: dict[str, str] | None = None, args: list[str] | None = None) -> Iterator[StreamlitServer]:
    """A ``streamlit run`` of ``app`` on loopback (extra command-line ``args``) for the duration of the block."""
    with tempfile.TemporaryDirectory() as folder:
        running = start_streamlit(Path(folder) / "server.log", app=app, env=env, extra_args=args)
        try:
            yield running
        finally:
            running.stop()


# ---- AppTest: the script alone, caching on and off ---------------------------------------------------------


def apptest_clicks(app: str, caching: bool, clicks: int) -> list[float]:
    """Seconds per click (one radio changed, the script rerun) in AppTest, without a server or browser."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pathways.outputs.render import dot_available, render_svg
    from views import forget_views, served_path

    at = AppTest.from_file(str(ROOT / app), default_timeout=120).run()
    if app == BASELINE:
        steps = [("choice", "First"), ("choice", "Second")]
    else:
        at = at.radio(key="age_group").set_value("child").run()
        at = at.radio(key="cns_involvement").set_value("yes").run()
        steps = [("cell_type", "b_cell"), ("cell_type", "t_cell"), ("cns_involvement", "no"),
                 ("cell_type", "b_cell"), ("cns_involvement", "yes")]
    out = []
    for number in range(clicks + 2):
        if not caching:
            st.cache_resource.clear()
            st.cache_data.clear()
            render_svg.cache_clear()
            dot_available.cache_clear()
            forget_views()
            served_path.cache_clear()
        key, value = steps[number % len(steps)]
        start = time.perf_counter()
        at = at.radio(key=key).set_value(value).run()
        if number >= 2:  # two warm-up clicks
            out.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return out


# ---- a real server under load -----------------------------------------------------------------------------


def server_figures(app: str, quick: bool) -> dict[str, object]:
    """CPU per click, first load, latency under a burst and at a pace, and memory per idle session."""
    with server(app) as running:
        pid = [running.proc.pid]
        figures: dict[str, object] = dict(_cpu_and_first_load(running, quick))
        burst = run_load(running.url, pid, 50, 10, ramp=1.0)
        figures["burst"] = summary(burst) | {"error_list": burst.errors[:3]}
        paced = run_load(running.url, pid, 20, 5 if quick else 10, pace=2.0, ramp=2.0)
        figures["paced"] = summary(paced) | {"error_list": paced.errors[:3]}
        per_session, errors = idle_session_memory(running.url, running.proc.pid, 40 if quick else 100)
        figures["idle_bytes_per_session"] = per_session
        figures["idle_errors"] = errors[:3]
    return figures


def cpu_and_first_load(app: str, env: dict[str, str] | None, args: list[str] | None,
                       quick: bool) -> dict[str, Any]:
    """Server CPU per click and first load (ms) of ``app`` alone, measured as in server_figures."""
    with server(app, env, args) as running:
        return _cpu_and_first_load(running, quick)


def _cpu_and_first_load(running: StreamlitServer, quick: bool) -> dict[str, Any]:
    """CPU per click (5 sessions, median of rounds: with the round's first loads counted as clicks, and the clicks
    alone), click p50 and first load (sequential loads), in ms."""
    pid = [running.proc.pid]
    run_load(running.url, pid, 3, 5)  # warm-up: caches filled, code paths loaded
    rounds = [run_load(running.url, pid, 5, 10 if quick else 20, clicks_apart=True) for _ in range(2 if quick else 3)]
    firsts = [run_load(running.url, pid, 1, 0).first_load[0] for _ in range(5 if quick else 15)]
    return {"cpu_per_click_ms": statistics.median(r.cpu_per_click_ms for r in rounds),
            "cpu_per_click_alone_ms": statistics.median(r.cpu_per_click_alone_ms for r in rounds),
            "click_p50_ms": statistics.median(summary(r)["click_p50_ms"] for r in rounds),
            "load_error_list": [e for r in rounds for e in r.errors][:3],
            "first_load_ms": statistics.median(firsts) * 1e3}


def single_click_latency(app: str, env: dict[str, str] | None, args: list[str] | None, clicks: int) -> float:
    """Median milliseconds from a click to the server's ``script_finished``, one session alone on the server."""
    with server(app, env, args) as running:
        pid = [running.proc.pid]
        run_load(running.url, pid, 1, 5)  # warm-up
        result = run_load(running.url, pid, 1, clicks)
    if result.errors:
        raise RuntimeError(f"{app}: {result.errors[:3]}")
    return statistics.median(result.clicks) * 1e3


def scale_out(quick: bool) -> dict[str, object]:
    """Clicks per second through nginx (sticky sessions) in front of one and of two app processes.

    Sessions click without pause for a fixed time rather than a fixed number of clicks: sticky hashing seldom
    splits the sessions evenly, and with a fixed count the process with fewer sessions would finish early and
    sit idle while the other finishes, which measures the split, not what the processes serve.
    Both set-ups run side by side and are measured in alternation (one, two, one, two, ...), so a slow spell of
    the machine hits both; the figure is the median over rounds of the ratio within each round.
    """
    from tests.support.nginx import start_nginx

    sessions, seconds, rounds = (20, 5.0, 2) if quick else (40, 10.0, 4)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        stacks: dict[int, tuple[list[StreamlitServer], object]] = {}
        try:
            for count in (1, 2):
                apps = [start_streamlit(Path(folder) / f"app{count}-{i}.log") for i in range(count)]
                stacks[count] = (apps, None)
                proxy = start_nginx(Path(folder) / f"nginx{count}", [f"127.0.0.1:{a.port}" for a in apps])
                stacks[count] = (apps, proxy)
                run_load(proxy.url, [a.proc.pid for a in apps], 2 * count, 5, cookie=COOKIE)  # warm every process
            runs: dict[int, list] = {1: [], 2: []}
            proxy_ms: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(rounds):
                for count in (1, 2):
                    apps, proxy = stacks[count]
                    before = _tree_cpu_seconds(proxy.proc.pid)
                    result = run_load(proxy.url, [a.proc.pid for a in apps], sessions, MAX_CLICKS, cookie=COOKIE,
                                      duration=seconds)
                    served = max(1, len(result.clicks) + len(result.first_load))
                    proxy_ms[count].append((_tree_cpu_seconds(proxy.proc.pid) - before) / served * 1e3)
                    runs[count].append(result)
        finally:
            for apps, proxy in stacks.values():
                if proxy is not None:
                    proxy.stop()
                for a in apps:
                    a.stop()
    ratios = [two.clicks_per_second / one.clicks_per_second for one, two in zip(runs[1], runs[2])]
    for count in (1, 2):
        middle = sorted(runs[count], key=lambda r: r.clicks_per_second)[len(runs[count]) // 2]
        out[str(count)] = summary(middle) | {"errors_all": sum(len(r.errors) for r in runs[count]),
                                             "clicks_per_s_all": [r.clicks_per_second for r in runs[count]],
                                             "proxy_cpu_per_click_ms": statistics.median(proxy_ms[count])}
    out["sessions"], out["seconds"] = sessions, seconds
    out["ratio"] = statistics.median(ratios)
    out["ratios"] = ratios
    return out


def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its direct children (nginx: the master and its workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(int(child)) for child in children)


# ---- the browser -------------------------------------------------------------------------------------------


def browser_settle(quick: bool) -> dict[str, object]:
    """Median click-to-settled (ms) of the baseline and the explorer with each graph renderer, one browser."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import measure_settle
    from pathways import load_pathway, resolve_pathway
    from tests.support.browser import launch_chromium

    pathway = load_pathway(resolve_pathway(None))
    cell = {o.id: o.label for o in pathway.questions["cell_type"].options}
    count = 8 if quick else 16
    explorer_clicks = [("cell_type", cell["t_cell" if i % 2 == 0 else "b_cell"]) for i in range(count + 2)]
    baseline_clicks = [("choice", "First" if i % 2 == 0 else "Second") for i in range(count + 2)]
    runs = [
        ("baseline", BASELINE, {}, None, baseline_clicks, ""),
        ("baseline_follows", BASELINE, {"BASELINE_GRAPH": "follows"}, None, baseline_clicks, ""),
        ("baseline_as_shipped", BASELINE, *AS_SHIPPED, baseline_clicks, ""),
        ("explorer_server_svg", APP, {"GRAPH_RENDERER": "server"}, None, explorer_clicks, "?" + SITUATION),
        ("explorer_browser_graphviz", APP, {"GRAPH_RENDERER": "browser"}, None, explorer_clicks, "?" + SITUATION),
    ]
    out: dict[str, object] = {}
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            for name, app, env, args, clicks, query in runs:
                with server(app, env, args) as running:
                    result = measure_settle(chromium, running.url + "/" + query, clicks)
                out[name] = {"median_ms": result.median, "busy_ms": result.median_busy,
                             "script_ms": result.median_script,
                             "p95_ms": sorted(result.settled)[int(0.95 * (len(result.settled) - 1))]
                             if result.settled else float("nan"),
                             "errors": result.errors[:3]}
        finally:
            chromium.close()
    return out
