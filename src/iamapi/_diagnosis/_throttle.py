"""Throttling: which limit the rate went over, and how long the gateway asked to wait."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Optional

from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._rule import Analysis
from iamapi._diagnosis._times import duration, parse_http_date

__all__ = ["analyze_throttle"]


def analyze_throttle(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    retry_after = _retry_after(f)
    details: dict[str, Any] = {"retry_after": retry_after}
    if f.kind == "lambda_url":
        limits = (
            "the function's concurrency: its reserved concurrency (0 throttles every call) or "
            "the account's concurrency in the region"
        )
    elif f.kind == "http":
        limits = "the route's or stage's throttle, or the account's regional limit"
    else:
        limits = (
            "the method's or stage's throttle, the usage plan's rate for your API key, or the "
            "account's regional limit (10,000 requests per second by default)"
        )
    wait = f", after the {duration(retry_after)} the server asked for" if retry_after else ""
    return {"limits": limits, "wait": wait}, details


def _retry_after(f: Facts) -> Optional[float]:
    value = f.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        when = parse_http_date(value)
        if when is None:
            return None
        reference = parse_http_date(f.headers.get("date")) or datetime.now(timezone.utc)
        seconds = (when - reference).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)
