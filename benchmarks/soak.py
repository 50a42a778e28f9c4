"""``python -m benchmarks.soak [--minutes M]``: does memory pile up without Streamlit's collection after every run?

Two servers of the same app run side by side on loopback: as shipped (``.streamlit/config.toml`` switches the
collection off) and with ``--runner.postScriptGC true``. Each is fed rounds of 40 new sessions x 15 clicks by
the load generator for M minutes, then left idle past the disconnected-session lifetime (120 s); the resident
memory of each is printed after every round and at the end. Not part of the test command (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.load import process_rss_bytes, run_load
from tests.support.server import start_streamlit

SESSION_TTL = 120.0  # Streamlit's server.disconnectedSessionTTL default, in seconds


def soak(name: str, args: list[str], minutes: float, folder: Path, report: dict[str, dict]) -> None:
    server = start_streamlit(folder / f"{name}.log", extra_args=args)
    try:
        pid = [server.proc.pid]
        run_load(server.url, pid, 2, 5)
        mib = [process_rss_bytes(server.proc.pid) / 2**20]
        clicks = sessions = errors = 0
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            result = run_load(server.url, pid, 40, 15)
            clicks, sessions, errors = clicks + len(result.clicks), sessions + 40, errors + len(result.errors)
            mib.append(process_rss_bytes(server.proc.pid) / 2**20)
            print(f"{name}: {sessions} sessions, {clicks} clicks, {errors} errors, {mib[-1]:.1f} MiB", flush=True)
        time.sleep(SESSION_TTL + 10)
        mib.append(process_rss_bytes(server.proc.pid) / 2**20)
        report[name] = {"clicks": clicks, "sessions": sessions, "errors": errors, "mib": mib}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=8.0, help="how long each server is fed (default 8)")
    minutes = parser.parse_args().minutes
    report: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        runs = [threading.Thread(target=soak, args=(name, args, minutes, Path(folder), report))
                for name, args in (("collection off (shipped)", []),
                                   ("collection on", ["--runner.postScriptGC", "true"]))]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
    for name, r in report.items():
        m = r["mib"]
        print(f"{name}: {r['clicks']} clicks ({r['sessions']} sessions), {r['errors']} errors; resident memory "
              f"start {m[0]:.0f}, after the first round {m[1]:.0f}, at the end {m[-2]:.0f}, "
              f"after the sessions expired {m[-1]:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
