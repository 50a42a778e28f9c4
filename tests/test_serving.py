"""The server process is tuned: small messages leave at once (TCP_NODELAY), the long-lived heap is frozen and
Streamlit does not collect garbage after every run. The speed itself is measured by the benchmarks
(docs/performance.md); here we check that the settings are in force."""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

import serving
from benchmarks.load import run_load
from tests.support import peek
from tests.support.peek import nodelay, tcp_sockets_of
from tests.support.server import ROOT, start_streamlit


def _listener(family: int = socket.AF_INET) -> socket.socket:
    """A listening socket made as Streamlit makes its own: protocol number 0, so asyncio leaves Nagle on."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    sock.listen()
    return sock


def _has_ipv6() -> bool:
    try:
        _listener(socket.AF_INET6).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("family", [socket.AF_INET, pytest.param(socket.AF_INET6, marks=pytest.mark.skipif(
    not _has_ipv6(), reason="no IPv6 loopback on this machine"))])
def test_listening_socket_and_later_connections_send_without_delay(family):
    with _listener(family) as listener:
        assert listener.proto == 0 and not nodelay(listener)  # as Streamlit leaves it
        assert serving.send_without_delay([listener.fileno()]) == 1
        assert nodelay(listener)
        with socket.create_connection(listener.getsockname()[:2]):
            accepted, _ = listener.accept()
            with accepted:
                assert nodelay(accepted), "a connection accepted later inherits the setting"
            assert listener.fileno() != -1  # our copy was closed, the original is still open


def test_connected_sockets_are_set_too():
    with _listener() as listener, socket.create_connection(listener.getsockname()) as client:
        accepted, _ = listener.accept()
        with accepted:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            assert serving.send_without_delay([client.fileno()]) == 1
            assert nodelay(client)
            client.sendall(b"still open")
            assert accepted.recv(16) == b"still open"


def test_other_descriptors_are_left_alone_and_open():
    read_end, write_end = os.pipe()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    unix_a, unix_b = socket.socketpair()
    with tempfile.TemporaryFile() as file, udp, unix_a, unix_b:
        fds = [read_end, write_end, file.fileno(), udp.fileno(), unix_a.fileno(), 10_000]
        try:
            assert serving.send_without_delay(fds) == 0
            os.write(write_end, b"x")
            assert os.read(read_end, 1) == b"x"
            file.write(b"y")
            unix_a.sendall(b"z")
            assert unix_b.recv(1) == b"z"
        finally:
            os.close(read_end)
            os.close(write_end)


def test_default_scans_every_open_descriptor_of_the_process():
    with _listener() as listener:
        assert serving.send_without_delay() >= 1
        assert nodelay(listener)


def test_without_a_descriptor_list_nothing_is_touched(monkeypatch, tmp_path):
    """Where /proc/self/fd does not exist (not Linux) the tuning does nothing rather than fail the page."""
    monkeypatch.setattr(serving, "OPEN_FDS", str(tmp_path / "absent"))
    with _listener() as listener:
        assert serving.send_without_delay() == 0
        assert not nodelay(listener)


def test_settle_heap_freezes_what_exists_now():
    before = gc.get_freeze_count()
    try:
        serving.settle_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_tuning_runs_once_per_process_however_many_runs_ask(monkeypatch):
    calls = []
    monkeypatch.setattr(serving, "_tuned", False)
    monkeypatch.setattr(serving, "tune_process", lambda: calls.append(1))
    for _ in range(3):
        serving.tune_process_once()
    assert calls == [1]


def _first_copy_fails(monkeypatch, error: int) -> list[int]:
    """Make the first socket copy fail with ``error``; returns the descriptors asked for, in order."""
    real, calls = peek._getfd, []

    def first_fails(pidfd: int, target: int) -> int:
        calls.append(target)
        if len(calls) == 1:
            raise OSError(error, "pidfd_getfd")
        return real(pidfd, target)

    monkeypatch.setattr(peek, "_getfd", first_fails)
    return calls


def test_peeking_skips_a_socket_closed_between_listing_and_copy(monkeypatch):
    """A short-lived connection can close after /proc lists it and before it is copied: that one is skipped, the
    others are still found."""
    calls = _first_copy_fails(monkeypatch, errno.EBADF)
    with _listener() as one, _listener() as two:
        mine = {one.getsockname(), two.getsockname()}
        with tcp_sockets_of(os.getpid()) as sockets:
            found = {s.getsockname() for s in sockets if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)}
        assert calls and len(mine & found) >= 1


def test_peeking_fails_on_any_other_error_of_the_copy(monkeypatch):
    """Any other failure (e.g. no permission) is raised, never hidden."""
    _first_copy_fails(monkeypatch, errno.EPERM)
    with _listener(), _listener():
        with pytest.raises(OSError):
            with tcp_sockets_of(os.getpid()):
                pass


def test_the_running_app_sends_without_delay_after_its_first_page(tmp_path: Path):
    """End to end: Streamlit alone leaves Nagle on; once a page has loaded, the app has switched it off for the
    listening socket and for every connection accepted after that."""
    server = start_streamlit(tmp_path / "server.log")
    try:
        with tcp_sockets_of(server.proc.pid) as sockets:
            listeners = [s for s in sockets if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)]
            assert listeners and not any(nodelay(s) for s in listeners), "Streamlit's own default changed"
        result = run_load(server.url, [server.proc.pid], 1, 1)
        assert not result.errors, result.errors
        with socket.create_connection(("127.0.0.1", server.port)) as later:
            later.sendall(b"GET /_stcore/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # kept alive after
            assert later.recv(64).startswith(b"HTTP/1.1 200")  # the answer: the server has accepted it
            mine = later.getsockname()
            with tcp_sockets_of(server.proc.pid) as sockets:
                listeners = [s for s in sockets if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)]
                accepted = [s for s in sockets if _peer(s) == mine]
                assert listeners and all(nodelay(s) for s in listeners)
                assert accepted and all(nodelay(s) for s in accepted)
    finally:
        server.stop()


def _counting_loop() -> tuple[asyncio.AbstractEventLoop, list[int]]:
    """A new event loop that counts its wake-ups from other threads (``call_soon_threadsafe``)."""
    loop = asyncio.new_event_loop()
    wakeups: list[int] = []
    schedule = loop.call_soon_threadsafe

    def counted(callback, *args, **kwargs):
        wakeups.append(1)
        return schedule(callback, *args, **kwargs)

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    return loop, wakeups


def _until_idle(loop: asyncio.AbstractEventLoop) -> None:
    for _ in range(3):
        loop.run_until_complete(asyncio.sleep(0))


def test_callbacks_handed_over_in_a_row_run_in_order_after_one_wake_up_of_the_loop():
    loop, wakeups = _counting_loop()
    calls, ran = serving.BatchedCalls(loop), []
    try:
        worker = threading.Thread(target=lambda: [calls.call_soon(lambda n=n: ran.append(n)) for n in range(100)])
        worker.start()
        worker.join()
        _until_idle(loop)
        assert ran == list(range(100)) and len(wakeups) == 1
        calls.call_soon(lambda: ran.append("next"))  # a later batch wakes the loop again
        _until_idle(loop)
        assert ran[-1] == "next" and len(wakeups) == 2
    finally:
        loop.close()


def test_a_callback_handed_over_while_its_batch_runs_runs_in_the_next_batch():
    loop, wakeups = _counting_loop()
    calls, ran = serving.BatchedCalls(loop), []
    try:
        calls.call_soon(lambda: (ran.append(1), calls.call_soon(lambda: ran.append(2))))
        _until_idle(loop)
        assert ran == [1, 2] and len(wakeups) == 2
    finally:
        loop.close()


def test_a_failing_callback_is_reported_to_the_loop_and_the_next_one_still_runs():
    loop, _ = _counting_loop()
    calls, ran, reported = serving.BatchedCalls(loop), [], []
    loop.set_exception_handler(lambda _loop, context: reported.append(context["exception"]))
    try:
        calls.call_soon(lambda: ran.append(1))
        calls.call_soon(lambda: 1 / 0)
        calls.call_soon(lambda: ran.append(3))
        _until_idle(loop)
        assert ran == [1, 3] and [type(e) for e in reported] == [ZeroDivisionError]
    finally:
        loop.close()


def test_callbacks_for_a_closed_loop_are_dropped_as_streamlit_drops_them():
    loop, _ = _counting_loop()
    calls = serving.BatchedCalls(loop)
    loop.close()
    calls.call_soon(lambda: None)  # no error: the session is shutting down
    calls.call_soon(lambda: None)
    assert calls._pending == []


def test_streamlit_sessions_hand_their_events_over_in_batches_once_tuned(monkeypatch):
    from streamlit.runtime.app_session import AppSession

    current = AppSession._call_soon_on_event_loop
    original = getattr(current, "original", current)  # an app run in this process may have tuned it already
    monkeypatch.setattr(AppSession, "_call_soon_on_event_loop", original)  # put back after the test
    assert serving.batch_session_events() and serving.batch_session_events()  # idempotent
    batched = AppSession._call_soon_on_event_loop
    assert batched is not original and batched.batched and batched.original is original


#: A page that records which version of itself ran (tests below rewrite it while the server runs).
_RECORDING_APP = """import pathlib
import serving
{tune}
with pathlib.Path({out!r}).open("a") as ran:
    ran.write("{version}\\n")
"""


def _recording_app(path: Path, out: Path, version: str, tune: bool) -> None:
    path.write_text(_RECORDING_APP.format(tune="serving.tune_process_once()" if tune else "", out=str(out),
                                          version=version), encoding="utf-8")


def _visit(server) -> None:
    """One visitor: the page, its first run, then the session closes (the server's last one)."""
    result = run_load(server.url, [server.proc.pid], 1, 0)
    assert not result.errors, result.errors


def test_the_running_app_keeps_its_compiled_script_after_its_last_session_closes(tmp_path: Path):
    """Streamlit empties its cache of compiled scripts when its last session closes, so the next visitor's first
    run compiles app.py again (docs/performance.md, fix 15). Tuned, the process keeps the code it compiled: a
    script changed on disk after that is not run, as the file watcher is off (a new version comes with a restart)."""
    app, out = tmp_path / "page.py", tmp_path / "ran.txt"
    _recording_app(app, out, "first", tune=True)
    server = start_streamlit(tmp_path / "server.log", app=str(app))
    try:
        _visit(server)
        _recording_app(app, out, "second", tune=True)
        for _ in range(3):
            _visit(server)
    finally:
        server.stop()
    assert out.read_text().split() == ["first"] * 4


def test_without_the_tuning_streamlit_compiles_the_script_again_once_its_last_session_closed(tmp_path: Path):
    """The control for the test above: Streamlit's own behaviour, which the tuning changes, is still there."""
    app, out = tmp_path / "page.py", tmp_path / "ran.txt"
    _recording_app(app, out, "first", tune=False)
    server = start_streamlit(tmp_path / "server.log", app=str(app))
    try:
        _visit(server)
        _recording_app(app, out, "second", tune=False)
        for _ in range(20):  # bounded: the closing of the last session is handled as the next one opens
            _visit(server)
            if out.read_text().split()[-1] == "second":
                break
    finally:
        server.stop()
    assert out.read_text().split()[0] == "first" and out.read_text().split()[-1] == "second"


def test_outside_a_running_server_the_compiled_script_is_left_to_streamlit():
    assert serving.keep_script_compiled() is False  # no Runtime here (as under AppTest or the CLI)


def _peer(sock: socket.socket):
    try:
        return sock.getpeername()
    except OSError:
        return None


def test_streamlit_reads_the_setting_that_stops_its_collection_after_every_run():
    """A misspelt key in .streamlit/config.toml would be ignored: ask Streamlit what it actually reads."""
    code = "from streamlit import config; print(config.get_option('runner.postScriptGC'))"
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "False"


def test_engine_and_tuning_load_without_streamlit():
    """pathways/ and serving.py are plain Python: the CLI, the benchmarks and other front ends use them alone."""
    modules = ["serving"] + [f"pathways.{p.stem}" for p in (ROOT / "pathways").glob("*.py")
                             if p.stem != "__main__"]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


@pytest.fixture
def settings_filled_by_streamlit(monkeypatch):
    """Streamlit's own fillers of the ``new_session`` settings, put back after the test; a Runtime is faked."""
    from streamlit.runtime import Runtime, app_session

    for name in ("_populate_theme_msg", "_populate_config_msg"):
        current = getattr(app_session, name)
        monkeypatch.setattr(app_session, name, getattr(current, "original", current))
    monkeypatch.setattr(Runtime, "exists", staticmethod(lambda: True))
    return app_session


THEME_SECTIONS = ["theme", "theme.light", "theme.dark", "theme.sidebar", "theme.light.sidebar",
                  "theme.dark.sidebar"]

#: Settings that reach the theme sections and the client part of the message; and none (the shipped settings).
SETTINGS = {"shipped": {},
            "every section set": {"theme.primaryColor": "#123456", "theme.light.primaryColor": "#234567",
                                  "theme.dark.primaryColor": "#345678", "theme.sidebar.backgroundColor": "#456789",
                                  "theme.light.sidebar.textColor": "#56789a", "theme.dark.sidebar.textColor": "#6789ab",
                                  "client.toolbarMode": "developer"}}


def _settings_part(app_session):
    """The settings part of a ``new_session`` message, filled the way Streamlit 1.67 fills it."""
    from streamlit.proto.NewSession_pb2 import NewSession

    message = NewSession()
    app_session._populate_config_msg(message.config)
    for section in THEME_SECTIONS:
        part = message.custom_theme
        for name in section.split(".")[1:]:
            part = getattr(part, name)
        app_session._populate_theme_msg(part, section)
    return message


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_new_session_settings_made_once_are_what_streamlit_makes(settings_filled_by_streamlit, monkeypatch,
                                                                 settings):
    from streamlit import config

    app_session = settings_filled_by_streamlit
    monkeypatch.setattr(config, "get_option", _with_settings(config.get_option, settings))
    monkeypatch.setattr(config, "get_options_for_section", _section_with(config.get_options_for_section,
                                                                          config.get_option))
    expected = _settings_part(app_session)
    assert expected.HasField("config")
    assert len(expected.custom_theme.ListFields()) >= (3 if settings else 0)  # the settings reach the message
    assert serving.reuse_session_settings() and serving.reuse_session_settings()  # idempotent
    scans = []
    monkeypatch.setattr(config, "get_options_for_section",
                        lambda s, scan=config.get_options_for_section: scans.append(s) or scan(s))
    for _ in range(3):
        made = _settings_part(app_session)
        assert made == expected and made.SerializeToString() == expected.SerializeToString()  # unset parts too
    assert sorted(scans) == sorted(THEME_SECTIONS)  # each part made once, then reused


def test_new_session_settings_are_made_again_when_streamlit_reads_its_settings_again(settings_filled_by_streamlit,
                                                                                      monkeypatch):
    from streamlit import config
    from streamlit.proto.NewSession_pb2 import CustomThemeConfig

    app_session = settings_filled_by_streamlit
    assert serving.reuse_session_settings()
    app_session._populate_theme_msg(CustomThemeConfig())
    scans = []
    monkeypatch.setattr(config, "get_options_for_section",
                        lambda s, scan=config.get_options_for_section: scans.append(s) or scan(s))
    monkeypatch.setattr(config, "get_config_options", lambda *a, **k: {})  # a new settings object
    app_session._populate_theme_msg(CustomThemeConfig())
    assert scans == ["theme"]


def test_outside_a_running_server_the_session_settings_are_left_to_streamlit(monkeypatch):
    from streamlit.runtime import Runtime, app_session

    for name in ("_populate_theme_msg", "_populate_config_msg"):  # Streamlit's own, whatever ran in this process
        current = getattr(app_session, name)
        monkeypatch.setattr(app_session, name, getattr(current, "original", current))
    monkeypatch.setattr(Runtime, "exists", staticmethod(lambda: False))  # as under AppTest or the CLI
    before = app_session._populate_theme_msg
    assert serving.reuse_session_settings() is False
    assert app_session._populate_theme_msg is before


def _with_settings(get_option, values):
    return lambda key: values[key] if key in values else get_option(key)


def _section_with(get_options_for_section, get_option):
    def options(section):
        found = get_options_for_section(section)
        return {name: get_option(f"{section}.{name}") for name in found}
    return options


@pytest.fixture
def runtime_as_shipped(monkeypatch):
    from streamlit.runtime import Runtime

    current = Runtime._enqueued_some_message
    monkeypatch.setattr(Runtime, "_enqueued_some_message", getattr(current, "original", current))
    return Runtime


def _runtime_on(loop):
    """What ``Runtime._enqueued_some_message`` reads of a runtime: its loop and the event its sender waits on."""
    from types import SimpleNamespace

    objects = SimpleNamespace(eventloop=loop, need_send_data=asyncio.Event())
    return SimpleNamespace(_get_async_objs=lambda: objects), objects


def test_a_message_queued_on_the_event_loop_wakes_the_sender_without_the_wake_up_socket(runtime_as_shipped):
    assert serving.wake_sender_in_place() and serving.wake_sender_in_place()  # idempotent
    loop, threadsafe = _counting_loop()
    runtime, objects = _runtime_on(loop)

    async def queue_three():
        for _ in range(3):
            runtime_as_shipped._enqueued_some_message(runtime)
        return objects.need_send_data.is_set()  # set at once, before the loop turns

    try:
        assert loop.run_until_complete(queue_three())
        assert threadsafe == []
    finally:
        loop.close()


def test_a_message_queued_on_another_thread_still_wakes_the_sender_through_the_loop(runtime_as_shipped):
    assert serving.wake_sender_in_place()
    loop, threadsafe = _counting_loop()
    runtime, objects = _runtime_on(loop)
    try:
        worker = threading.Thread(target=runtime_as_shipped._enqueued_some_message, args=(runtime,))
        worker.start()
        worker.join(30)
        assert len(threadsafe) == 1 and not objects.need_send_data.is_set()  # handed to the loop, not set here
        loop.run_until_complete(asyncio.wait_for(objects.need_send_data.wait(), 30))
    finally:
        loop.close()


def test_the_session_manager_hands_the_in_place_wake_up_to_sessions_opened_after_tuning(runtime_as_shipped,
                                                                                       monkeypatch):
    from types import SimpleNamespace

    runtime = object.__new__(runtime_as_shipped)  # a runtime as Streamlit made it: its manager holds the method
    manager = SimpleNamespace(_message_enqueued_callback=runtime._enqueued_some_message)
    runtime.__dict__["_session_mgr"] = manager
    monkeypatch.setattr(runtime_as_shipped, "exists", staticmethod(lambda: True))
    monkeypatch.setattr(runtime_as_shipped, "instance", staticmethod(lambda: runtime))
    assert serving.wake_sender_in_place()
    assert getattr(manager._message_enqueued_callback.__func__, "in_place", False)
    assert manager._message_enqueued_callback.__self__ is runtime


# ---- fix 22: Streamlit's text cleaning without dedent's scans where nothing is indented -----------------------

import textwrap  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CLEANED = {"plain": "Some **text**", "a line break": "one  \ntwo", "paragraphs": "one\n\ntwo\n",
           "indented block": "    one\n    two\n", "second line indented": "one\n  two",
           "blank line of spaces": "one\n   \ntwo", "tab": "\tone\n\ttwo", "carriage return": "one\r  two",
           "surrounding space": "  one  ", "empty": "", "a number": 12}


@pytest.mark.parametrize("text", CLEANED.values(), ids=CLEANED.keys())
def test_cleaned_text_is_what_streamlit_makes_of_it(text):
    assert serving.clean_text(text) == textwrap.dedent(str(text)).strip()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="a \t\n\rx\u00a0\x0b\x0c", max_size=40))
def test_cleaned_text_is_what_streamlit_makes_of_any_text(text):
    assert serving.clean_text(text) == textwrap.dedent(text).strip()


def test_streamlit_elements_clean_their_text_with_the_quick_version_once_tuned(monkeypatch):
    from streamlit import string_util
    from streamlit.elements import alert, markdown

    def shipped(text):  # stands for Streamlit's function (a test run before may have replaced it already)
        return textwrap.dedent(str(text)).strip()

    for module in (string_util, markdown, alert):
        monkeypatch.setattr(module, "clean_text", shipped)
    assert serving.clean_text_quickly() and serving.clean_text_quickly()  # idempotent
    assert markdown.clean_text is serving.clean_text and alert.clean_text is serving.clean_text
    assert string_util.clean_text is serving.clean_text


def test_without_streamlits_text_cleaning_nothing_is_changed(monkeypatch):
    from streamlit import string_util

    monkeypatch.delattr(string_util, "clean_text")
    assert serving.clean_text_quickly() is False


# ---- fix 23: a websocket's frames of one turn of the loop in one write; the runtime's messages in one go ------


class _Transport:
    """What uvicorn's protocol uses of an asyncio transport, recording each write."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closed or self.aborted

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def get_write_buffer_size(self):
        return 7

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 1234)}.get(name, default)


def test_writes_made_in_one_turn_of_the_loop_reach_the_socket_as_one_write_in_order():
    loop, transport = asyncio.new_event_loop(), _Transport()
    joined = serving.JoinedWrites(transport, loop)

    async def one_turn():
        for part in (b"one", b"", bytearray(b"two"), b"three"):
            joined.write(part)
        joined.writelines([b"four"])
        assert transport.writes == [] and joined.get_write_buffer_size() == 7 + 15  # waiting, and counted
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        joined.write(b"five")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    try:
        loop.run_until_complete(one_turn())
    finally:
        loop.close()
    assert transport.writes == [b"onetwothreefour", b"five"]


def test_a_joined_transport_sends_what_waits_before_it_closes_and_drops_it_when_aborted():
    loop = asyncio.new_event_loop()
    try:
        closing, aborting = _Transport(), _Transport()
        first, second = serving.JoinedWrites(closing, loop), serving.JoinedWrites(aborting, loop)
        first.write(b"bye")
        first.close()
        second.write(b"lost")
        second.abort()
        loop.run_until_complete(asyncio.sleep(0))
        assert closing.writes == [b"bye"] and closing.closed
        assert aborting.writes == [] and aborting.aborted
        assert first.get_extra_info("peername") == ("127.0.0.1", 1234)  # the rest is the transport's own
    finally:
        loop.close()


def test_uvicorns_websocket_protocol_writes_through_a_joined_transport_once_tuned(monkeypatch):
    from uvicorn.config import Config
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from uvicorn.server import ServerState

    current = WebSocketsSansIOProtocol.__dict__["connection_made"]
    monkeypatch.setattr(WebSocketsSansIOProtocol, "connection_made", getattr(current, "original", current))
    assert serving.join_websocket_writes() and serving.join_websocket_writes()  # idempotent
    loop = asyncio.new_event_loop()
    try:
        config = Config(app=lambda scope, receive, send: None, ws="websockets-sansio")
        config.load()
        protocol = WebSocketsSansIOProtocol(config, ServerState(), {}, _loop=loop)
        transport = _Transport()
        protocol.connection_made(transport)
        assert isinstance(protocol.transport, serving.JoinedWrites)
        protocol.transport.write(b"frame")
        loop.run_until_complete(asyncio.sleep(0))
        assert transport.writes == [b"frame"]
    finally:
        loop.close()


def test_the_runtime_loop_hands_its_messages_over_without_a_turn_of_the_loop_for_each(monkeypatch):
    import inspect

    from streamlit.runtime import Runtime, runtime

    source = inspect.getsource(Runtime._loop_coroutine)  # what the change relies on: Streamlit's own loop
    assert "await asyncio.sleep(0)" in source and "await asyncio.sleep(MESSAGE_FLUSH_INTERVAL_SECS)" in source
    monkeypatch.setattr(runtime, "asyncio", asyncio)
    assert serving.send_flushed_messages_together() and serving.send_flushed_messages_together()  # idempotent
    patched = runtime.asyncio
    assert patched.Event is asyncio.Event and patched.create_task is asyncio.create_task

    async def count_turns(sleeps: int, delay: float = 0) -> int:
        turns = 0

        def turn():
            nonlocal turns
            turns += 1
            if not done:
                asyncio.get_running_loop().call_soon(turn)

        done = False
        asyncio.get_running_loop().call_soon(turn)
        for _ in range(sleeps):
            await patched.sleep(delay)
        done = True
        return turns

    loop = asyncio.new_event_loop()
    try:
        turns = loop.run_until_complete(count_turns(serving.JOINED_SLEEPS * 3))
        assert turns == 3  # one turn of the loop in JOINED_SLEEPS zero sleeps, not one in each
        assert loop.run_until_complete(count_turns(2, 0.001)) >= 2  # other sleeps are asyncio's
    finally:
        loop.close()


def test_with_another_asyncio_in_the_runtime_module_nothing_is_changed(monkeypatch):
    from streamlit.runtime import runtime

    other = object()
    monkeypatch.setattr(runtime, "asyncio", other)
    assert serving.send_flushed_messages_together() is False
    assert runtime.asyncio is other
