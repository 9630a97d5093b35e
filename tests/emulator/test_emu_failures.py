"""Every failure over a raw socket: exact status, headers and body, per gateway-responses.md.

Requests are written by hand and signed by the independent signer in
``conftest.py``; nothing here goes through an HTTP client library.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from email.utils import parsedate_to_datetime
from typing import Optional

import pytest

from emulator.helpers import (
    ALICE,
    RawClient,
    RawResponse,
    amz_date_of,
    exchange,
    raw_request,
    signed_request,
)
from iamapi.emulator import Faults, Gateway, Principal

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
APIGW_ID = re.compile(r"[A-Za-z0-9+/]{15}=\Z")
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
LAMBDA_FORBIDDEN = (
    b'{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: '
    b'https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}'
)


def body_of(message: str) -> bytes:
    return json.dumps({"message": message}, separators=(",", ":")).encode()


def hashed(value: str) -> str:
    return base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()


def assert_rest(response: RawResponse, status: int, error_type: Optional[str], body: bytes) -> None:
    assert (response.status, response.body) == (status, body)
    assert response.header("x-amzn-ErrorType") == error_type
    assert response.header("Content-Type") == "application/json"
    assert response.header("Content-Length") == str(len(body))
    assert UUID.match(response.header("x-amzn-RequestId") or "")
    assert APIGW_ID.match(response.header("x-amz-apigw-id") or "")
    assert not response.has("apigw-requestid")
    assert parsedate_to_datetime(response.header("Date") or "").tzinfo is not None


def assert_http(response: RawResponse, status: int, body: bytes) -> None:
    assert (response.status, response.body) == (status, body)
    assert response.header("Content-Type") == "application/json"
    assert response.has("apigw-requestid")
    for absent in ("x-amzn-ErrorType", "x-amzn-RequestId", "x-amz-apigw-id"):
        assert not response.has(absent)
    assert response.has("Date")


def last_verdict(gateway: Gateway) -> str:
    return gateway.requests[-1].verdict


def get(gateway: Gateway, target: str, *headers: tuple[str, str]) -> RawResponse:
    host = ("Host", f"127.0.0.1:{gateway.port}")
    return exchange(gateway.port, raw_request("GET", target, [host, *headers]))


# -- REST: unsigned, stage, route ------------------------------------------------------


def test_unsigned_request_is_missing_authentication_token(gateway: Gateway) -> None:
    response = get(gateway, "/prod/pets")
    assert_rest(
        response,
        403,
        "MissingAuthenticationTokenException",
        b'{"message":"Missing Authentication Token"}',
    )
    assert len(response.body) == 42
    assert last_verdict(gateway) == "missing_signature"


@pytest.mark.parametrize("target", ["/dev/pets", "/PROD/pets", "/prodpets", "/", "/%70rod/x"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_unknown_stage_is_forbidden(gateway: Gateway, target: str, signed: bool) -> None:
    if signed:
        response = exchange(gateway.port, signed_request(gateway, "GET", target).data)
    else:
        response = get(gateway, target)
    assert_rest(response, 403, "ForbiddenException", b'{"message":"Forbidden"}')
    assert last_verdict(gateway) == "forbidden"


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "/prod/pest"), ("DELETE", "/prod/pets"), ("GET", "/prod"), ("GET", "/prod/pets/1/x")],
)
def test_unknown_route_is_missing_token_even_when_signed(
    gateway: Gateway, method: str, target: str
) -> None:
    gateway.route("GET", "/pets", (200, {}, b"[]"))
    gateway.route("GET", "/pets/{id}", (200, {}, b"{}"))
    response = exchange(gateway.port, signed_request(gateway, method, target).data)
    assert_rest(
        response,
        403,
        "MissingAuthenticationTokenException",
        b'{"message":"Missing Authentication Token"}',
    )
    assert last_verdict(gateway) == "route_not_found"
    assert gateway.requests[-1].access_key == ALICE.access_key


# -- REST: Authorization header syntax -------------------------------------------------


@pytest.mark.parametrize("value", ["Bearer x", "Bearer eyJhbGciOi.eyJzdWIi.c2ln", "Basic a b"])
def test_non_sigv4_authorization_is_incomplete_signature(gateway: Gateway, value: str) -> None:
    response = get(gateway, "/prod/pets", ("Authorization", value))
    message = (
        "Invalid key=value pair (missing equal-sign) in Authorization header "
        f"(hashed with SHA-256 and encoded with Base64): '{hashed(value)}'."
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "wrong_auth_scheme"


def test_non_sigv4_authorization_on_unknown_route_still_parsed(gateway: Gateway) -> None:
    gateway.route("GET", "/pets", (200, {}, b"[]"))
    response = get(gateway, "/prod/nothing-here", ("Authorization", "Bearer x"))
    assert response.header("x-amzn-ErrorType") == "IncompleteSignatureException"
    assert last_verdict(gateway) == "wrong_auth_scheme"


def test_bare_token_lists_every_missing_parameter(gateway: Gateway) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9"
    response = get(gateway, "/prod/pets", ("Authorization", token))
    message = (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"(Hashed with SHA-256 and encoded with Base64) Authorization={hashed(token)}"
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "wrong_auth_scheme"


def test_sigv4_without_signature_names_only_that_part(gateway: Gateway) -> None:
    value = (
        f"AWS4-HMAC-SHA256 Credential={ALICE.access_key}/20240101/us-east-1/execute-api/"
        "aws4_request, SignedHeaders=host;x-amz-date"
    )
    response = get(
        gateway, "/prod/pets", ("X-Amz-Date", "20240101T000000Z"), ("Authorization", value)
    )
    message = (
        "Authorization header requires 'Signature' parameter. "
        f"(Hashed with SHA-256 and encoded with Base64) Authorization={hashed(value)}"
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "malformed_authorization"


def test_missing_date_names_only_the_date(gateway: Gateway) -> None:
    signed = signed_request(gateway, "GET", "/prod/pets")
    headers = [(k, v) for k, v in signed.headers if k != "X-Amz-Date"]
    value = dict(headers)["Authorization"]
    response = exchange(gateway.port, raw_request("GET", "/prod/pets", headers))
    message = (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"(Hashed with SHA-256 and encoded with Base64) Authorization={hashed(value)}"
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))


def test_credential_with_four_elements(gateway: Gateway) -> None:
    credential = f"{ALICE.access_key}/20240101/us-east-1/execute-api"
    value = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=abc"
    response = get(
        gateway, "/prod/pets", ("X-Amz-Date", "20240101T000000Z"), ("Authorization", value)
    )
    message = (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{credential}'"
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "malformed_authorization"


def test_host_must_be_signed(gateway: Gateway) -> None:
    value = (
        f"AWS4-HMAC-SHA256 Credential={ALICE.access_key}/20240101/us-east-1/execute-api/"
        "aws4_request, SignedHeaders=x-amz-date, Signature=abc"
    )
    response = get(
        gateway, "/prod/pets", ("X-Amz-Date", "20240101T000000Z"), ("Authorization", value)
    )
    message = "'Host' must be a 'SignedHeader' in the AWS Authorization."
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))


def test_unsupported_algorithm(gateway: Gateway) -> None:
    value = (
        f"AWS4-HMAC-SHA1 Credential={ALICE.access_key}/20240101/us-east-1/execute-api/"
        "aws4_request, SignedHeaders=host, Signature=abc"
    )
    response = get(
        gateway, "/prod/pets", ("X-Amz-Date", "20240101T000000Z"), ("Authorization", value)
    )
    message = "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). "
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "malformed_authorization"


def test_date_not_in_basic_format(gateway: Gateway) -> None:
    signed = signed_request(gateway, "GET", "/prod/pets", amz_date="2024-01-01T00:00:00Z")
    response = exchange(gateway.port, signed.data)
    message = (
        "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "malformed_authorization"


def _presigned(gateway: Gateway, **overrides: str) -> str:
    from urllib.parse import quote

    date = overrides.pop("date", amz_date_of(gateway.now()))
    params = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{ALICE.access_key}/{date[:8]}/us-east-1/execute-api/aws4_request",
        "X-Amz-Date": date,
        "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": "0" * 64,
        **overrides,
    }
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v)
    return f"/prod/x?{query}"


def test_presigned_query_missing_a_parameter(gateway: Gateway) -> None:
    response = get(gateway, _presigned(gateway, **{"X-Amz-Signature": ""}))
    message = (
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "Re-examine the query-string parameters."
    )
    assert_rest(response, 403, "IncompleteSignatureException", body_of(message))
    assert last_verdict(gateway) == "malformed_authorization"


def test_presigned_query_past_its_expiry(gateway: Gateway) -> None:
    sent = amz_date_of(gateway.now() - 120)
    response = get(gateway, _presigned(gateway, date=sent))
    now = _server_time(gateway)
    message = (
        f"Signature expired: {sent} is now earlier than {amz_date_of(now - 60)} "
        f"({amz_date_of(now)} - 1 min.)"
    )
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))
    assert last_verdict(gateway) == "clock_skew"


def test_presigned_query_with_a_wrong_signature(gateway: Gateway) -> None:
    response = get(gateway, _presigned(gateway))
    assert response.json()["message"].startswith(MISMATCH + "\n\nThe Canonical String")
    assert "X-Amz-Signature" not in response.json()["message"]  # never part of the canonical query
    assert last_verdict(gateway) == "signature_mismatch"


# -- REST: date window, scope, tokens, signature ---------------------------------------


def test_signature_mismatch_echoes_the_server_strings(gateway: Gateway) -> None:
    impostor = Principal(ALICE.access_key, "not-alices-secret")
    signed = signed_request(
        gateway,
        "GET",
        "/prod/pets/a%20b?z=1&a=%2A",
        principal=impostor,
        headers=[("X-Custom", " a  b ")],
    )
    response = exchange(gateway.port, signed.data)
    message = (
        f"{MISMATCH}\n\n"
        f"The Canonical String for this request should have been\n'{signed.canonical}'\n\n"
        f"The String-to-Sign should have been\n'{signed.string_to_sign}'\n"
    )
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))
    assert "/prod/pets/a%2520b\na=%252A&z=1\n" not in response.json()["message"]
    assert "\n/prod/pets/a%2520b\na=%2A&z=1\n" in response.json()["message"]
    assert last_verdict(gateway) == "signature_mismatch"


def _server_time(gateway: Gateway) -> int:
    return int(gateway.requests[-1].time)


def test_signature_expired(gateway: Gateway) -> None:
    sent = amz_date_of(gateway.now() - 360)
    response = exchange(
        gateway.port, signed_request(gateway, "GET", "/prod/pets", amz_date=sent).data
    )
    now = _server_time(gateway)
    message = (
        f"Signature expired: {sent} is now earlier than {amz_date_of(now - 300)} "
        f"({amz_date_of(now)} - 5 min.)"
    )
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))
    assert last_verdict(gateway) == "clock_skew"


def test_signature_not_yet_current(gateway: Gateway) -> None:
    sent = amz_date_of(gateway.now() + 360)
    response = exchange(
        gateway.port, signed_request(gateway, "GET", "/prod/pets", amz_date=sent).data
    )
    now = _server_time(gateway)
    message = (
        f"Signature not yet current: {sent} is still later than {amz_date_of(now + 300)} "
        f"({amz_date_of(now)} + 5 min.)"
    )
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))
    assert last_verdict(gateway) == "clock_skew"


def test_signature_within_the_window_is_accepted(gateway: Gateway) -> None:
    for offset in (-240, 240):
        sent = amz_date_of(gateway.now() + offset)
        signed = signed_request(gateway, "GET", "/prod/pets", amz_date=sent)
        assert exchange(gateway.port, signed.data).status == 200


def test_unknown_access_key(gateway: Gateway) -> None:
    stranger = Principal("AKIDSTRANGER00000000", "whatever")
    response = exchange(
        gateway.port, signed_request(gateway, "GET", "/prod/x", principal=stranger).data
    )
    assert_rest(
        response,
        403,
        "UnrecognizedClientException",
        b'{"message":"The security token included in the request is invalid."}',
    )
    assert last_verdict(gateway) == "invalid_token"
    assert gateway.requests[-1].access_key == stranger.access_key


@pytest.mark.parametrize(
    ("sent_token", "status", "verdict"),
    [
        (None, 403, "invalid_token"),
        ("wrong-token", 403, "invalid_token"),
        ("the-session-token", 200, "ok"),
    ],
)
def test_session_token_must_match(sent_token: Optional[str], status: int, verdict: str) -> None:
    temporary = Principal("ASIATEMPORARY0000001", "temp-secret", session_token="the-session-token")
    with Gateway(principals=[temporary]) as gw:
        signed = signed_request(gw, "GET", "/prod/x", principal=temporary, token=sent_token)
        response = exchange(gw.port, signed.data)
        assert (response.status, last_verdict(gw)) == (status, verdict)
        if status == 403:
            assert response.header("x-amzn-ErrorType") == "UnrecognizedClientException"


def test_token_sent_for_long_term_key_is_invalid(gateway: Gateway) -> None:
    signed = signed_request(gateway, "GET", "/prod/x", token="stray")
    assert exchange(gateway.port, signed.data).status == 403
    assert last_verdict(gateway) == "invalid_token"


def test_expired_session(gateway: Gateway) -> None:
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    expired = Principal("ASIAEXPIRED000000001", "s", session_token="t", expires=past)
    with Gateway(principals=[expired]) as gw:
        signed = signed_request(gw, "GET", "/prod/x", principal=expired, token="t")
        response = exchange(gw.port, signed.data)
        assert_rest(
            response,
            403,
            "ExpiredTokenException",
            b'{"message":"The security token included in the request is expired"}',
        )
        assert last_verdict(gw) == "expired_token"


def test_expiry_follows_the_gateway_clock() -> None:
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=30)
    principal = Principal("ASIASOON000000000001", "s", session_token="t", expires=soon)
    with Gateway(principals=[principal], clock_offset=3600) as gw:
        signed = signed_request(gw, "GET", "/prod/x", principal=principal, token="t")
        assert exchange(gw.port, signed.data).status == 403
        assert last_verdict(gw) == "expired_token"


@pytest.mark.parametrize(
    ("region", "service", "message", "verdict"),
    [
        (
            "eu-west-1",
            None,
            "Credential should be scoped to a valid region, not 'eu-west-1'. ",
            "wrong_region",
        ),
        (
            None,
            "apigateway",
            "Credential should be scoped to correct service: 'execute-api'. ",
            "wrong_service",
        ),
        (
            "execute-api",
            "us-east-1",
            "Credential should be scoped to a valid region, not 'execute-api'. "
            "Credential should be scoped to correct service: 'execute-api'. ",
            "wrong_region",
        ),
    ],
    ids=["region", "service", "both"],
)
def test_credential_scope(
    gateway: Gateway, region: Optional[str], service: Optional[str], message: str, verdict: str
) -> None:
    signed = signed_request(gateway, "GET", "/prod/pets", region=region, service=service)
    response = exchange(gateway.port, signed.data)
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))
    assert last_verdict(gateway) == verdict


def test_scope_date_must_match_the_request_date(gateway: Gateway) -> None:
    signed = signed_request(gateway, "GET", "/prod/pets")
    date = dict(signed.headers)["X-Amz-Date"]
    wrong_day = "19990101"
    data = signed.data.replace(f"/{date[:8]}/".encode(), f"/{wrong_day}/".encode())
    response = exchange(gateway.port, data)
    message = (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        f"from HTTP: '{wrong_day}' != '{date[:8]}', from '{date}'."
    )
    assert_rest(response, 403, "InvalidSignatureException", body_of(message))


# -- REST: policy, API key, throttle, quota, payload, integration --------------------


POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/GET/*",
        },
        {
            "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"},
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/GET/admin/*",
        },
    ]
}


def test_policy_implicit_deny_names_caller_and_resource() -> None:
    with Gateway(principals=[ALICE], policy=POLICY) as gw:
        response = exchange(gw.port, signed_request(gw, "POST", "/prod/pets", body=b"{}").data)
        message = (
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/POST/pets"
        )
        assert_rest(response, 403, "AccessDeniedException", body_of(message))
        assert last_verdict(gw) == "access_denied"
        assert gw.requests[-1].caller_arn == ALICE.arn


def test_policy_explicit_deny() -> None:
    with Gateway(principals=[ALICE], policy=POLICY) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/admin/users/7").data)
        message = (
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/GET/admin/users/7 "
            "with an explicit deny"
        )
        assert_rest(response, 403, "AccessDeniedException", body_of(message))
        assert last_verdict(gw) == "explicit_deny"
        ok = exchange(gw.port, signed_request(gw, "GET", "/prod/pets").data)
        assert ok.status == 200


@pytest.mark.parametrize("sent", [None, "wrong-key"], ids=["missing", "wrong"])
def test_api_key_required(sent: Optional[str]) -> None:
    with Gateway(principals=[ALICE], api_key="the-api-key") as gw:
        headers = [("x-api-key", sent)] if sent else []
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/pets", headers=headers).data)
        assert_rest(response, 403, "ForbiddenException", b'{"message":"Forbidden"}')
        assert last_verdict(gw) == "api_key"
        good = signed_request(gw, "GET", "/prod/pets", headers=[("x-api-key", "the-api-key")])
        assert exchange(gw.port, good.data).status == 200


def test_throttled() -> None:
    with Gateway(principals=[ALICE], throttle=(0.0001, 2)) as gw, RawClient(gw.port) as client:
        statuses = [client.send(signed_request(gw, "GET", "/prod/x").data) for _ in range(3)]
        assert [r.status for r in statuses] == [200, 200, 429]
        assert_rest(
            statuses[2], 429, "TooManyRequestsException", b'{"message":"Too Many Requests"}'
        )
        assert not statuses[2].has("Retry-After")
        assert last_verdict(gw) == "throttled"


def test_quota_exceeded() -> None:
    with Gateway(principals=[ALICE], quota=2) as gw, RawClient(gw.port) as client:
        statuses = [client.send(signed_request(gw, "GET", "/prod/x").data) for _ in range(3)]
        assert [r.status for r in statuses] == [200, 200, 429]
        assert_rest(statuses[2], 429, "LimitExceededException", b'{"message":"Limit Exceeded"}')
        assert not statuses[2].has("Retry-After")
        assert last_verdict(gw) == "quota_exceeded"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_payload_too_large_is_plain_text(chunked: bool) -> None:
    with Gateway(principals=[ALICE], payload_limit=1000) as gw, RawClient(gw.port) as client:
        body = b"x" * 1001
        if chunked:
            headers = [("Host", "h"), ("Transfer-Encoding", "chunked")]
            data = raw_request("POST", "/prod/x", headers) + b"3e9\r\n" + body + b"\r\n0\r\n\r\n"
        else:
            data = raw_request("POST", "/prod/x", [("Host", "h")], body)
        response = client.send(data)
        assert (response.status, response.body) == (
            413,
            b"HTTP content length exceeded 1000 bytes.",
        )
        assert response.header("Content-Type") == "text/plain"
        assert response.header("Connection") == "close"
        for absent in ("x-amzn-ErrorType", "x-amzn-RequestId", "x-amz-apigw-id"):
            assert not response.has(absent)
        assert response.has("Date")
        assert client.closed_by_peer()
        assert last_verdict(gw) == "payload_too_large"


def test_default_payload_limit_message() -> None:
    with Gateway(principals=[ALICE]) as gw:
        headers = [("Host", "h"), ("Content-Length", str(10 * 1024 * 1024 + 1))]
        response = exchange(gw.port, raw_request("POST", "/prod/x", headers))
        assert response.body == b"HTTP content length exceeded 10485760 bytes."


def test_body_at_the_limit_is_accepted() -> None:
    with Gateway(principals=[ALICE], payload_limit=1000) as gw:
        signed = signed_request(gw, "POST", "/prod/x", body=b"y" * 1000)
        response = exchange(gw.port, signed.data)
        assert response.status == 200
        assert response.json()["body_length"] == 1000


def test_integration_timeout() -> None:
    with Gateway(principals=[ALICE], faults=Faults(timeout_rate=1.0)) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_rest(response, 504, None, b'{"message":"Endpoint request timed out"}')
        assert last_verdict(gw) == "integration_timeout"
        assert gw.requests[-1].executed


def test_handler_exception_is_internal_server_error(gateway: Gateway) -> None:
    def broken(request: object) -> tuple[int, dict[str, str], bytes]:
        raise RuntimeError("boom")

    gateway.route("GET", "/broken", broken)
    response = exchange(gateway.port, signed_request(gateway, "GET", "/prod/broken").data)
    assert_rest(response, 502, None, b'{"message":"Internal server error"}')
    assert last_verdict(gateway) == "integration_failure"


def test_malformed_handler_result_is_internal_server_error(gateway: Gateway) -> None:
    gateway.route("GET", "/bad", lambda request: "not a tuple")  # type: ignore[arg-type,return-value]
    response = exchange(gateway.port, signed_request(gateway, "GET", "/prod/bad").data)
    assert_rest(response, 502, None, b'{"message":"Internal server error"}')


@pytest.mark.parametrize(
    ("status", "body"),
    [(503, b'{"message":"Service Unavailable"}'), (502, b'{"message":"Internal server error"}')],
)
def test_injected_error_status(status: int, body: bytes) -> None:
    with Gateway(principals=[ALICE], faults=Faults(error_rate=1.0, error_status=status)) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_rest(response, status, None, body)
        assert last_verdict(gw) == "integration_failure"
        assert not gw.requests[-1].executed


def test_connection_reset() -> None:
    with Gateway(principals=[ALICE], faults=Faults(reset_rate=1.0)) as gw:
        with RawClient(gw.port) as client:
            client.sock.sendall(signed_request(gw, "GET", "/prod/x").data)
            with pytest.raises(ConnectionError):
                client.read_response()
        record = gw.requests[-1]
        assert (record.verdict, record.status, record.executed) == ("connection_reset", 0, True)


# -- HTTP APIs -----------------------------------------------------------------------


@pytest.fixture
def http_api() -> object:
    with Gateway(kind="http", principals=[ALICE]) as gw:
        yield gw


def test_http_unsigned_is_forbidden(http_api: Gateway) -> None:
    assert_http(get(http_api, "/prod/x"), 403, b'{"message":"Forbidden"}')
    assert last_verdict(http_api) == "missing_signature"


def test_http_unknown_stage_and_route_are_not_found(http_api: Gateway) -> None:
    assert_http(get(http_api, "/dev/x"), 404, b'{"message":"Not Found"}')
    assert last_verdict(http_api) == "route_not_found"
    http_api.route("GET", "/pets", (200, {}, b"[]"))
    response = exchange(http_api.port, signed_request(http_api, "GET", "/prod/nope").data)
    assert_http(response, 404, b'{"message":"Not Found"}')
    assert_http(get(http_api, "/prod/nope"), 404, b'{"message":"Not Found"}')


def test_http_signature_errors_have_no_error_type(http_api: Gateway) -> None:
    stranger = Principal("AKIDSTRANGER00000000", "x")
    response = exchange(
        http_api.port, signed_request(http_api, "GET", "/prod/x", principal=stranger).data
    )
    assert_http(
        response, 403, b'{"message":"The security token included in the request is invalid."}'
    )
    wrong = Principal(ALICE.access_key, "wrong")
    response = exchange(
        http_api.port, signed_request(http_api, "GET", "/prod/x", principal=wrong).data
    )
    assert response.status == 403
    assert response.json()["message"].startswith(MISMATCH)
    assert last_verdict(http_api) == "signature_mismatch"


def test_http_policy_denial_is_bare_forbidden() -> None:
    deny_all = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}
    with Gateway(kind="http", principals=[ALICE], policy=deny_all) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_http(response, 403, b'{"message":"Forbidden"}')
        assert last_verdict(gw) == "explicit_deny"


def test_http_throttle_and_integration_errors() -> None:
    with Gateway(kind="http", principals=[ALICE], throttle=(0.0001, 1)) as gw:
        assert exchange(gw.port, signed_request(gw, "GET", "/prod/x").data).status == 200
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_http(response, 429, b'{"message":"Too Many Requests"}')
    with Gateway(kind="http", principals=[ALICE], faults=Faults(timeout_rate=1.0)) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_http(response, 503, b'{"message":"Service Unavailable"}')
    with Gateway(kind="http", principals=[ALICE]) as gw:
        gw.route("GET", "/x", lambda request: 1 / 0)  # type: ignore[arg-type,return-value]
        response = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert_http(response, 500, b'{"message":"Internal Server Error"}')


def test_http_default_stage_is_served_at_the_root() -> None:
    with Gateway(kind="http", stage="$default", principals=[ALICE]) as gw:
        assert gw.url == gw.base_url
        response = exchange(gw.port, signed_request(gw, "GET", "/pets?a=1").data)
        assert response.status == 200
        assert response.json()["resource_path"] == "/pets"


# -- Lambda function URLs ---------------------------------------------------------------


@pytest.fixture
def function_url() -> object:
    with Gateway(kind="lambda_url", principals=[ALICE]) as gw:
        yield gw


def assert_lambda(response: RawResponse, status: int, error_type: str, body: bytes) -> None:
    assert (response.status, response.body) == (status, body)
    assert response.header("x-amzn-ErrorType") == error_type
    assert UUID.match(response.header("x-amzn-RequestId") or "")
    assert not response.has("x-amz-apigw-id")
    assert not response.has("apigw-requestid")


def test_lambda_url_has_no_stage_and_signs_for_lambda(function_url: Gateway) -> None:
    assert function_url.url == function_url.base_url
    assert function_url.service == "lambda"
    response = exchange(function_url.port, signed_request(function_url, "GET", "/any/path").data)
    assert response.status == 200
    assert response.json()["caller_arn"] == ALICE.arn


def test_lambda_url_unsigned_is_forbidden_with_capital_message(function_url: Gateway) -> None:
    response = get(function_url, "/")
    assert_lambda(response, 403, "AccessDeniedException", LAMBDA_FORBIDDEN)
    assert last_verdict(function_url) == "missing_signature"


def test_lambda_url_mismatch_has_no_appendix(function_url: Gateway) -> None:
    wrong = Principal(ALICE.access_key, "wrong")
    response = exchange(
        function_url.port, signed_request(function_url, "GET", "/", principal=wrong).data
    )
    assert_lambda(response, 403, "InvalidSignatureException", body_of(MISMATCH))


def test_lambda_url_wrong_service(function_url: Gateway) -> None:
    signed = signed_request(function_url, "GET", "/", service="execute-api")
    response = exchange(function_url.port, signed.data)
    message = "Credential should be scoped to correct service: 'lambda'. "
    assert_lambda(response, 403, "InvalidSignatureException", body_of(message))


def test_lambda_url_invalid_token(function_url: Gateway) -> None:
    stranger = Principal("AKIDSTRANGER00000000", "x")
    response = exchange(
        function_url.port, signed_request(function_url, "GET", "/", principal=stranger).data
    )
    assert_lambda(
        response,
        403,
        "UnrecognizedClientException",
        b'{"message":"The security token included in the request is invalid."}',
    )


def test_lambda_url_routes_answer_not_found_for_other_paths() -> None:
    with Gateway(kind="lambda_url", principals=[ALICE]) as gw:
        gw.route("GET", "/hello", (200, {}, b"hi"))
        assert exchange(gw.port, signed_request(gw, "GET", "/hello").data).body == b"hi"
        response = exchange(gw.port, signed_request(gw, "GET", "/other").data)
        assert (response.status, response.body) == (404, b'{"message":"Not Found"}')
        assert last_verdict(gw) == "route_not_found"


def test_lambda_url_policy_denial() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"},
                "Action": "lambda:InvokeFunctionUrl",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:emulator1",
            }
        ]
    }
    with Gateway(kind="lambda_url", principals=[ALICE], policy=policy) as gw:
        response = exchange(gw.port, signed_request(gw, "GET", "/").data)
        assert_lambda(response, 403, "AccessDeniedException", LAMBDA_FORBIDDEN)
        assert last_verdict(gw) == "access_denied"
