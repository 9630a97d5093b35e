"""Throttling, quota and seeded faults: the gateway's stateful limits, each behind a lock."""

from __future__ import annotations

import random
import threading
import time
from typing import Callable, Literal, Optional

from iamapi.emulator._config import Faults, Throttle

__all__ = ["FaultDice", "FaultKind", "Quota", "TokenBucket"]

FaultKind = Literal["error", "timeout", "reset"]


class TokenBucket:
    """``burst`` tokens, refilled continuously at ``rate`` per second; one per request."""

    def __init__(self, throttle: Throttle, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = throttle.rate
        self._burst = float(throttle.burst)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self._burst
        self._last = clock()

    def take(self) -> bool:
        """Spend a token; ``False`` when the bucket is empty (the request is throttled)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def reset(self) -> None:
        with self._lock:
            self._tokens = self._burst
            self._last = self._clock()


class Quota:
    """A total number of requests allowed; every request past it is refused."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("quota must not be negative")
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._used >= self.limit:
                return False
            self._used += 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._used = 0


class FaultDice:
    """One seeded draw per request decides which fault, if any, it meets."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._random = random.Random(faults.seed)

    def roll(self) -> Optional[FaultKind]:
        faults = self.faults
        with self._lock:
            draw = self._random.random()
        if draw < faults.reset_rate:
            return "reset"
        if draw < faults.reset_rate + faults.timeout_rate:
            return "timeout"
        if draw < faults.reset_rate + faults.timeout_rate + faults.error_rate:
            return "error"
        return None

    def reset(self) -> None:
        """Start the seeded sequence again."""
        with self._lock:
            self._random = random.Random(self.faults.seed)
