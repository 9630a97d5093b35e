"""Every code, produced end to end: a real answer from the local gateway, diagnosed.

Calls go through ``IamApiClient`` (which raises the diagnosed error) wherever
the client can make the failing request; the few requests the client would
never send (unsigned, a Bearer token, a stale signature) are sent with plain
``requests`` and explained with ``diagnose_response``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

import pytest
import requests

from iamapi import (
    AccessDeniedError,
    ApiError,
    AuthenticationError,
    FrozenCredentials,
    GatewayError,
    IamApiClient,
    IntegrationError,
    PayloadTooLargeError,
    RouteNotFoundError,
    ThrottledError,
)
from iamapi._diagnosis import CODES, diagnose_response
from iamapi._signing import Signer, sign_prepared
from iamapi.emulator import Faults, Gateway, Principal

KEY, SECRET = "AKIAE2EDIAGNOSIS0001", "e2e-secret-key-value"
CALLER = "arn:aws:iam::123456789012:user/alice"
ALICE = Principal(KEY, SECRET, arn=CALLER)
TOKEN = "FwoGZXIvYXdzEJr-e2e-session-token-value-0123456789"

PRODUCERS: dict[str, str] = {}


def produces(*codes: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register the test as the end-to-end proof of ``codes``."""

    def register(test: Callable[[], None]) -> Callable[[], None]:
        for code in codes:
            PRODUCERS.setdefault(code, test.__name__)
        return test

    return register


@contextmanager
def gateway(**options: Any) -> Iterator[Gateway]:
    options.setdefault("principals", [ALICE])
    with Gateway(**options) as gw:
        gw.route("GET", "/pets", (200, {"Content-Type": "application/json"}, b"[]"))
        gw.route("POST", "/pets", (201, {"Content-Type": "application/json"}, b"{}"))
        yield gw


def client(gw: Gateway, **options: Any) -> IamApiClient:
    options.setdefault("region", gw.region)
    options.setdefault("credentials", FrozenCredentials(KEY, SECRET, None))
    options.setdefault("retry", False)
    return IamApiClient(gw.url, **options)


def raised(call: Callable[[], object], cls: type[GatewayError], code: str) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        call()
    return accept(caught.value, cls, code)


def accept(error: Optional[GatewayError], cls: type[GatewayError], code: str) -> GatewayError:
    assert error is not None
    assert type(error) is cls, str(error)
    assert error.code == code, str(error)
    assert SECRET not in str(error)
    assert TOKEN not in str(error)
    return error


@produces("missing_signature")
def test_missing_signature() -> None:
    with gateway() as gw:
        response = requests.get(gw.url + "/pets", timeout=5)
        error = accept(
            diagnose_response(response, signed=False), AuthenticationError, "missing_signature"
        )
    assert "GET /pets" in error.cause
    assert "IamApiClient" in error.fix


@produces("route_not_found")
def test_route_not_found() -> None:
    with gateway() as gw:
        error = raised(lambda: client(gw).get("/dogs"), RouteNotFoundError, "route_not_found")
    assert "GET /dogs in stage 'prod'" in error.cause
    assert "--stage-name prod" in error.fix


@produces("route_not_found")
def test_route_not_found_on_an_http_api() -> None:
    with gateway(kind="http") as gw:
        error = raised(lambda: client(gw).delete("/pets"), RouteNotFoundError, "route_not_found")
    assert "DELETE /pets" in error.cause


@produces("signature_mismatch")
def test_signature_mismatch_with_a_wrong_secret() -> None:
    with gateway() as gw:
        wrong = FrozenCredentials(KEY, "not-the-secret", None)
        error = raised(
            lambda: client(gw, credentials=wrong).get("/pets"),
            AuthenticationError,
            "signature_mismatch",
        )
    assert error.details["diff"] == []
    assert "secret access key does not belong to the access key id …0001" in error.cause


@produces("signature_mismatch")
def test_signature_mismatch_with_a_header_changed_after_signing() -> None:
    with gateway() as gw:
        session = requests.Session()
        prepared = requests.Request(
            "POST", gw.url + "/pets", data=b"{}", headers={"Content-Type": "application/json"}
        ).prepare()
        signing = sign_prepared(prepared, Signer(region=gw.region), FrozenCredentials(KEY, SECRET))
        prepared.headers["Content-Type"] = "application/json; charset=utf-8"
        response = session.send(prepared, timeout=5)
        error = accept(
            diagnose_response(
                response,
                canonical_request=signing.canonical_request,
                string_to_sign=signing.string_to_sign,
            ),
            AuthenticationError,
            "signature_mismatch",
        )
    assert error.details["diff"][0]["header"] == "content-type"
    assert "charset=utf-8" in error.cause


@produces("clock_skew")
def test_clock_skew() -> None:
    with gateway() as gw:
        prepared = requests.Request("GET", gw.url + "/pets").prepare()
        signed_at = time.time() - 600
        sign_prepared(
            prepared, Signer(region=gw.region), FrozenCredentials(KEY, SECRET), now=signed_at
        )
        response = requests.Session().send(prepared, timeout=5)
        error = accept(
            diagnose_response(response, local_time=datetime.fromtimestamp(signed_at, timezone.utc)),
            AuthenticationError,
            "clock_skew",
        )
    assert 590 <= error.details["clock_offset"] <= 610
    assert "behind the gateway's" in error.cause


@produces("expired_token")
def test_expired_token() -> None:
    expired = Principal(
        "ASIAE2EDIAGNOSIS0002",
        SECRET,
        session_token=TOKEN,
        expires=datetime.now(timezone.utc) - timedelta(minutes=1),
        arn=CALLER,
    )
    with gateway(principals=[expired]) as gw:
        credentials = FrozenCredentials(expired.access_key, SECRET, TOKEN)
        error = raised(
            lambda: client(gw, credentials=credentials).get("/pets"),
            AuthenticationError,
            "expired_token",
        )
    assert "aws sso login" in error.fix


@produces("invalid_token")
def test_invalid_token() -> None:
    with gateway() as gw:
        stranger = FrozenCredentials("AKIAE2EUNKNOWNKEY999", SECRET, None)
        raised(
            lambda: client(gw, credentials=stranger).get("/pets"),
            AuthenticationError,
            "invalid_token",
        )


@produces("wrong_region")
def test_wrong_region() -> None:
    with gateway(region="eu-west-1") as gw:
        error = raised(
            lambda: client(gw, region="us-east-1").get("/pets"),
            AuthenticationError,
            "wrong_region",
        )
    assert "'us-east-1'" in error.cause


@produces("wrong_service")
def test_wrong_service() -> None:
    with gateway() as gw:
        error = raised(
            lambda: client(gw, service="apigateway").get("/pets"),
            AuthenticationError,
            "wrong_service",
        )
    assert "'apigateway'" in error.cause
    assert 'service="execute-api"' in error.fix


@produces("malformed_authorization")
def test_malformed_authorization() -> None:
    with gateway() as gw:
        header = f"AWS4-HMAC-SHA256 Credential={KEY}/20240101/us-east-1/execute-api/aws4_request"
        response = requests.get(gw.url + "/pets", headers={"Authorization": header}, timeout=5)
        error = accept(diagnose_response(response), AuthenticationError, "malformed_authorization")
    assert KEY not in str(error)


@produces("wrong_auth_scheme")
def test_wrong_auth_scheme() -> None:
    with gateway() as gw:
        response = requests.get(
            gw.url + "/pets", headers={"Authorization": "Bearer abc.def.ghi"}, timeout=5
        )
        error = accept(
            diagnose_response(response, signed=False), AuthenticationError, "wrong_auth_scheme"
        )
    assert "abc.def.ghi" not in str(error)
    assert "GET /pets in stage 'prod'" in error.cause


def _allow_only(gw: Gateway, path: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": CALLER},
                "Action": "execute-api:Invoke",
                "Resource": gw.resource_arn("GET", path),
            }
        ],
    }


@produces("access_denied")
def test_access_denied() -> None:
    with gateway() as probe:
        policy = _allow_only(probe, "/cats")
    with gateway(policy=policy) as gw:
        error = raised(lambda: client(gw).get("/pets"), AccessDeniedError, "access_denied")
        arn = gw.resource_arn("GET", "/pets")
    assert isinstance(error, AccessDeniedError)
    assert error.caller_arn == CALLER
    assert error.resource_arn == arn
    assert error.policy == {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": arn}
    assert arn in error.fix


@produces("explicit_deny")
def test_explicit_deny() -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
        ],
    }
    with gateway(policy=deny) as gw:
        error = raised(lambda: client(gw).get("/pets"), AccessDeniedError, "explicit_deny")
    assert error.fix.startswith("An Allow will not help")


@produces("api_key")
def test_api_key() -> None:
    with gateway(api_key="the-right-key") as gw:
        error = raised(
            lambda: client(gw, headers={"x-api-key": "a-wrong-key"}).get("/pets"),
            AccessDeniedError,
            "api_key",
        )
    assert "stage 'prod'" in error.cause
    assert "a-wrong-key" not in str(error)


@produces("forbidden")
def test_forbidden_for_an_unknown_stage() -> None:
    with gateway() as gw:
        base = gw.url.rsplit("/", 1)[0] + "/Prod"
        wrong_stage = IamApiClient(
            base, region=gw.region, credentials=FrozenCredentials(KEY, SECRET), retry=False
        )
        error = raised(lambda: wrong_stage.get("/pets"), AccessDeniedError, "forbidden")
    assert "'Prod'" in error.details["candidates"][0]


@produces("throttled")
def test_throttled() -> None:
    with gateway(throttle=(0.001, 1)) as gw:
        api = client(gw)
        api.get("/pets")
        error = raised(lambda: api.get("/pets"), ThrottledError, "throttled")
    assert "back-off" in error.fix


@produces("quota_exceeded")
def test_quota_exceeded() -> None:
    with gateway(api_key="k", quota=1) as gw:
        api = client(gw, headers={"x-api-key": "k"})
        api.get("/pets")
        error = raised(lambda: api.get("/pets"), ThrottledError, "quota_exceeded")
    assert error.fix.startswith("Retrying does not help")


@produces("payload_too_large")
def test_payload_too_large() -> None:
    with gateway(payload_limit=16) as gw:
        raised(
            lambda: client(gw).post("/pets", data=b"x" * 64),
            PayloadTooLargeError,
            "payload_too_large",
        )


@produces("integration_timeout")
def test_integration_timeout() -> None:
    with gateway(faults=Faults(timeout_rate=1.0)) as gw:
        error = raised(lambda: client(gw).get("/pets"), IntegrationError, "integration_timeout")
    assert "29 seconds" in error.cause


@produces("integration_failure")
def test_integration_failure() -> None:
    with gateway(faults=Faults(error_rate=1.0, error_status=502)) as gw:
        raised(lambda: client(gw).get("/pets"), IntegrationError, "integration_failure")


@produces("server_error")
def test_server_error_from_the_backend() -> None:
    with gateway() as gw:
        gw.route("GET", "/broken", (500, {"Content-Type": "application/json"}, b'{"error":"db"}'))
        error = raised(lambda: client(gw).get("/broken"), IntegrationError, "server_error")
    assert error.message == "db"


@produces("client_error")
def test_client_error_from_the_backend() -> None:
    payload = b'{"message":"Pet 42 does not exist"}'
    with gateway() as gw:
        gw.route("GET", "/pets/42", (404, {"Content-Type": "application/json"}, payload))
        error = raised(lambda: client(gw).get("/pets/42"), ApiError, "client_error")
    assert error.details["body"] == payload.decode()
    assert error.message == "Pet 42 does not exist"


def test_raise_for_status_false_and_client_diagnose() -> None:
    with gateway() as gw:
        api = client(gw, raise_for_status=False)
        response = api.get("/dogs")
        assert response.status_code == 403
        accept(api.diagnose(response), RouteNotFoundError, "route_not_found")


def test_every_code_has_an_end_to_end_test() -> None:
    missing = sorted(set(CODES) - set(PRODUCERS))
    assert not missing, f"no end-to-end test produces: {missing}"
