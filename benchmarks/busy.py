"""Run a command while the machine is kept busy: ``python -m benchmarks.busy [--procs N] -- COMMAND ...``.

Starts ``N`` CPU-bound worker processes (one per core by default) beside ``COMMAND``, stops them when the command
ends, prints the command's wall time and exits with the command's exit code. The way to show that the tests do
not depend on how fast the machine is: ``python -m benchmarks.busy -- bash scripts/test.sh``.

Ctrl-C reaches the command from the terminal; SIGTERM, SIGHUP (and SIGINT sent to this process alone) are passed
on to it. Either way the workers stop with the command; if this process is killed outright, the kernel stops
them (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from types import FrameType

__all__ = ["WORKER_MARK", "parse_args", "start_workers", "stop_workers", "run_busy", "main"]

#: The last argument of every worker's command line, so a worker can be told from other Python processes.
WORKER_MARK = "benchmarks.busy-worker"
_WORKER_CODE = "while True:\n    pass\n"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the worker, before it runs: the kernel sends it SIGKILL when the process that started it ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker is still stopped by stop_workers
        pass


def start_workers(count: int) -> list[subprocess.Popen]:
    """``count`` processes that each keep one core busy with a Python loop."""
    return [subprocess.Popen([sys.executable, "-c", _WORKER_CODE, WORKER_MARK], stdin=subprocess.DEVNULL,
                             preexec_fn=_die_with_parent) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """Stop every worker by its process id and reap it."""
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
    for worker in workers:
        worker.wait()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.busy", usage="python -m benchmarks.busy [--procs N] -- COMMAND [ARG ...]",
        description="Run COMMAND with N CPU-bound processes beside it; exit with COMMAND's exit code.")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1,
                        help="how many busy processes (default: one per core, here %(default)s)")
    if "--" not in argv:
        parser.error("give the command after --, e.g. python -m benchmarks.busy -- bash scripts/test.sh")
    split = argv.index("--")
    args = parser.parse_args(argv[:split])
    args.command = argv[split + 1:]
    if not args.command:
        parser.error("the command after -- is empty")
    if args.procs < 0:
        parser.error(f"--procs must be 0 or more, not {args.procs}")
    return args


def _exit_code(returncode: int) -> int:
    """A shell's exit code: a command ended by signal N gives 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _our_group_has_the_terminal() -> bool:
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):
        return False


def run_busy(command: list[str], procs: int) -> tuple[int, float]:
    """Run ``command`` beside ``procs`` busy workers; return its exit code and its wall time in seconds."""
    workers = start_workers(procs)
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(command)

        def pass_on(signum: int, _frame: FrameType | None) -> None:
            if signum == signal.SIGINT and _our_group_has_the_terminal():
                return  # the terminal sent Ctrl-C to the command as well
            if proc.poll() is None:
                proc.send_signal(signum)

        previous = {s: signal.signal(s, pass_on) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            returncode = proc.wait()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return _exit_code(returncode), time.perf_counter() - start
    finally:
        stop_workers(workers)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        code, wall = run_busy(args.command, args.procs)
    except OSError as exc:  # the command could not be started
        print(f"busy: cannot run {args.command[0]!r}: {exc}", file=sys.stderr)
        return 127
    print(f"busy: the command took {wall:.1f} s of wall time beside {args.procs} busy process(es); "
          f"exit code {code}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
