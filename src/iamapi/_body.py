"""Request bodies: the payload hash of exactly the bytes that will be sent, and replay.

Bytes are hashed as they are; a ``str`` body is encoded to UTF-8 once, and the
request is changed to send those bytes (``http.client`` would otherwise encode
it as Latin-1 and fail on other text). A seekable binary file is hashed in
1 MiB chunks from its current position and put back there, so a 1 GB upload
never sits in memory. Anything else (a generator, a socket, a closed or text
mode file) cannot be hashed and replayed and gets :class:`UnsignableBodyError`,
unless the service accepts ``UNSIGNED-PAYLOAD`` and the caller asked for it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Optional

from iamapi._canonical import EMPTY_SHA256, UNSIGNED_PAYLOAD
from iamapi._exceptions import UnsignableBodyError

if TYPE_CHECKING:
    import requests

__all__ = [
    "UNSIGNED_PAYLOAD",
    "body_position",
    "check_body",
    "payload_hash",
    "replayable",
    "rewind",
]

_CHUNK = 1 << 20


def _hash_file(stream: Any) -> str:
    if getattr(stream, "closed", False):
        raise UnsignableBodyError(
            "The request body is a closed file. Pass an open file, or its bytes."
        )
    try:
        start = stream.tell()
    except (OSError, AttributeError, ValueError):
        start = None
    if start is None or not _seekable(stream):
        raise UnsignableBodyError(
            "The request body is a stream that cannot be rewound, so it cannot be hashed for "
            "the signature and sent again on a retry. Pass bytes or a seekable file opened in "
            "binary mode ('rb'), or set unsigned_payload=True for a service that accepts "
            "UNSIGNED-PAYLOAD (Lambda function URLs do; API Gateway does not)."
        )
    digest = hashlib.sha256()
    readinto = getattr(stream, "readinto", None)
    try:
        if readinto is not None:
            buffer = bytearray(_CHUNK)
            view = memoryview(buffer)
            while True:
                count = readinto(view)
                if not count:
                    break
                digest.update(view[:count])
        else:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if isinstance(chunk, str):
                    raise UnsignableBodyError(_TEXT_MODE)
                digest.update(chunk)
    finally:
        stream.seek(start)
    return digest.hexdigest()


def _seekable(stream: Any) -> bool:
    seekable = getattr(stream, "seekable", None)
    if seekable is not None:
        try:
            return bool(seekable())
        except (OSError, ValueError):
            return False
    return hasattr(stream, "seek")


_TEXT_MODE = (
    "The request body is a file opened in text mode. Open it in binary mode ('rb') "
    "so the bytes that are hashed are the bytes that are sent."
)


def check_body(data: Any) -> None:
    """Refuse, before anything is built, a body that could not be signed as sent."""
    if hasattr(data, "read") and "b" not in str(getattr(data, "mode", "b")):
        raise UnsignableBodyError(_TEXT_MODE)


def payload_hash(request: requests.PreparedRequest, *, unsigned_payload: bool = False) -> str:
    """Return the hex SHA-256 of the body ``request`` will send.

    A ``str`` body is replaced by its UTF-8 bytes (and ``Content-Length`` fixed).
    """
    body: Any = request.body
    if body is None:
        return EMPTY_SHA256
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    if isinstance(body, str):
        data = body.encode("utf-8")
        request.body = data
        request.headers["Content-Length"] = str(len(data))
        return hashlib.sha256(data).hexdigest()
    if isinstance(body, (bytearray, memoryview)):
        return hashlib.sha256(body).hexdigest()
    if hasattr(body, "read"):
        check_body(body)
        if unsigned_payload:
            return UNSIGNED_PAYLOAD
        return _hash_file(body)
    if unsigned_payload:
        return UNSIGNED_PAYLOAD
    raise UnsignableBodyError(
        f"A request body of type {type(body).__name__} (a generator or iterator) can be sent "
        "only once, so it cannot be hashed for the signature and replayed on a retry. Pass "
        "bytes or a seekable file opened in binary mode ('rb'), or set unsigned_payload=True "
        "for a service that accepts UNSIGNED-PAYLOAD (Lambda function URLs do)."
    )


def replayable(request: requests.PreparedRequest) -> bool:
    """True when the body can be sent again: none, bytes, text, or a seekable file."""
    body: Any = request.body
    if body is None or isinstance(body, (bytes, bytearray, memoryview, str)):
        return True
    return hasattr(body, "read") and _seekable(body) and not getattr(body, "closed", False)


def body_position(request: requests.PreparedRequest) -> Optional[int]:
    """The current position of a file body, to rewind to before a retry; else ``None``."""
    body: Any = request.body
    if body is not None and hasattr(body, "read") and hasattr(body, "tell"):
        try:
            return int(body.tell())
        except (OSError, ValueError):
            return None
    return None


def rewind(request: requests.PreparedRequest, position: Optional[int]) -> None:
    """Put a file body back at ``position`` so the next attempt sends it whole."""
    if position is not None:
        request.body.seek(position)  # type: ignore[union-attr]
