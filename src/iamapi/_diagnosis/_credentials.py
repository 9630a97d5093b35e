"""The credentials: a scope for the wrong region or service, an unknown key or session token."""

from __future__ import annotations

import re
from typing import Optional

from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._rule import Analysis
from iamapi._diagnosis._templates import numbered

__all__ = ["SCOPE_REGION", "SCOPE_SERVICE", "analyze_region", "analyze_service", "analyze_token"]

SCOPE_REGION = Regex(
    r"(?:Credential should|The credential must) be scoped to a valid region"
    r"(?:, not '(?P<region>[^']*)')?",
    re.IGNORECASE,
)
SCOPE_SERVICE = Regex(r"Credential should be scoped to correct service: '(?P<service>[^']*)'")


def analyze_region(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    found = SCOPE_REGION.search(f.message or "")
    signed = (found.group("region") if found else None) or f.signed_region
    expected = f.api_region if f.api_region and f.api_region != signed else None
    notes: list[str] = []
    if signed == "execute-api":
        notes.append(
            "'execute-api' is not a region: it was read from the wrong label of the host name."
        )
    if expected is None and f.host_kind == "custom_domain":
        notes.append(f"The custom domain {f.host} does not name a region, so it must be given.")
    service_note = SCOPE_SERVICE.search(f.message or "")
    if service_note:
        notes.append(
            f"The service is wrong too: the gateway expects '{service_note.group('service')}'."
        )
    details = {"signed_region": signed, "expected_region": expected}
    return (
        {
            "signed_region": f"'{signed}'" if signed else "another region",
            "expected_region": (
                f", but the API is in '{expected}'"
                if expected
                else ", which is not the region the API was created in"
            ),
            "region_arg": expected or "<the API's region>",
            "notes": " ".join(notes),
        },
        details,
    )


def analyze_service(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    expected = m.group("service") if m and "service" in m.groupdict() else None
    if expected is None:
        found = SCOPE_SERVICE.search(f.message or "")
        expected = found.group("service") if found else None
    expected = expected or ("lambda" if f.kind == "lambda_url" else "execute-api")
    signed = f.signed_service
    details = {"signed_service": signed, "expected_service": expected}
    return (
        {
            "signed_service": f"'{signed}'" if signed else "another service",
            "expected_service": expected,
        },
        details,
    )


def analyze_token(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    reasons = [
        "the access key id does not exist (deleted, mistyped, or from another partition such as "
        "aws-cn or aws-us-gov)",
        "a temporary access key (ASIA…) was sent without its session token, or with the token "
        "of other credentials",
        "the session token is a placeholder such as 'undefined', or has stray whitespace",
    ]
    key = f.access_key
    if key and key.startswith("ASIA") and not f.token_sent:
        reasons.insert(0, reasons.pop(1))
        reasons[0] = (
            f"your access key …{key[-4:]} is temporary (ASIA…) but no session token was sent"
        )
    return {"reasons": numbered(reasons)}, {"access_key": f"…{key[-4:]}" if key else None}
