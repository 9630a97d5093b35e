"""Configuration values of the emulator: who may call it, and how it misbehaves.

All three are frozen: a gateway keeps the objects it was given, and nothing a
request does changes them. ``Principal``'s repr never shows the secret key or
the session token.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Union

from iamapi._redaction import REDACTED

__all__ = [
    "API_KINDS",
    "DEFAULT_ARN",
    "ApiKind",
    "Faults",
    "Principal",
    "Throttle",
    "ThrottleSpec",
]

ApiKind = Literal["rest", "http", "lambda_url"]
API_KINDS: tuple[ApiKind, ...] = ("rest", "http", "lambda_url")

DEFAULT_ARN = "arn:aws:iam::123456789012:user/emulator-user"


@dataclass(frozen=True, init=False)
class Principal:
    """A caller the gateway knows: access key id, secret key, optional session token.

    ``expires`` (a ``datetime``; a naive one is read as UTC) makes the
    credentials temporary: once the gateway's clock passes it, requests get
    ``The security token included in the request is expired``. A principal
    with a ``session_token`` must send exactly that token in
    ``X-Amz-Security-Token``; one without must send none. ``arn`` is the
    caller ARN that policies match and denial messages name.
    """

    access_key: str
    secret_key: str = field(repr=False)
    session_token: Optional[str] = field(repr=False)
    expires: Optional[_dt.datetime]
    arn: str

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        session_token: Optional[str] = None,
        expires: Optional[_dt.datetime] = None,
        arn: str = DEFAULT_ARN,
    ) -> None:
        if not access_key or "/" in access_key or any(c.isspace() for c in access_key):
            raise ValueError(f"invalid access key id: {access_key!r}")
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        if not arn.startswith("arn:"):
            raise ValueError(f"arn must be an ARN (arn:aws:iam::...), got {arn!r}")
        if expires is not None:
            if not isinstance(expires, _dt.datetime):
                raise TypeError("expires must be a datetime")
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=_dt.timezone.utc)
        object.__setattr__(self, "access_key", access_key)
        object.__setattr__(self, "secret_key", secret_key)
        object.__setattr__(self, "session_token", session_token or None)
        object.__setattr__(self, "expires", expires)
        object.__setattr__(self, "arn", arn)

    def __repr__(self) -> str:
        parts = [f"access_key={self.access_key!r}", f"secret_key='{REDACTED}'"]
        if self.session_token is not None:
            parts.append(f"session_token='{REDACTED}'")
        if self.expires is not None:
            parts.append(f"expires={self.expires.isoformat()!r}")
        parts.append(f"arn={self.arn!r}")
        return f"Principal({', '.join(parts)})"

    def expired_at(self, epoch: float) -> bool:
        """True when the credentials are expired at ``epoch`` (seconds, server clock)."""
        return self.expires is not None and self.expires.timestamp() <= epoch

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Principal:
        """Build a principal from a dict with the constructor's argument names.

        ``expires`` may be a ``datetime`` or an ISO 8601 string.
        """
        _reject_unknown(
            "principal", data, {"access_key", "secret_key", "session_token", "expires", "arn"}
        )
        expires = data.get("expires")
        if isinstance(expires, str):
            expires = _dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
        return cls(
            str(data["access_key"]),
            str(data["secret_key"]),
            session_token=data.get("session_token"),
            expires=expires,
            arn=str(data.get("arn", DEFAULT_ARN)),
        )


@dataclass(frozen=True)
class Faults:
    """Seeded fault injection for reliability tests.

    Faults apply only to requests that passed every gateway check, just before
    the integration (the route's handler) would run:

    * ``latency``: seconds added to every such request;
    * ``reset_rate``: the handler runs, then the connection is reset with no
      answer (the client cannot know whether the call ran);
    * ``timeout_rate``: the handler runs, its answer is dropped and the gateway
      answers ``504 Endpoint request timed out``;
    * ``error_rate``: the gateway answers ``error_status`` (5xx) and the handler
      does not run.

    One draw of a ``random.Random(seed)`` per request picks at most one fault,
    so the same sequence of requests meets the same faults on every run.
    """

    error_rate: float = 0.0
    error_status: int = 503
    reset_rate: float = 0.0
    latency: float = 0.0
    timeout_rate: float = 0.0
    seed: int = 1

    def __post_init__(self) -> None:
        for name in ("error_rate", "reset_rate", "timeout_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        if self.error_rate + self.reset_rate + self.timeout_rate > 1.0:
            raise ValueError("error_rate + reset_rate + timeout_rate must not exceed 1")
        if not 500 <= self.error_status <= 599:
            raise ValueError(f"error_status must be a 5xx status, got {self.error_status!r}")
        if self.latency < 0:
            raise ValueError("latency must not be negative")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Faults:
        """Build from a dict with any of the field names."""
        _reject_unknown("faults", data, set(cls.__dataclass_fields__))
        return cls(**dict(data))


@dataclass(frozen=True)
class Throttle:
    """A token bucket: ``burst`` requests at once, refilled at ``rate`` per second."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError("throttle rate must not be negative")
        if self.burst < 1:
            raise ValueError("throttle burst must be at least 1")

    @classmethod
    def coerce(cls, value: ThrottleSpec) -> Throttle:
        """Accept a ``Throttle``, a ``(rate, burst)`` pair or ``{"rate":..., "burst":...}``."""
        if isinstance(value, Throttle):
            return value
        if isinstance(value, Mapping):
            _reject_unknown("throttle", value, {"rate", "burst"})
            return cls(float(value["rate"]), int(value["burst"]))
        if isinstance(value, Sequence) and len(value) == 2:
            return cls(float(value[0]), int(value[1]))
        raise TypeError(f"throttle must be (rate, burst) or a Throttle, got {value!r}")


ThrottleSpec = Union[Throttle, "tuple[float, int]", Sequence[float], Mapping[str, Any]]


def _reject_unknown(what: str, data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} setting(s): {', '.join(unknown)}")
