"""When to try a request again, and how long to wait: :class:`RetryPolicy` and :class:`RetryBudget`.

The rules, in the order the client applies them:

* A request whose connection was never made (:class:`~iamapi.ConnectError`)
  did not leave the machine: it is retried whatever its method.
* An answer from the gateway's auth layer that a fresh signature can fix
  (clock skew, an expired session token) is retried once after the fix, whatever
  the method: the backend never saw the request.
* 429 (throttled, not a used-up quota), 502, 503, 504, read timeouts and dropped
  connections are retried only for idempotent methods (GET, HEAD, OPTIONS, PUT,
  DELETE), or for POST and PATCH when the call opts in (``idempotent=True``) or
  carries an idempotency key header. A request that may have reached the backend
  is never repeated silently.
* Waits grow exponentially with full jitter (``uniform(0, min(cap, base * 2**n))``),
  ``Retry-After`` is honoured, and a deadline stops any attempt that could not
  finish in time.
* A client-wide :class:`RetryBudget` (botocore's "standard" mode is the model)
  spends tokens on retries and earns them back on successes, so an outage does
  not turn into a retry storm.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

__all__ = ["IDEMPOTENT_METHODS", "RetryBudget", "RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, on what, and how long to wait. Immutable; share it freely.

    ``max_attempts`` counts the first try (``1`` disables retries).
    ``backoff_base`` and ``backoff_cap`` shape the full-jitter exponential
    back-off in seconds. ``total_timeout`` bounds a whole call, retries and
    waits included. ``statuses`` are the retried HTTP statuses; ``methods`` the
    methods retried without opting in; a request carrying one of
    ``idempotency_headers`` is retried whatever its method.
    ``max_retry_after`` caps how long a ``Retry-After`` may make the client wait.
    """

    max_attempts: int = 3
    backoff_base: float = 0.1
    backoff_cap: float = 20.0
    total_timeout: Optional[float] = None
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    methods: frozenset[str] = IDEMPOTENT_METHODS
    idempotency_headers: frozenset[str] = frozenset({"idempotency-key", "x-idempotency-key"})
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        from iamapi._exceptions import ConfigurationError

        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1 (1 = no retry).")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ConfigurationError("RetryPolicy back-off times must not be negative.")
        if self.total_timeout is not None and self.total_timeout <= 0:
            raise ConfigurationError("RetryPolicy.total_timeout must be positive, or None.")
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))
        object.__setattr__(
            self, "idempotency_headers", frozenset(h.lower() for h in self.idempotency_headers)
        )

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt (auth recovery still applies)."""
        return cls(max_attempts=1)

    @classmethod
    def coerce(cls, value: object) -> RetryPolicy:
        """Accept a policy, a number of retries, ``False``/``None`` (none) or ``True`` (default)."""
        if isinstance(value, RetryPolicy):
            return value
        if value is None or value is False:
            return cls.never()
        if value is True:
            return cls()
        if isinstance(value, int):
            return cls(max_attempts=value + 1)
        from iamapi._exceptions import ConfigurationError

        raise ConfigurationError(
            "retry must be a RetryPolicy, a number of retries or a bool, "
            f"not {type(value).__name__}."
        )

    def may_repeat(
        self, method: str, header_names: Iterable[str], opted_in: Optional[bool]
    ) -> bool:
        """True when repeating the request cannot run a non-idempotent action twice."""
        if opted_in is not None:
            return opted_in
        if method.upper() in self.methods:
            return True
        return any(name.lower() in self.idempotency_headers for name in header_names)

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Full-jitter delay before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (retry_number - 1)))
        return rng.uniform(0, ceiling)


@dataclass
class RetryBudget:
    """A client-wide token bucket for retries (botocore's "standard" retry quota).

    Each retry costs ``retry_cost`` tokens (``timeout_cost`` after a timeout);
    each success returns ``success_refund``, up to ``capacity``. With the bucket
    empty, failures are raised at once instead of retried.
    """

    capacity: int = 500
    retry_cost: int = 5
    timeout_cost: int = 10
    success_refund: int = 1
    _tokens: int = field(init=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)
    _exhausted: bool = field(init=False, default=False, repr=False)

    def __post_init__(self) -> None:
        self._tokens = self.capacity
        self._lock = threading.Lock()

    def note_exhausted(self) -> bool:
        """Record that a retry was refused; ``True`` only the first time since a success."""
        with self._lock:
            first = not self._exhausted
            self._exhausted = True
            return first

    @property
    def tokens(self) -> int:
        """Tokens left now."""
        return self._tokens

    def acquire(self, *, timeout: bool = False) -> bool:
        """Take the cost of one retry; ``False`` when the budget is spent."""
        cost = self.timeout_cost if timeout else self.retry_cost
        with self._lock:
            if self._tokens < cost:
                return False
            self._tokens -= cost
            return True

    def release(self) -> None:
        """Give back tokens after a success."""
        if self._tokens >= self.capacity and not self._exhausted:
            return
        with self._lock:
            self._exhausted = False
            self._tokens = min(self.capacity, self._tokens + self.success_refund)
