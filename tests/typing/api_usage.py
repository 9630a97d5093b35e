"""How the public API reads to a type checker: ``mypy --strict`` runs on this file in CI.

It is never executed; it fails the build when a public signature stops accepting
what users write.
"""

from __future__ import annotations

from typing import Optional

import requests

import iamapi
from iamapi import (
    AccessDeniedError,
    Endpoint,
    FrozenCredentials,
    GatewayError,
    IamApiClient,
    RetryPolicy,
    SigningResult,
    SigV4Auth,
)
from iamapi.emulator import Faults, Gateway, Principal


def client_calls() -> None:
    with IamApiClient(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        profile="dev",
        timeout=(3.0, 10.0),
        retry=RetryPolicy(max_attempts=5, total_timeout=20.0),
        headers={"X-Tenant": "acme"},
    ) as api:
        response: requests.Response = api.get("/pets", params={"type": "dog"})
        api.post("/pets", json={"name": "rex"}, idempotent=True)
        api.request("PATCH", "/pets/1", data=b"...", headers={"If-Match": "x"}, timeout=5)
        api.delete("/pets/1", deadline=2.5, retry=False)
        explained: Optional[GatewayError] = api.diagnose(response)
        if explained is not None:
            print(explained.code, explained.cause, explained.fix, explained.request_id)


def errors() -> None:
    try:
        IamApiClient("https://abc123.execute-api.eu-west-1.amazonaws.com/prod").get("/x")
    except AccessDeniedError as error:
        statement: Optional[dict[str, object]] = error.policy
        print(error.caller_arn, error.resource_arn, statement)
    except iamapi.ThrottledError as error:
        wait: Optional[float] = error.retry_after
        print(wait, [attempt.outcome for attempt in error.history])
    except iamapi.ConfigurationError as error:
        as_value_error: ValueError = error
        print(as_value_error)


def diagnose_logged_answer(status: int, headers: dict[str, str], body: bytes) -> str:
    error = iamapi.diagnose(status, headers, body, signed=True, kind="rest")
    return "ok" if error is None else f"{error.code}: {error.fix}"


def own_session() -> None:
    session = requests.Session()
    session.auth = SigV4Auth(region="eu-west-1", credentials=FrozenCredentials("AKID", "s"))
    endpoint = Endpoint.parse("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
    print(endpoint.region, endpoint.stage, endpoint.kind)


def show(result: SigningResult) -> None:
    print(result.redacted_canonical_request())


def emulator() -> None:
    alice = Principal("AKIDEXAMPLE", "secret", arn="arn:aws:iam::123456789012:user/alice")
    gw = Gateway(region="us-east-1", principals=[alice], faults=Faults(error_rate=0.1, seed=1))
    gw.route("GET", "/pets", lambda request: (200, {"Content-Type": "application/json"}, b"[]"))
    with gw, IamApiClient(gw.url, region="us-east-1", on_sign=show) as api:
        api.get("/pets")
        print([(r.method, r.verdict) for r in gw.requests], gw.executions("GET", "/pets"))
