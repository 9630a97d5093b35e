"""HTTP/1.1 as it is on the socket: the raw request head, the body, the response bytes.

Nothing here goes through ``http.server``, ``urllib`` or ``email``: the
request line is split on spaces, the target keeps its percent-encoding, and
headers stay a list of ``(name, value)`` pairs in the order they arrived,
repeated names included, so the verifier sees what the client really sent.

Header values are decoded as Latin-1 (what Python HTTP clients encode them
with); the request target as UTF-8 when it is valid UTF-8.
"""

from __future__ import annotations

import http
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Optional

__all__ = [
    "BadRequest",
    "BodyTooLarge",
    "RawRequest",
    "Response",
    "read_body",
    "read_head",
    "render_response",
]

_MAX_LINE = 65536
_MAX_HEADERS = 200
_CHUNK = 1 << 16


class BadRequest(Exception):
    """The bytes on the socket are not an HTTP/1.x request we can read."""


class BodyTooLarge(Exception):
    """The body is (or announces to be) longer than the payload limit."""


@dataclass
class RawRequest:
    """One request as received: request line parts and header lines, verbatim."""

    method: str
    target: str
    version: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    body_read: bool = False
    _index: Optional[dict[str, str]] = field(default=None, repr=False)

    def header(self, name: str) -> Optional[str]:
        """The value of header ``name`` (any case); repeated headers joined with ``,``."""
        index = self._index
        if index is None:
            index = {}
            for hname, value in self.headers:
                key = hname.lower()
                index[key] = f"{index[key]},{value}" if key in index else value
            self._index = index
        return index.get(name.lower())

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass
class Response:
    """What to send back; ``reset`` drops the connection instead of answering."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False
    reset: bool = False


def _decode_target(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_head(rfile: BinaryIO) -> Optional[RawRequest]:
    """Read a request line and headers; ``None`` on a clean end of stream."""
    line = rfile.readline(_MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate blank lines between requests
        line = rfile.readline(_MAX_LINE + 1)
    if not line:
        return None
    if len(line) > _MAX_LINE or not line.endswith(b"\n"):
        raise BadRequest("request line too long or cut short")
    text = line.rstrip(b"\r\n")
    method_b, sep, rest = text.partition(b" ")
    target_b, sep2, version_b = rest.rpartition(b" ")
    if not sep or not sep2 or not method_b or not target_b:
        raise BadRequest("malformed request line")
    version = version_b.decode("latin-1")
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest(f"unsupported protocol version {version!r}")
    method = method_b.decode("latin-1")
    if not method.isalpha() or not method.isupper():
        raise BadRequest("malformed method")
    target = _decode_target(target_b)
    path_part = target
    if not target.startswith("/") and "://" in target:  # absolute-form: drop the authority
        after = target.split("://", 1)[1]
        slash = after.find("/")
        path_part = after[slash:] if slash >= 0 else "/"
    path, _, query = path_part.partition("?")
    path = path.split("#", 1)[0]
    headers: list[tuple[str, str]] = []
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if not line:
            raise BadRequest("connection closed inside the request head")
        if len(line) > _MAX_LINE:
            raise BadRequest("header line too long")
        if line in (b"\r\n", b"\n"):
            break
        content = line.rstrip(b"\r\n").decode("latin-1")
        if content[:1] in (" ", "\t"):  # obsolete line folding: continue the last value
            if not headers:
                raise BadRequest("continuation line before any header")
            name, value = headers[-1]
            folded = content.strip(" \t")
            headers[-1] = (name, f"{value} {folded}".strip(" \t"))
            continue
        name, colon, value = content.partition(":")
        if not colon or not name or name != name.strip() or " " in name:
            raise BadRequest(f"malformed header line {content[:40]!r}")
        headers.append((name, value.strip(" \t")))
        if len(headers) > _MAX_HEADERS:
            raise BadRequest("too many headers")
    return RawRequest(method, target, version, path, query, headers)


def read_body(
    rfile: BinaryIO,
    request: RawRequest,
    limit: int,
    send_continue: Callable[[], None],
) -> bytes:
    """Read the body announced by ``Content-Length`` or ``Transfer-Encoding: chunked``.

    Raises :class:`BodyTooLarge` before reading when ``Content-Length`` is over
    ``limit``, and as soon as a chunked body passes it; the connection must
    then be closed since the rest of the body is still unread.
    """
    encoding = (request.header("transfer-encoding") or "").lower()
    expects = (request.header("expect") or "").lower() == "100-continue"
    if "chunked" in encoding:
        if expects:
            send_continue()
        body = _read_chunked(rfile, limit)
    else:
        length_text = request.header("content-length")
        if length_text is None:
            request.body_read = True
            return b""
        lengths = {part.strip() for part in length_text.split(",")}
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise BadRequest("invalid Content-Length")
        length = int(next(iter(lengths)))
        if length > limit:
            raise BodyTooLarge
        if expects and length:
            send_continue()
        body = _read_exactly(rfile, length)
    request.body = body
    request.body_read = True
    return body


def _read_exactly(rfile: BinaryIO, length: int) -> bytes:
    parts: list[bytes] = []
    remaining = length
    while remaining:
        chunk = rfile.read(min(remaining, _CHUNK))
        if not chunk:
            raise BadRequest("connection closed inside the body")
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _read_chunked(rfile: BinaryIO, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if not line.endswith(b"\n"):
            raise BadRequest("bad chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadRequest("bad chunk size") from None
        if size == 0:
            break
        total += size
        if total > limit:
            raise BodyTooLarge
        parts.append(_read_exactly(rfile, size))
        if rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest("chunk not followed by CRLF")
    while True:  # trailer section, ignored
        line = rfile.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n", b""):
            break
    return b"".join(parts)


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def render_response(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    head_only: bool = False,
) -> bytes:
    """Serialise a response; ``Content-Length`` is always set from ``body``."""
    lines = [f"HTTP/1.1 {status} {_reason(status)}"]
    for name, value in headers:
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head if head_only else head + body
