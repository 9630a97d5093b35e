"""Requests signed by other SigV4 implementations are accepted; any change after signing is not."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, Callable, Optional
from urllib.parse import quote, urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests_aws4auth import AWS4Auth

from emulator.helpers import ALICE, RawClient, raw_request
from iamapi.emulator import Gateway, Principal

TEMPORARY = Principal(
    "ASIATEMPORARY0000001",
    "temporary/secret",
    session_token="FwoGZXIvYXdzEBY//////////token+with/odd=chars",
    arn="arn:aws:sts::123456789012:assumed-role/app/session-1",
)


@pytest.fixture
def gw() -> Iterator[Gateway]:
    with Gateway(principals=[ALICE, TEMPORARY]) as gateway:
        yield gateway


def botocore_prepared(
    gateway: Gateway,
    method: str,
    path: str,
    *,
    principal: Principal = ALICE,
    params: Any = None,
    headers: Optional[dict[str, str]] = None,
    body: bytes = b"",
) -> Any:
    request = AWSRequest(
        method=method, url=gateway.url + path, params=params or {}, headers=headers or {}, data=body
    )
    credentials = Credentials(principal.access_key, principal.secret_key, principal.session_token)
    SigV4Auth(credentials, gateway.service, gateway.region).add_auth(request)
    return request.prepare()


def send_prepared(session: requests.Session, prepared: Any) -> requests.Response:
    return session.request(
        prepared.method, prepared.url, headers=dict(prepared.headers), data=prepared.body
    )


CASES = [
    ("GET", "/pets", None, {}, b""),
    ("GET", "/pets", {"type": "dog", "limit": "10"}, {}, b""),
    (
        "GET",
        "/search",
        {"q": "a b+c", "star": "*", "tilde": "~x", "slash": "a/b", "e": ""},
        {},
        b"",
    ),
    ("GET", "/search", {"utf": "café ☃", "amp": "a&b=c", "dollar": "$1,2;3"}, {}, b""),
    ("GET", "/search", [("k", "2"), ("k", "1"), ("k", "1"), ("j", "")], {}, b""),
    ("GET", "/items/caf%C3%A9/a%2Fb/%24default/%40connections", None, {}, b""),
    ("GET", "/files/a%20b/c+d/~e", None, {}, b""),
    ("POST", "/pets", None, {"Content-Type": "application/json"}, b'{"name": "Rex"}'),
    ("PUT", "/blobs/1", None, {"Content-Type": "application/octet-stream"}, bytes(range(256))),
    ("PATCH", "/pets/1", {"dry": "1"}, {"X-Custom": "spaced   value  \t x"}, b"{}"),
    ("DELETE", "/pets/1", None, {}, b""),
    ("GET", "/", None, {}, b""),
]


@pytest.mark.parametrize(("method", "path", "params", "headers", "body"), CASES)
@pytest.mark.parametrize("principal", [ALICE, TEMPORARY], ids=["long-term", "session"])
def test_botocore_signed_requests_are_accepted(
    gw: Gateway,
    principal: Principal,
    method: str,
    path: str,
    params: Any,
    headers: dict[str, str],
    body: bytes,
) -> None:
    prepared = botocore_prepared(
        gw, method, path, principal=principal, params=params, headers=headers, body=body
    )
    with requests.Session() as session:
        response = send_prepared(session, prepared)
    assert response.status_code == 200, response.text
    echoed = response.json()
    assert echoed["method"] == method
    assert echoed["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert echoed["caller_arn"] == principal.arn
    assert "authorization" not in echoed["headers"]
    assert "x-amz-security-token" not in echoed["headers"]
    assert [r.verdict for r in gw.requests] == ["ok"]


@pytest.mark.parametrize(("method", "path", "params", "headers", "body"), CASES)
def test_requests_aws4auth_signed_requests_are_accepted(
    gw: Gateway,
    method: str,
    path: str,
    params: Any,
    headers: dict[str, str],
    body: bytes,
) -> None:
    auth = AWS4Auth(ALICE.access_key, ALICE.secret_key, gw.region, "execute-api")
    with requests.Session() as session:
        response = session.request(
            method, gw.url + path, params=params, headers=headers, data=body, auth=auth
        )
    assert response.status_code == 200, response.text
    assert response.json()["caller_arn"] == ALICE.arn


def test_requests_aws4auth_with_session_token(gw: Gateway) -> None:
    auth = AWS4Auth(
        TEMPORARY.access_key,
        TEMPORARY.secret_key,
        gw.region,
        "execute-api",
        session_token=TEMPORARY.session_token,
    )
    with requests.Session() as session:
        response = session.get(gw.url + "/x", params={"a": "1"}, auth=auth)
    assert response.status_code == 200, response.text
    assert response.json()["caller_arn"] == TEMPORARY.arn


def test_botocore_presigned_url_is_accepted(gw: Gateway) -> None:
    request = AWSRequest(method="GET", url=gw.url + "/reports/7", params={"fmt": "csv x"})
    credentials = Credentials(TEMPORARY.access_key, TEMPORARY.secret_key, TEMPORARY.session_token)
    SigV4QueryAuth(credentials, "execute-api", gw.region, expires=60).add_auth(request)
    url = request.prepare().url
    assert "X-Amz-Signature=" in url
    with requests.Session() as session:
        response = session.get(url)
        assert response.status_code == 200, response.text
        assert response.json()["caller_arn"] == TEMPORARY.arn
        tampered = session.get(url.replace("fmt=csv", "fmt=pdf"))
        assert tampered.status_code == 403
    assert [r.verdict for r in gw.requests] == ["ok", "signature_mismatch"]


# -- mutations after signing ----------------------------------------------------------


def raw_from_prepared(
    gateway: Gateway, prepared: Any
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    parts = urlsplit(prepared.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), *prepared.headers.items()]
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    if body:
        headers.append(("Content-Length", str(len(body))))
    return prepared.method, target, headers, body


def _replace_header(
    headers: list[tuple[str, str]], name: str, change: Callable[[str], str]
) -> list[tuple[str, str]]:
    return [(k, change(v) if k.lower() == name else v) for k, v in headers]


def _shift_date(value: str) -> str:
    second = int(value[13:15])
    return value[:13] + f"{second - 1 if second else second + 1:02d}" + value[15:]


Mutation = Callable[
    [str, str, list[tuple[str, str]], bytes], tuple[str, str, list[tuple[str, str]], bytes]
]

MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "method": (lambda m, t, h, b: ("PUT", t, h, b), "signature_mismatch"),
    "path byte": (lambda m, t, h, b: (m, t.replace("/pets", "/pots"), h, b), "signature_mismatch"),
    "path encoding": (
        lambda m, t, h, b: (m, t.replace("a%20b", "a+b"), h, b),
        "signature_mismatch",
    ),
    "query value": (
        lambda m, t, h, b: (m, t.replace("kind=dog", "kind=cat"), h, b),
        "signature_mismatch",
    ),
    "query added": (lambda m, t, h, b: (m, t + "&extra=1", h, b), "signature_mismatch"),
    "signed header": (
        lambda m, t, h, b: (m, t, _replace_header(h, "x-custom", lambda v: v + "!"), b),
        "signature_mismatch",
    ),
    "host": (
        lambda m, t, h, b: (m, t, _replace_header(h, "host", lambda v: "localhost:1"), b),
        "signature_mismatch",
    ),
    "body byte": (lambda m, t, h, b: (m, t, h, b[:-1] + bytes([b[-1] ^ 1])), "signature_mismatch"),
    "date": (
        lambda m, t, h, b: (m, t, _replace_header(h, "x-amz-date", _shift_date), b),
        "signature_mismatch",
    ),
    "region": (
        lambda m, t, h, b: (
            m,
            t,
            _replace_header(h, "authorization", lambda v: v.replace("/us-east-1/", "/us-west-2/")),
            b,
        ),
        "wrong_region",
    ),
    "service": (
        lambda m, t, h, b: (
            m,
            t,
            _replace_header(h, "authorization", lambda v: v.replace("/execute-api/", "/lambda/")),
            b,
        ),
        "wrong_service",
    ),
    "signature": (
        lambda m, t, h, b: (
            m,
            t,
            _replace_header(h, "authorization", lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")),
            b,
        ),
        "signature_mismatch",
    ),
    "access key": (
        lambda m, t, h, b: (
            m,
            t,
            _replace_header(h, "authorization", lambda v: v.replace(ALICE.access_key, "AKIDOTHER")),
            b,
        ),
        "invalid_token",
    ),
    "token": (
        lambda m, t, h, b: (m, t, _replace_header(h, "x-amz-security-token", lambda v: v + "x"), b),
        "invalid_token",
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS), ids=list(MUTATIONS))
def test_mutating_a_signed_component_is_rejected(gw: Gateway, mutation: str) -> None:
    principal = TEMPORARY if mutation == "token" else ALICE
    prepared = botocore_prepared(
        gw,
        "POST",
        "/pets/a%20b",
        principal=principal,
        params={"kind": "dog"},
        headers={"X-Custom": "v", "Content-Type": "application/json"},
        body=b'{"name":"Rex"}',
    )
    original = raw_from_prepared(gw, prepared)
    change, verdict = MUTATIONS[mutation]
    with RawClient(gw.port) as client:
        assert client.send(raw_request(*original)).status == 200
        response = client.send(raw_request(*change(*original)))
    assert response.status == 403
    assert [r.verdict for r in gw.requests] == ["ok", verdict]
    assert gw.executions("POST", "/pets/a%20b") == 1


def test_unsigned_extra_header_is_fine(gw: Gateway) -> None:
    prepared = botocore_prepared(gw, "GET", "/pets")
    method, target, headers, body = raw_from_prepared(gw, prepared)
    headers.append(("X-Added-Later", "yes"))
    with RawClient(gw.port) as client:
        assert client.send(raw_request(method, target, headers, body)).status == 200


# -- property: whatever botocore signs, the emulator accepts -----------------------

_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00", max_codepoint=0x2FFF
    ),
    min_size=1,
    max_size=12,
)
_SEGMENT = _TEXT.filter(lambda s: s not in (".", ".."))
_HEADER_VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20
).map(lambda v: v.replace('"', ""))


def test_anything_botocore_signs_is_accepted() -> None:
    with Gateway(principals=[ALICE]) as gateway, requests.Session() as session:

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(
            segments=st.lists(_SEGMENT, min_size=1, max_size=4),
            params=st.dictionaries(_TEXT, _TEXT, max_size=4),
            header=_HEADER_VALUE,
            body=st.binary(max_size=64),
        )
        def check(segments: list[str], params: dict[str, str], header: str, body: bytes) -> None:
            path = "/" + "/".join(quote(s, safe="") for s in segments)
            prepared = botocore_prepared(
                gateway, "POST", path, params=params, headers={"X-Thing": header}, body=body
            )
            response = send_prepared(session, prepared)
            assert response.status_code == 200, response.text
            echoed = response.json()
            assert echoed["resource_path"] == path
            assert echoed["body_length"] == len(body)

        check()
