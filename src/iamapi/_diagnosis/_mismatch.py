"""Signature mismatch: the gateway's canonical request and string to sign against the caller's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote, unquote, unquote_plus

from iamapi._canonical import EMPTY_SHA256
from iamapi._diagnosis._facts import Facts, scope_parts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._rule import Analysis
from iamapi._diagnosis._templates import numbered
from iamapi._redaction import REDACTED, SENSITIVE_HEADERS, redact_text

__all__ = ["analyze_mismatch"]

_APPENDIX_CANONICAL = Regex(
    r"The Canonical String for this request should have been\s*?\n?'(?P<canonical>.*?)'\s*\n"
    r"\s*The String-to-Sign should have been",
    re.DOTALL,
)
_APPENDIX_CANONICAL_ONLY = Regex(
    r"The Canonical String for this request should have been\s*?\n?'(?P<canonical>.*)'", re.DOTALL
)
_APPENDIX_STS = Regex(r"The String-to-Sign should have been\s*?\n?'(?P<sts>.*?)'", re.DOTALL)
_UNRESERVED_PATH = "/-_.~"


@dataclass(frozen=True, eq=False)
class _Difference:
    """One part of the canonical request or string to sign that differs."""

    component: str
    expected: str
    actual: str
    explanation: str
    remedy: str
    header: Optional[str] = None

    def as_details(self) -> dict[str, str]:
        out = {"component": self.component, "expected": self.expected, "actual": self.actual}
        if self.header is not None:
            out["header"] = self.header
        return out


def _redact_value(header: Optional[str], value: str, secrets: list[str]) -> str:
    return REDACTED if header in SENSITIVE_HEADERS else redact_text(value, secrets)


def _split_canonical(text: str) -> Optional[dict[str, Any]]:
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        blank = lines.index("", 3)
    except ValueError:
        return None
    if len(lines) < blank + 3:
        return None
    headers = dict(line.partition(":")[::2] for line in lines[3:blank])
    return {
        "method": lines[0],
        "path": lines[1],
        "query": lines[2],
        "headers": headers,
        "signed_headers": lines[blank + 1],
        "payload_hash": lines[-1],
    }


def _path_difference(expected: str, actual: str) -> _Difference:
    said = f"the path: the gateway's canonical path is '{expected}', yours is '{actual}'."
    remedy = (
        "Build the canonical path from the path exactly as sent, percent-encoded once more "
        "(IamApiClient does this)."
    )
    if expected == quote(actual, safe=_UNRESERVED_PATH):
        said += (
            " You encoded the path once; API Gateway encodes the path as sent once more "
            "(%20 becomes %2520, %40 becomes %2540)."
        )
    elif actual == quote(expected, safe=_UNRESERVED_PATH):
        said += " You encoded it one time too many (%24 became %2524)."
    elif unquote(unquote(expected)) == unquote(unquote(actual)):
        said += " The same path, encoded differently: only A-Z a-z 0-9 - _ . ~ and '/' stay as is."
    elif expected.endswith(actual) or actual.endswith(expected):
        said += " A stage or base-path prefix was added or removed between signing and sending."
        remedy = "Sign the full path that is sent, stage or base path included."
    else:
        said += " The request went to another path than the one signed (a redirect or a proxy)."
        remedy = "Sign the path the request is sent to; re-sign after every redirect."
    return _Difference("path", expected, actual, said, remedy)


def _query_difference(expected: str, actual: str) -> _Difference:
    def pairs(query: str) -> list[tuple[str, str]]:
        return sorted(tuple(item.partition("=")[::2]) for item in query.split("&") if item)  # type: ignore[misc]

    said = f"the query string: the gateway's canonical query is '{expected}', yours is '{actual}'."
    remedy = "Send exactly the query you sign."
    if pairs(expected) == pairs(actual):
        said += " The parameters are the same but not sorted."
        remedy = "Sort the canonical query by parameter name, then value."
    elif [tuple(map(unquote_plus, p)) for p in pairs(expected)] == [
        tuple(map(unquote_plus, p)) for p in pairs(actual)
    ]:
        said += " The same parameters, encoded differently."
        remedy = (
            "Encode names and values with %20 for spaces (never '+') and percent-encode every "
            "character outside A-Z a-z 0-9 - _ . ~ ('$' as %24, '*' as %2A, ',' as %2C)."
        )
    else:
        said += " A parameter was added, dropped or changed after signing."
    return _Difference("query", expected, actual, said, remedy)


_HEADER_REMEDIES = {
    "host": "Sign the Host header exactly as sent (the custom domain, the port, or the private "
    "endpoint's name, whichever the request really uses).",
    "content-type": "Sign the final Content-Type (your HTTP library or a proxy added a charset or "
    "a multipart boundary after signing), or do not sign Content-Type.",
    "content-length": "Sign after the body is final, or do not sign Content-Length.",
    "x-amz-security-token": "The credentials were refreshed between signing and sending: sign "
    "with the same credentials the request carries.",
}


def _header_difference(name: str, expected: str, actual: str) -> _Difference:
    remedy = _HEADER_REMEDIES.get(
        name,
        "Sign last, after every header is final, and sign only headers that reach the gateway "
        "unchanged (a proxy or code running after the signer changed this one).",
    )
    said = f"the value of header '{name}': the gateway saw '{expected}', you signed '{actual}'."
    return _Difference("header", expected, actual, said, remedy, header=name)


def _payload_difference(expected: str, actual: str) -> _Difference:
    if actual == "UNSIGNED-PAYLOAD":
        said = "the payload hash: API Gateway does not accept UNSIGNED-PAYLOAD."
    elif actual == EMPTY_SHA256:
        said = "the payload hash: you signed an empty body but the gateway received one."
    elif expected == EMPTY_SHA256:
        said = "the payload hash: you signed a body but the gateway received none."
    else:
        said = (
            "the payload hash: the body that arrived is not the one you signed (re-serialised, "
            "re-encoded or compressed after signing)."
        )
    remedy = "Hash the exact bytes that are sent, after the body is final."
    return _Difference("payload_hash", expected, actual, said, remedy)


def _canonical_differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[_Difference]:
    found: list[_Difference] = []
    if expected["method"] != actual["method"]:
        found.append(
            _Difference(
                "method",
                expected["method"],
                actual["method"],
                f"the method: the gateway received {expected['method']}, you signed "
                f"{actual['method']} (a redirect can turn a POST into a GET).",
                "Sign the method that is sent, and sign again after a redirect.",
            )
        )
    if expected["path"] != actual["path"]:
        found.append(_path_difference(expected["path"], actual["path"]))
    if expected["query"] != actual["query"]:
        found.append(_query_difference(expected["query"], actual["query"]))
    for name, value in sorted(expected["headers"].items()):
        mine = actual["headers"].get(name)
        if mine is not None and mine != value:
            found.append(_header_difference(name, value, mine))
    if expected["signed_headers"] != actual["signed_headers"]:
        found.append(
            _Difference(
                "signed_headers",
                expected["signed_headers"],
                actual["signed_headers"],
                f"the signed-header list: the gateway used '{expected['signed_headers']}', your "
                f"canonical request has '{actual['signed_headers']}'.",
                "Make SignedHeaders name exactly the headers of the canonical request.",
            )
        )
    if expected["payload_hash"] != actual["payload_hash"]:
        found.append(_payload_difference(expected["payload_hash"], actual["payload_hash"]))
    return found


def _string_to_sign_differences(expected: str, actual: str) -> list[_Difference]:
    exp, act = expected.split("\n"), actual.split("\n")
    if len(exp) < 3 or len(act) < 3:
        return []
    found: list[_Difference] = []
    if exp[1] != act[1]:
        found.append(
            _Difference(
                "date",
                exp[1],
                act[1],
                f"the request date: the gateway used {exp[1]}, you signed at {act[1]}.",
                "Sign with the X-Amz-Date value that is sent.",
            )
        )
    exp_scope, act_scope = scope_parts(exp[2]), scope_parts(act[2])
    if exp[2] != act[2]:
        said = f"the credential scope: the gateway expects '{exp[2]}', you signed for '{act[2]}'."
        remedy = "Sign with the scope date/region/service/aws4_request the gateway expects."
        if exp_scope and act_scope and exp_scope[1] != act_scope[1]:
            remedy = f'Sign for the API\'s region: `IamApiClient(url, region="{exp_scope[1]}")`.'
        elif exp_scope and act_scope and exp_scope[2] != act_scope[2]:
            service = exp_scope[2]
            remedy = f"Sign for service '{service}': `IamApiClient(url, service=\"{service}\")`."
        found.append(_Difference("credential_scope", exp[2], act[2], said, remedy))
    return found


def analyze_mismatch(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    message = (f.message or "").replace("\r\n", "\n")
    found = _APPENDIX_CANONICAL.search(message) or _APPENDIX_CANONICAL_ONLY.search(message)
    server_canonical = found.group("canonical") if found else None
    sts_found = _APPENDIX_STS.search(message)
    server_sts = sts_found.group("sts") if sts_found else None
    details: dict[str, Any] = {}
    if server_canonical is not None:
        details["expected_canonical_request"] = redact_text(server_canonical, f.secrets)
    if server_sts is not None:
        details["expected_string_to_sign"] = server_sts
    key = f" …{f.access_key[-4:]}" if f.access_key else ""

    if server_canonical is not None and f.canonical_request is not None:
        expected = _split_canonical(server_canonical)
        actual = _split_canonical(f.canonical_request)
        differences: list[_Difference] = []
        where = "canonical request"
        if expected is not None and actual is not None:
            differences = _canonical_differences(expected, actual)
        elif server_canonical != f.canonical_request:
            differences = [
                _Difference(
                    "canonical_request",
                    server_canonical,
                    f.canonical_request,
                    "its layout (it could not be split into its six parts).",
                    "Build the canonical request with the six SigV4 parts.",
                )
            ]
        if not differences and server_sts is not None and f.string_to_sign is not None:
            differences = _string_to_sign_differences(server_sts, f.string_to_sign)
            where = "string to sign"
        shown = [
            _Difference(
                d.component,
                _redact_value(d.header, d.expected, f.secrets),
                _redact_value(d.header, d.actual, f.secrets),
                redact_text(d.explanation, f.secrets),
                d.remedy,
                d.header,
            )
            for d in differences
        ]
        details["diff"] = [d.as_details() for d in shown]
        if shown:
            first = shown[0]
            if first.header in SENSITIVE_HEADERS:
                first = _Difference(
                    first.component,
                    REDACTED,
                    REDACTED,
                    f"the value of header '{first.header}' (values hidden).",
                    first.remedy,
                    first.header,
                )
            more = ""
            if len(shown) > 1:
                others = ", ".join((d.header or d.component).replace("_", " ") for d in shown[1:])
                more = f" Also different: {others}."
            return (
                {
                    "finding": (
                        f"Your {where} differs from the gateway's in {first.explanation}{more}"
                    ),
                    "remedy": first.remedy + " See error.details['diff'] for every differing part.",
                },
                details,
            )
        return (
            {
                "finding": (
                    "The gateway built exactly the canonical request and string to sign that you "
                    "built, so the request arrived as signed and only the key can differ: the "
                    f"secret access key does not belong to the access key id{key} (a wrong or "
                    "rotated secret, one from another profile, or stray whitespace in it)."
                ),
                "remedy": (
                    "Check the secret that goes with the access key id: run `aws sts "
                    "get-caller-identity` with the same credentials; if it fails with "
                    "SignatureDoesNotMatch too, copy the secret again or create a new access key."
                ),
            },
            details,
        )

    causes = [
        "the path was encoded differently (the path as sent must be encoded once more)",
        "the query string was not sorted, or not encoded with %20 for spaces",
        "a signed header (Host, Content-Type) was changed after signing",
        "the body changed after signing",
        f"the secret access key{key} is wrong",
    ]
    if f.kind == "lambda_url":
        causes.insert(
            3,
            "behind CloudFront origin access control, a request with a body lacks the "
            "x-amz-content-sha256 header",
        )
        where_text = "Lambda function URLs do not say which part differed."
    elif server_canonical is not None:
        where_text = (
            "The gateway's canonical request is in error.details['expected_canonical_request']; "
            "compare it line by line with yours."
        )
    else:
        where_text = "This answer does not include the gateway's canonical request."
    listed = numbered(causes)
    return (
        {
            "finding": (
                f"The signature did not match. {where_text} Most likely, in order: {listed}."
            ),
            "remedy": (
                "Send the request exactly as signed. Passing canonical_request= and "
                "string_to_sign= (IamApiClient does) names the part that differs; if nothing "
                "differs, the secret access key is wrong."
            ),
        },
        details,
    )
