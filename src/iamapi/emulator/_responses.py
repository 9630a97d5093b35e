"""The error answers, shaped per API kind as the real services send them.

REST APIs send ``{"message":"..."}`` with ``x-amzn-ErrorType``,
``x-amzn-RequestId`` and ``x-amz-apigw-id``. HTTP APIs send the same body
key, no error type, and ``apigw-requestid``; their authorization failures are
a bare ``Forbidden`` and unknown stages and routes ``Not Found``. Lambda
function URLs answer authorization failures with ``{"Message":"Forbidden. For
troubleshooting ..."}`` (capital ``M``) and a signature mismatch with the
first sentence only, without the canonical-string appendix.

Rows marked *assumed* below have no captured response in the reference; they
follow the nearest documented shape.
"""

from __future__ import annotations

import base64
import http
import json
import random
import uuid
from typing import Optional

from iamapi.emulator._config import ApiKind
from iamapi.emulator._records import Verdict
from iamapi.emulator._verify import MISMATCH_SENTENCE
from iamapi.emulator._wire import Response

__all__ = [
    "LAMBDA_URL_FORBIDDEN",
    "MISSING_TOKEN",
    "error_response",
    "mismatch_message",
    "payload_too_large",
    "request_id_headers",
]

# gateway messages, not credentials:
MISSING_TOKEN = "Missing Authentication Token"  # noqa: S105
LAMBDA_URL_FORBIDDEN = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)

# verdict -> (status, x-amzn-ErrorType or None, fixed message or None to use the verifier's)
_Row = tuple[int, Optional[str], Optional[str]]

_REST: dict[str, _Row] = {
    "missing_signature": (403, "MissingAuthenticationTokenException", MISSING_TOKEN),
    "route_not_found": (403, "MissingAuthenticationTokenException", MISSING_TOKEN),
    "forbidden": (403, "ForbiddenException", "Forbidden"),  # error type assumed
    "malformed_authorization": (403, "IncompleteSignatureException", None),
    "wrong_auth_scheme": (403, "IncompleteSignatureException", None),
    "signature_mismatch": (403, "InvalidSignatureException", None),
    "clock_skew": (403, "InvalidSignatureException", None),
    "wrong_region": (403, "InvalidSignatureException", None),
    "wrong_service": (403, "InvalidSignatureException", None),
    "invalid_token": (403, "UnrecognizedClientException", None),
    "expired_token": (403, "ExpiredTokenException", None),  # error type assumed
    "access_denied": (403, "AccessDeniedException", None),
    "explicit_deny": (403, "AccessDeniedException", None),
    "api_key": (403, "ForbiddenException", "Forbidden"),
    "throttled": (429, "TooManyRequestsException", "Too Many Requests"),  # type assumed
    "quota_exceeded": (429, "LimitExceededException", "Limit Exceeded"),
    "integration_timeout": (504, None, "Endpoint request timed out"),
    "integration_failure": (502, None, "Internal server error"),
}

_HTTP: dict[str, _Row] = {
    "missing_signature": (403, None, "Forbidden"),
    "route_not_found": (404, None, "Not Found"),
    "forbidden": (404, None, "Not Found"),
    "malformed_authorization": (403, None, None),  # assumed: REST text, no error type
    "wrong_auth_scheme": (403, None, None),  # assumed
    "signature_mismatch": (403, None, None),  # assumed
    "clock_skew": (403, None, None),
    "wrong_region": (403, None, None),
    "wrong_service": (403, None, None),
    "invalid_token": (403, None, None),
    "expired_token": (403, None, None),
    "access_denied": (403, None, "Forbidden"),
    "explicit_deny": (403, None, "Forbidden"),
    "throttled": (429, None, "Too Many Requests"),
    "integration_timeout": (503, None, "Service Unavailable"),
    "integration_failure": (500, None, "Internal Server Error"),
}

_LAMBDA_URL: dict[str, _Row] = {
    "missing_signature": (403, "AccessDeniedException", LAMBDA_URL_FORBIDDEN),
    "access_denied": (403, "AccessDeniedException", LAMBDA_URL_FORBIDDEN),
    "explicit_deny": (403, "AccessDeniedException", LAMBDA_URL_FORBIDDEN),
    "signature_mismatch": (403, "InvalidSignatureException", MISMATCH_SENTENCE),
    "clock_skew": (403, "InvalidSignatureException", None),
    "wrong_region": (403, "InvalidSignatureException", None),
    "wrong_service": (403, "InvalidSignatureException", None),
    "malformed_authorization": (403, "IncompleteSignatureException", None),  # assumed
    "wrong_auth_scheme": (403, "IncompleteSignatureException", None),  # assumed
    "invalid_token": (403, "UnrecognizedClientException", None),  # error type assumed
    "expired_token": (403, "ExpiredTokenException", None),  # assumed
    "route_not_found": (404, None, "Not Found"),  # the function's own answer, assumed
    "forbidden": (404, None, "Not Found"),
    "throttled": (429, "TooManyRequestsException", "Too Many Requests"),  # assumed
    "integration_timeout": (504, None, "Endpoint request timed out"),  # assumed
    "integration_failure": (502, None, "Internal Server Error"),  # assumed
}

_TABLES: dict[str, dict[str, _Row]] = {"rest": _REST, "http": _HTTP, "lambda_url": _LAMBDA_URL}

_FIVE_XX_TEXT = {
    "rest": {500: "Internal server error", 502: "Internal server error"},
    "http": {500: "Internal Server Error", 502: "Internal Server Error"},
    "lambda_url": {500: "Internal Server Error", 502: "Internal Server Error"},
}


_ids = random.Random()  # request ids are labels, not secrets


def _short_id() -> str:
    return base64.b64encode(_ids.getrandbits(88).to_bytes(11, "big")).decode("ascii")


def request_id_headers(kind: ApiKind) -> list[tuple[str, str]]:
    """Fresh request-id headers as the kind sends them on every answer."""
    if kind == "http":
        return [("apigw-requestid", _short_id())]
    request_id = str(uuid.UUID(int=_ids.getrandbits(128), version=4))
    if kind == "rest":
        return [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", _short_id())]
    return [("x-amzn-RequestId", request_id)]


def mismatch_message(canonical: str, string_to_sign: str) -> str:
    """The REST mismatch text: first sentence, then the server's two strings."""
    return (
        f"{MISMATCH_SENTENCE}\n\n"
        f"The Canonical String for this request should have been\n'{canonical}'\n\n"
        f"The String-to-Sign should have been\n'{string_to_sign}'\n"
    )


def error_response(
    kind: ApiKind,
    verdict: Verdict,
    message: str = "",
    *,
    status: Optional[int] = None,
    error_type: Optional[str] = None,
) -> Response:
    """The gateway's answer for ``verdict`` (without ``Date`` and request-id headers).

    ``message`` is the verifier's or policy's text for verdicts whose text
    varies; ``status`` overrides the status of an injected 5xx; ``error_type``
    overrides the row's ``x-amzn-ErrorType`` for kinds that send one.
    """
    row_status, row_type, fixed = _TABLES[kind][verdict]
    if row_type is not None and error_type is not None:
        row_type = error_type
    text = fixed if fixed is not None else message
    if status is not None and status != row_status:
        row_status = status
        text = _FIVE_XX_TEXT[kind].get(status) or _phrase(status)
    key = "Message" if text == LAMBDA_URL_FORBIDDEN else "message"
    body = json.dumps({key: text}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    headers = [("Content-Type", "application/json")]
    if row_type is not None:
        headers.append(("x-amzn-ErrorType", row_type))
    return Response(row_status, headers, body)


def payload_too_large(limit: int) -> Response:
    """413 in plain text, outside the gateway-response machinery (no JSON, no error type)."""
    body = f"HTTP content length exceeded {limit} bytes.".encode("ascii")
    return Response(413, [("Content-Type", "text/plain")], body, close=True)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:  # pragma: no cover - Faults only allows 5xx
        return "Error"
