"""The table's first rows: WebSocket frames, oversized bodies, then the SigV4 signature.

These answers say what is wrong in so many words, whatever else the request
did: a frame on the socket, a body over the limit, a signature that is too old,
scoped to the wrong region or service, made with unknown credentials, not
matching, or not a SigV4 signature at all.
"""

from __future__ import annotations

import re

from iamapi._diagnosis._authorization import analyze_auth_scheme, analyze_malformed
from iamapi._diagnosis._credentials import (
    SCOPE_REGION,
    SCOPE_SERVICE,
    analyze_region,
    analyze_service,
    analyze_token,
)
from iamapi._diagnosis._mismatch import analyze_mismatch
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._rule import Rule, kinds, statuses, types
from iamapi._diagnosis._skew import analyze_skew

__all__ = ["SIGNATURE_RULES"]

_KV_PAIR = r"not a valid key=value pair|Invalid key=value pair"

_LARGE_CAUSE = (
    "The request body is over the gateway's limit: 10 MB for API Gateway (REST and HTTP APIs); "
    "a Lambda function behind it accepts at most 6 MB. The body was refused before any "
    "backend saw it."
)
_LARGE_FIX = (
    "Send less per request: split the data, compress it if the backend accepts that, or "
    "upload it to S3 with a presigned URL and send the object key instead."
)
_MALFORMED_FIX = (
    "Let IamApiClient build the Authorization header; if you do, check the credentials for "
    "stray whitespace (AWS_ACCESS_KEY_ID, the profile's aws_access_key_id) and that no proxy "
    "rewrites or duplicates Authorization, X-Amz-Date or Host. {where}"
)
# The analyzer writes the whole cause and fix.
_FINDING = "{finding}"
_REMEDY = "{remedy}"

SIGNATURE_RULES: tuple[Rule, ...] = (
    Rule(
        name="WebSocket frame: Forbidden",
        code="route_not_found",
        cases=("ws-frame-error",),
        kinds=kinds("websocket"),
        pattern=Regex(r"^Forbidden$"),
        when=lambda f: f.is_frame,
        condition="a frame on the socket (no HTTP status)",
        cause=(
            "No route of the WebSocket API matched the message: the route-selection expression "
            "(for example $request.body.action) gave a value with no route, and there is no "
            "$default route."
        ),
        fix=(
            "Send a message whose route key matches a defined route, or add a $default route to "
            "catch the rest."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="WebSocket frame: Internal server error",
        code="integration_failure",
        cases=("ws-frame-error",),
        kinds=kinds("websocket"),
        pattern=Regex(r"^Internal server error$"),
        when=lambda f: f.is_frame,
        condition="a frame on the socket (no HTTP status)",
        cause="The integration of the WebSocket route failed (the backend threw or timed out).",
        fix=(
            "Read the integration's logs for request {request_id}; the route's backend must "
            "answer without error within 29 seconds."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="Body over the size limit (plain text)",
        code="payload_too_large",
        cases=("too-large",),
        pattern=Regex(
            r"HTTP content length exceeded \d+ bytes|Request Entity Too Large|Payload Too Large",
            re.IGNORECASE,
        ),
        cause=_LARGE_CAUSE,
        fix=_LARGE_FIX,
        examples=("HTTP content length exceeded 10485760 bytes.",),
    ),
    Rule(
        name="413 with any body",
        code="payload_too_large",
        cases=("too-large",),
        statuses=statuses(413),
        cause=_LARGE_CAUSE,
        fix=_LARGE_FIX,
    ),
    Rule(
        name="Signature expired",
        code="clock_skew",
        cases=("sig-expired",),
        pattern=Regex(r"^Signature expired\b"),
        analyze=analyze_skew,
        cause=_FINDING,
        fix=_REMEDY,
        examples=(
            "Signature expired: 20240101T120000Z is now earlier than 20240101T120212Z "
            "(20240101T120712Z - 5 min.)",
        ),
    ),
    Rule(
        name="Signature not yet current",
        code="clock_skew",
        cases=("sig-not-yet",),
        pattern=Regex(r"^Signature not yet current\b"),
        analyze=analyze_skew,
        cause=_FINDING,
        fix=_REMEDY,
        examples=(
            "Signature not yet current: 20240101T121500Z is still later than 20240101T120600Z "
            "(20240101T120100Z + 5 min.)",
        ),
    ),
    Rule(
        name="Credential scoped to the wrong region",
        code="wrong_region",
        cases=("scope-region",),
        pattern=SCOPE_REGION,
        analyze=analyze_region,
        cause="You signed for region {signed_region}{expected_region}. {notes}",
        fix=(
            'Sign for the API\'s region: `IamApiClient(url, region="{region_arg}")`. A region '
            "given explicitly wins over the host name and the environment."
        ),
        examples=(
            "Credential should be scoped to a valid region, not 'us-east-1'. ",
            "Credential should be scoped to a valid region. ",
            "The credential must be scoped to a valid region.",
        ),
    ),
    Rule(
        name="Credential scoped to the wrong service",
        code="wrong_service",
        cases=("scope-service",),
        pattern=SCOPE_SERVICE,
        analyze=analyze_service,
        cause=(
            "You signed for service {signed_service}, but the gateway expects '{expected_service}'."
        ),
        fix=(
            "Sign for service '{expected_service}': "
            '`IamApiClient(url, service="{expected_service}")`. '
            "API Gateway (custom domains included) uses 'execute-api'; Lambda function URLs use "
            "'lambda'."
        ),
        examples=("Credential should be scoped to correct service: 'execute-api'. ",),
    ),
    Rule(
        name="Credential scope without the aws4_request terminator",
        code="malformed_authorization",
        cases=("scope-terminator",),
        pattern=Regex(r"Credential should be scoped with a valid terminator"),
        analyze=analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. ",
        ),
    ),
    Rule(
        name="Credential-scope date differs from X-Amz-Date",
        code="malformed_authorization",
        cases=("scope-date",),
        pattern=Regex(r"Date in Credential scope does not match"),
        analyze=analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20240101' != '20240102', from '20240102T000001Z'.",
        ),
    ),
    Rule(
        name="Security token expired",
        code="expired_token",
        cases=("token-expired",),
        error_types=types("ExpiredTokenException"),
        pattern=Regex(r"security token included in the request is expired", re.IGNORECASE),
        cause=(
            "Your temporary credentials have expired. This happens most with assumed-role, SSO "
            "or federated credentials pasted into environment variables, which nothing refreshes."
        ),
        fix=(
            "Get fresh credentials (`aws sso login`, or re-run what produced them), and prefer a "
            "profile with role_arn or sso settings over a pasted AWS_SESSION_TOKEN, so that the "
            "credential chain refreshes them. Retrying with fresh credentials will succeed."
        ),
        examples=("The security token included in the request is expired",),
    ),
    Rule(
        name="Security token invalid",
        code="invalid_token",
        cases=("token-invalid",),
        error_types=types("UnrecognizedClientException", "InvalidClientTokenId"),
        pattern=Regex(r"security token included in the request is invalid", re.IGNORECASE),
        analyze=analyze_token,
        cause="AWS does not recognise the credentials. Most likely: {reasons}.",
        fix=(
            "Check which credentials are in use (`aws sts get-caller-identity` with the same "
            "profile or environment), and set AWS_SESSION_TOKEN whenever the access key id "
            "starts with ASIA."
        ),
        examples=("The security token included in the request is invalid.",),
    ),
    Rule(
        name="Signature does not match",
        code="signature_mismatch",
        cases=("sig-mismatch",),
        pattern=Regex(r"signature we calculated does not match", re.IGNORECASE),
        analyze=analyze_mismatch,
        cause=_FINDING,
        fix=_REMEDY,
        examples=(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
        ),
    ),
    Rule(
        name="A non-SigV4 Authorization header (Bearer, Basic, a raw token)",
        code="wrong_auth_scheme",
        cases=("incomplete-kv", "incomplete-params"),
        error_types=types("IncompleteSignatureException"),
        pattern=Regex(
            _KV_PAIR + r"|^Authorization header requires|Unsupported AWS 'algorithm'"
            r"|must begin with the algorithm name"
        ),
        when=lambda f: f.foreign_auth,
        condition="the request was not signed by the caller, or carried a Bearer/Basic header",
        analyze=analyze_auth_scheme,
        cause=(
            "API Gateway tried to read {sent} as a SigV4 signature and could not. It does this "
            "when no route matches {route} {in_stage} (the signature check comes before the "
            "route lookup), and when the method uses AWS_IAM authorization; check the route and "
            "verb first."
        ),
        fix=(
            "First make sure {route} exists {in_stage}. If it does and uses AWS_IAM, sign the "
            "request with SigV4 (IamApiClient) instead of sending a {scheme}; if it uses a token "
            "authorizer, the path or verb is what is wrong."
        ),
        examples=(
            "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization "
            "header: 'Bearer sometoken'.",
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=Bearer abc",
        ),
    ),
    Rule(
        name="SigV4 Authorization header not split into key=value pairs",
        code="malformed_authorization",
        cases=("incomplete-kv",),
        pattern=Regex(_KV_PAIR),
        analyze=analyze_malformed,
        cause=(
            "Your SigV4 Authorization header arrived malformed: {problem}. A path or verb with no "
            "route gives this answer too (the signature is parsed before the route is looked up)."
        ),
        fix=_MALFORMED_FIX,
        examples=(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
            "SHA-256 and encoded with Base64): 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c='.",
        ),
    ),
    Rule(
        name="Authorization header missing parts",
        code="malformed_authorization",
        cases=("incomplete-params",),
        pattern=Regex(r"^Authorization header requires"),
        analyze=analyze_malformed,
        cause="Your SigV4 Authorization header arrived incomplete: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/"
            "execute-api/aws4_request, SignedHeaders=host, Signature=abc",
        ),
    ),
    Rule(
        name="Malformed date, algorithm, credential or presigned query",
        code="malformed_authorization",
        cases=("incomplete-other",),
        error_types=types("IncompleteSignatureException"),
        pattern=Regex(
            r"Date must be in ISO-8601 'basic format'|Unsupported AWS 'algorithm'"
            r"|Credential must have exactly 5 slash-delimited elements"
            r"|AWS query-string parameters must include|must be a 'SignedHeader'"
            r"|must begin with the algorithm name"
        ),
        analyze=analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Date must be in ISO-8601 'basic format'. Got '2024-01-01T12:00:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDEXAMPLE/20240101/us-east-1'",
            "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the "
            "query-string parameters.",
        ),
    ),
    Rule(
        name="Other signature errors (error type only)",
        code="signature_mismatch",
        cases=("sig-mismatch",),
        error_types=types("InvalidSignatureException", "SignatureDoesNotMatch"),
        analyze=analyze_mismatch,
        cause=_FINDING,
        fix=_REMEDY,
    ),
)
