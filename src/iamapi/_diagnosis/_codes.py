"""The stable error codes: for each, the exception class it raises and what it means."""

from __future__ import annotations

from collections.abc import Mapping

from iamapi._exceptions import (
    AccessDeniedError,
    ApiError,
    AuthenticationError,
    GatewayError,
    IntegrationError,
    PayloadTooLargeError,
    RouteNotFoundError,
    ThrottledError,
)

__all__ = ["CODES"]

CODES: Mapping[str, tuple[type[GatewayError], str]] = {
    "missing_signature": (
        AuthenticationError,
        "The request reached an IAM-protected route without a SigV4 signature.",
    ),
    "route_not_found": (
        RouteNotFoundError,
        "No stage, resource, route or method matched the path and verb.",
    ),
    "signature_mismatch": (
        AuthenticationError,
        "The gateway computed a different signature: the request changed, or the secret is wrong.",
    ),
    "clock_skew": (
        AuthenticationError,
        "The signature's timestamp is outside the gateway's five-minute window.",
    ),
    "expired_token": (
        AuthenticationError,
        "The temporary credentials (session token) have expired.",
    ),
    "invalid_token": (
        AuthenticationError,
        "AWS does not recognise the access key id or session token.",
    ),
    "wrong_region": (
        AuthenticationError,
        "The credential scope names another region than the API's.",
    ),
    "wrong_service": (
        AuthenticationError,
        "The credential scope names the wrong signing service.",
    ),
    "malformed_authorization": (
        AuthenticationError,
        "The SigV4 Authorization header or presigned query is malformed.",
    ),
    "wrong_auth_scheme": (
        AuthenticationError,
        "The route expects another kind of authorization than the one sent.",
    ),
    "access_denied": (
        AccessDeniedError,
        "Authenticated, but no IAM, resource or authorizer policy allows the call.",
    ),
    "explicit_deny": (
        AccessDeniedError,
        "An explicit Deny matched the call; an Allow cannot override it.",
    ),
    "api_key": (
        AccessDeniedError,
        "The API key is missing, invalid, disabled or not in a usage plan for the stage.",
    ),
    "forbidden": (
        AccessDeniedError,
        "A bare 403 Forbidden whose cause the context cannot narrow down.",
    ),
    "throttled": (
        ThrottledError,
        "A rate limit was hit; retrying with back-off helps.",
    ),
    "quota_exceeded": (
        ThrottledError,
        "The usage-plan quota is used up; retrying does not help until it resets.",
    ),
    "payload_too_large": (
        PayloadTooLargeError,
        "The request body is over the gateway's size limit.",
    ),
    "integration_timeout": (
        IntegrationError,
        "The backend did not answer within the integration timeout.",
    ),
    "integration_failure": (
        IntegrationError,
        "The gateway could not call the backend or the authorizer, or got an unusable answer.",
    ),
    "server_error": (
        IntegrationError,
        "A 5xx answer that is not one of the gateway's own error responses.",
    ),
    "client_error": (
        ApiError,
        "A 4xx the backend returned itself; authentication and IAM had passed.",
    ),
}
