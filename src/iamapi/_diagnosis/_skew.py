"""Clock skew: a wrong clock, a clock in local time, or a signature kept and sent too late."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Optional

from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._rule import Analysis
from iamapi._diagnosis._times import duration, parse_amz_date, parse_http_date

__all__ = ["SKEW_FIX_CLOCK", "SKEW_FIX_STALE", "analyze_skew"]

# The two remedies: fix the clock, or stop reusing a signature.
SKEW_FIX_CLOCK = (
    "Synchronise the clock with NTP (Linux: `timedatectl set-ntp true`; Windows: `w32tm "
    "/resync`; containers, VMs and WSL drift after the host sleeps) and send again: the request "
    "is signed anew on every attempt."
)
SKEW_FIX_STALE = (
    "Sign each request right before sending it and re-sign every retry; never keep a signed "
    "request or its headers for later (IamApiClient signs every attempt)."
)

_EXPIRED = Regex(
    r"Signature expired: (?P<request>\d{8}T\d{6}Z) is now earlier than (?P<limit>\d{8}T\d{6}Z) "
    r"\((?P<server>\d{8}T\d{6}Z) - (?P<minutes>\d+) min\.\)"
)
_NOT_YET = Regex(
    r"Signature not yet current: (?P<request>\d{8}T\d{6}Z) is still later than "
    r"(?P<limit>\d{8}T\d{6}Z) \((?P<server>\d{8}T\d{6}Z) \+ (?P<minutes>\d+) min\.\)"
)


def _skew_times(f: Facts) -> tuple[Optional[datetime], Optional[datetime], int]:
    """The request's date, the gateway's time and the allowed window in minutes."""
    message = f.message or ""
    found = _EXPIRED.search(message) or _NOT_YET.search(message)
    request_time = server_time = None
    window = 5
    if found:
        request_time = parse_amz_date(found.group("request"))
        server_time = parse_amz_date(found.group("server"))
        window = int(found.group("minutes"))
    if server_time is None:
        server_time = parse_http_date(f.headers.get("date"))
    if request_time is None and f.string_to_sign:
        lines = f.string_to_sign.split("\n")
        request_time = parse_amz_date(lines[1]) if len(lines) > 1 else None
    return request_time or f.local_time, server_time, window


def analyze_skew(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    request_time, server_time, window = _skew_times(f)
    details: dict[str, Any] = {
        "server_time": server_time,
        "request_time": request_time,
        "allowed_skew": window * 60,
        "clock_offset": None,
        "stale_signature": None,
    }
    if server_time is None or request_time is None:
        return {
            "finding": (
                f"The request's timestamp is more than {window} minutes away from the gateway's "
                "clock: your clock is wrong, or a signed request was sent long after signing."
            ),
            "remedy": SKEW_FIX_CLOCK + " " + SKEW_FIX_STALE,
        }, details
    offset = (server_time - request_time).total_seconds()
    details["clock_offset"] = offset
    # When the request was sent by the local clock: the signing time the caller passed,
    # or now for an answer being diagnosed as it arrives.
    sent = f.local_time or (datetime.now(timezone.utc) if f.live else None)
    dated, served = f"{request_time:%Y%m%dT%H%M%SZ}", f"{server_time:%Y%m%dT%H%M%SZ}"
    times = f"the request is dated {dated}, the gateway's time was {served}"
    clock_error = (server_time - sent).total_seconds() if sent is not None else offset
    stale: Optional[bool] = None
    if sent is not None:
        stale = (sent - request_time).total_seconds() > (60 if f.local_time is not None else 120)
        details["local_clock_error"] = clock_error
    details["stale_signature"] = stale
    hours = clock_error / 3600
    if not stale and abs(hours) >= 1 and abs(hours - round(hours)) * 3600 < 120:
        return {
            "finding": (
                f"Your clock is exactly {abs(round(hours))} h "
                + ("behind" if hours > 0 else "ahead of")
                + f" the gateway's ({times}): X-Amz-Date was made from local time instead of "
                "UTC, or the machine's time zone is set wrong."
            ),
            "remedy": (
                "Build X-Amz-Date from UTC (datetime.now(timezone.utc)) and check the machine's "
                "time zone; IamApiClient signs in UTC."
            ),
        }, details
    if stale is None or sent is None:
        span = duration(offset)
        if offset < 0:
            return {
                "finding": f"Your clock is about {span} ahead of the gateway's: {times}, and "
                f"signatures dated more than {window} min in the future are refused.",
                "remedy": SKEW_FIX_CLOCK,
            }, details
        return {
            "finding": f"The request is {span} older than the gateway's time ({times}; the "
            f"limit is {window} min): either your clock is {span} behind, or the signed request "
            "was sent long after it was signed.",
            "remedy": SKEW_FIX_CLOCK + " " + SKEW_FIX_STALE,
        }, details
    if stale:
        clock = (
            "Your clock agrees with the gateway's"
            if abs(clock_error) <= 60
            else f"Your clock is also about {duration(clock_error)} "
            + ("behind" if clock_error > 0 else "ahead")
        )
        return {
            "finding": (
                f"The signature is old: {times}, and by your clock it was sent "
                f"{duration((sent - request_time).total_seconds())} after it was signed. A "
                "signed request, or its signed headers, was kept and sent later (built once at "
                "module scope in a warm Lambda, queued, or retried without re-signing). "
                f"{clock}."
            ),
            "remedy": SKEW_FIX_STALE + ("" if abs(clock_error) <= 60 else " " + SKEW_FIX_CLOCK),
        }, details
    direction = "behind" if clock_error > 0 else "ahead of"
    return {
        "finding": (
            f"Your clock is about {duration(clock_error)} {direction} the gateway's: {times}, "
            f"and the gateway accepts signatures at most {window} min away from its own time."
        ),
        "remedy": SKEW_FIX_CLOCK,
    }, details
