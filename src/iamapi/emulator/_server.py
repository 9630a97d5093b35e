"""The loopback HTTP/1.1 server: one accept thread and one thread per connection.

Connections are kept alive until the client closes them, says
``Connection: close``, sends something unreadable, stays idle for
``idle_timeout`` seconds, or the server stops. ``stop()`` wakes the accept
loop through a socket pair, shuts down every open connection so that blocked
reads return at once, and joins every thread it started: no thread or socket
outlives it.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import struct
import threading
import time
from typing import BinaryIO, Callable, Optional

from iamapi.emulator._wire import (
    BadRequest,
    RawRequest,
    Response,
    read_body,
    read_head,
    render_response,
)

__all__ = ["App", "BodyReader", "LoopbackServer"]

_log = logging.getLogger("iamapi.emulator")

BodyReader = Callable[[int], bytes]
App = Callable[[RawRequest, BodyReader], Response]

_LOOPBACK = "127.0.0.1"


class LoopbackServer:
    """Serve ``app`` on ``127.0.0.1:port`` (``0`` picks a free port) until stopped."""

    def __init__(
        self,
        app: App,
        *,
        port: int = 0,
        stopping: Optional[threading.Event] = None,
        date_header: Callable[[], str],
        idle_timeout: float = 60.0,
    ) -> None:
        self._app = app
        self._requested_port = port
        self.stopping = stopping if stopping is not None else threading.Event()
        self._date_header = date_header
        self._idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()  # joined by stop(), pruned when dead
        self._listener: Optional[socket.socket] = None
        self._wake_r: Optional[socket.socket] = None
        self._wake_w: Optional[socket.socket] = None
        self._accept_thread: Optional[threading.Thread] = None
        self.port = 0

    @property
    def host(self) -> str:
        return _LOOPBACK

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((_LOOPBACK, self._requested_port))
            listener.listen(128)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self.stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"iamapi-emulator-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection and join every thread.

        ``timeout`` bounds the whole stop: a handler still running after it is
        left to finish in its daemon thread.
        """
        deadline = time.monotonic() + timeout
        thread = self._accept_thread
        if thread is None:
            return
        self.stopping.set()
        if self._wake_w is not None:
            with contextlib.suppress(OSError):  # the pair is ours, but never fail a stop
                self._wake_w.send(b"x")
        thread.join(timeout)
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._listener = self._wake_r = self._wake_w = None
        self._accept_thread = None
        with self._lock:
            open_connections = list(self._connections)
            threads = list(self._threads)
            self._threads.clear()
        for conn in open_connections:
            with contextlib.suppress(OSError):  # already closed by its own thread
                conn.shutdown(socket.SHUT_RDWR)
        for conn_thread in threads:
            conn_thread.join(max(0.0, deadline - time.monotonic()))

    # -- accepting -----------------------------------------------------------

    def _accept_loop(self) -> None:
        listener, wake = self._listener, self._wake_r
        assert listener is not None
        assert wake is not None
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ, "accept")
            selector.register(wake, selectors.EVENT_READ, "wake")
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.data == "wake":
                        return
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:  # pragma: no cover - listener closed under us
                        return
                    self._spawn(conn)

    def _spawn(self, conn: socket.socket) -> None:
        thread = threading.Thread(
            target=self._serve, args=(conn,), name="iamapi-emulator-conn", daemon=True
        )
        with self._lock:
            if self.stopping.is_set():
                conn.close()
                return
            self._connections.add(conn)
            self._threads = {t for t in self._threads if t.is_alive()}
            self._threads.add(thread)
        thread.start()

    # -- one connection --------------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(self._idle_timeout)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with conn.makefile("rb") as rfile:
                while not self.stopping.is_set():
                    if not self._exchange(conn, rfile):
                        break
        except OSError:  # reset by the peer, idle timeout, or shut down by stop()
            pass
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    def _exchange(self, conn: socket.socket, reader: BinaryIO) -> bool:
        """Serve one request; return whether the connection stays open."""
        try:
            request = read_head(reader)
        except BadRequest:
            self._send_plain(conn, 400, b"Bad Request")
            return False
        if request is None:
            return False

        def send_continue() -> None:
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

        def body_reader(limit: int) -> bytes:
            if request.body_read:
                return request.body
            return read_body(reader, request, limit, send_continue)

        try:
            response = self._app(request, body_reader)
        except BadRequest:
            self._send_plain(conn, 400, b"Bad Request")
            return False
        except OSError:
            raise
        except Exception:
            _log.exception("emulator failed on %s %s", request.method, request.path)
            self._send_plain(conn, 500, b"Internal emulator error")
            return False
        if response.reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        keep = request.keep_alive and request.body_read and not response.close
        headers = [*response.headers, ("Connection", "keep-alive" if keep else "close")]
        conn.sendall(
            render_response(
                response.status, headers, response.body, head_only=request.method == "HEAD"
            )
        )
        return keep

    def _send_plain(self, conn: socket.socket, status: int, body: bytes) -> None:
        headers = [
            ("Date", self._date_header()),
            ("Content-Type", "text/plain"),
            ("Connection", "close"),
        ]
        with contextlib.suppress(OSError):
            conn.sendall(render_response(status, headers, body))
