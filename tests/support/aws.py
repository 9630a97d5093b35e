"""Loopback AWS credential sources shared by the test suite.

Everything listens on 127.0.0.1 only: a generic HTTP server for container and
instance metadata endpoints, a credential "mint" that numbers generations, and
one moto STS server shared by the whole session. ``tests/conftest.py`` makes
the fixtures available to every test folder.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

# (method, path, headers, body) -> (status, headers, body)
Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class LoopbackServer:
    """A threaded HTTP/1.0 server on 127.0.0.1 that answers through ``handler``."""

    def __init__(self, handler: Handler) -> None:
        outer = self

        class _RequestHandler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, extra, payload = outer.handler(self.command, self.path, headers, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _RequestHandler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], LoopbackServer]]:
    """Start loopback servers for this test; all are stopped at its end."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler) -> LoopbackServer:
        server = LoopbackServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Mint:
    """Hands out numbered credential generations and counts the requests for them.

    Every field of a generation carries its number, so a mix of two generations
    is visible. With ``rotate_every`` the number follows the clock instead of
    the hit count. ``delay`` slows each answer down (to line threads up behind
    a refresh in progress).
    """

    def __init__(
        self,
        lifetime: timedelta = timedelta(hours=1),
        rotate_every: Optional[float] = None,
        delay: float = 0.0,
    ) -> None:
        self.lifetime = lifetime
        self.rotate_every = rotate_every
        self.delay = delay
        self.hits = 0
        self._lock = threading.Lock()

    def issue(self) -> dict[str, str]:
        with self._lock:
            self.hits += 1
            hits = self.hits
        if self.delay:
            time.sleep(self.delay)
        number = int(time.monotonic() / self.rotate_every) if self.rotate_every else hits
        return {
            "AccessKeyId": f"ASIAGEN{number:013d}",
            "SecretAccessKey": f"mint-secret-{number}-sk",
            "Token": f"mint-token-{number}-st",
            "Expiration": _iso(datetime.now(timezone.utc) + self.lifetime),
        }


@pytest.fixture
def container(
    serve: Callable[[Handler], LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Mint]:
    """A container credentials endpoint on loopback, wired through the environment.

    ``container(token="...")`` also requires ``Authorization: <token>``.
    """

    def start(token: Optional[str] = None, **mint_options: Any) -> Mint:
        mint = Mint(**mint_options)

        def handle(
            method: str, path: str, headers: dict[str, str], body: bytes
        ) -> tuple[int, dict[str, str], bytes]:
            if path != "/creds" or method != "GET":
                return 404, {}, b"not here"
            if token is not None and headers.get("authorization") != token:
                return 401, {}, b'{"message": "bad token"}'
            return 200, {"Content-Type": "application/json"}, json.dumps(mint.issue()).encode()

        server = serve(handle)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{server.url}/creds")
        if token is not None:
            monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
        return mint

    return start


@pytest.fixture
def aws_files() -> Callable[..., None]:
    """Write the shared config and credentials files the suite's isolation points at."""

    def write(config: str = "", credentials: str = "") -> None:
        for variable, text in (
            ("AWS_CONFIG_FILE", config),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials),
        ):
            path = Path(os.environ[variable])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    return write


@pytest.fixture(scope="session")
def moto_sts_url() -> Iterator[str]:
    """One moto server for the session (it takes a while to start), on loopback."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def sts(moto_sts_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point botocore's STS client at the local moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_sts_url)
    return moto_sts_url
