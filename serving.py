"""Tuning of the server process that runs the app. Plain Python at import (no Streamlit import: the CLI and the
benchmarks load it alone); app.py calls these once per process (docs/performance.md explains each, with the
measurements). Only ``keep_script_compiled`` reaches into Streamlit, from inside the running server."""

from __future__ import annotations

import gc
import os
import socket
import threading

__all__ = ["tune_process_once", "tune_process", "settle_heap", "send_without_delay", "keep_script_compiled"]

#: Where Linux lists a process's open file descriptors; elsewhere there is nothing to scan and nothing is done.
OPEN_FDS = "/proc/self/fd"


_tuned = False
_tuning = threading.Lock()


def tune_process_once() -> None:
    """``tune_process()`` on the first call in this process (after the first load); later calls return at once.

    A plain flag rather than ``st.cache_resource``: Streamlit executes the page script on every run, and
    decorating a function there reads its source each time (docs/performance.md, fix 12).
    """
    global _tuned
    with _tuning:
        if not _tuned:
            tune_process()
            _tuned = True


def tune_process() -> None:
    """Everything below (app.py and the benchmark baseline call it through ``tune_process_once``)."""
    settle_heap()
    send_without_delay()
    keep_script_compiled()


def settle_heap() -> None:
    """Move the long-lived heap (modules, the loaded pathway) out of the garbage collector's reach.

    A full collection otherwise re-scans streamlit, pandas and pydantic each time: with Streamlit's collection
    after every run (now off in .streamlit/config.toml) that was four fifths of a click's server CPU; Python's
    own, rarer full collections still benefit. Objects made later, by sessions, are collected as before.
    """
    gc.collect()
    gc.freeze()


def keep_script_compiled() -> bool:
    """Keep the page script's compiled code for the life of the process; return whether it is now kept.

    Streamlit compiles the script once and caches the code, but empties that cache whenever its last session
    closes (so that a file watcher's edits are seen), and the next visitor's first run compiles app.py again:
    about 13 ms of CPU per first load on the benchmark machine, more than a third of it (docs/performance.md,
    fix 15). This server watches no files (``server.fileWatcherType = "none"``, ``runOnSave = false``): a new
    version of the page arrives with a restart, so nothing goes stale. Where files are watched, or outside a
    running server (AppTest, the CLI), nothing is changed.
    """
    try:
        from streamlit import config
        from streamlit.runtime import Runtime
    except ImportError:
        return False
    if config.get_option("server.fileWatcherType") != "none" or config.get_option("server.runOnSave"):
        return False
    if not Runtime.exists():
        return False
    cache = getattr(Runtime.instance(), "_script_cache", None)  # Streamlit 1.67: runtime/scriptrunner/script_cache
    if cache is None or not callable(getattr(cache, "clear", None)):
        return False
    cache.clear = _kept  # this instance only: the emptying on the last session's close becomes a no-op
    return True


def _kept() -> None:
    """What the script cache's ``clear`` does once the script is kept compiled: nothing."""


def send_without_delay(fds: list[int] | None = None) -> int:
    """Set TCP_NODELAY on this process's TCP sockets (by default all of them); return how many were set.

    Streamlit binds its listening socket itself with protocol number 0, and asyncio sets TCP_NODELAY only on
    sockets whose protocol reads IPPROTO_TCP, so Nagle's algorithm stays on: after a click the server's first
    small message goes out, the next ones wait for the browser's acknowledgement, and the browser delays that
    by about 40 ms on Linux. Setting the option on the listening socket fixes every later connection (Linux
    copies it to accepted sockets); sockets already connected are set here too. Other descriptors (files,
    pipes, Unix sockets) are left alone.
    """
    if fds is None:
        fds = _open_fds()
    count = 0
    for fd in fds:
        sock = _borrow_socket(fd)
        if sock is None:
            continue
        with sock:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    count += 1
                except OSError:  # e.g. a socket being closed by another thread: nothing to tune
                    pass
    return count


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir(OPEN_FDS)]
    except OSError:
        return []


def _borrow_socket(fd: int) -> socket.socket | None:
    """A duplicate of ``fd`` as a socket object (closing it leaves ``fd`` open), or None if ``fd`` is not one."""
    try:
        copy = os.dup(fd)
    except OSError:
        return None
    try:
        return socket.socket(fileno=copy)
    except OSError:
        os.close(copy)
        return None
