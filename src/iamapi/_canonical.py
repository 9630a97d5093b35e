"""The SigV4 canonical request and string to sign, as pure functions.

This module is the one canonicalizer of the project: the client's signer, the
emulator's verifier and the signature-mismatch diff all build their canonical
strings here, so a rule written once is applied the same way on both sides of
the wire.

The rules are those API Gateway (service ``execute-api``) and Lambda function
URLs apply:

* the path is taken exactly as it is sent, dot segments and duplicate slashes
  are removed, and each segment is percent-encoded once more (``%2F`` becomes
  ``%252F``, a space sent as ``%20`` becomes ``%2520``);
* query pairs are form-decoded (``+`` is a space) and each name and value is
  percent-encoded with only ``A-Z a-z 0-9 - _ . ~`` left alone, then sorted by
  name and value; repeated and valueless names are kept;
* header names are lower-cased, values trimmed with inner runs of whitespace
  collapsed, repeated headers joined with ``,`` in the order they were sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "SigningKey",
    "authorization_header",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "derive_signing_key",
    "sign_string",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
"""The payload hash of a body that is not hashed (accepted by Lambda, not by API Gateway)."""

_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_UNRESERVED = "-_.~"  # with ASCII letters and digits, which quote() always keeps
_WHITESPACE_RUN = re.compile(r"[ \t\r\n]+")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/\-_.~]*\Z")
_PLAIN_PART = re.compile(r"[A-Za-z0-9\-_.~]*\Z")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9\-_.~=&]*\Z")


def _remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` and drop empty segments, keeping a trailing slash."""
    output: list[str] = []
    segments = path.split("/")
    for segment in segments:
        if segment in ("", "."):
            continue
        if segment == "..":
            if output:
                output.pop()
            continue
        output.append(segment)
    trailing = segments[-1] in ("", ".", "..") and bool(output)
    return "/" + "/".join(output) + ("/" if trailing else "")


def canonical_uri(path: str, *, normalize: bool = True) -> str:
    """Return the canonical URI for ``path`` as it appears on the wire.

    ``path`` is the request target's path, without the query, exactly as sent
    (already percent-encoded by the HTTP client). Every character outside the
    unreserved set, ``%`` included, is percent-encoded once more; ``/`` is kept.
    With ``normalize`` (the rule for every service but S3) dot segments and
    empty segments are removed first.
    """
    if not path:
        return "/"
    if normalize and ("//" in path or "/." in path):
        path = _remove_dot_segments(path)
    if _PLAIN_PATH.match(path):
        return path
    return quote(path, safe="/" + _UNRESERVED)


def _encode_query_part(part: str) -> str:
    if _PLAIN_PART.match(part):
        return part
    return quote_from_bytes(unquote_to_bytes(part.replace("+", " ")), safe=_UNRESERVED)


def canonical_query(query: str) -> str:
    """Return the canonical query string for the raw query ``query`` (no leading ``?``).

    Pairs are form-decoded (``+`` is a space, ``%XX`` is a byte), then each name
    and value is percent-encoded with only the unreserved set kept, and the pairs
    are sorted by encoded name, then value. A name without ``=`` gets an empty
    value; empty pairs (``a=1&&b=2``) are dropped.
    """
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    if _PLAIN_QUERY.match(query):
        # Only unreserved characters, '=' and '&': names are already canonical, and so
        # is each value unless it holds a second '='.
        for item in query.split("&"):
            if item:
                name, _, value = item.partition("=")
                pairs.append((name, _encode_query_part(value) if "=" in value else value))
    else:
        for item in query.split("&"):
            if item:
                name, _, value = item.partition("=")
                pairs.append((_encode_query_part(name), _encode_query_part(value)))
    pairs.sort()
    return "&".join([f"{name}={value}" for name, value in pairs])


def _canonical_value(value: str) -> str:
    value = value.strip(" \t\r\n")
    # One-character tests first (memchr), not a regex search: a session token is
    # about 1 KB long and holds no whitespace at all.
    if "\t" in value or "\n" in value or "\r" in value or (" " in value and "  " in value):
        value = _WHITESPACE_RUN.sub(" ", value)
    return value


def canonical_headers(headers: Iterable[tuple[str, str]], signed: Iterable[str]) -> tuple[str, str]:
    """Return ``(canonical header block, signed header list)``.

    ``headers`` are the (name, value) pairs as sent, repeated names included, in
    order; ``signed`` names (any case) the headers to include. The block has one
    ``name:value`` line per header, each ending in a newline, sorted by name; the
    list is the names joined with ``;``.
    """
    wanted = {name.lower() for name in signed}
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in wanted:
            canonical = _canonical_value(value)
            earlier = merged.get(key)
            merged[key] = canonical if earlier is None else f"{earlier},{canonical}"
    names = sorted(merged)
    block = "".join([f"{name}:{merged[name]}\n" for name in names])
    return block, ";".join(names)


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers_block: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    """Join the six parts of a canonical request."""
    return f"{method}\n{uri}\n{query}\n{headers_block}\n{signed_headers}\n{payload_hash}"


def credential_scope(datestamp: str, region: str, service: str) -> str:
    """Return ``YYYYMMDD/region/service/aws4_request``."""
    return f"{datestamp}/{region}/{service}/aws4_request"


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    """Return the string to sign for a canonical request made at ``amz_date``."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def derive_signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """Derive the SigV4 signing key (four chained HMAC-SHA256 steps)."""
    key = hmac.digest(("AWS4" + secret_key).encode("utf-8"), datestamp.encode("ascii"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def sign_string(signing_key: bytes, to_sign: str) -> str:
    """Return the hex signature of ``to_sign`` made with ``signing_key``."""
    return hmac.digest(signing_key, to_sign.encode("utf-8"), "sha256").hex()


class SigningKey:
    """A derived signing key, ready to sign many strings: :func:`sign_string`, made cheaper.

    HMAC-SHA256 (RFC 2104) hashes the key's inner and outer padded blocks before
    the message; here both are hashed once, when the key is made, and each
    signature copies those two states. The result is the same hex signature.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # SHA-256's block size; a derived key is 32 bytes
            key = hashlib.sha256(key).digest()
        block = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def __repr__(self) -> str:
        return "SigningKey(...)"

    def sign(self, to_sign: str) -> str:
        """Return the hex signature of ``to_sign``, as ``sign_string(key, to_sign)`` does."""
        inner = self._inner.copy()
        inner.update(to_sign.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def authorization_header(access_key: str, scope: str, signed_headers: str, signature: str) -> str:
    """Return the ``Authorization`` header value."""
    return (
        f"{ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
