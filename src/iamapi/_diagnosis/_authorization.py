"""The Authorization header: another scheme than SigV4, missing or malformed parts, a 401."""

from __future__ import annotations

import re
from typing import Optional

from iamapi._diagnosis._facts import SIGV4, Facts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._routes import analyze_missing_route, route_details
from iamapi._diagnosis._rule import Analysis

__all__ = ["analyze_auth_scheme", "analyze_malformed", "analyze_unauthorized", "problems_in"]


def analyze_auth_scheme(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    scheme = f.auth_scheme if f.auth_scheme and f.auth_scheme.upper() != SIGV4 else None
    sent = (
        f"a {scheme} Authorization header"
        if scheme
        else "an Authorization header that is not a SigV4 signature"
    )
    values = {"sent": sent, "scheme": f"{scheme} token" if scheme else "token"}
    return values, {**route_details(f), "scheme": scheme}


_PROBLEMS = (
    (
        Regex(r"requires existence of either a 'X-Amz-Date' or a 'Date' header"),
        "no X-Amz-Date (or Date) header reached the gateway; a proxy or a library dropped it "
        "after signing",
    ),
    (Regex(r"requires 'Credential' parameter"), "the Credential= part is missing"),
    (Regex(r"requires 'Signature' parameter"), "the Signature= part is missing"),
    (Regex(r"requires 'SignedHeaders' parameter"), "the SignedHeaders= part is missing"),
    (
        Regex(r"Date must be in ISO-8601 'basic format'"),
        "X-Amz-Date is not in the form YYYYMMDD'T'HHMMSS'Z' (for example 20240131T235959Z)",
    ),
    (
        Regex(r"Unsupported AWS 'algorithm'"),
        "the algorithm is not AWS4-HMAC-SHA256 (SigV2 and SigV4a are not accepted)",
    ),
    (
        Regex(r"exactly 5 slash-delimited elements"),
        "the Credential is not keyid/date/region/service/aws4_request (a '/' or space in the "
        "access key id?)",
    ),
    (
        Regex(r"query-string parameters must include '(?P<param>[^']+)'"),
        "a presigned URL lacks one of the X-Amz-* query parameters",
    ),
    (
        Regex(r"must be a 'SignedHeader'"),
        "the host header is not in SignedHeaders",
    ),
    (
        Regex(r"must begin with the algorithm name"),
        "the header value does not start with the algorithm name (AWS4-HMAC-SHA256)",
    ),
    (
        Regex(r"scoped with a valid terminator"),
        "the credential scope does not end in 'aws4_request'",
    ),
    (
        Regex(r"Date in Credential scope does not match"),
        "the date in the credential scope is not the date of X-Amz-Date: the scope was computed "
        "at another moment than the timestamp (around midnight UTC), or a proxy replaced "
        "X-Amz-Date",
    ),
    (
        Regex(r"key=value pair"),
        "the header could not be split into key=value pairs: a newline or space inside the "
        "access key id (often from a file or an environment variable), a value that repeats "
        "'Authorization:', or a header a proxy duplicated",
    ),
)


def problems_in(message: str) -> list[str]:
    """What the gateway's message says is missing or malformed, in words."""
    return [text for pattern, text in _PROBLEMS if pattern.search(message)]


def analyze_malformed(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    problems = problems_in(f.message or "")
    if not problems:
        problems = ["the signature's parts could not be parsed"]
    values = {"problem": "; ".join(problems)}
    values.update(analyze_missing_route(f, m)[0])
    return values, {"problems": problems}


def analyze_unauthorized(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    challenge = f.headers.get("www-authenticate", "")
    found = re.search(r'error_description="([^"]*)"', challenge)
    said = f" (the authorizer says: {found.group(1)})" if found else ""
    return {"said": said}, {"www_authenticate": challenge or None}
