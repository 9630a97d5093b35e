"""A minimal HTTP/1.1 keep-alive server for the benchmarks, run in its own process.

It answers every request with the same small ``200`` JSON response, reads and
discards ``Content-Length`` bodies as they arrive (a 1 GB upload is never held
in memory), and keeps connections open. It parses only what it needs, so it
costs a fraction of what a ``requests`` client spends per request: the client
is what the throughput figures measure.

Run as a script it prints ``PORT <n>`` once listening on 127.0.0.1 and stops
when its standard input closes, so it never outlives the benchmark that
started it. :func:`running_server` does all of that from the benchmark side.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

BODY = b'{"message":"ok","items":[1,2,3]}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json\r\n"
    b"x-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n"
    b"\r\n" + BODY
)
CLOSE_RESPONSE = RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_MAX_HEAD = 64 * 1024


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parse heads, skip bodies, answer each request."""

    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()
        self.body_left = 0  # bytes of the current body still to discard
        self.close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.body_left:
            if len(data) <= self.body_left:
                self.body_left -= len(data)
                if not self.body_left:
                    self._answer()
                return
            data = data[self.body_left :]
            self.body_left = 0
            self._answer()
        self.buffer += data
        self._parse()

    def _parse(self) -> None:
        transport = self.transport
        assert transport is not None
        while self.buffer and not transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self._fail()
                return
            head = bytes(self.buffer[:end]).lower()
            del self.buffer[: end + 4]
            length = 0
            if b"transfer-encoding:" in head:
                self._fail()  # chunked bodies are not needed by the benchmarks
                return
            start = head.find(b"\r\ncontent-length:")
            if start >= 0:
                stop = head.find(b"\r\n", start + 2)
                value = head[start + 17 : stop if stop >= 0 else len(head)]
                try:
                    length = int(value.strip())
                except ValueError:
                    self._fail()
                    return
            self.close_after = b"\r\nconnection: close" in head
            if length <= len(self.buffer):
                del self.buffer[:length]
                self._answer()
            else:
                self.body_left = length - len(self.buffer)
                self.buffer.clear()
                return

    def _answer(self) -> None:
        transport = self.transport
        assert transport is not None
        if self.close_after:
            transport.write(CLOSE_RESPONSE)
            transport.close()
        else:
            transport.write(RESPONSE)

    def _fail(self) -> None:
        transport = self.transport
        assert transport is not None
        transport.write(BAD_REQUEST)
        transport.close()
        self.buffer.clear()


async def _serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    server = await loop.create_server(_Connection, "127.0.0.1", port, backlog=128)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)

    def stop() -> None:
        if not stopped.done():
            stopped.set_result(None)

    def wait_for_stdin_close() -> None:
        sys.stdin.buffer.read()  # returns when the parent closes the pipe or dies
        loop.call_soon_threadsafe(stop)

    threading.Thread(target=wait_for_stdin_close, daemon=True).start()
    async with server:
        await stopped


@dataclass
class RunningServer:
    """A started server process: its port and a way to read its CPU time."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> Optional[float]:
        """User + system CPU time the server has used so far (Linux), else ``None``."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return None
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_server() -> Iterator[RunningServer]:
    """Start the server in a separate process; always stop it on the way out."""
    process = subprocess.Popen(
        [sys.executable, __file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError(f"the benchmark server did not start (said {line!r})")
        yield RunningServer(port=int(line[1]), process=process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
