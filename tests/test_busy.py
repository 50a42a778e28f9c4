"""The busy-machine tool (benchmarks/busy.py): workers run beside the command, are gone after it, and the
command's exit code comes through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.busy import WORKER_MARK, parse_args
from tests.support.server import ROOT

HANG_GUARD = 120  # seconds: a tool run that has not ended by then is hung, however busy the machine

#: The command run under the tool: it writes the process ids of the busy workers beside it (its siblings whose
#: command line ends with the mark), says it is ready, then exits with the code it was given, or waits forever.
SIBLINGS = """
import os, pathlib, sys, time
out, code = pathlib.Path(sys.argv[1]), sys.argv[2]
def siblings():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
            argv = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\\0")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getppid() and argv[-2:] == [MARK, b""]:
            found.append(pid)
    return found
out.write_text(" ".join(siblings()))
(out.parent / "ready").write_text("")
if code == "wait":
    while True:
        time.sleep(60)
sys.exit(int(code))
""".replace("MARK", repr(WORKER_MARK.encode()))


def busy(tmp_path: Path, code: str, *options: str) -> subprocess.Popen:
    script = tmp_path / "siblings.py"
    script.write_text(SIBLINGS)
    command = [sys.executable, "-m", "benchmarks.busy", *options, "--",
               sys.executable, str(script), str(tmp_path / "pids"), code]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("code", ["0", "3"], ids=["success", "failure"])
def test_workers_run_beside_the_command_are_gone_after_it_and_its_exit_code_comes_through(tmp_path, code):
    tool = busy(tmp_path, code, "--procs", "2")
    out, err = tool.communicate(timeout=HANG_GUARD)
    assert tool.returncode == int(code), err
    workers = [int(pid) for pid in (tmp_path / "pids").read_text().split()]
    assert len(workers) == 2, "two busy processes ran while the command did"
    assert not any(alive(pid) for pid in workers), "the busy processes stopped with the command"
    assert "wall time" in out and f"exit code {code}" in out


def test_one_worker_per_core_by_default():
    assert parse_args(["--", "true"]).procs == os.cpu_count()


@pytest.mark.parametrize("argv, message", [(["true"], "after --"), (["--"], "empty"),
                                           (["--procs", "-1", "--", "true"], "0 or more")],
                         ids=["no-separator", "no-command", "negative-procs"])
def test_a_call_without_a_command_is_refused_with_a_hint(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err


def test_terminating_the_tool_stops_the_command_and_the_workers(tmp_path):
    tool = busy(tmp_path, "wait", "--procs", "1")
    deadline = time.monotonic() + HANG_GUARD
    while not (tmp_path / "ready").exists():  # the command is running and has seen the worker
        assert tool.poll() is None and time.monotonic() < deadline, tool.communicate()
        time.sleep(0.05)
    workers = [int(pid) for pid in (tmp_path / "pids").read_text().split()]
    tool.send_signal(signal.SIGTERM)
    out, err = tool.communicate(timeout=HANG_GUARD)
    assert tool.returncode == 128 + signal.SIGTERM, err  # as a shell reports a command ended by SIGTERM
    assert len(workers) == 1 and not alive(workers[0])
