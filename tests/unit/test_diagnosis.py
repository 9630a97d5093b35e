"""diagnose(): exact gateway answers to typed errors with codes, causes and fixes."""

from __future__ import annotations

import ast
import json
import pickle
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from iamapi import (
    AccessDeniedError,
    ApiError,
    AuthenticationError,
    GatewayError,
    IntegrationError,
    PayloadTooLargeError,
    RouteNotFoundError,
    ThrottledError,
)
from iamapi._diagnosis import _KINDS, CODES, RULES, diagnose, diagnose_response, errors_markdown

REST_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets"
HTTP_URL = "https://h7x9k2.execute-api.eu-west-1.amazonaws.com/prod/pets"
LAMBDA_URL = "https://k3j4h5g6f7d8s9a0.lambda-url.eu-west-1.on.aws/orders"
REST = {"x-amzn-RequestId": "8f1c2d3e-aaaa-bbbb-cccc-000000000001", "x-amz-apigw-id": "Ab1Cd2="}
HTTP = {"apigw-requestid": "Ab1Cd2Ef3Gh4="}
CALLER = "arn:aws:sts::123456789012:assumed-role/OrdersReader/botocore-session-1"
RESOURCE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/pets"


def body(message: Any, key: str = "message") -> str:
    return json.dumps({key: message})


def rest(error_type: Optional[str] = None) -> dict[str, str]:
    headers = dict(REST)
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return headers


def check(error: Optional[GatewayError], cls: type[GatewayError], code: str) -> GatewayError:
    assert error is not None
    assert type(error) is cls, (type(error), str(error))
    assert error.code == code, str(error)
    assert CODES[code][0] is cls
    text = str(error)
    assert f"[{code}]" in text
    assert "Cause: " in text
    assert " Fix: " in text
    assert "\n" not in text
    return error


# -- successes and input shapes -----------------------------------------------------------


@pytest.mark.parametrize("status", [100, 200, 201, 204, 301, 304, 399])
def test_success_and_redirect_statuses_give_none(status: int) -> None:
    assert diagnose(status, {}, body("Forbidden")) is None


def test_missing_authentication_token_on_a_signed_request_is_a_route_problem() -> None:
    error = check(
        diagnose(
            403,
            rest("MissingAuthenticationTokenException"),
            '{"message":"Missing Authentication Token"}',
            method="GET",
            url=REST_URL,
        ),
        RouteNotFoundError,
        "route_not_found",
    )
    assert error.message == "Missing Authentication Token"
    assert error.error_type == "MissingAuthenticationTokenException"
    assert error.request_id == REST["x-amzn-RequestId"]
    assert error.apigw_id == "Ab1Cd2="
    assert "GET /pets in stage 'prod'" in error.cause
    assert "--stage-name prod" in error.fix
    assert "--rest-api-id abc123" in error.fix
    assert error.details == {"path": "/pets", "stage": "prod", "method": "GET"}


def test_missing_authentication_token_on_an_unsigned_request_is_a_missing_signature() -> None:
    error = check(
        diagnose(
            403,
            rest("MissingAuthenticationTokenException"),
            '{"message":"Missing Authentication Token"}',
            signed=False,
            method="POST",
            url=REST_URL,
        ),
        AuthenticationError,
        "missing_signature",
    )
    assert "no SigV4 signature" in error.cause
    assert "POST /pets" in error.cause
    assert "IamApiClient" in error.fix
    assert "eu-west-1" in error.fix


def test_missing_token_on_a_custom_domain_mentions_the_base_path() -> None:
    error = check(
        diagnose(
            403,
            rest("MissingAuthenticationTokenException"),
            body("Missing Authentication Token"),
            method="GET",
            url="https://api.example.com/v1/pets",
            region="eu-west-1",
        ),
        RouteNotFoundError,
        "route_not_found",
    )
    assert "api.example.com" in error.cause
    assert "base-path" in error.cause


def test_message_key_is_matched_in_any_case() -> None:
    error = check(
        diagnose(
            403,
            {"X-AMZN-ERRORTYPE": "AccessDeniedException"},
            body(
                f"User: {CALLER} is not authorized to perform: execute-api:Invoke on resource: "
                f"{RESOURCE}",
                key="Message",
            ),
        ),
        AccessDeniedError,
        "access_denied",
    )
    assert error.error_type == "AccessDeniedException"
    assert error.message.startswith("User: ")


def test_headers_are_looked_up_in_any_case() -> None:
    headers = {
        "X-Amzn-Errortype": "InvalidSignatureException:http://internal.amazon.com/coral/",
        "X-AMZN-REQUESTID": "req-1",
        "X-Amz-Apigw-Id": "gw-1",
    }
    error = check(diagnose(403, headers, body("bogus")), AuthenticationError, "signature_mismatch")
    assert error.error_type == "InvalidSignatureException"
    assert error.request_id == "req-1"
    assert error.apigw_id == "gw-1"


def test_requests_case_insensitive_dict_is_accepted() -> None:
    headers = CaseInsensitiveDict({"x-amzn-errortype": "LimitExceededException"})
    check(diagnose(429, headers, b'{"message":"Limit Exceeded"}'), ThrottledError, "quota_exceeded")


def test_status_none_uses_the_message() -> None:
    error = check(
        diagnose(None, None, '{"message":"Missing Authentication Token"}'),
        RouteNotFoundError,
        "route_not_found",
    )
    assert error.status is None
    assert str(error).startswith("Gateway error [route_not_found]")


def test_null_message_on_500_is_an_authorizer_failure() -> None:
    error = check(
        diagnose(500, rest("AuthorizerConfigurationException"), '{"message": null}'),
        IntegrationError,
        "integration_failure",
    )
    assert error.message == ""
    assert "authorizer" in error.cause
    check(diagnose(500, REST, '{"message":null}'), IntegrationError, "integration_failure")
    check(diagnose(None, None, '{"message":null}'), IntegrationError, "integration_failure")


def test_html_cloudfront_page() -> None:
    page = (
        '<!DOCTYPE HTML PUBLIC><HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html">'
        "<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>"
        "<H1>403 ERROR</H1><H2>The request could not be satisfied.</H2></BODY></HTML>"
    )
    error = check(
        diagnose(403, {"X-Cache": "Error from cloudfront"}, page, method="GET", url=REST_URL),
        AccessDeniedError,
        "forbidden",
    )
    assert error.message == "ERROR: The request could not be satisfied"
    assert "GET or HEAD with a body" in error.cause


def test_html_backend_error_page_keeps_its_title() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad</h1></body></html>"
    error = check(diagnose(502, {}, page), IntegrationError, "server_error")
    assert error.message == "502 Bad Gateway"


def test_plain_text_413() -> None:
    error = check(
        diagnose(
            413,
            {"Content-Type": "text/plain"},
            b"HTTP content length exceeded 10485760 bytes.",
            method="PUT",
            url=REST_URL,
        ),
        PayloadTooLargeError,
        "payload_too_large",
    )
    assert error.message == "HTTP content length exceeded 10485760 bytes."
    assert "10 MB" in error.cause
    assert "S3" in error.fix


def test_413_without_body() -> None:
    check(diagnose(413, {}, b""), PayloadTooLargeError, "payload_too_large")


# -- backend answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (403, {"error": "You may only edit your own pets"}),
        (404, {"message": "Pet 42 does not exist"}),
        (404, {"detail": "Not found"}),
        (409, {"message": "Version conflict"}),
    ],
)
def test_backend_4xx_json_is_a_client_error_with_its_body_intact(
    status: int, payload: dict[str, str]
) -> None:
    raw = json.dumps(payload)
    error = check(diagnose(status, REST, raw, method="GET", url=REST_URL), ApiError, "client_error")
    assert not isinstance(error, (AuthenticationError, AccessDeniedError, RouteNotFoundError))
    assert error.details["body"] == raw
    assert error.details["json"] == payload
    assert error.message == next(iter(payload.values()))
    assert f"HTTP {status} itself" in error.cause


def test_backend_403_on_an_http_api_is_not_mistaken_for_an_iam_denial() -> None:
    error = check(
        diagnose(403, HTTP, '{"message":"account suspended"}', url=HTTP_URL),
        ApiError,
        "client_error",
    )
    assert error.message == "account suspended"


def test_backend_5xx_is_a_server_error() -> None:
    error = check(
        diagnose(503, REST, '{"error":"database down"}', url=REST_URL),
        IntegrationError,
        "server_error",
    )
    assert error.message == "database down"


def test_request_validator_rejection_is_a_client_error() -> None:
    error = check(
        diagnose(400, REST, body("Invalid request body"), method="POST", url=REST_URL),
        ApiError,
        "client_error",
    )
    assert "validator" in error.cause
    assert "POST /pets" in error.cause


def test_head_without_body_does_not_claim_the_backend_answered() -> None:
    error = check(diagnose(403, HTTP, b"", method="HEAD", url=HTTP_URL), ApiError, "client_error")
    assert "HEAD answer has no body" in error.cause
    assert "GET" in error.fix


def test_head_with_an_error_type_is_still_diagnosed() -> None:
    check(
        diagnose(
            403, rest("MissingAuthenticationTokenException"), b"", method="HEAD", url=REST_URL
        ),
        RouteNotFoundError,
        "route_not_found",
    )


def test_websocket_gone() -> None:
    error = check(
        diagnose(
            410,
            rest("GoneException"),
            b"",
            method="POST",
            url="https://abc123.execute-api.eu-west-1.amazonaws.com/prod/%40connections/Zm9vPQ%3D%3D",
        ),
        ApiError,
        "client_error",
    )
    assert "'Zm9vPQ==' is closed" in error.cause


def test_websocket_frame_forbidden_is_an_unmatched_route() -> None:
    frame = '{"message": "Forbidden", "connectionId":"Zm9v", "requestId":"QwEr="}'
    error = check(diagnose(None, None, frame), RouteNotFoundError, "route_not_found")
    assert error.request_id == "QwEr="
    assert "$default route" in error.fix


# -- REST Forbidden, API keys, HTTP API and Lambda URL denials --------------------------------


def test_bare_rest_forbidden_lists_candidates_naming_the_stage() -> None:
    error = check(
        diagnose(
            403,
            rest("ForbiddenException"),
            body("Forbidden"),
            method="GET",
            url="https://abc123.execute-api.eu-west-1.amazonaws.com/Prod/pets",
        ),
        AccessDeniedError,
        "forbidden",
    )
    candidates = error.details["candidates"]
    assert "'Prod'" in candidates[0]
    assert "case-sensitive" in candidates[0]
    assert "API key" in candidates[1]
    assert "WAF" in candidates[2]
    assert "private" in candidates[3]
    assert "disabled" in candidates[4]
    assert error.cause.index("(1)") < error.cause.index("(5)")
    assert "get-stages --rest-api-id abc123" in error.fix


def test_bare_rest_forbidden_without_a_stage_says_so() -> None:
    error = diagnose(
        403, REST, body("Forbidden"), url="https://abc123.execute-api.eu-west-1.amazonaws.com/"
    )
    assert error is not None
    assert error.code == "forbidden"
    assert "names no stage" in error.details["candidates"][0]


def test_forbidden_with_an_api_key_sent_points_at_the_key() -> None:
    canonical = (
        "GET\n/prod/pets\n\nhost:abc123.execute-api.eu-west-1.amazonaws.com\n"
        "x-amz-date:20240101T120000Z\nx-api-key:k3y-v4lu3-s3cr3t\n\nhost;x-amz-date;x-api-key\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    error = check(
        diagnose(
            403,
            rest("ForbiddenException"),
            body("Forbidden"),
            method="GET",
            url=REST_URL,
            canonical_request=canonical,
        ),
        AccessDeniedError,
        "api_key",
    )
    assert "stage 'prod'" in error.cause
    assert "abc123" in error.cause
    assert "get-usage-plans" in error.fix
    assert "k3y-v4lu3-s3cr3t" not in str(error)


def test_http_api_forbidden_signed_is_an_iam_denial_with_a_policy() -> None:
    error = check(
        diagnose(403, HTTP, '{"message":"Forbidden"}', method="DELETE", url=HTTP_URL),
        AccessDeniedError,
        "access_denied",
    )
    arn = "arn:aws:execute-api:eu-west-1:*:h7x9k2/prod/DELETE/pets"
    assert isinstance(error, AccessDeniedError)
    assert error.resource_arn == arn
    assert error.action == "execute-api:Invoke"
    assert error.policy == {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": arn}
    assert json.dumps(error.policy, separators=(",", ":")) in error.fix
    assert error.details["explicit"] is False


def test_http_api_forbidden_unsigned_is_a_missing_signature() -> None:
    check(
        diagnose(403, HTTP, body("Forbidden"), signed=False, url=HTTP_URL),
        AuthenticationError,
        "missing_signature",
    )


def test_http_api_not_found() -> None:
    error = check(
        diagnose(404, HTTP, body("Not Found"), method="GET", url=HTTP_URL),
        RouteNotFoundError,
        "route_not_found",
    )
    assert "get-routes --api-id h7x9k2" in error.fix
    assert error.details == {"path": "/pets", "stage": "prod", "method": "GET"}


def test_kind_is_inferred_from_headers() -> None:
    assert diagnose(403, HTTP, body("Forbidden")).code == "access_denied"  # type: ignore[union-attr]
    assert diagnose(403, REST, body("Forbidden")).code == "forbidden"  # type: ignore[union-attr]
    assert (
        diagnose(403, HTTP, body("Forbidden"), kind="rest").code == "forbidden"  # type: ignore[union-attr]
    )


def test_lambda_url_forbidden_names_both_actions() -> None:
    error = check(
        diagnose(
            403,
            {"x-amzn-ErrorType": "AccessDeniedException"},
            body(
                "Forbidden. For troubleshooting Function URL authorization issues, see: "
                "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
                key="Message",
            ),
            method="POST",
            url=LAMBDA_URL,
        ),
        AccessDeniedError,
        "access_denied",
    )
    assert "lambda:InvokeFunctionUrl" in error.cause
    assert "lambda:InvokeFunction" in error.cause
    assert "October 2025" in error.cause
    assert error.policy is not None
    assert error.policy["Action"] == ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    assert "arn:aws:lambda:eu-west-1:" in error.policy["Resource"]


def test_lambda_url_forbidden_unsigned_is_a_missing_signature() -> None:
    error = check(
        diagnose(
            403,
            {"x-amzn-ErrorType": "AccessDeniedException"},
            body(
                "Forbidden. For troubleshooting Function URL authorization issues, see: x",
                "Message",
            ),
            signed=False,
            url=LAMBDA_URL,
        ),
        AuthenticationError,
        "missing_signature",
    )
    assert "service 'lambda' in region eu-west-1" in error.fix


def test_lambda_url_function_error() -> None:
    error = check(
        diagnose(502, {}, body("Internal Server Error"), url=LAMBDA_URL),
        IntegrationError,
        "integration_failure",
    )
    assert "function behind the URL" in error.cause


def test_lambda_url_bare_forbidden_by_kind() -> None:
    check(
        diagnose(
            403, {"x-amzn-ErrorType": "AccessDeniedException"}, body("Forbidden"), url=LAMBDA_URL
        ),
        AccessDeniedError,
        "access_denied",
    )


# -- IAM and authorizer denials -------------------------------------------------------------


def test_iam_denial_is_parsed_into_caller_action_resource_and_policy() -> None:
    message = (
        f"User: {CALLER} is not authorized to perform: execute-api:Invoke on resource: {RESOURCE}"
    )
    error = check(
        diagnose(403, rest("AccessDeniedException"), body(message, key="Message"), url=REST_URL),
        AccessDeniedError,
        "access_denied",
    )
    assert isinstance(error, AccessDeniedError)
    assert error.caller_arn == CALLER
    assert error.action == "execute-api:Invoke"
    assert error.resource_arn == RESOURCE
    assert error.details["explicit"] is False
    assert error.policy == {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": RESOURCE}
    assert (
        '{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"' + RESOURCE + '"}'
        in error.fix
    )
    assert "IAM role 'OrdersReader'" in error.fix
    assert CALLER in error.cause
    assert RESOURCE in error.cause


def test_iam_denial_because_no_identity_policy_allows() -> None:
    message = (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        f"execute-api:Invoke on resource: {RESOURCE} because no identity-based policy allows the "
        "execute-api:Invoke action"
    )
    error = check(diagnose(403, REST, body(message)), AccessDeniedError, "access_denied")
    assert error.details["resource_arn"] == RESOURCE
    assert "IAM user 'alice'" in error.fix
    assert "No identity-based policy" in error.cause


def test_explicit_deny_says_an_allow_will_not_help() -> None:
    message = (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"{RESOURCE} with an explicit deny"
    )
    error = check(
        diagnose(403, rest("AccessDeniedException"), body(message, key="Message"), url=REST_URL),
        AccessDeniedError,
        "explicit_deny",
    )
    assert error.details["explicit"] is True
    assert error.details["caller_arn"] == "anonymous"
    assert error.fix.startswith("An Allow will not help: find the Deny.")
    assert "aws:SourceVpce" in error.fix
    assert "'anonymous'" in error.cause
    assert error.details["policy"]["Resource"] == RESOURCE


def test_manage_connections_denial() -> None:
    resource = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/@connections/Zm9v"
    message = (
        f"User: {CALLER} is not authorized to perform: execute-api:ManageConnections on "
        f"resource: {resource}"
    )
    error = check(diagnose(403, REST, body(message)), AccessDeniedError, "access_denied")
    assert error.details["action"] == "execute-api:ManageConnections"
    assert error.details["policy"]["Action"] == "execute-api:ManageConnections"


def test_access_denied_without_arn_in_message_builds_it() -> None:
    error = check(
        diagnose(
            403,
            rest("AccessDeniedException"),
            body("Access denied"),
            method="GET",
            url="https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets/42",
        ),
        AccessDeniedError,
        "access_denied",
    )
    assert (
        error.details["resource_arn"] == "arn:aws:execute-api:eu-west-1:*:abc123/prod/GET/pets/42"
    )


def test_authorizer_deny() -> None:
    error = check(
        diagnose(
            403,
            rest("AccessDeniedException"),
            body("User is not authorized to access this resource"),
            method="GET",
            url=REST_URL,
        ),
        AccessDeniedError,
        "access_denied",
    )
    assert "authorizer" in error.cause
    assert "not IAM" in error.cause
    assert "caching" in error.fix
    explicit = check(
        diagnose(
            403,
            rest("AccessDeniedException"),
            body("User is not authorized to access this resource with an explicit deny"),
            url=REST_URL,
        ),
        AccessDeniedError,
        "explicit_deny",
    )
    assert explicit.details["explicit"] is True


def test_unauthorized_is_a_token_authorizer() -> None:
    error = check(
        diagnose(
            401,
            {
                **HTTP,
                "www-authenticate": 'Bearer scope="" error="invalid_token" '
                'error_description="the token has expired"',
            },
            body("Unauthorized"),
            method="GET",
            url=HTTP_URL,
        ),
        AuthenticationError,
        "wrong_auth_scheme",
    )
    assert "the token has expired" in error.cause
    assert "AWS_IAM" in error.fix


# -- signature errors -----------------------------------------------------------------------


def test_signature_mismatch_without_appendix_lists_causes() -> None:
    error = check(
        diagnose(
            403,
            {"x-amzn-errortype": "InvalidSignatureException"},
            body(
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details."
            ),
            url=LAMBDA_URL,
        ),
        AuthenticationError,
        "signature_mismatch",
    )
    assert "Lambda function URLs do not say which part differed" in error.cause
    assert "x-amz-content-sha256" in error.cause
    assert error.cause.index("(1)") < error.cause.index("secret access key")


def test_wrong_region() -> None:
    error = check(
        diagnose(
            403,
            rest("InvalidSignatureException"),
            body("Credential should be scoped to a valid region, not 'us-east-1'. "),
            url=REST_URL,
            region="us-east-1",
        ),
        AuthenticationError,
        "wrong_region",
    )
    assert "'us-east-1'" in error.cause
    assert "'eu-west-1'" in error.cause
    assert 'IamApiClient(url, region="eu-west-1")' in error.fix
    assert error.details == {"signed_region": "us-east-1", "expected_region": "eu-west-1"}


def test_wrong_region_read_from_the_host_name() -> None:
    error = check(
        diagnose(
            403,
            REST,
            body("Credential should be scoped to a valid region, not 'execute-api'. "),
            url="https://api.example.com/pets",
            region="execute-api",
        ),
        AuthenticationError,
        "wrong_region",
    )
    assert "'execute-api' is not a region" in error.cause
    assert "api.example.com does not name a region" in error.cause


def test_wrong_service() -> None:
    error = check(
        diagnose(
            403,
            rest("InvalidSignatureException"),
            body("Credential should be scoped to correct service: 'execute-api'. "),
            url=REST_URL,
            service="apigateway",
        ),
        AuthenticationError,
        "wrong_service",
    )
    assert "'apigateway'" in error.cause
    assert "'execute-api'" in error.cause
    assert 'IamApiClient(url, service="execute-api")' in error.fix


def test_wrong_service_from_the_string_to_sign() -> None:
    sts = "AWS4-HMAC-SHA256\n20240101T120000Z\n20240101/eu-west-1/lambda/aws4_request\nab12"
    error = diagnose(
        403,
        REST,
        body("Credential should be scoped to correct service: 'execute-api'. "),
        string_to_sign=sts,
    )
    assert error is not None
    assert error.details["signed_service"] == "lambda"


@pytest.mark.parametrize(
    ("message", "phrase"),
    [
        (
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/"
            "eu-west-1/execute-api/aws4_request, SignedHeaders=host, Signature=deadbeef",
            "no X-Amz-Date",
        ),
        ("Date must be in ISO-8601 'basic format'. Got '2024-01-01'.", "YYYYMMDD'T'HHMMSS'Z'"),
        ("Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'", "not AWS4-HMAC-SHA256"),
        (
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/"
            "service/term, got 'AKIAIOSFODNN7EXAMPLE/20240101'",
            "keyid/date/region/service",
        ),
        (
            "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string "
            "parameters.",
            "presigned URL",
        ),
        (
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. ",
            "'aws4_request'",
        ),
        (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20240101' != '20240102', from '20240102T000001Z'.",
            "midnight UTC",
        ),
        (
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
            "SHA-256 and encoded with Base64): 'bm90LWEtcmVhbC1oYXNo'.",
            "newline or space inside the access key id",
        ),
    ],
)
def test_malformed_authorization(message: str, phrase: str) -> None:
    error = check(
        diagnose(403, rest("IncompleteSignatureException"), body(message), url=REST_URL),
        AuthenticationError,
        "malformed_authorization",
    )
    assert phrase in error.cause
    assert "AKIAIOSFODNN7EXAMPLE" not in str(error)
    assert "deadbeef" not in str(error)


def test_bearer_token_sent_to_an_iam_route_is_a_wrong_auth_scheme() -> None:
    message = (
        "'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' not a valid key=value pair "
        "(missing equal-sign) in Authorization header: 'Bearer "
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'."
    )
    error = check(
        diagnose(
            403,
            rest("IncompleteSignatureException"),
            body(message),
            method="GET",
            url=REST_URL,
        ),
        AuthenticationError,
        "wrong_auth_scheme",
    )
    assert "Bearer" in error.cause
    assert "GET /pets in stage 'prod'" in error.cause
    assert error.cause.index("no route") < error.cause.index("AWS_IAM")
    assert "eyJ" not in str(error)
    assert "eyJ" not in error.message
    assert error.details["scheme"] == "Bearer"


def test_unsigned_request_with_missing_parts_is_a_wrong_auth_scheme() -> None:
    message = (
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=Basic dXNlcjpwYXNzd29yZA=="
    )
    error = check(
        diagnose(403, rest("IncompleteSignatureException"), body(message), signed=False),
        AuthenticationError,
        "wrong_auth_scheme",
    )
    assert "dXNlcjpwYXNzd29yZA" not in str(error)
    assert "dXNlcjpwYXNzd29yZA" not in error.message


def test_invalid_token() -> None:
    error = check(
        diagnose(
            403,
            rest("UnrecognizedClientException"),
            body("The security token included in the request is invalid."),
        ),
        AuthenticationError,
        "invalid_token",
    )
    assert "access key id does not exist" in error.cause
    assert "ASIA" in error.fix


def test_invalid_token_for_a_temporary_key_without_token_puts_that_first() -> None:
    response = _response(
        403,
        {"x-amzn-ErrorType": "UnrecognizedClientException"},
        body("The security token included in the request is invalid."),
        request_headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAQWERTYUIOPASDFGH/20240101/"
            "eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00ff"
        },
    )
    error = check(diagnose_response(response), AuthenticationError, "invalid_token")
    assert error.cause.index("…DFGH is temporary") < error.cause.index("does not exist")
    assert "ASIAQWERTYUIOPASDFGH" not in str(error)


def test_expired_token() -> None:
    error = check(
        diagnose(
            403,
            rest("ExpiredTokenException"),
            body("The security token included in the request is expired"),
        ),
        AuthenticationError,
        "expired_token",
    )
    assert "expired" in error.cause
    assert "aws sso login" in error.fix


# -- clock skew -----------------------------------------------------------------------------

EXPIRED = (
    "Signature expired: 20240101T120000Z is now earlier than 20240101T120212Z "
    "(20240101T120712Z - 5 min.)"
)
NOT_YET = (
    "Signature not yet current: 20240101T121500Z is still later than 20240101T120600Z "
    "(20240101T120100Z + 5 min.)"
)


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def test_signature_expired_with_a_slow_clock() -> None:
    error = check(
        diagnose(
            403,
            rest("InvalidSignatureException"),
            body(EXPIRED),
            local_time=_utc("20240101T120000Z"),
        ),
        AuthenticationError,
        "clock_skew",
    )
    assert error.details["clock_offset"] == 432.0
    assert error.details["server_time"] == _utc("20240101T120712Z")
    assert error.details["request_time"] == _utc("20240101T120000Z")
    assert error.details["stale_signature"] is False
    assert "Your clock is about 7 min 12 s behind" in error.cause
    assert "NTP" in error.fix


def test_signature_expired_from_a_reused_signature() -> None:
    error = check(
        diagnose(
            403,
            rest("InvalidSignatureException"),
            body(EXPIRED),
            local_time=_utc("20240101T120705Z"),
        ),
        AuthenticationError,
        "clock_skew",
    )
    assert error.details["stale_signature"] is True
    assert error.details["clock_offset"] == 432.0
    assert error.cause.startswith("The signature is old")
    assert "by your clock it was sent 7 min 5 s after it was signed" in error.cause
    assert "Your clock agrees with the gateway's" in error.cause
    assert "re-sign every retry" in error.fix


def test_signature_expired_without_local_time_gives_both_causes() -> None:
    error = check(diagnose(403, REST, body(EXPIRED)), AuthenticationError, "clock_skew")
    assert error.details["stale_signature"] is None
    assert "either your clock is 7 min 12 s behind" in error.cause


def test_signature_not_yet_current_means_the_clock_is_ahead() -> None:
    error = check(
        diagnose(
            400,
            rest("InvalidSignatureException"),
            body(NOT_YET),
            local_time=_utc("20240101T121500Z"),
        ),
        AuthenticationError,
        "clock_skew",
    )
    assert error.details["clock_offset"] == -840.0
    assert "Your clock is about 14 min ahead" in error.cause


def test_whole_hours_of_skew_mean_local_time_instead_of_utc() -> None:
    message = (
        "Signature expired: 20240101T100000Z is now earlier than 20240101T115500Z "
        "(20240101T120000Z - 5 min.)"
    )
    error = check(diagnose(403, REST, body(message)), AuthenticationError, "clock_skew")
    assert "Your clock is exactly 2 h behind" in error.cause
    assert "UTC" in error.cause


def test_skew_falls_back_to_the_date_header() -> None:
    error = check(
        diagnose(
            403,
            {**rest("InvalidSignatureException"), "Date": "Mon, 01 Jan 2024 12:10:00 GMT"},
            body("Signature expired"),
            local_time=datetime(2024, 1, 1, 12, 0, 0),  # naive: taken as UTC
        ),
        AuthenticationError,
        "clock_skew",
    )
    assert error.details["clock_offset"] == 600.0
    assert error.details["server_time"] == _utc("20240101T121000Z")


def test_live_response_uses_the_current_clock() -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    signed_at = now - timedelta(minutes=9)
    message = (
        f"Signature expired: {signed_at:%Y%m%dT%H%M%SZ} is now earlier than "
        f"{now - timedelta(minutes=5):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 5 min.)"
    )
    response = _response(403, rest("InvalidSignatureException"), body(message))
    error = check(diagnose_response(response), AuthenticationError, "clock_skew")
    assert error.details["stale_signature"] is True


# -- throttling and integration -------------------------------------------------------------


def test_throttled_with_retry_after_seconds() -> None:
    error = check(
        diagnose(429, {**REST, "Retry-After": "7"}, body("Too Many Requests")),
        ThrottledError,
        "throttled",
    )
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 7.0
    assert "7 s" in error.fix
    assert "back-off" in error.fix


def test_throttled_with_retry_after_http_date() -> None:
    headers = {
        "Retry-After": "Mon, 01 Jan 2024 12:00:30 GMT",
        "Date": "Mon, 01 Jan 2024 12:00:00 GMT",
    }
    error = check(diagnose(429, headers, body("Too Many Requests")), ThrottledError, "throttled")
    assert error.details["retry_after"] == 30.0


def test_throttled_without_retry_after() -> None:
    error = check(diagnose(429, HTTP, "Too Many Requests"), ThrottledError, "throttled")
    assert error.details["retry_after"] is None


def test_lambda_url_throttle_mentions_concurrency() -> None:
    error = check(diagnose(429, {}, b"", url=LAMBDA_URL), ThrottledError, "throttled")
    assert "reserved concurrency" in error.cause


def test_quota_exceeded_says_retrying_does_not_help() -> None:
    error = check(
        diagnose(429, rest("LimitExceededException"), body("Limit Exceeded")),
        ThrottledError,
        "quota_exceeded",
    )
    assert error.fix.startswith("Retrying does not help until the quota period resets")


def test_integration_timeout() -> None:
    error = check(
        diagnose(504, REST, body("Endpoint request timed out"), method="POST", url=REST_URL),
        IntegrationError,
        "integration_timeout",
    )
    assert "29 seconds" in error.cause
    assert "idempotent" in error.fix
    check(diagnose(503, HTTP, body("Service Unavailable")), IntegrationError, "integration_timeout")
    check(diagnose(504, {}, ""), IntegrationError, "integration_timeout")


def test_integration_failures() -> None:
    bad_gateway = check(
        diagnose(502, REST, '{"message": "Internal server error"}', method="GET", url=REST_URL),
        IntegrationError,
        "integration_failure",
    )
    assert "proxy response" in bad_gateway.cause
    permission = check(
        diagnose(500, REST, body("Internal server error"), url=REST_URL),
        IntegrationError,
        "integration_failure",
    )
    assert "apigateway.amazonaws.com" in permission.cause
    assert "execute-api:eu-west-1:<account-id>:abc123/*" in permission.fix
    check(
        diagnose(500, HTTP, body("Internal Server Error")), IntegrationError, "integration_failure"
    )


# -- requests.Response ----------------------------------------------------------------------


def _response(
    status: int,
    headers: dict[str, str],
    content: str,
    *,
    method: str = "GET",
    url: str = REST_URL,
    request_headers: Optional[dict[str, str]] = None,
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers)
    response._content = content.encode()
    response.url = url
    response.request = requests.Request(method, url, headers=request_headers or {}).prepare()
    return response


def test_diagnose_response_reads_the_response() -> None:
    response = _response(
        403,
        rest("MissingAuthenticationTokenException"),
        body("Missing Authentication Token"),
        method="PATCH",
    )
    error = check(
        diagnose_response(response, stage="prod", region="eu-west-1"),
        RouteNotFoundError,
        "route_not_found",
    )
    assert error.response is response
    assert error.method == "PATCH"
    assert error.url == REST_URL
    assert "PATCH /pets" in error.cause
    assert "on PATCH /prod/pets (request id 8f1c2d3e" in str(error)


def test_diagnose_response_success_is_none() -> None:
    assert diagnose_response(_response(200, {}, "{}")) is None


def test_url_secrets_are_masked() -> None:
    url = (
        REST_URL + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"
        "20240101%2Feu-west-1%2Fexecute-api%2Faws4_request&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE"
        "&X-Amz-Signature=0123456789abcdef"
    )
    error = diagnose(403, REST, body("Forbidden"), url=url)
    assert error is not None
    for secret in ("FQoGZXIvYXdzEXAMPLE", "0123456789abcdef", "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in str(error)
        assert secret not in (error.url or "")


# -- pickling -------------------------------------------------------------------------------


def _one_error_per_code() -> dict[str, GatewayError]:
    canonical_with_key = "GET\n/prod/pets\n\nhost:h\nx-api-key:abc\n\nhost;x-api-key\n" + "0" * 64
    made = [
        diagnose(403, REST, body("Missing Authentication Token"), signed=False, url=REST_URL),
        diagnose(403, REST, body("Missing Authentication Token"), url=REST_URL),
        diagnose(403, REST, body("The request signature we calculated does not match")),
        diagnose(403, REST, body(EXPIRED), local_time=_utc("20240101T120000Z")),
        diagnose(403, REST, body("The security token included in the request is expired")),
        diagnose(403, REST, body("The security token included in the request is invalid.")),
        diagnose(403, REST, body("Credential should be scoped to a valid region, not 'x'. ")),
        diagnose(403, REST, body("Credential should be scoped to correct service: 'lambda'. ")),
        diagnose(403, REST, body("Date must be in ISO-8601 'basic format'. Got 'x'.")),
        diagnose(401, REST, body("Unauthorized")),
        diagnose(403, HTTP, body("Forbidden"), method="GET", url=HTTP_URL),
        diagnose(
            403,
            REST,
            body(
                f"User: {CALLER} is not authorized to perform: execute-api:Invoke on resource: "
                f"{RESOURCE} with an explicit deny"
            ),
        ),
        diagnose(403, REST, body("Forbidden"), canonical_request=canonical_with_key),
        diagnose(403, REST, body("Forbidden"), url=REST_URL),
        diagnose(429, {"Retry-After": "2"}, body("Too Many Requests")),
        diagnose(429, REST, body("Limit Exceeded")),
        diagnose(413, {}, "HTTP content length exceeded 10485760 bytes."),
        diagnose(504, REST, body("Endpoint request timed out")),
        diagnose(502, REST, body("Internal server error")),
        diagnose(500, REST, '{"error":"boom"}'),
        diagnose(404, REST, '{"error":"no such pet"}'),
    ]
    errors = {error.code: error for error in made if error is not None}
    assert set(errors) == set(CODES), set(CODES) - set(errors)
    return errors


ERRORS = _one_error_per_code()


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_pickle_round_trip(code: str) -> None:
    error = ERRORS[code]
    error.response = _response(403, {}, "")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    for name in (
        "code",
        "status",
        "message",
        "cause",
        "fix",
        "request_id",
        "apigw_id",
        "error_type",
        "method",
        "url",
        "details",
    ):
        assert getattr(copy, name) == getattr(error, name), name
    assert str(copy) == str(error)
    assert copy.response is None


# -- the table, the docs and the module ------------------------------------------------------


def test_codes_are_the_documented_set() -> None:
    assert list(CODES) == [
        "missing_signature",
        "route_not_found",
        "signature_mismatch",
        "clock_skew",
        "expired_token",
        "invalid_token",
        "wrong_region",
        "wrong_service",
        "malformed_authorization",
        "wrong_auth_scheme",
        "access_denied",
        "explicit_deny",
        "api_key",
        "forbidden",
        "throttled",
        "quota_exceeded",
        "payload_too_large",
        "integration_timeout",
        "integration_failure",
        "server_error",
        "client_error",
    ]
    assert {rule.code for rule in RULES} == set(CODES)


def _rule_context(rule: Any) -> dict[str, Any]:
    kind = next((k for k in _KINDS if rule.kinds is None or k in rule.kinds), None)
    status = min(rule.statuses) if rule.statuses else None
    context: dict[str, Any] = {
        "status": status,
        "kind": kind,
        "signed": rule.signed if rule.signed is not None else True,
        "url": LAMBDA_URL if kind == "lambda_url" else REST_URL,
    }
    if "x-api-key" in rule.condition:
        context["canonical_request"] = (
            "GET\n/\n\nhost:h\nx-api-key:k\n\nhost;x-api-key\n" + "0" * 64
        )
    if "not signed by the caller" in rule.condition:
        context["signed"] = False
    return context


@pytest.mark.parametrize(
    ("rule", "example"),
    [(rule, example) for rule in RULES for example in rule.examples],
    ids=[f"{rule.name}: {example[:40]}" for rule in RULES for example in rule.examples],
)
def test_every_documented_message_gives_its_rule_code(rule: Any, example: str) -> None:
    context = _rule_context(rule)
    status = context.pop("status")
    if "frame" in rule.condition:
        raw = json.dumps({"message": example, "connectionId": "Zm9v"})
    elif example == "null":
        raw = '{"message": null}'
        status = 500
    else:
        raw = json.dumps({"message": example})
    error = diagnose(status, {}, raw, **context)
    assert error is not None
    assert error.code == rule.code, (rule.name, str(error))
    assert not re.search(r"\{[a-z_]+\}", error.cause + error.fix), "a template value is missing"


def test_docs_are_up_to_date() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
    assert path.read_text(encoding="utf-8") == errors_markdown(), (
        "docs/errors.md is out of date; regenerate it with: python -c "
        "\"from iamapi._diagnosis import errors_markdown; print(errors_markdown(), end='')\" "
        "> docs/errors.md"
    )


def test_docs_have_one_section_per_code() -> None:
    text = errors_markdown()
    for code in CODES:
        assert f"\n## {code}\n" in text
    assert "{" + "stage" + "}" not in text


@pytest.mark.skipif(
    sys.version_info < (3, 10), reason="sys.stdlib_module_names is new in Python 3.10"
)
def test_module_imports_only_the_standard_library_and_iamapi_at_top_level() -> None:
    import iamapi._diagnosis as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    allowed = set(sys.stdlib_module_names) | {"iamapi", "__future__"}
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, name
