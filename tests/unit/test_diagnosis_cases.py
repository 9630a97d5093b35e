"""Every case of the gateway-response reference is mapped by the diagnosis table.

The case index (section 8 of ``shared/gateway-responses.md``, beside the
repository) is parsed at test time: a new row there fails these tests until a
rule covers it and a sample below shows it diagnosed sensibly.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

from iamapi._diagnosis import CODES, RULES, diagnose

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "gateway-responses.md"


@dataclass(frozen=True)
class Case:
    id: str
    kinds: tuple[str, ...]
    statuses: tuple[Optional[int], ...]
    error_type: Optional[str]
    match: str


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _load_cases() -> list[Case]:
    if not REFERENCE.is_file():
        if not os.environ.get("CI"):
            pytest.skip(
                "the gateway-response reference is not beside this checkout",
                allow_module_level=True,
            )
        raise AssertionError(
            f"The gateway-response reference is missing: expected it at {REFERENCE.resolve()} "
            "(the 'shared' folder beside the repository). The completeness tests need it."
        )
    text = REFERENCE.read_text(encoding="utf-8")
    start = text.index("## 8. Case index")
    end = text.index("\n## ", start + 1)
    cases = []
    for line in text[start:end].splitlines():
        if not line.startswith("| ") or line.startswith("| id ") or set(line) <= set("|- "):
            continue
        cells = _split_row(line)
        case_id, kind, status, error_type, match = cells[:5]
        kinds = tuple(k.strip() for k in kind.split(",")) if kind != "*" else ("rest",)
        numbers = tuple(int(s) for s in re.findall(r"\d{3}", status))
        error = re.match(r"\(?([A-Za-z]+Exception)", error_type)
        cases.append(
            Case(
                id=case_id,
                kinds=kinds,
                statuses=numbers or (None,),
                error_type=error.group(1) if error else None,
                match=match,
            )
        )
    return cases


def _snippet_matches(snippet: str, message: str) -> bool:
    try:
        if re.search(snippet, message):
            return True
    except re.error:
        pass
    literal = re.escape(snippet.lstrip("^"))
    literal = re.sub(r"<[^>]+>", ".*", literal)
    anchor = "^" if snippet.startswith("^") else ""
    return re.search(anchor + literal, message) is not None


# One representative message per case id, and the codes that are a sensible answer.
SAMPLES: dict[str, tuple[Optional[str], set[str]]] = {
    "missing-token": ("Missing Authentication Token", {"route_not_found"}),
    "forbidden-stage": ("Forbidden", {"forbidden"}),
    "forbidden-http": ("Forbidden", {"access_denied"}),
    "not-found-http": ("Not Found", {"route_not_found"}),
    "sig-mismatch": (
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.",
        {"signature_mismatch"},
    ),
    "sig-expired": (
        "Signature expired: 20240101T120000Z is now earlier than 20240101T120212Z "
        "(20240101T120712Z - 5 min.)",
        {"clock_skew"},
    ),
    "sig-not-yet": (
        "Signature not yet current: 20240101T121500Z is still later than 20240101T120600Z "
        "(20240101T120100Z + 5 min.)",
        {"clock_skew"},
    ),
    "scope-region": (
        "Credential should be scoped to a valid region, not 'us-east-1'. ",
        {"wrong_region"},
    ),
    "scope-service": (
        "Credential should be scoped to correct service: 'execute-api'. ",
        {"wrong_service"},
    ),
    "scope-terminator": (
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. ",
        {"malformed_authorization"},
    ),
    "scope-date": (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20240101' != '20240102', from '20240102T000001Z'.",
        {"malformed_authorization"},
    ),
    "token-invalid": (
        "The security token included in the request is invalid.",
        {"invalid_token"},
    ),
    "token-expired": (
        "The security token included in the request is expired",
        {"expired_token"},
    ),
    "incomplete-params": (
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization=Bearer abc.def",
        {"wrong_auth_scheme", "malformed_authorization"},
    ),
    "incomplete-kv": (
        "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer sometoken'.",
        {"wrong_auth_scheme", "malformed_authorization"},
    ),
    "incomplete-other": (
        "Date must be in ISO-8601 'basic format'. Got '2024-01-01'. See "
        "http://en.wikipedia.org/wiki/ISO_8601",
        {"malformed_authorization"},
    ),
    "iam-denied": (
        "User: arn:aws:sts::123456789012:assumed-role/Caller/s is not authorized to perform: "
        "execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc123/prod/"
        "GET/pets",
        {"access_denied", "explicit_deny"},
    ),
    "authorizer-deny": (
        "User is not authorized to access this resource",
        {"access_denied", "explicit_deny"},
    ),
    "unauthorized": ("Unauthorized", {"wrong_auth_scheme"}),
    "authorizer-error": (None, {"integration_failure"}),
    "api-key": ("Forbidden", {"api_key", "forbidden"}),
    "throttled": ("Too Many Requests", {"throttled"}),
    "quota": ("Limit Exceeded", {"quota_exceeded"}),
    "timeout-rest": ("Endpoint request timed out", {"integration_timeout"}),
    "unavailable-http": ("Service Unavailable", {"integration_timeout"}),
    "ise-rest": ("Internal server error", {"integration_failure"}),
    "ise-http": ("Internal Server Error", {"integration_failure"}),
    "too-large": ("HTTP content length exceeded 10485760 bytes.", {"payload_too_large"}),
    "bad-body": ("Invalid request body", {"client_error"}),
    "route-signed": (
        "No method found matching route pets/dogs for http method GET.",
        {"route_not_found"},
    ),
    "lambda-url-forbidden": (
        "Forbidden. For troubleshooting Function URL authorization issues, see: "
        "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        {"access_denied"},
    ),
    "ws-gone": ("", {"client_error"}),
    "ws-frame-error": ("Forbidden", {"route_not_found", "integration_failure"}),
}

# Rows whose "message match" column describes the body instead of quoting a message.
DESCRIBED_BODIES = {"authorizer-error", "ws-gone", "ws-frame-error", "too-large"}

URLS = {
    "rest": "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets",
    "http": "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets",
    "websocket": "https://abc123.execute-api.us-east-1.amazonaws.com/prod/@connections/Zm9v",
    "lambda_url": "https://abcdefghijklmnop.lambda-url.us-east-1.on.aws/pets",
}
CASES = _load_cases()


def _respond(case: Case) -> dict[str, Any]:
    """The arguments of ``diagnose`` for a representative answer to ``case``."""
    message, _ = SAMPLES[case.id]
    kind = case.kinds[0]
    headers: dict[str, str] = {}
    if case.error_type:
        headers["x-amzn-ErrorType"] = case.error_type
    if kind == "http":
        headers["apigw-requestid"] = "abcDEF12345="
    elif kind == "rest":
        headers["x-amzn-RequestId"] = "11111111-2222-3333-4444-555555555555"
    status = case.statuses[0]
    if case.id == "ws-frame-error":
        body: Optional[str] = json.dumps(
            {"message": message, "connectionId": "Zm9v", "requestId": "r-1"}
        )
    elif case.id == "ws-gone":
        body = ""
    elif case.id == "too-large":
        body = message
    else:
        body = json.dumps({"message": message})
    return {
        "status": status,
        "headers": headers,
        "body": body,
        "kind": kind,
        "method": "GET",
        "url": URLS[kind],
    }


def test_the_reference_has_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


def test_every_case_is_covered_by_a_rule() -> None:
    covered = {case_id for rule in RULES for case_id in rule.cases}
    missing = [case.id for case in CASES if case.id not in covered]
    assert not missing, f"no rule in the diagnosis table covers: {missing}"


def test_every_rule_names_existing_cases() -> None:
    known = {case.id for case in CASES}
    unknown = {case_id for rule in RULES for case_id in rule.cases} - known
    assert not unknown, f"rules name cases the reference does not list: {sorted(unknown)}"


def test_every_case_has_a_sample() -> None:
    missing = [case.id for case in CASES if case.id not in SAMPLES]
    assert not missing, f"add a representative answer for: {missing}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_sample_matches_the_row(case: Case) -> None:
    message, _ = SAMPLES[case.id]
    if case.id in DESCRIBED_BODIES:
        return
    assert message is not None
    snippets = re.findall(r"`([^`]+)`", case.match)
    assert snippets, f"row {case.id} quotes no message"
    assert any(_snippet_matches(s, message) for s in snippets), (case.match, message)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_is_diagnosed_sensibly(case: Case) -> None:
    _, codes = SAMPLES[case.id]
    arguments = _respond(case)
    error = diagnose(
        arguments.pop("status"), arguments.pop("headers"), arguments.pop("body"), **arguments
    )
    assert error is not None
    assert error.code in codes, (case.id, error.code, str(error))
    assert isinstance(error, CODES[error.code][0])
    assert error.cause
    assert error.fix
    assert "{" + "route" + "}" not in str(error)


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if len(case.statuses) > 1],
    ids=lambda case: case.id,
)
def test_case_is_diagnosed_the_same_for_each_status(case: Case) -> None:
    _, codes = SAMPLES[case.id]
    for status in case.statuses:
        arguments = _respond(case)
        arguments.pop("status")
        error = diagnose(status, arguments.pop("headers"), arguments.pop("body"), **arguments)
        assert error is not None
        assert error.code in codes, (status, str(error))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_is_diagnosed_from_a_logged_body_alone(case: Case) -> None:
    """Without status or headers, the answer is still an error with a known code."""
    arguments = _respond(case)
    error = diagnose(None, None, arguments["body"])
    assert error is not None
    assert error.code in CODES
