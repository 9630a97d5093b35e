"""A scripted loopback HTTP server for client tests: it records every request as received
(raw request target, headers, body) and answers from a script the test writes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional, Union

import pytest

from iamapi._credentials import FrozenCredentials

CREDENTIALS = FrozenCredentials(
    "AKIDEXAMPLE00000TEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None
)


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Reply = Union[tuple[int, dict[str, str], bytes], str]
"""A reply: (status, headers, body), or "reset" to drop the connection unanswered."""


@dataclass
class ScriptedServer:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)
    default: Reply = (200, {"Content-Type": "application/json"}, b'{"ok": true}')
    responder: Optional[Callable[[Received], Reply]] = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: Received) -> Reply:
        with self.lock:
            self.received.append(request)
            if self.responder is not None:
                return self.responder(request)
            return self.script.pop(0) if self.script else self.default


def _handler(server_state: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _read_chunked(self) -> bytes:
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()

        def _handle(self) -> None:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = self._read_chunked()
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
            request = Received(self.command, self.path, list(self.headers.items()), body)
            reply = server_state.next_reply(request)
            if reply == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            assert not isinstance(reply, str)
            status, headers, payload = reply
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler


@contextmanager
def _serve(base_path: str) -> Iterator[ScriptedServer]:
    state = ScriptedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}{base_path}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A started scripted server; its URL ends in the stage ``/prod``."""
    with _serve("/prod") as state:
        yield state


@pytest.fixture
def other_scripted() -> Iterator[ScriptedServer]:
    """A second scripted server (another host:port), for cross-host redirects."""
    with _serve("") as state:
        yield state
