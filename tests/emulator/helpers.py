"""Helpers for the emulator's tests: a raw-socket HTTP client and an independent SigV4 signer.

The signer here is written from the SigV4 description, without
``iamapi._canonical``, so the verifier is never checked only against itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote, unquote_to_bytes

from iamapi.emulator import Gateway, Principal

ALICE = Principal(
    "AKIDALICE00000000001", "alice/secret+key", arn="arn:aws:iam::123456789012:user/alice"
)
BOB = Principal("AKIDBOB0000000000002", "bob-secret", arn="arn:aws:iam::123456789012:user/bob")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


# -- raw HTTP ----------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def has(self, name: str) -> bool:
        return self.header(name) is not None

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """One TCP connection; ``send`` writes bytes and reads exactly one response."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def read_response(self, *, head_only: bool = False) -> RawResponse:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("connection closed before a response")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        _, status, reason = lines[0].split(" ", 2)
        headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
        response = RawResponse(int(status), reason, headers, b"")  # type: ignore[arg-type]
        length = 0 if head_only else int(response.header("content-length") or 0)
        while len(self.buffer) < length:
            if not self._fill():
                raise ConnectionError("connection closed inside the body")
        response.body, self.buffer = self.buffer[:length], self.buffer[length:]
        return response

    def send(self, data: bytes, *, head_only: bool = False) -> RawResponse:
        self.sock.sendall(data)
        return self.read_response(head_only=head_only)

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def raw_request(
    method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes = b""
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *[f"{k}: {v}" for k, v in headers]]
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def exchange(port: int, data: bytes) -> RawResponse:
    with RawClient(port) as client:
        return client.send(data)


# -- an independent SigV4 signer -------------------------------------------------


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def oracle_canonical(
    method: str, target: str, headers: Sequence[tuple[str, str]], signed: Sequence[str], body: bytes
) -> str:
    """The canonical request for a raw target and header list (API Gateway rules)."""
    path, _, query = target.partition("?")
    segments = [s for s in path.split("/") if s not in ("", ".")]
    uri = "/" + "/".join(quote(s, safe="-_.~") for s in segments)
    if path.endswith("/") and segments:
        uri += "/"
    pairs = []
    for item in filter(None, query.split("&")):
        name, _, value = item.partition("=")
        name_b = unquote_to_bytes(name.replace("+", " "))
        value_b = unquote_to_bytes(value.replace("+", " "))
        pairs.append((quote(name_b, safe="-_.~"), quote(value_b, safe="-_.~")))
    canonical_query = "&".join(f"{n}={v}" for n, v in sorted(pairs))
    wanted = sorted({s.lower() for s in signed})
    lines = []
    for name in wanted:
        values = [" ".join(v.split()) for k, v in headers if k.lower() == name]
        if values:
            lines.append(f"{name}:{','.join(values)}\n")
    present = [n for n in wanted if any(k.lower() == n for k, _ in headers)]
    return "\n".join(
        [
            method,
            uri,
            canonical_query,
            "".join(lines),
            ";".join(present),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def oracle_sign(
    principal: Principal,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes = b"",
    *,
    amz_date: str,
    region: str = "us-east-1",
    service: str = "execute-api",
    signed: Optional[Sequence[str]] = None,
) -> tuple[str, str, str]:
    """Return ``(Authorization value, canonical request, string to sign)``."""
    names = list(signed) if signed is not None else [k.lower() for k, _ in headers]
    canonical = oracle_canonical(method, target, headers, names, body)
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + principal.secret_key).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed_list = ";".join(sorted({n.lower() for n in names}))
    value = (
        f"AWS4-HMAC-SHA256 Credential={principal.access_key}/{scope}, "
        f"SignedHeaders={signed_list}, Signature={signature}"
    )
    return value, canonical, to_sign


def amz_date_of(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Signed:
    data: bytes
    canonical: str
    string_to_sign: str
    headers: list[tuple[str, str]]


def signed_request(
    gateway: Gateway,
    method: str,
    target: str,
    *,
    principal: Principal = ALICE,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    amz_date: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    token: Optional[str] = None,
) -> Signed:
    """A raw request signed by the oracle, dated by the gateway's clock."""
    date = amz_date or amz_date_of(gateway.now())
    all_headers = [("Host", f"127.0.0.1:{gateway.port}"), ("X-Amz-Date", date), *headers]
    if token is not None:
        all_headers.append(("X-Amz-Security-Token", token))
    if body:
        all_headers.append(("Content-Length", str(len(body))))
    authorization, canonical, to_sign = oracle_sign(
        principal,
        method,
        target,
        all_headers,
        body,
        amz_date=date,
        region=region or gateway.region,
        service=service or gateway.service,
    )
    final = [*all_headers, ("Authorization", authorization)]
    return Signed(raw_request(method, target, final, body), canonical, to_sign, final)
