"""What the gateway remembers about each request: the verdict and a few facts, never secrets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, get_args

__all__ = ["VERDICTS", "RequestRecord", "Verdict"]

Verdict = Literal[
    "ok",
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
    "connection_reset",
]

VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
"""Every verdict, in the order above."""


@dataclass(frozen=True)
class RequestRecord:
    """One request the gateway received.

    ``path`` is the raw path as sent (stage included, still percent-encoded),
    ``query`` the raw query string; ``verdict`` one of the codes in
    :data:`Verdict` (``ok`` means the gateway let it through to the route,
    whatever the route answered); ``status`` is ``0`` when the connection was
    reset instead of answered; ``time`` is the gateway's clock (epoch seconds,
    ``clock_offset`` included); ``access_key`` is the access key id the
    request claimed, if any; ``route`` the matched route template;
    ``executed`` whether the route's handler ran.
    """

    method: str
    path: str
    query: str
    verdict: Verdict
    status: int
    time: float
    access_key: Optional[str] = None
    caller_arn: Optional[str] = None
    route: Optional[str] = None
    executed: bool = False
    request_id: str = ""
