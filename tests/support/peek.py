"""Look at another process's TCP sockets from a test: each is duplicated into this process with the Linux
``pidfd_getfd`` system call (Linux 5.6+, same user or root), so its options can be read with getsockopt."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
from typing import Iterator

__all__ = ["tcp_sockets_of", "nodelay"]

SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture


def _getfd(pidfd: int, target: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, target, 0)
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pidfd_getfd({target}): {os.strerror(err)}")
    return fd


@contextlib.contextmanager
def tcp_sockets_of(pid: int) -> Iterator[list[socket.socket]]:
    """Copies of every TCP socket process ``pid`` has open; closed again (the originals stay open) on exit."""
    pidfd = os.pidfd_open(pid)
    found: list[socket.socket] = []
    try:
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                    continue
            except OSError:  # closed meanwhile
                continue
            try:
                copy = _getfd(pidfd, int(name))
            except OSError as err:
                if err.errno == errno.EBADF:  # closed between the listing and the copy (a short-lived connection)
                    continue
                raise
            sock = socket.socket(fileno=copy)
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                found.append(sock)
            else:
                sock.close()
        yield found
    finally:
        for sock in found:
            sock.close()
        os.close(pidfd)


def nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
