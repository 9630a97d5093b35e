"""iamapi: call AWS IAM-protected HTTP APIs with correct SigV4 and errors that explain themselves.

>>> from iamapi import IamApiClient
>>> client = IamApiClient("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
>>> client.get("/pets", params={"type": "dog"})  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iamapi._client import DEFAULT_TIMEOUT, LAMBDA_RESERVE, IamApiClient, LambdaContext
from iamapi._credentials import CredentialProvider, FrozenCredentials
from iamapi._endpoints import Endpoint
from iamapi._exceptions import (
    AccessDeniedError,
    ApiError,
    Attempt,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    CredentialsError,
    DeadlineExceededError,
    ForeignHostError,
    GatewayError,
    IamApiError,
    InsecureURLError,
    IntegrationError,
    InvalidHeaderError,
    InvalidURLError,
    NoCredentialsError,
    PayloadTooLargeError,
    RedirectError,
    RegionNotFoundError,
    RequestTimeoutError,
    RouteNotFoundError,
    ThrottledError,
    TransportError,
    UnsignableBodyError,
)
from iamapi._retry import RetryBudget, RetryPolicy

if TYPE_CHECKING:
    from iamapi._diagnosis import diagnose

from iamapi._signing import Signer, SigningResult, SigV4Auth

__all__ = [
    "DEFAULT_TIMEOUT",
    "LAMBDA_RESERVE",
    "AccessDeniedError",
    "ApiError",
    "Attempt",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "CredentialProvider",
    "CredentialsError",
    "DeadlineExceededError",
    "Endpoint",
    "ForeignHostError",
    "FrozenCredentials",
    "GatewayError",
    "IamApiClient",
    "IamApiError",
    "InsecureURLError",
    "IntegrationError",
    "InvalidHeaderError",
    "InvalidURLError",
    "LambdaContext",
    "NoCredentialsError",
    "PayloadTooLargeError",
    "RedirectError",
    "RegionNotFoundError",
    "RequestTimeoutError",
    "RetryBudget",
    "RetryPolicy",
    "RouteNotFoundError",
    "SigV4Auth",
    "Signer",
    "SigningResult",
    "ThrottledError",
    "TransportError",
    "UnsignableBodyError",
    "diagnose",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use: most programs never need the diagnosis table at import time.
    if name == "diagnose":
        from iamapi._diagnosis import diagnose

        return diagnose
    if name == "__version__":
        from iamapi._version import VERSION

        return VERSION
    raise AttributeError(f"module 'iamapi' has no attribute {name!r}")
