"""Tuning of the server process that runs the app. Plain Python at import (no Streamlit import: the CLI and the
benchmarks load it alone); app.py calls these once per process (docs/performance.md explains each, with the
measurements). Only ``keep_script_compiled``, ``batch_session_events``, ``reuse_session_settings``,
``wake_sender_in_place``, ``clean_text_quickly`` and ``join_websocket_writes`` reach into Streamlit (the last into
the uvicorn server it runs on), from inside the running server."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
import textwrap
import threading
from typing import Any, Callable

__all__ = ["tune_process_once", "tune_process", "settle_heap", "send_without_delay", "keep_script_compiled",
           "batch_session_events", "BatchedCalls", "reuse_session_settings",
           "wake_sender_in_place", "clean_text", "clean_text_quickly", "JoinedWrites", "join_websocket_writes",
           "send_flushed_messages_together"]

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
    batch_session_events()
    reuse_session_settings()
    wake_sender_in_place()
    clean_text_quickly()
    join_websocket_writes()
    send_flushed_messages_together()


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


class BatchedCalls:
    """Callbacks handed from a thread to an event loop in order, with one wake-up of the loop per batch.

    ``loop.call_soon_threadsafe`` writes to the loop's wake-up socket on every call; a caller that hands over
    many callbacks in a row (Streamlit's script thread: one per element of the page) wakes the loop, and hands it
    the interpreter, once for each. Here the first callback of a batch schedules one drain; those handed over
    before the drain starts join it, and the drain runs them in the order given (a failing one is reported to the
    loop's exception handler, as the loop reports a failing callback, and the next one runs all the same).
    Once the loop is closed, callbacks are dropped, as Streamlit drops them.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._pending: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def call_soon(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._pending.append(callback)
            if len(self._pending) > 1:  # a drain is scheduled and has not started: it will run this one too
                return
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:
            with self._lock:
                self._pending.clear()  # nothing will drain them
            if not self._loop.is_closed():
                raise

    def _drain(self) -> None:
        with self._lock:
            callbacks, self._pending = self._pending, []
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:
                self._loop.call_exception_handler({"message": f"Exception in callback {callback!r}",
                                                   "exception": exc})


def batch_session_events() -> bool:
    """Hand each Streamlit session's events from its script thread to the event loop in batches; return whether
    the change is in force.

    Streamlit 1.67 schedules every event of a script run (each element drawn, the run's start and end) with its own
    ``call_soon_threadsafe`` (``AppSession._call_soon_on_event_loop``), so a click that draws 60 elements wakes the
    event loop 60 times, and each time the two threads pass the interpreter back and forth. Batched
    (``BatchedCalls``), the events run in the same order on the same loop, with one wake-up per batch
    (docs/performance.md, fix 18). With another Streamlit, whose session lacks that method, nothing is changed.
    """
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError:
        return False
    original = getattr(AppSession, "_call_soon_on_event_loop", None)
    if original is None or getattr(original, "batched", False):
        return original is not None

    def call_soon_on_event_loop(session: Any, callback: Callable[[], None]) -> None:
        calls = session.__dict__.get("_batched_calls")
        if calls is None:
            with _batching:
                calls = session.__dict__.setdefault("_batched_calls", BatchedCalls(session._event_loop))
        calls.call_soon(callback)

    call_soon_on_event_loop.batched = True  # type: ignore[attr-defined]
    call_soon_on_event_loop.original = original  # type: ignore[attr-defined]
    AppSession._call_soon_on_event_loop = call_soon_on_event_loop  # type: ignore[method-assign]
    return True


_batching = threading.Lock()


def wake_sender_in_place() -> bool:
    """Tell Streamlit's sending loop about a new message directly when already on its event loop; return whether
    the change is in force.

    For every message a session queues, Streamlit 1.67 (``Runtime._enqueued_some_message``) sets the event its
    sending loop waits on through ``call_soon_threadsafe``, which writes to the event loop's wake-up socket: a
    system call per element drawn. With the session's events handed to the event loop (``batch_session_events``)
    the message is queued on that loop's own thread, where setting the event directly does the same, without the
    socket and the extra turn of the loop (docs/performance.md, fix 21). From any other thread it goes through
    ``call_soon_threadsafe`` as before. Sessions opened from then on use it (the session that is open when the
    process is tuned keeps Streamlit's). With another Streamlit, whose runtime lacks that method, nothing is changed.
    """
    try:
        from streamlit.runtime import Runtime
    except ImportError:
        return False
    original = getattr(Runtime, "_enqueued_some_message", None)
    if original is None or not callable(getattr(Runtime, "_get_async_objs", None)):
        return False
    if getattr(original, "in_place", False):
        return True

    def enqueued_some_message(runtime: Any) -> None:
        objects = runtime._get_async_objs()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is objects.eventloop:
            objects.need_send_data.set()
        else:
            objects.eventloop.call_soon_threadsafe(objects.need_send_data.set)

    enqueued_some_message.in_place = True  # type: ignore[attr-defined]
    enqueued_some_message.original = original  # type: ignore[attr-defined]
    Runtime._enqueued_some_message = enqueued_some_message  # type: ignore[method-assign]
    if Runtime.exists():  # the session manager was handed the method when the runtime was made: hand it over again
        runtime = Runtime.instance()
        manager = getattr(runtime, "_session_mgr", None)
        if getattr(getattr(manager, "_message_enqueued_callback", None), "__func__", None) is original:
            manager._message_enqueued_callback = runtime._enqueued_some_message  # type: ignore[union-attr]
    return True


def reuse_session_settings() -> bool:
    """Fill the settings part of Streamlit's ``new_session`` message from a copy made once; return whether the
    change is in force.

    Streamlit 1.67 sends a ``new_session`` message at the start of every script run, a click's fragment run
    included, and fills its theme and client settings each time by scanning every setting it knows, seven times
    (``config.get_options_for_section`` for six theme sections, and the client settings): about a tenth of a
    click's server CPU (docs/performance.md, fix 20). The settings cannot change while this server runs (it
    watches no files: ``server.fileWatcherType = "none"``), so each part is made once, by Streamlit's own
    function, and merged in afterwards; should Streamlit read its settings again (a new settings object), the
    parts are made again. Where files are watched, outside a running server (AppTest, the CLI), or with another
    Streamlit, whose module lacks these functions, nothing is changed.
    """
    try:
        from streamlit import config
        from streamlit.runtime import Runtime, app_session
    except ImportError:
        return False
    if config.get_option("server.fileWatcherType") != "none" or config.get_option("server.runOnSave"):
        return False
    if not Runtime.exists():  # AppTest, the CLI: no server, no sessions
        return False
    theme = getattr(app_session, "_populate_theme_msg", None)
    client = getattr(app_session, "_populate_config_msg", None)
    if theme is None or client is None:
        return False
    if getattr(theme, "reused", False):
        return True
    made: dict[tuple[str, str], tuple[object, bool, bytes]] = {}

    def once(field: str, section: str, fill: Callable[[Any], None], msg: Any) -> None:
        settings = config.get_config_options()  # the same object until Streamlit reads its settings again
        kept = made.get((field, section))
        if kept is None or kept[0] is not settings:
            from streamlit.proto.NewSession_pb2 import NewSession

            holder = NewSession()  # filled where Streamlit fills it, to learn whether the part is set at all
            fill(getattr(holder, field))
            kept = made[(field, section)] = (settings, holder.HasField(field), getattr(holder, field).SerializeToString())
        if kept[1]:  # a part Streamlit leaves unset stays unset (a set but empty part is sent otherwise)
            msg.SetInParent()
            msg.MergeFromString(kept[2])

    def populate_theme_msg(msg: Any, section: str = "theme") -> None:
        once("custom_theme", section, lambda fresh: theme(fresh, section), msg)

    def populate_config_msg(msg: Any) -> None:
        once("config", "", client, msg)

    populate_theme_msg.reused = True  # type: ignore[attr-defined]
    populate_theme_msg.original = theme  # type: ignore[attr-defined]
    populate_config_msg.original = client  # type: ignore[attr-defined]
    app_session._populate_theme_msg = populate_theme_msg
    app_session._populate_config_msg = populate_config_msg
    return True


def clean_text(text: object) -> str:
    """What Streamlit's ``string_util.clean_text`` returns (``textwrap.dedent(str(text)).strip()``), without
    dedent's two scans of the text when no line of it starts with a space or a tab.

    ``dedent`` removes the margin common to the lines that are not blank and empties the lines made only of
    spaces and tabs; with no line starting with a space or a tab there is no margin and no such line, and it
    returns the text unchanged. Lines are those ``dedent`` sees: split at newlines only.
    """
    body = str(text)
    if body[:1] in (" ", "\t") or "\n " in body or "\n\t" in body:
        return textwrap.dedent(body).strip()
    return body.strip()


def clean_text_quickly() -> bool:
    """Give Streamlit's elements ``clean_text`` above in place of ``string_util.clean_text``; return whether
    the change is in force.

    Streamlit 1.67 dedents every text it is given (each ``st.markdown``, alert, heading): two regular-expression
    scans of the whole text, the path graph's 8 KB image address included, about 4 % of a click's server CPU
    (docs/performance.md, fix 22). The result is the same string. The modules that imported the function by name
    are given the new one too. With another Streamlit, whose ``string_util`` lacks it, nothing is changed.
    """
    try:
        from streamlit import string_util
    except ImportError:
        return False
    original = getattr(string_util, "clean_text", None)
    if original is None:
        return False
    if original is clean_text:
        return True
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("streamlit") and \
                getattr(module, "clean_text", None) is original:
            module.clean_text = clean_text  # type: ignore[attr-defined]
    return True


class JoinedWrites:
    """A transport whose writes made in one turn of the event loop reach the socket as one write, at the end
    of that turn, in the order made.

    ``close`` sends what is waiting first (as a transport does with its buffer); ``abort`` drops it (as a
    transport does). Everything else is the transport's own. ``get_write_buffer_size`` counts what is waiting.
    """

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._waiting: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._waiting:
            self._loop.call_soon(self._flush)
        self._waiting.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if not self._waiting:
            return
        data = b"".join(self._waiting)
        self._waiting.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._waiting.clear()
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._waiting))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def join_websocket_writes() -> bool:
    """Send each websocket's frames of one turn of the event loop in one write; return whether the change is in
    force.

    Streamlit sends every element as a websocket message of its own, and uvicorn (``websockets-sansio``, the
    implementation Streamlit 1.67 runs) writes each to the socket at once: a system call per element, 58 in a
    click (docs/performance.md, fix 23). With ``JoinedWrites`` between uvicorn and the socket, the frames a turn
    of the loop produces go out together at the end of it, the same bytes in the same order. With another
    uvicorn, whose protocol lacks ``connection_made``, nothing is changed.
    """
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:
        return False
    original = WebSocketsSansIOProtocol.__dict__.get("connection_made")
    if original is None:
        return False
    if getattr(original, "joined", False):
        return True

    def connection_made(protocol: Any, transport: Any) -> None:
        original(protocol, transport)
        protocol.transport = JoinedWrites(protocol.transport, protocol.loop)

    connection_made.joined = True  # type: ignore[attr-defined]
    connection_made.original = original  # type: ignore[attr-defined]
    WebSocketsSansIOProtocol.connection_made = connection_made  # type: ignore[method-assign]
    return True


#: At most this many of the runtime loop's ``sleep(0)`` in a row return at once (one in this many turns the loop):
#: a session's messages reach its websocket's queue, which holds 500, at most this many at a time.
JOINED_SLEEPS = 64


class _WithoutZeroSleeps:
    """The ``asyncio`` module as Streamlit's runtime loop sees it once ``send_flushed_messages_together`` is in
    force: ``sleep(0)`` returns at once (but every ``JOINED_SLEEPS``-th); everything else is asyncio's own."""

    def __init__(self, module: Any):
        self._module = module
        self._zero_sleeps = 0

    def sleep(self, delay: float, result: Any = None) -> Any:
        if delay == 0:
            self._zero_sleeps += 1
            if self._zero_sleeps % JOINED_SLEEPS:
                return _at_once(result)
        return self._module.sleep(delay, result)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


async def _at_once(result: Any = None) -> Any:
    return result


def send_flushed_messages_together() -> bool:
    """Let Streamlit's runtime loop hand a session's queued messages to its websocket in one go; return whether
    the change is in force.

    Every 5 ms at most, Streamlit 1.67's runtime loop (``Runtime._loop_coroutine``) takes the messages a session
    has queued and hands them to its websocket one by one, with ``await asyncio.sleep(0)`` after each: a turn of
    the event loop per message, so its sending task wakes, and writes to the socket, once per message: about 60
    turns in a click (docs/performance.md, fix 23). Here the runtime module's ``asyncio`` is one whose ``sleep(0)``
    returns at once, but once in ``JOINED_SLEEPS`` (so a websocket's queue of 500 is never filled in one go); its
    other sleeps (the 5 ms between flushes), and everything else, are asyncio's. The messages go out in the same
    order; the loop still turns between flushes. With another Streamlit, whose
    runtime module does not use asyncio by that name, nothing is changed.
    """
    try:
        from streamlit.runtime import runtime
    except ImportError:
        return False
    current = getattr(runtime, "asyncio", None)
    if isinstance(current, _WithoutZeroSleeps):
        return True
    if current is not asyncio:
        return False
    runtime.asyncio = _WithoutZeroSleeps(asyncio)  # type: ignore[attr-defined]
    return True


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
