"""Signature mismatch: the gateway's canonical strings diffed against the client's.

Both sides are built with the project's canonicalizer: the "gateway" side from
what arrived, the client side from what was signed, deliberately broken one
way per test.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, replace
from typing import Optional

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from iamapi import AuthenticationError
from iamapi._canonical import (
    EMPTY_SHA256,
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    credential_scope,
    string_to_sign,
)
from iamapi._diagnosis import diagnose, diagnose_response

HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
AMZ_DATE = "20240101T120000Z"
ACCESS_KEY = "ASIAQWERTYUIOPZXCV12"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQDsessiontokenvalueXYZ0123456789"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True)
class Sent:
    """A request as one side sees it: the path and query as on the wire, the signed headers."""

    method: str = "POST"
    path: str = "/prod/pets/a%20b"
    query: str = "kind=dog&limit=10"
    content_type: str = "application/json"
    body: bytes = b'{"name":"Rex"}'
    region: str = "eu-west-1"
    service: str = "execute-api"
    token: str = TOKEN
    encode_path: bool = True
    sort_query: bool = True
    payload: Optional[str] = None

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("host", HOST),
            ("content-type", self.content_type),
            ("x-amz-date", AMZ_DATE),
            ("x-amz-security-token", self.token),
        ]

    def canonical(self) -> str:
        block, signed = canonical_headers(self.headers(), [name for name, _ in self.headers()])
        uri = canonical_uri(self.path) if self.encode_path else self.path
        query = canonical_query(self.query) if self.sort_query else self.query
        payload = self.payload or hashlib.sha256(self.body).hexdigest()
        return canonical_request(self.method, uri, query, block, signed, payload)

    def string_to_sign(self) -> str:
        scope = credential_scope(AMZ_DATE[:8], self.region, self.service)
        return string_to_sign(AMZ_DATE, scope, self.canonical())


ARRIVED = Sent()


def gateway_body(arrived: Sent = ARRIVED, *, appendix: bool = True) -> str:
    if not appendix:
        return json.dumps({"message": MISMATCH})
    message = (
        f"{MISMATCH}\n\nThe Canonical String for this request should have been\n"
        f"'{arrived.canonical()}'\n\nThe String-to-Sign should have been\n"
        f"'{arrived.string_to_sign()}'\n"
    )
    return json.dumps({"message": message})


def mismatch(signed: Sent, arrived: Sent = ARRIVED) -> AuthenticationError:
    error = diagnose(
        403,
        {"x-amzn-ErrorType": "InvalidSignatureException", "x-amzn-RequestId": "req-42"},
        gateway_body(arrived),
        method=arrived.method,
        url=f"https://{HOST}{arrived.path}?{arrived.query}",
        canonical_request=signed.canonical(),
        string_to_sign=signed.string_to_sign(),
    )
    assert isinstance(error, AuthenticationError)
    assert error.code == "signature_mismatch"
    assert_no_secret(error)
    return error


def assert_no_secret(error: AuthenticationError) -> None:
    dumped = pickle.dumps(error)
    for text in (
        str(error),
        repr(error),
        error.message,
        error.cause,
        error.fix,
        json.dumps(error.details, default=str),
    ):
        assert TOKEN not in text
        assert TOKEN[-20:] not in text
    assert TOKEN.encode() not in dumped


def test_identical_canonical_strings_mean_the_secret_is_wrong() -> None:
    error = mismatch(ARRIVED)
    assert error.details["diff"] == []
    assert "exactly the canonical request and string to sign" in error.cause
    assert "secret access key does not belong to the access key id" in error.cause
    assert "aws sts get-caller-identity" in error.fix


def test_identical_strings_name_the_access_key_when_the_request_is_known() -> None:
    response = requests.Response()
    response.status_code = 403
    response.headers = CaseInsensitiveDict({"x-amzn-ErrorType": "InvalidSignatureException"})
    response._content = gateway_body().encode()
    response.url = f"https://{HOST}{ARRIVED.path}"
    response.request = requests.Request(
        "POST",
        response.url,
        headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20240101/eu-west-1/"
            "execute-api/aws4_request, SignedHeaders=host, Signature=abcdef0123",
            "X-Amz-Security-Token": TOKEN,
        },
    ).prepare()
    error = diagnose_response(
        response,
        canonical_request=ARRIVED.canonical(),
        string_to_sign=ARRIVED.string_to_sign(),
    )
    assert isinstance(error, AuthenticationError)
    assert "access key id …CV12 " in error.cause
    assert ACCESS_KEY not in str(error)
    assert "abcdef0123" not in str(error)
    assert_no_secret(error)


def test_path_encoded_once() -> None:
    error = mismatch(replace(ARRIVED, encode_path=False))
    assert error.details["diff"] == [
        {"component": "path", "expected": "/prod/pets/a%2520b", "actual": "/prod/pets/a%20b"}
    ]
    assert "You encoded the path once" in error.cause
    assert "'/prod/pets/a%2520b'" in error.cause
    assert "percent-encoded once more" in error.fix


def test_path_encoded_twice() -> None:
    signed = replace(ARRIVED, path="/prod/pets/a%2520b")
    error = mismatch(signed)
    assert "one time too many" in error.cause


def test_path_missing_the_stage() -> None:
    error = mismatch(replace(ARRIVED, path="/pets/a%20b"))
    assert "prefix" in error.cause
    assert "stage or base path included" in error.fix


def test_query_not_sorted() -> None:
    signed = replace(ARRIVED, query="limit=10&kind=dog", sort_query=False)
    error = mismatch(signed)
    assert error.details["diff"] == [
        {"component": "query", "expected": "kind=dog&limit=10", "actual": "limit=10&kind=dog"}
    ]
    assert "not sorted" in error.cause
    assert "Sort the canonical query" in error.fix


def test_query_space_as_plus() -> None:
    arrived = replace(ARRIVED, query="q=a%20b")
    signed = replace(ARRIVED, query="q=a+b", sort_query=False)
    error = mismatch(signed, arrived)
    assert "encoded differently" in error.cause
    assert "%20 for spaces" in error.fix


def test_query_changed_after_signing() -> None:
    error = mismatch(replace(ARRIVED, query="kind=cat&limit=10"))
    assert "added, dropped or changed after signing" in error.cause


def test_header_changed_after_signing() -> None:
    arrived = replace(ARRIVED, content_type="application/json; charset=utf-8")
    error = mismatch(ARRIVED, arrived)
    first = error.details["diff"][0]
    assert first == {
        "component": "header",
        "header": "content-type",
        "expected": "application/json; charset=utf-8",
        "actual": "application/json",
    }
    assert "header 'content-type'" in error.cause
    assert "'application/json; charset=utf-8'" in error.cause
    assert "Content-Type" in error.fix
    assert "payload" not in [d["component"] for d in error.details["diff"]]


def test_session_token_changed_is_named_but_both_values_are_hidden() -> None:
    arrived = replace(ARRIVED, token=TOKEN[::-1])
    error = mismatch(ARRIVED, arrived)
    first = error.details["diff"][0]
    assert first["header"] == "x-amz-security-token"
    assert first["expected"] == first["actual"] == "[redacted]"
    assert TOKEN[::-1] not in str(error) + json.dumps(error.details)
    assert TOKEN[::-1] not in error.message
    assert "refreshed" in error.fix


def test_wrong_region_in_the_scope() -> None:
    error = mismatch(replace(ARRIVED, region="us-east-1"))
    assert error.details["diff"] == [
        {
            "component": "credential_scope",
            "expected": "20240101/eu-west-1/execute-api/aws4_request",
            "actual": "20240101/us-east-1/execute-api/aws4_request",
        }
    ]
    assert "Your string to sign differs" in error.cause
    assert 'IamApiClient(url, region="eu-west-1")' in error.fix


def test_wrong_service_in_the_scope() -> None:
    error = mismatch(replace(ARRIVED, service="lambda"))
    assert 'IamApiClient(url, service="execute-api")' in error.fix


def test_payload_hash_of_another_body() -> None:
    error = mismatch(replace(ARRIVED, body=b'{"name": "Rex"}'))
    diff = error.details["diff"]
    assert [d["component"] for d in diff] == ["payload_hash"]
    assert diff[0]["expected"] == hashlib.sha256(b'{"name":"Rex"}').hexdigest()
    assert "re-serialised" in error.cause
    assert "exact bytes" in error.fix


@pytest.mark.parametrize(
    ("signed_payload", "arrived_body", "phrase"),
    [
        ("UNSIGNED-PAYLOAD", b"{}", "UNSIGNED-PAYLOAD"),
        (EMPTY_SHA256, b"{}", "you signed an empty body"),
        (hashlib.sha256(b"{}").hexdigest(), b"", "received none"),
    ],
)
def test_payload_hash_cases(signed_payload: str, arrived_body: bytes, phrase: str) -> None:
    error = mismatch(replace(ARRIVED, payload=signed_payload), replace(ARRIVED, body=arrived_body))
    assert phrase in error.cause


def test_method_changed() -> None:
    error = mismatch(replace(ARRIVED, method="PUT"))
    assert "the gateway received POST, you signed PUT" in error.cause


def test_several_differences_are_all_listed() -> None:
    signed = replace(ARRIVED, encode_path=False, query="limit=10&kind=dog", sort_query=False)
    error = mismatch(signed)
    assert [d["component"] for d in error.details["diff"]] == ["path", "query"]
    assert "Also different: query." in error.cause


def test_appendix_is_kept_redacted_in_details() -> None:
    error = mismatch(ARRIVED)
    expected = error.details["expected_canonical_request"]
    assert "x-amz-security-token:[redacted]" in expected
    assert expected.startswith("POST\n/prod/pets/a%2520b\n")
    assert "x-amz-security-token:[redacted]" in error.message


def test_without_the_client_strings_the_causes_are_listed() -> None:
    error = diagnose(403, {"x-amzn-ErrorType": "InvalidSignatureException"}, gateway_body())
    assert isinstance(error, AuthenticationError)
    assert "expected_canonical_request" in error.details
    assert "(1) the path was encoded differently" in error.cause
    assert "canonical_request=" in error.fix
    assert_no_secret(error)


def test_without_an_appendix_the_causes_are_listed() -> None:
    error = diagnose(
        403,
        {"x-amzn-ErrorType": "InvalidSignatureException"},
        gateway_body(appendix=False),
        canonical_request=ARRIVED.canonical(),
    )
    assert isinstance(error, AuthenticationError)
    assert "does not include the gateway's canonical request" in error.cause
    assert "diff" not in error.details


def test_unparseable_client_canonical_is_reported_whole() -> None:
    error = diagnose(
        403,
        {},
        gateway_body(),
        canonical_request=f"POST /prod x-amz-security-token:{TOKEN}",
    )
    assert isinstance(error, AuthenticationError)
    assert error.details["diff"][0]["component"] == "canonical_request"
    assert_no_secret(error)
