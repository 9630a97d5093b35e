"""Turn any gateway answer (status, headers, body) into the most specific :class:`GatewayError`.

One table, :data:`RULES`, maps what an answer looks like to a stable code, an
exception class, a cause and a fix. Each :class:`Rule` names:

* the API kinds it applies to (``rest``, ``http``, ``websocket``, ``lambda_url``;
  ``None`` in the set means "kind not known");
* the statuses and ``x-amzn-ErrorType`` values, and a regular expression for the
  gateway's message (the error type *or* the message must match);
* whether the request was signed by the caller (``True``/``False``/either);
* an optional extra condition and an analyzer that reads the details out of the
  message (ARNs, timestamps, the canonical-string appendix) and the context the
  caller passes in (stage, region, service, the canonical request and string to
  sign the client built, when it signed);
* the cause and fix templates, the exact messages it answers (for the docs and
  the tests), and the ids of the cases in the gateway-response reference it covers.

:func:`diagnose` applies the first rule that matches; the table ends with
catch-alls, so every error status gets an answer. ``docs/errors.md`` is
rendered from the same table by :func:`errors_markdown`.

Nothing here imports the HTTP client; ``requests`` is only needed for typing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Optional, Union
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from iamapi._canonical import EMPTY_SHA256
from iamapi._exceptions import (
    AccessDeniedError,
    ApiError,
    AuthenticationError,
    GatewayError,
    IntegrationError,
    PayloadTooLargeError,
    RouteNotFoundError,
    ThrottledError,
)
from iamapi._redaction import REDACTED, SENSITIVE_HEADERS, redact_authorization, redact_text

if TYPE_CHECKING:
    import requests

__all__ = ["CODES", "RULES", "Rule", "diagnose", "diagnose_response", "errors_markdown"]

CODES: Mapping[str, tuple[type[GatewayError], str]] = {
    "missing_signature": (
        AuthenticationError,
        "The request reached an IAM-protected route without a SigV4 signature.",
    ),
    "route_not_found": (
        RouteNotFoundError,
        "No stage, resource, route or method matched the path and verb.",
    ),
    "signature_mismatch": (
        AuthenticationError,
        "The gateway computed a different signature: the request changed, or the secret is wrong.",
    ),
    "clock_skew": (
        AuthenticationError,
        "The signature's timestamp is outside the gateway's five-minute window.",
    ),
    "expired_token": (
        AuthenticationError,
        "The temporary credentials (session token) have expired.",
    ),
    "invalid_token": (
        AuthenticationError,
        "AWS does not recognise the access key id or session token.",
    ),
    "wrong_region": (
        AuthenticationError,
        "The credential scope names another region than the API's.",
    ),
    "wrong_service": (
        AuthenticationError,
        "The credential scope names the wrong signing service.",
    ),
    "malformed_authorization": (
        AuthenticationError,
        "The SigV4 Authorization header or presigned query is malformed.",
    ),
    "wrong_auth_scheme": (
        AuthenticationError,
        "The route expects another kind of authorization than the one sent.",
    ),
    "access_denied": (
        AccessDeniedError,
        "Authenticated, but no IAM, resource or authorizer policy allows the call.",
    ),
    "explicit_deny": (
        AccessDeniedError,
        "An explicit Deny matched the call; an Allow cannot override it.",
    ),
    "api_key": (
        AccessDeniedError,
        "The API key is missing, invalid, disabled or not in a usage plan for the stage.",
    ),
    "forbidden": (
        AccessDeniedError,
        "A bare 403 Forbidden whose cause the context cannot narrow down.",
    ),
    "throttled": (
        ThrottledError,
        "A rate limit was hit; retrying with back-off helps.",
    ),
    "quota_exceeded": (
        ThrottledError,
        "The usage-plan quota is used up; retrying does not help until it resets.",
    ),
    "payload_too_large": (
        PayloadTooLargeError,
        "The request body is over the gateway's size limit.",
    ),
    "integration_timeout": (
        IntegrationError,
        "The backend did not answer within the integration timeout.",
    ),
    "integration_failure": (
        IntegrationError,
        "The gateway could not call the backend or the authorizer, or got an unusable answer.",
    ),
    "server_error": (
        IntegrationError,
        "A 5xx answer that is not one of the gateway's own error responses.",
    ),
    "client_error": (
        ApiError,
        "A 4xx the backend returned itself; authentication and IAM had passed.",
    ),
}

_KINDS = ("rest", "http", "websocket", "lambda_url")
_KIND_NAMES = {
    "rest": "REST API",
    "http": "HTTP API",
    "websocket": "WebSocket API",
    "lambda_url": "Lambda function URL",
}
_SIGV4 = "AWS4-HMAC-SHA256"
_MAX_MESSAGE = 4000

# ---------------------------------------------------------------------------------------
# What the answer and the request say: the facts every rule is matched against.


@dataclass(repr=False, eq=False)
class _Facts:
    """Everything known about one answer and the request behind it, normalised once.

    ``match_status`` is the status when it is a plausible HTTP status, else
    ``None``; ``message`` the gateway's ``message``/``Message`` (or the text or
    HTML title of a non-JSON body); ``kind`` the API kind, given or inferred;
    ``stage`` and ``resource_path`` the stage and the path after it;
    ``signed_region``/``signed_service`` what the request was signed for;
    ``secrets`` literal values (session token, API key) to mask in every text.
    No repr: the facts hold the canonical request, which may hold a token.
    """

    status: Optional[int]
    match_status: Optional[int]
    headers: dict[str, str]
    body: str
    body_json: Any
    body_format: str  # "empty", "json", "text", "html"
    message: Optional[str]
    message_is_null: bool
    error_type: Optional[str]
    kind: Optional[str]
    signed: bool
    live: bool
    method: Optional[str]
    url: Optional[str]
    host: str
    host_kind: Optional[str]
    path: str
    stage: Optional[str]
    resource_path: str
    api_id: Optional[str]
    api_region: Optional[str]
    partition: str
    signed_region: Optional[str]
    signed_service: Optional[str]
    service: Optional[str]
    canonical_request: Optional[str]
    string_to_sign: Optional[str]
    local_time: Optional[datetime]
    auth_scheme: Optional[str]
    access_key: Optional[str]
    token_sent: bool
    api_key_sent: bool
    is_frame: bool
    request_id: Optional[str]
    apigw_id: Optional[str]
    secrets: list[str] = field(default_factory=list)

    @property
    def foreign_auth(self) -> bool:
        """True when the Authorization header was not a SigV4 signature made by the caller."""
        if self.auth_scheme is not None:
            return self.auth_scheme.upper() != _SIGV4
        return not self.signed


class _Regex:
    """A regular expression compiled on first use, so that importing the module stays cheap."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: Optional[re.Pattern[str]] = None

    def __repr__(self) -> str:
        return f"_Regex({self.pattern!r})"

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled.search(text)

    def match(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled.match(text)

    def sub(self, replacement: Union[str, Callable[[re.Match[str]], str]], text: str) -> str:
        return self.compiled.sub(replacement, text)


Analysis = tuple[dict[str, str], dict[str, Any]]
Analyzer = Callable[[_Facts, Optional["re.Match[str]"]], Analysis]


@dataclass(frozen=True, eq=False)
class Rule:
    """One row of the diagnosis table.

    A rule matches when every filter that is set passes (``kinds``, ``statuses``,
    ``signed``, ``when``) and, if it has ``error_types`` or a ``pattern``, the
    ``x-amzn-ErrorType`` is one of them or the message matches. When the status
    is unknown (a logged body), a status filter passes only for rules that also
    match on the error type or the message.
    """

    name: str
    code: str
    cause: str
    fix: str
    cases: tuple[str, ...] = ()
    kinds: Optional[frozenset[Optional[str]]] = None
    statuses: Optional[frozenset[int]] = None
    error_types: frozenset[str] = frozenset()
    pattern: Optional[_Regex] = None
    signed: Optional[bool] = None
    when: Optional[Callable[[_Facts], bool]] = None
    analyze: Optional[Analyzer] = None
    examples: tuple[str, ...] = ()
    condition: str = ""  # what ``when`` checks, in words, for the docs

    @property
    def error(self) -> type[GatewayError]:
        """The exception class this rule raises (from :data:`CODES`)."""
        return CODES[self.code][0]

    def match(self, facts: _Facts) -> tuple[bool, Optional[re.Match[str]]]:
        """Whether the rule applies to ``facts``, and the message match if any."""
        if self.kinds is not None and facts.kind not in self.kinds:
            return False, None
        has_signal = bool(self.error_types) or self.pattern is not None
        if self.statuses is not None:
            if facts.match_status is None:
                if not has_signal:
                    return False, None
            elif facts.match_status not in self.statuses:
                return False, None
        if self.signed is not None and facts.signed != self.signed:
            return False, None
        if self.when is not None and not self.when(facts):
            return False, None
        if not has_signal:
            return True, None
        found = None
        if self.pattern is not None and facts.message is not None:
            found = self.pattern.search(facts.message)
        if found is not None:
            return True, found
        if facts.error_type is not None and facts.error_type in self.error_types:
            return True, None
        return False, None


# ---------------------------------------------------------------------------------------
# Reading the answer.

_HOST_EXECUTE_API = _Regex(
    r"^(?P<label>[a-z0-9-]+)\.execute-api\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r"\.amazonaws\.com(?P<cn>\.cn)?$"
)
_HOST_VPCE = _Regex(
    r"^vpce-[0-9a-z]+-[0-9a-z]+\.execute-api\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r"\.vpce\.amazonaws\.com$"
)
_HOST_LAMBDA_URL = _Regex(
    r"^(?P<label>[a-z0-9]+)\.lambda-url\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.on\.aws$"
)
_HTML_TITLE = _Regex(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = _Regex(r"<[^>]+>")
_SPACES = _Regex(r"\s+")
_BACKEND_MESSAGE_KEYS = ("error", "detail", "errormessage", "error_description", "title")


def _lower_headers(headers: Optional[Mapping[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not headers:
        return out
    try:
        items = list(headers.items())
    except Exception:  # any mapping-like object; a broken one means no headers
        return out
    for name, value in items:
        key = str(name).strip().lower()
        if key and key not in out:
            out[key] = "" if value is None else str(value)
    return out


def _decode(body: Union[str, bytes, bytearray, None]) -> str:
    if body is None:
        return ""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode("utf-8", errors="replace")
    return str(body)


def _message_from_body(text: str) -> tuple[Any, str, Optional[str], bool]:
    """Return (parsed JSON or None, format, message, message_is_null)."""
    stripped = text.strip()
    if not stripped:
        return None, "empty", None, False
    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        else:
            if isinstance(data, dict):
                for key, value in data.items():
                    if isinstance(key, str) and key.lower() == "message":
                        if value is None:
                            return data, "json", None, True
                        if isinstance(value, str):
                            return data, "json", value, False
                        return data, "json", json.dumps(value), False
                return data, "json", None, False
            return data, "json", None, False
    head = stripped[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or "<title" in head or "<body" in head:
        import html

        title = _HTML_TITLE.search(stripped)
        raw = title.group(1) if title else _HTML_TAG.sub(" ", stripped)
        return None, "html", _SPACES.sub(" ", html.unescape(raw)).strip()[:300], False
    return None, "text", stripped[:_MAX_MESSAGE], False


def _backend_message(data: Any) -> Optional[str]:
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if isinstance(key, str) and key.lower() in _BACKEND_MESSAGE_KEYS and isinstance(value, str):
            return value
    return None


def _error_type(headers: Mapping[str, str], data: Any) -> Optional[str]:
    value = headers.get("x-amzn-errortype")
    if not value and isinstance(data, dict):
        raw = data.get("__type")
        value = raw if isinstance(raw, str) else None
    if not value:
        return None
    return _clean(value.split(":", 1)[0].rsplit("#", 1)[-1])


_AUTH_ECHO_KV = _Regex(r"in Authorization header: '(?P<value>[^']*)'")
_AUTH_ECHO_PARAMS = _Regex(r"Authorization=(?P<value>.*)$", re.DOTALL)
_FIRST_TOKEN_ECHO = _Regex(r"^'[^']*'(?= not a valid key=value pair)")
_CREDENTIAL_ECHO = _Regex(r"(got ')([^']*)(')")


_CONTROL = _Regex(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _clean(value: Optional[str]) -> Optional[str]:
    """A header-borne id or name fit for one line of text, or ``None``."""
    if not value:
        return None
    value = _CONTROL.sub(" ", value).strip()
    return value or None


def _scheme_of(value: str) -> Optional[str]:
    value = value.strip()
    if not value:
        return None
    return value.split(None, 1)[0]


def _scrub(text: str, secrets: list[str]) -> str:
    """Mask anything secret a gateway message can echo: tokens, signatures, Authorization."""
    text = _AUTH_ECHO_KV.sub(
        lambda m: f"in Authorization header: '{redact_authorization(m.group('value'))}'", text
    )
    text = _AUTH_ECHO_PARAMS.sub(
        lambda m: "Authorization=" + redact_authorization(m.group("value").strip()), text
    )
    text = _FIRST_TOKEN_ECHO.sub(f"'{REDACTED}'", text)
    text = _CREDENTIAL_ECHO.sub(lambda m: m.group(1) + _mask_credential(m.group(2)) + "'", text)
    return redact_text(text, secrets)


def _mask_credential(value: str) -> str:
    key, sep, rest = value.partition("/")
    return ("…" + key[-4:] if len(key) > 4 else REDACTED) + sep + rest


def _scope_parts(scope: str) -> Optional[tuple[str, str, str]]:
    parts = scope.strip().split("/")
    if len(parts) == 4:
        return parts[0], parts[1], parts[2]
    if len(parts) == 5:
        return parts[1], parts[2], parts[3]
    return None


def _host_facts(
    host: str, region: Optional[str], request_headers: Mapping[str, str]
) -> tuple[Optional[str], Optional[str], Optional[str], str]:
    """(host kind, API id, the API's region, partition) as far as the host name tells."""
    host_kind: Optional[str] = None
    api_id: Optional[str] = None
    api_region: Optional[str] = None
    partition = "aws"
    found = _HOST_EXECUTE_API.match(host)
    if found:
        label = found.group("label")
        host_kind = "private_api" if "-vpce-" in label else "execute_api"
        api_id = label.split("-vpce-", 1)[0]
        api_region = found.group("region")
        partition = "aws-cn" if found.group("cn") else "aws"
    elif _HOST_VPCE.match(host):
        host_kind = "vpc_endpoint"
        api_region = host.split(".execute-api.", 1)[1].split(".", 1)[0]
        api_id = request_headers.get("x-apigw-api-id")
    elif _HOST_LAMBDA_URL.match(host):
        host_kind = "lambda_url"
        api_region = host.split(".lambda-url.", 1)[1].split(".", 1)[0]
    elif host in ("localhost", "::1") or host.startswith("127."):
        host_kind = "local"
    elif host:
        host_kind = "custom_domain"
    api_region = api_region or region
    if api_region and api_region.startswith("us-gov-"):
        partition = "aws-us-gov"
    elif api_region and api_region.startswith("cn-"):
        partition = "aws-cn"
    return host_kind, api_id, api_region, partition


def _infer_kind(
    headers: Mapping[str, str],
    host_kind: Optional[str],
    service: Optional[str],
    message: Optional[str],
    path: str,
    is_frame: bool,
) -> Optional[str]:
    """The API kind from the host, the message and the headers each kind sends."""
    if (
        host_kind == "lambda_url"
        or service == "lambda"
        or (message or "").startswith("Forbidden. For troubleshooting Function URL")
    ):
        return "lambda_url"
    if is_frame or "/@connections" in path or "/%40connections" in path.lower():
        return "websocket"
    if "apigw-requestid" in headers:
        return "http"
    if "x-amzn-errortype" in headers or "x-amz-apigw-id" in headers:
        return "rest"
    return None


_STAGE_IN_PATH = ("execute_api", "private_api", "vpc_endpoint", "local")


def _split_stage(
    path: str, stage: Optional[str], host_kind: Optional[str]
) -> tuple[Optional[str], str]:
    """(stage, the path after it); the stage is the first segment on hosts that put it there."""
    segments = [s for s in path.split("/") if s]
    if stage is None and segments and host_kind in _STAGE_IN_PATH:
        stage = unquote(segments[0])
    if stage and segments and unquote(segments[0]) == stage:
        segments = segments[1:]
    resource_path = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        resource_path += "/"
    return stage, resource_path


def _gather(
    status: Optional[int],
    headers: Optional[Mapping[str, str]],
    body: Union[str, bytes, None],
    *,
    signed: bool,
    kind: Optional[str],
    method: Optional[str],
    url: Optional[str],
    stage: Optional[str],
    region: Optional[str],
    service: Optional[str],
    canonical_request: Optional[str],
    string_to_sign: Optional[str],
    local_time: Optional[datetime],
    response: Optional[requests.Response],
) -> _Facts:
    lower = _lower_headers(headers)
    text = _decode(body)
    data, body_format, message, is_null = _message_from_body(text)
    if isinstance(status, bool) or not isinstance(status, int):
        status = None
    match_status = status if status is not None and 100 <= status <= 999 else None

    secrets: list[str] = []
    auth_scheme: Optional[str] = None
    access_key: Optional[str] = None
    token_sent = False
    api_key_sent = False
    request_headers: dict[str, str] = {}
    if response is not None:
        request = getattr(response, "request", None)
        request_headers = _lower_headers(getattr(request, "headers", None))
        if method is None:
            method = getattr(request, "method", None)
        if url is None:
            url = getattr(response, "url", None) or getattr(request, "url", None)
    authorization = request_headers.get("authorization")
    if authorization:
        auth_scheme = _scheme_of(authorization)
        key = re.search(r"Credential=([^/,\s]+)", authorization)
        if key:
            access_key = key.group(1)
    token = request_headers.get("x-amz-security-token")
    if token:
        secrets.append(token)
        token_sent = True
    if request_headers.get("x-api-key"):
        secrets.append(request_headers["x-api-key"])
        api_key_sent = True

    canonical_request = canonical_request if isinstance(canonical_request, str) else None
    string_to_sign = string_to_sign if isinstance(string_to_sign, str) else None
    if canonical_request:
        for line in canonical_request.split("\n"):
            name, sep, value = line.partition(":")
            if not sep:
                continue
            if name == "x-amz-security-token":
                token_sent = True
                if value:
                    secrets.append(value)
            elif name == "x-api-key":
                api_key_sent = True
                if value:
                    secrets.append(value)
        if auth_scheme is None:
            auth_scheme = _SIGV4

    if message is not None and auth_scheme is None:
        echo = _AUTH_ECHO_KV.search(message) or _AUTH_ECHO_PARAMS.search(message)
        if echo:
            auth_scheme = _scheme_of(echo.group("value"))

    # Where the request went.
    host = ""
    path = ""
    query = ""
    url_text = url if isinstance(url, str) else None
    if url_text:
        try:
            parts = urlsplit(url_text)
            host = (parts.hostname or "").lower()
            path, query = parts.path, parts.query
        except ValueError:  # not a URL: keep it out of the error's url field
            url_text = None
    if "x-amz-signature=" in query.lower() and auth_scheme is None:
        auth_scheme = _SIGV4
    host_kind, api_id, api_region, partition = _host_facts(host, region, request_headers)

    # What was signed.
    signed_region: Optional[str] = None
    signed_service: Optional[str] = None
    if string_to_sign:
        lines = string_to_sign.split("\n")
        scope = _scope_parts(lines[2]) if len(lines) > 2 else None
        if scope:
            signed_region, signed_service = scope[1], scope[2]
    if authorization and signed_region is None:
        credential = re.search(r"Credential=([^,\s]+)", authorization)
        scope = _scope_parts(credential.group(1)) if credential else None
        if scope:
            signed_region, signed_service = scope[1], scope[2]
    signed_region = signed_region or region
    signed_service = signed_service or service

    is_frame = isinstance(data, dict) and "connectionId" in data and status is None
    if kind not in _KINDS:
        kind = _infer_kind(lower, host_kind, service, message, path, is_frame)

    stage, resource_path = _split_stage(path, stage, host_kind)

    request_id = _clean(lower.get("x-amzn-requestid") or lower.get("apigw-requestid"))
    if request_id is None and isinstance(data, dict) and isinstance(data.get("requestId"), str):
        request_id = _clean(data["requestId"])
    if isinstance(method, str):
        method = _clean(method.upper())
    if isinstance(local_time, datetime):
        if local_time.tzinfo is None:
            local_time = local_time.replace(tzinfo=timezone.utc)
    else:
        local_time = None
    return _Facts(
        status=status,
        match_status=match_status,
        headers=lower,
        body=text,
        body_json=data,
        body_format=body_format,
        message=message,
        message_is_null=is_null,
        error_type=_error_type(lower, data),
        kind=kind,
        signed=bool(signed),
        live=response is not None,
        method=method if isinstance(method, str) else None,
        url=_clean(redact_text(url_text, secrets)) if url_text else None,
        host=host,
        host_kind=host_kind,
        path=path,
        stage=stage,
        resource_path=resource_path,
        api_id=api_id,
        api_region=api_region,
        partition=partition,
        signed_region=signed_region,
        signed_service=signed_service,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
        auth_scheme=auth_scheme,
        access_key=access_key,
        token_sent=token_sent,
        api_key_sent=api_key_sent,
        is_frame=is_frame,
        request_id=request_id,
        apigw_id=_clean(lower.get("x-amz-apigw-id")),
        secrets=secrets,
    )


# ---------------------------------------------------------------------------------------
# Template values.

_DOC_VALUES: dict[str, str] = {
    "status": "<status>",
    "route": "<METHOD> <path>",
    "method": "<METHOD>",
    "path": "<path>",
    "stage": "<stage>",
    "in_stage": "in stage <stage>",
    "api_id": "<api-id>",
    "region": "<region>",
    "request_id": "<request-id>",
    "kind_name": "API",
}


def _values(f: _Facts) -> dict[str, str]:
    method = f.method or ""
    if method and f.url:
        route = f"{method} {f.resource_path}"
    elif f.url:
        route = f"the path {f.resource_path}"
    else:
        route = "the path and verb you called"
    return {
        "status": str(f.status) if f.status is not None else "(unknown)",
        "route": route,
        "method": method or "<METHOD>",
        "path": f.resource_path if f.url else "<path>",
        "stage": f.stage or "<stage>",
        "in_stage": f"in stage '{f.stage}'" if f.stage else "in the stage you called",
        "api_id": f.api_id or "<api-id>",
        "region": f.api_region or "<region>",
        "request_id": f.request_id or "<request-id>",
        "kind_name": _KIND_NAMES.get(f.kind or "", "API"),
    }


_FIELD = _Regex(r"\{([a-z_]+)\}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 90:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _parse_amz_date(value: str) -> Optional[datetime]:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _parse_http_date(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        parsed: Optional[datetime] = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:  # type: ignore[redundant-expr,unused-ignore]  # None on Python 3.9
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


# ---------------------------------------------------------------------------------------
# Analyzers: read the specifics out of the message and the request.


def _route_details(f: _Facts) -> dict[str, Any]:
    details: dict[str, Any] = {"path": f.resource_path if f.url else None, "stage": f.stage}
    if f.method:
        details["method"] = f.method
    return details


def _analyze_missing_route(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    values: dict[str, str] = {}
    if f.host_kind == "custom_domain":
        values["where"] = (
            f"On a custom domain ({f.host}) the base-path mapping selects the stage, so the "
            "path must not repeat the stage name, and the base path must be mapped."
        )
    elif f.url and not f.stage and f.host_kind in ("execute_api", "private_api"):
        values["where"] = (
            "The URL has no stage: REST API URLs are https://{api-id}.execute-api."
            "{region}.amazonaws.com/{stage}/{path}."
        )
    elif f.resource_path == "/":
        values["where"] = "The root path '/' needs a method of its own."
    elif f.resource_path.endswith("/"):
        values["where"] = "A trailing '/' makes it another path than the one without."
    else:
        values["where"] = ""
    return values, _route_details(f)


def _analyze_no_method(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    route = m.group("route") if m else f.resource_path
    verb = m.group("verb") if m else (f.method or "<METHOD>")
    details = _route_details(f)
    details.update({"matched_route": route, "matched_method": verb})
    return {"matched": f"{verb} {route}"}, details


def _analyze_forbidden(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    candidates: list[str] = []
    if f.host_kind == "custom_domain":
        candidates.append("an AWS WAF web ACL on the custom domain's API stage blocked the request")
    elif f.url and not f.stage:
        candidates.append(
            "the URL names no stage (REST API URLs are https://{api-id}.execute-api."
            "{region}.amazonaws.com/{stage}/...)"
        )
    else:
        stage = f"'{f.stage}'" if f.stage else "in the URL"
        candidates.append(
            f"the stage {stage} is not a deployed stage of this API: stage names are "
            "case-sensitive, must be spelt exactly, and must be followed by '/' before the path"
        )
    candidates.append(
        "the method requires an API key and the x-api-key header is missing, wrong, disabled, "
        "or its usage plan is not linked to this stage"
    )
    if f.host_kind != "custom_domain":
        candidates.append(
            "an AWS WAF web ACL on the stage blocked the request (for example a body over "
            "8 KB with the core rule set)"
        )
    if f.host_kind == "vpc_endpoint":
        candidates.append(
            "the VPC endpoint is not allowed by the private API's resource policy, or the "
            "request lacks the Host or x-apigw-api-id header naming the API"
        )
    else:
        candidates.append(
            "the API is private and was called outside its VPC endpoint, or a public API "
            "was called from a VPC whose execute-api endpoint has private DNS turned on"
        )
    candidates.append(
        "the API's default execute-api endpoint is disabled (only its custom domain serves it)"
    )
    if f.kind is None:
        candidates.append(
            "if this is an HTTP API: your IAM identity may not call execute-api:Invoke on it"
        )
    listed = "; ".join(f"({i}) {text}" for i, text in enumerate(candidates, 1))
    details = _route_details(f)
    details["candidates"] = candidates
    return {"candidates": listed}, details


def _principal_of(caller: str) -> tuple[str, str]:
    """Return (who, where to attach) for a caller ARN."""
    if caller == "anonymous":
        return "an anonymous caller", "the API's resource policy"
    assumed = re.match(r"arn:[\w-]+:sts::(\d+):assumed-role/([^/]+)/", caller)
    if assumed:
        role = assumed.group(2)
        return f"your identity {caller}", f"the IAM role '{role}'"
    user = re.match(r"arn:[\w-]+:iam::(\d+):user/(?:.*/)?([^/]+)$", caller)
    if user:
        return f"your identity {caller}", f"the IAM user '{user.group(2)}'"
    return f"your identity {caller}", "your identity's IAM policies"


def _execute_api_arn(f: _Facts, *, action: str) -> Optional[str]:
    if not f.api_id or not f.api_region:
        return None
    path = unquote(f.resource_path).lstrip("/")
    stage = f.stage or "*"
    if action == "execute-api:ManageConnections":
        return (
            f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{stage}/POST/@connections/*"
        )
    method = f.method or "*"
    return f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{stage}/{method}/{path}"


_IAM_DENIED = _Regex(
    r"User: (?P<caller>\S+) is not authorized to perform: (?P<action>\S+) on resource: "
    r"(?P<resource>\S+?)(?P<suffix> with an explicit deny.*| because no .*)?\.?\s*$",
    re.DOTALL,
)


def _analyze_access(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    found = _IAM_DENIED.search(f.message or "")
    caller = found.group("caller") if found else None
    action = found.group("action") if found else None
    if action is None:
        connections = "@connections" in f.path or "%40connections" in f.path.lower()
        action = "execute-api:ManageConnections" if connections else "execute-api:Invoke"
    resource = found.group("resource") if found else _execute_api_arn(f, action=action)
    suffix = (found.group("suffix") or "") if found else ""
    explicit = "explicit deny" in suffix.lower() or "explicit deny" in (f.message or "").lower()
    details: dict[str, Any] = {
        "caller_arn": caller,
        "action": action,
        "resource_arn": resource,
        "explicit": explicit,
    }
    who, attach = (
        _principal_of(caller) if caller else ("your identity", "your identity's IAM policies")
    )
    resource_text = (
        resource
        or f"the API's ARN (arn:{f.partition}:execute-api:<region>:<account-id>:<api-id>"
        "/<stage>/<METHOD>/<path>)"
    )
    notes: list[str] = []
    if caller == "anonymous":
        notes.append(
            "The gateway evaluated the call as 'anonymous', so no signature was used: either "
            "the request was not signed, or the method's authorization is not AWS_IAM and only "
            "the resource policy was checked."
        )
    if resource and "@connections/@connections" in resource:
        notes.append("The resource ARN repeats '@connections': the path was doubled.")
    if "because no identity-based policy allows" in suffix:
        notes.append("No identity-based policy of yours allows the action.")
    values: dict[str, str] = {
        "who": who,
        "action": action,
        "resource_arn": resource_text,
        "notes": (" " + " ".join(notes)) if notes else "",
        "attach_to": attach,
    }
    policy: Optional[dict[str, str]] = None
    if resource:
        policy = {"Effect": "Allow", "Action": action, "Resource": resource}
        details["policy"] = policy
        values["policy_json"] = _compact_json(policy)
    else:
        values["policy_json"] = _compact_json(
            {"Effect": "Allow", "Action": action, "Resource": resource_text}
        )
    if caller == "anonymous":
        values["allow_where"] = (
            "Sign the request (IamApiClient does) and set the method's authorization to AWS_IAM, "
            "or allow the caller in the API's resource policy"
        )
    else:
        values["allow_where"] = f"Attach this statement to {attach}"
    return values, details


def _analyze_http_forbidden(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    values, details = _analyze_access(f, m)
    details["explicit"] = False
    return values, details


def _analyze_authorizer(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    arn = _execute_api_arn(f, action="execute-api:Invoke")
    wide = (
        f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{f.stage or '*'}/*"
        if f.api_id and f.api_region
        else "arn:aws:execute-api:<region>:<account-id>:<api-id>/<stage>/*"
    )
    details: dict[str, Any] = {
        "resource_arn": arn,
        "explicit": "explicit deny" in (f.message or "").lower(),
    }
    return {"method_arn": arn or "this method's ARN", "wide_arn": wide}, details


def _analyze_lambda_url(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    region = f.api_region or "<region>"
    resource = f"arn:{f.partition}:lambda:{region}:<account-id>:function:<function-name>"
    policy = {
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"],
        "Resource": resource,
    }
    if f.signed:
        first = (
            "With AuthType AWS_IAM, your identity needs lambda:InvokeFunctionUrl and, for "
            "function URLs created since October 2025, lambda:InvokeFunction as well"
        )
    else:
        first = (
            "The request was not signed: with AuthType AWS_IAM every call must carry a SigV4 "
            "signature for service 'lambda'; with AuthType NONE the function's resource-based "
            "policy must allow principal '*'"
        )
    details = {
        "action": "lambda:InvokeFunctionUrl",
        "resource_arn": None,
        "caller_arn": None,
        "explicit": False,
        "policy": policy,
    }
    return {"first": first, "url_policy_json": _compact_json(policy)}, details


# Signature mismatch -------------------------------------------------------------------

_APPENDIX_CANONICAL = _Regex(
    r"The Canonical String for this request should have been\s*?\n?'(?P<canonical>.*?)'\s*\n"
    r"\s*The String-to-Sign should have been",
    re.DOTALL,
)
_APPENDIX_CANONICAL_ONLY = _Regex(
    r"The Canonical String for this request should have been\s*?\n?'(?P<canonical>.*)'", re.DOTALL
)
_APPENDIX_STS = _Regex(r"The String-to-Sign should have been\s*?\n?'(?P<sts>.*?)'", re.DOTALL)
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


def _string_to_sign_differences(f: _Facts, expected: str, actual: str) -> list[_Difference]:
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
    exp_scope, act_scope = _scope_parts(exp[2]), _scope_parts(act[2])
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


def _analyze_mismatch(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
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
            differences = _string_to_sign_differences(f, server_sts, f.string_to_sign)
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
    listed = "; ".join(f"({i}) {c}" for i, c in enumerate(causes, 1))
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


# Clock skew ---------------------------------------------------------------------------

_EXPIRED = _Regex(
    r"Signature expired: (?P<request>\d{8}T\d{6}Z) is now earlier than (?P<limit>\d{8}T\d{6}Z) "
    r"\((?P<server>\d{8}T\d{6}Z) - (?P<minutes>\d+) min\.\)"
)
_NOT_YET = _Regex(
    r"Signature not yet current: (?P<request>\d{8}T\d{6}Z) is still later than "
    r"(?P<limit>\d{8}T\d{6}Z) \((?P<server>\d{8}T\d{6}Z) \+ (?P<minutes>\d+) min\.\)"
)


def _skew_times(f: _Facts) -> tuple[Optional[datetime], Optional[datetime], int]:
    """The request's date, the gateway's time and the allowed window in minutes."""
    message = f.message or ""
    found = _EXPIRED.search(message) or _NOT_YET.search(message)
    request_time = server_time = None
    window = 5
    if found:
        request_time = _parse_amz_date(found.group("request"))
        server_time = _parse_amz_date(found.group("server"))
        window = int(found.group("minutes"))
    if server_time is None:
        server_time = _parse_http_date(f.headers.get("date"))
    if request_time is None and f.string_to_sign:
        lines = f.string_to_sign.split("\n")
        request_time = _parse_amz_date(lines[1]) if len(lines) > 1 else None
    return request_time or f.local_time, server_time, window


def _analyze_skew(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
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
            "remedy": _SKEW_FIX_CLOCK + " " + _SKEW_FIX_STALE,
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
        span = _duration(offset)
        if offset < 0:
            return {
                "finding": f"Your clock is about {span} ahead of the gateway's: {times}, and "
                f"signatures dated more than {window} min in the future are refused.",
                "remedy": _SKEW_FIX_CLOCK,
            }, details
        return {
            "finding": f"The request is {span} older than the gateway's time ({times}; the "
            f"limit is {window} min): either your clock is {span} behind, or the signed request "
            "was sent long after it was signed.",
            "remedy": _SKEW_FIX_CLOCK + " " + _SKEW_FIX_STALE,
        }, details
    if stale:
        clock = (
            "Your clock agrees with the gateway's"
            if abs(clock_error) <= 60
            else f"Your clock is also about {_duration(clock_error)} "
            + ("behind" if clock_error > 0 else "ahead")
        )
        return {
            "finding": (
                f"The signature is old: {times}, and by your clock it was sent "
                f"{_duration((sent - request_time).total_seconds())} after it was signed. A "
                "signed request, or its signed headers, was kept and sent later (built once at "
                "module scope in a warm Lambda, queued, or retried without re-signing). "
                f"{clock}."
            ),
            "remedy": _SKEW_FIX_STALE + ("" if abs(clock_error) <= 60 else " " + _SKEW_FIX_CLOCK),
        }, details
    direction = "behind" if clock_error > 0 else "ahead of"
    return {
        "finding": (
            f"Your clock is about {_duration(clock_error)} {direction} the gateway's: {times}, "
            f"and the gateway accepts signatures at most {window} min away from its own time."
        ),
        "remedy": _SKEW_FIX_CLOCK,
    }, details


_SKEW_FIX_CLOCK = (
    "Synchronise the clock with NTP (Linux: `timedatectl set-ntp true`; Windows: `w32tm "
    "/resync`; containers, VMs and WSL drift after the host sleeps) and send again: the request "
    "is signed anew on every attempt."
)
_SKEW_FIX_STALE = (
    "Sign each request right before sending it and re-sign every retry; never keep a signed "
    "request or its headers for later (IamApiClient signs every attempt)."
)


# Credential scope and tokens ----------------------------------------------------------

_SCOPE_REGION = _Regex(
    r"(?:Credential should|The credential must) be scoped to a valid region"
    r"(?:, not '(?P<region>[^']*)')?",
    re.IGNORECASE,
)
_SCOPE_SERVICE = _Regex(r"Credential should be scoped to correct service: '(?P<service>[^']*)'")


def _analyze_region(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    found = _SCOPE_REGION.search(f.message or "")
    signed = (found.group("region") if found else None) or f.signed_region
    expected = f.api_region if f.api_region and f.api_region != signed else None
    notes: list[str] = []
    if signed == "execute-api":
        notes.append(
            "'execute-api' is not a region: it was read from the wrong label of the host name."
        )
    if expected is None and f.host_kind == "custom_domain":
        notes.append(f"The custom domain {f.host} does not name a region, so it must be given.")
    service_note = _SCOPE_SERVICE.search(f.message or "")
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


def _analyze_service(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    expected = m.group("service") if m and "service" in m.groupdict() else None
    if expected is None:
        found = _SCOPE_SERVICE.search(f.message or "")
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


def _analyze_token(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
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
    listed = "; ".join(f"({i}) {r}" for i, r in enumerate(reasons, 1))
    return {"reasons": listed}, {"access_key": f"…{key[-4:]}" if key else None}


def _analyze_auth_scheme(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    scheme = f.auth_scheme if f.auth_scheme and f.auth_scheme.upper() != _SIGV4 else None
    sent = (
        f"a {scheme} Authorization header"
        if scheme
        else "an Authorization header that is not a SigV4 signature"
    )
    values = {"sent": sent, "scheme": f"{scheme} token" if scheme else "token"}
    return values, {**_route_details(f), "scheme": scheme}


_PROBLEMS = (
    (
        _Regex(r"requires existence of either a 'X-Amz-Date' or a 'Date' header"),
        "no X-Amz-Date (or Date) header reached the gateway; a proxy or a library dropped it "
        "after signing",
    ),
    (_Regex(r"requires 'Credential' parameter"), "the Credential= part is missing"),
    (_Regex(r"requires 'Signature' parameter"), "the Signature= part is missing"),
    (_Regex(r"requires 'SignedHeaders' parameter"), "the SignedHeaders= part is missing"),
    (
        _Regex(r"Date must be in ISO-8601 'basic format'"),
        "X-Amz-Date is not in the form YYYYMMDD'T'HHMMSS'Z' (for example 20240131T235959Z)",
    ),
    (
        _Regex(r"Unsupported AWS 'algorithm'"),
        "the algorithm is not AWS4-HMAC-SHA256 (SigV2 and SigV4a are not accepted)",
    ),
    (
        _Regex(r"exactly 5 slash-delimited elements"),
        "the Credential is not keyid/date/region/service/aws4_request (a '/' or space in the "
        "access key id?)",
    ),
    (
        _Regex(r"query-string parameters must include '(?P<param>[^']+)'"),
        "a presigned URL lacks one of the X-Amz-* query parameters",
    ),
    (
        _Regex(r"must be a 'SignedHeader'"),
        "the host header is not in SignedHeaders",
    ),
    (
        _Regex(r"must begin with the algorithm name"),
        "the header value does not start with the algorithm name (AWS4-HMAC-SHA256)",
    ),
    (
        _Regex(r"scoped with a valid terminator"),
        "the credential scope does not end in 'aws4_request'",
    ),
    (
        _Regex(r"Date in Credential scope does not match"),
        "the date in the credential scope is not the date of X-Amz-Date: the scope was computed "
        "at another moment than the timestamp (around midnight UTC), or a proxy replaced "
        "X-Amz-Date",
    ),
    (
        _Regex(r"key=value pair"),
        "the header could not be split into key=value pairs: a newline or space inside the "
        "access key id (often from a file or an environment variable), a value that repeats "
        "'Authorization:', or a header a proxy duplicated",
    ),
)


def _analyze_malformed(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    message = f.message or ""
    problems = [text for pattern, text in _PROBLEMS if pattern.search(message)]
    if not problems:
        problems = ["the signature's parts could not be parsed"]
    values = {"problem": "; ".join(problems)}
    values.update(_analyze_missing_route(f, m)[0])
    return values, {"problems": problems}


def _analyze_throttle(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
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
    wait = f", after the {_duration(retry_after)} the server asked for" if retry_after else ""
    return {"limits": limits, "wait": wait}, details


def _retry_after(f: _Facts) -> Optional[float]:
    value = f.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        when = _parse_http_date(value)
        if when is None:
            return None
        reference = _parse_http_date(f.headers.get("date")) or datetime.now(timezone.utc)
        seconds = (when - reference).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


def _analyze_unauthorized(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    challenge = f.headers.get("www-authenticate", "")
    found = re.search(r'error_description="([^"]*)"', challenge)
    said = f" (the authorizer says: {found.group(1)})" if found else ""
    return {"said": said}, {"www_authenticate": challenge or None}


def _analyze_client_error(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    said = f.message if f.message is not None else _backend_message(f.body_json)
    details: dict[str, Any] = {"body": f.body}
    if f.body_json is not None:
        details["json"] = f.body_json
    quoted = f' ("{said.strip().splitlines()[0][:200]}")' if said and said.strip() else ""
    return {"backend_said": quoted}, details


def _analyze_gone(f: _Facts, m: Optional[re.Match[str]]) -> Analysis:
    connection = unquote(f.path.rstrip("/").rsplit("/", 1)[-1]) if f.path else None
    shown = f" '{connection}'" if connection else ""
    return {"connection": shown}, {"connection_id": connection}


# ---------------------------------------------------------------------------------------
# The table.


def _kinds(*names: Optional[str]) -> frozenset[Optional[str]]:
    return frozenset(names)


def _statuses(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def _types(*names: str) -> frozenset[str]:
    return frozenset(names)


_REST_LIKE = _kinds("rest", "websocket", None)
_ALL_4XX = frozenset(range(400, 500))
_ALL_5XX = frozenset(range(500, 1000))
_KV_PAIR = r"not a valid key=value pair|Invalid key=value pair"
_MISSING_TOKEN = _Regex(r"(?i)missing authentication token")

_ROUTE_FIX = (
    "Compare {route} with the routes deployed to stage '{stage}' "
    "(`aws apigateway get-resources --rest-api-id {api_id}`), fix the path or the verb, and "
    "if the route is new, deploy it: "
    "`aws apigateway create-deployment --rest-api-id {api_id} --stage-name {stage}`."
)
_IAM_SIGN_FIX = (
    "Sign the request with SigV4 for service 'execute-api' in region {region}: send it "
    "through IamApiClient, which signs every request. If you already sign, check that no proxy "
    "or redirect drops the Authorization header."
)
_LARGE_CAUSE = (
    "The request body is over the gateway's limit: 10 MB for API Gateway (REST and HTTP APIs); "
    "a Lambda function behind it accepts at most 6 MB. The body was refused before any "
    "backend saw it."
)
_LARGE_FIX = (
    "Send less per request: split the data, compress it if the backend accepts that, or "
    "upload it to S3 with a presigned URL and send the object key instead."
)
_THROTTLE_CAUSE = "The gateway throttled the call: the request rate went over {limits}."
_THROTTLE_FIX = (
    "Retry with exponential back-off and jitter{wait}: the call did not run, so retrying is "
    "safe. If it keeps happening, slow down or have the limit raised."
)
_AUTHORIZER_ERROR_CAUSE = (
    "API Gateway could not use the route's Lambda authorizer: the authorizer threw an error "
    "other than 'Unauthorized', returned a malformed policy (not principalId plus "
    "policyDocument), timed out, or API Gateway may not invoke it."
)
_AUTHORIZER_ERROR_FIX = (
    "Read the authorizer function's CloudWatch logs and the API's execution log for request "
    '{request_id}; check that it returns {"principalId": ..., "policyDocument": ...} and '
    "that its resource policy lets apigateway.amazonaws.com invoke it. A retry may pass if the "
    "failure was transient."
)
_FORBIDDEN_CAUSE = (
    "API Gateway answered a bare Forbidden, which has several causes; most likely first: "
    "{candidates}."
)
_FORBIDDEN_FIX = (
    "Check the stage name first (`aws apigateway get-stages --rest-api-id {api_id}`: spelling "
    "and case must match '{stage}'); then the API key and its usage plan, the WAF web ACL's "
    "sampled requests, and the API's endpoint type."
)
_ACCESS_CAUSE = "No policy allows {who} to call {action} on {resource_arn}.{notes}"
_ACCESS_FIX = (
    "{allow_where}: `{policy_json}`. If the API has a resource policy it must allow the caller "
    "too (for a caller from another account both must), and a REST API must be redeployed "
    "after its resource policy changes."
)
_DENY_CAUSE = (
    "An explicit Deny stops {who} from calling {action} on {resource_arn}, whatever any Allow "
    "says.{notes}"
)
_DENY_FIX = (
    "An Allow will not help: find the Deny. Look first in the API's resource policy "
    "(`aws apigateway get-rest-api --rest-api-id {api_id} --query policy`), usually a condition "
    "on aws:SourceIp, aws:SourceVpce or aws:SourceVpc that the call does not meet; then in your "
    "identity's policies, permission boundary, session policy and the organisation's SCPs."
)
_MALFORMED_FIX = (
    "Let IamApiClient build the Authorization header; if you do, check the credentials for "
    "stray whitespace (AWS_ACCESS_KEY_ID, the profile's aws_access_key_id) and that no proxy "
    "rewrites or duplicates Authorization, X-Amz-Date or Host. {where}"
)
_URL_CAUSE = (
    "The function URL's authorization refused the call before the function ran. {first}; with "
    "AuthType NONE the resource-based policy must allow both actions for principal '*'."
)
_URL_FIX = (
    "Allow both lambda:InvokeFunctionUrl and lambda:InvokeFunction: add `{url_policy_json}` to "
    "your identity's policy (AuthType AWS_IAM), or the equivalent statement to the function's "
    "resource-based policy (`aws lambda get-policy --function-name <function-name>` shows it)."
)
_MISMATCH_CAUSE = "{finding}"
_MISMATCH_FIX = "{remedy}"
_SKEW_CAUSE = "{finding}"
_SKEW_FIX = "{remedy}"
_INTEGRATION_TIMEOUT_FIX = (
    "Make the backend answer faster or asynchronously (accept the job, return 202, let the "
    "caller poll). The request may have run: retry only if the operation is idempotent."
)

RULES: tuple[Rule, ...] = (
    Rule(
        name="WebSocket frame: Forbidden",
        code="route_not_found",
        cases=("ws-frame-error",),
        kinds=_kinds("websocket"),
        pattern=_Regex(r"^Forbidden$"),
        when=lambda f: f.is_frame,
        condition="a frame on the socket (no HTTP status)",
        cause=(
            "No route of the WebSocket API matched the message: the route-selection expression "
            "(for example $request.body.action) gave a value with no route, and there is no "
            "$default route."
        ),
        fix=(
            "Send a message whose route key matches a defined route, or add a $default route to "
            "catch the rest."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="WebSocket frame: Internal server error",
        code="integration_failure",
        cases=("ws-frame-error",),
        kinds=_kinds("websocket"),
        pattern=_Regex(r"^Internal server error$"),
        when=lambda f: f.is_frame,
        condition="a frame on the socket (no HTTP status)",
        cause="The integration of the WebSocket route failed (the backend threw or timed out).",
        fix=(
            "Read the integration's logs for request {request_id}; the route's backend must "
            "answer without error within 29 seconds."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="Body over the size limit (plain text)",
        code="payload_too_large",
        cases=("too-large",),
        pattern=_Regex(
            r"HTTP content length exceeded \d+ bytes|Request Entity Too Large|Payload Too Large",
            re.IGNORECASE,
        ),
        cause=_LARGE_CAUSE,
        fix=_LARGE_FIX,
        examples=("HTTP content length exceeded 10485760 bytes.",),
    ),
    Rule(
        name="413 with any body",
        code="payload_too_large",
        cases=("too-large",),
        statuses=_statuses(413),
        cause=_LARGE_CAUSE,
        fix=_LARGE_FIX,
    ),
    Rule(
        name="Signature expired",
        code="clock_skew",
        cases=("sig-expired",),
        pattern=_Regex(r"^Signature expired\b"),
        analyze=_analyze_skew,
        cause=_SKEW_CAUSE,
        fix=_SKEW_FIX,
        examples=(
            "Signature expired: 20240101T120000Z is now earlier than 20240101T120212Z "
            "(20240101T120712Z - 5 min.)",
        ),
    ),
    Rule(
        name="Signature not yet current",
        code="clock_skew",
        cases=("sig-not-yet",),
        pattern=_Regex(r"^Signature not yet current\b"),
        analyze=_analyze_skew,
        cause=_SKEW_CAUSE,
        fix=_SKEW_FIX,
        examples=(
            "Signature not yet current: 20240101T121500Z is still later than 20240101T120600Z "
            "(20240101T120100Z + 5 min.)",
        ),
    ),
    Rule(
        name="Credential scoped to the wrong region",
        code="wrong_region",
        cases=("scope-region",),
        pattern=_SCOPE_REGION,
        analyze=_analyze_region,
        cause="You signed for region {signed_region}{expected_region}. {notes}",
        fix=(
            'Sign for the API\'s region: `IamApiClient(url, region="{region_arg}")`. A region '
            "given explicitly wins over the host name and the environment."
        ),
        examples=(
            "Credential should be scoped to a valid region, not 'us-east-1'. ",
            "Credential should be scoped to a valid region. ",
            "The credential must be scoped to a valid region.",
        ),
    ),
    Rule(
        name="Credential scoped to the wrong service",
        code="wrong_service",
        cases=("scope-service",),
        pattern=_SCOPE_SERVICE,
        analyze=_analyze_service,
        cause=(
            "You signed for service {signed_service}, but the gateway expects '{expected_service}'."
        ),
        fix=(
            "Sign for service '{expected_service}': "
            '`IamApiClient(url, service="{expected_service}")`. '
            "API Gateway (custom domains included) uses 'execute-api'; Lambda function URLs use "
            "'lambda'."
        ),
        examples=("Credential should be scoped to correct service: 'execute-api'. ",),
    ),
    Rule(
        name="Credential scope without the aws4_request terminator",
        code="malformed_authorization",
        cases=("scope-terminator",),
        pattern=_Regex(r"Credential should be scoped with a valid terminator"),
        analyze=_analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. ",
        ),
    ),
    Rule(
        name="Credential-scope date differs from X-Amz-Date",
        code="malformed_authorization",
        cases=("scope-date",),
        pattern=_Regex(r"Date in Credential scope does not match"),
        analyze=_analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20240101' != '20240102', from '20240102T000001Z'.",
        ),
    ),
    Rule(
        name="Security token expired",
        code="expired_token",
        cases=("token-expired",),
        error_types=_types("ExpiredTokenException"),
        pattern=_Regex(r"security token included in the request is expired", re.IGNORECASE),
        cause=(
            "Your temporary credentials have expired. This happens most with assumed-role, SSO "
            "or federated credentials pasted into environment variables, which nothing refreshes."
        ),
        fix=(
            "Get fresh credentials (`aws sso login`, or re-run what produced them), and prefer a "
            "profile with role_arn or sso settings over a pasted AWS_SESSION_TOKEN, so that the "
            "credential chain refreshes them. Retrying with fresh credentials will succeed."
        ),
        examples=("The security token included in the request is expired",),
    ),
    Rule(
        name="Security token invalid",
        code="invalid_token",
        cases=("token-invalid",),
        error_types=_types("UnrecognizedClientException", "InvalidClientTokenId"),
        pattern=_Regex(r"security token included in the request is invalid", re.IGNORECASE),
        analyze=_analyze_token,
        cause="AWS does not recognise the credentials. Most likely: {reasons}.",
        fix=(
            "Check which credentials are in use (`aws sts get-caller-identity` with the same "
            "profile or environment), and set AWS_SESSION_TOKEN whenever the access key id "
            "starts with ASIA."
        ),
        examples=("The security token included in the request is invalid.",),
    ),
    Rule(
        name="Signature does not match",
        code="signature_mismatch",
        cases=("sig-mismatch",),
        pattern=_Regex(r"signature we calculated does not match", re.IGNORECASE),
        analyze=_analyze_mismatch,
        cause=_MISMATCH_CAUSE,
        fix=_MISMATCH_FIX,
        examples=(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
        ),
    ),
    Rule(
        name="A non-SigV4 Authorization header (Bearer, Basic, a raw token)",
        code="wrong_auth_scheme",
        cases=("incomplete-kv", "incomplete-params"),
        error_types=_types("IncompleteSignatureException"),
        pattern=_Regex(
            _KV_PAIR + r"|^Authorization header requires|Unsupported AWS 'algorithm'"
            r"|must begin with the algorithm name"
        ),
        when=lambda f: f.foreign_auth,
        condition="the request was not signed by the caller, or carried a Bearer/Basic header",
        analyze=_analyze_auth_scheme,
        cause=(
            "API Gateway tried to read {sent} as a SigV4 signature and could not. It does this "
            "when no route matches {route} {in_stage} (the signature check comes before the "
            "route lookup), and when the method uses AWS_IAM authorization; check the route and "
            "verb first."
        ),
        fix=(
            "First make sure {route} exists {in_stage}. If it does and uses AWS_IAM, sign the "
            "request with SigV4 (IamApiClient) instead of sending a {scheme}; if it uses a token "
            "authorizer, the path or verb is what is wrong."
        ),
        examples=(
            "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization "
            "header: 'Bearer sometoken'.",
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=Bearer abc",
        ),
    ),
    Rule(
        name="SigV4 Authorization header not split into key=value pairs",
        code="malformed_authorization",
        cases=("incomplete-kv",),
        pattern=_Regex(_KV_PAIR),
        analyze=_analyze_malformed,
        cause=(
            "Your SigV4 Authorization header arrived malformed: {problem}. A path or verb with no "
            "route gives this answer too (the signature is parsed before the route is looked up)."
        ),
        fix=_MALFORMED_FIX,
        examples=(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
            "SHA-256 and encoded with Base64): 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c='.",
        ),
    ),
    Rule(
        name="Authorization header missing parts",
        code="malformed_authorization",
        cases=("incomplete-params",),
        pattern=_Regex(r"^Authorization header requires"),
        analyze=_analyze_malformed,
        cause="Your SigV4 Authorization header arrived incomplete: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/"
            "execute-api/aws4_request, SignedHeaders=host, Signature=abc",
        ),
    ),
    Rule(
        name="Malformed date, algorithm, credential or presigned query",
        code="malformed_authorization",
        cases=("incomplete-other",),
        error_types=_types("IncompleteSignatureException"),
        pattern=_Regex(
            r"Date must be in ISO-8601 'basic format'|Unsupported AWS 'algorithm'"
            r"|Credential must have exactly 5 slash-delimited elements"
            r"|AWS query-string parameters must include|must be a 'SignedHeader'"
            r"|must begin with the algorithm name"
        ),
        analyze=_analyze_malformed,
        cause="The signature is malformed: {problem}.",
        fix=_MALFORMED_FIX,
        examples=(
            "Date must be in ISO-8601 'basic format'. Got '2024-01-01T12:00:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDEXAMPLE/20240101/us-east-1'",
            "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the "
            "query-string parameters.",
        ),
    ),
    Rule(
        name="Other signature errors (error type only)",
        code="signature_mismatch",
        cases=("sig-mismatch",),
        error_types=_types("InvalidSignatureException", "SignatureDoesNotMatch"),
        analyze=_analyze_mismatch,
        cause=_MISMATCH_CAUSE,
        fix=_MISMATCH_FIX,
    ),
    Rule(
        name="Lambda function URL: Forbidden on an unsigned request",
        code="missing_signature",
        cases=("lambda-url-forbidden",),
        kinds=_kinds("lambda_url"),
        statuses=_statuses(403),
        error_types=_types("AccessDeniedException"),
        pattern=_Regex(r"^Forbidden"),
        signed=False,
        analyze=_analyze_lambda_url,
        cause=(
            "The request carried no SigV4 signature and the function URL refused it before the "
            "function ran. With AuthType AWS_IAM every call must be signed; with AuthType NONE "
            "the function's resource-based policy must allow lambda:InvokeFunctionUrl and (for "
            "URLs created since October 2025) lambda:InvokeFunction for principal '*'."
        ),
        fix=(
            "Sign the request for service 'lambda' in region {region}: send it through "
            "IamApiClient. If the URL is meant to be public (AuthType NONE), add both actions "
            "for principal '*' to the function's resource-based policy instead."
        ),
        examples=(
            "Forbidden. For troubleshooting Function URL authorization issues, see: "
            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        ),
    ),
    Rule(
        name="Lambda function URL: Forbidden",
        code="access_denied",
        cases=("lambda-url-forbidden",),
        pattern=_Regex(r"^Forbidden\. For troubleshooting Function URL"),
        analyze=_analyze_lambda_url,
        cause=_URL_CAUSE,
        fix=_URL_FIX,
        examples=(
            "Forbidden. For troubleshooting Function URL authorization issues, see: "
            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        ),
    ),
    Rule(
        name="Lambda function URL: bare Forbidden or AccessDeniedException",
        code="access_denied",
        cases=("lambda-url-forbidden",),
        kinds=_kinds("lambda_url"),
        statuses=_statuses(403),
        error_types=_types("AccessDeniedException"),
        pattern=_Regex(r"^Forbidden"),
        analyze=_analyze_lambda_url,
        cause=_URL_CAUSE,
        fix=_URL_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="IAM or resource policy: explicit deny",
        code="explicit_deny",
        cases=("iam-denied",),
        pattern=_Regex(
            r"User: \S+ is not authorized to perform: \S+ on resource: \S+ with an explicit deny"
        ),
        analyze=_analyze_access,
        cause=_DENY_CAUSE,
        fix=_DENY_FIX,
        examples=(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets with an explicit "
            "deny",
        ),
    ),
    Rule(
        name="IAM or resource policy: no Allow",
        code="access_denied",
        cases=("iam-denied",),
        pattern=_Regex(r"User: \S+ is not authorized to perform: \S+ on resource"),
        analyze=_analyze_access,
        cause=_ACCESS_CAUSE,
        fix=_ACCESS_FIX,
        examples=(
            "User: arn:aws:sts::123456789012:assumed-role/Caller/session is not authorized to "
            "perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:"
            "abc123/prod/GET/pets because no identity-based policy allows the "
            "execute-api:Invoke action",
        ),
    ),
    Rule(
        name="Lambda or Cognito authorizer: explicit deny",
        code="explicit_deny",
        cases=("authorizer-deny",),
        pattern=_Regex(r"^User is not authorized to access this resource with an explicit deny"),
        analyze=_analyze_authorizer,
        cause=(
            "The Lambda or Cognito authorizer returned a policy with an explicit Deny for "
            "{route}. This is not IAM: your SigV4 signature was not what was checked."
        ),
        fix=(
            "An Allow elsewhere will not help: change the authorizer so it does not return Deny "
            "for this caller and {method_arn}. With authorizer caching on, a policy computed for "
            "one method is reused for the next calls, so return one that covers every route "
            "({wide_arn}), or turn caching off."
        ),
        examples=(
            "User is not authorized to access this resource with an explicit deny",
            "User is not authorized to access this resource with an explicit deny in an "
            "identity-based policy",
        ),
    ),
    Rule(
        name="Lambda or Cognito authorizer: no Allow",
        code="access_denied",
        cases=("authorizer-deny",),
        pattern=_Regex(r"^User is not authorized to access this resource"),
        analyze=_analyze_authorizer,
        cause=(
            "The Lambda or Cognito authorizer did not allow {route}. This is not IAM: your SigV4 "
            "signature was not what was checked."
        ),
        fix=(
            "Make the authorizer return an Allow for {method_arn}. With authorizer caching on, a "
            "policy computed for one method is reused for the next calls, so return one that "
            "covers every route ({wide_arn}), or turn caching off."
        ),
        examples=("User is not authorized to access this resource",),
    ),
    Rule(
        name="Signed call to an undefined route",
        code="route_not_found",
        cases=("route-signed",),
        pattern=_Regex(
            r"No method found matching route (?P<route>.+?) for http method (?P<verb>\w+)"
        ),
        analyze=_analyze_no_method,
        cause=(
            "The gateway has no method for {matched} {in_stage}. Through a custom domain the "
            "stage is implied: leave it out of the path (also for @connections calls)."
        ),
        fix=_ROUTE_FIX,
        examples=("No method found matching route pets/dogs for http method GET.",),
    ),
    Rule(
        name="Missing Authentication Token on a signed request",
        code="route_not_found",
        cases=("missing-token",),
        error_types=_types("MissingAuthenticationTokenException"),
        pattern=_MISSING_TOKEN,
        signed=True,
        analyze=_analyze_missing_route,
        cause=(
            "You signed the request, so the signature is not what is missing: API Gateway sends "
            "this same answer when no resource and method match {route} {in_stage}. Most likely "
            "the path or the verb is wrong (paths are case-sensitive; a '#' in the URL cuts the "
            "path), or the route was added after the last deployment. {where} Less likely, a "
            "proxy stripped your Authorization header."
        ),
        fix=_ROUTE_FIX,
        examples=("Missing Authentication Token",),
    ),
    Rule(
        name="Missing Authentication Token on an unsigned request",
        code="missing_signature",
        cases=("missing-token",),
        error_types=_types("MissingAuthenticationTokenException"),
        pattern=_MISSING_TOKEN,
        signed=False,
        analyze=_analyze_missing_route,
        cause=(
            "The request carried no SigV4 signature (no Authorization header, no X-Amz-Signature "
            "query parameter) and {route} uses AWS_IAM authorization. The same answer also means "
            "no route matches {route} {in_stage}: if signing does not fix it, check the path and "
            "verb."
        ),
        fix=_IAM_SIGN_FIX,
        examples=("Missing Authentication Token",),
    ),
    Rule(
        name="HTTP API: Forbidden on a signed request",
        code="access_denied",
        cases=("forbidden-http",),
        kinds=_kinds("http"),
        statuses=_statuses(403),
        pattern=_Regex(r"^Forbidden$"),
        signed=True,
        analyze=_analyze_http_forbidden,
        cause=(
            "HTTP APIs answer IAM denials with a bare Forbidden: your signature was valid, but "
            "no policy of your identity allows {action} on {resource_arn}. (If the route uses a "
            "Lambda authorizer instead of IAM, that authorizer said no.)"
        ),
        fix=(
            "Allow the call in your identity's IAM policy: `{policy_json}`. HTTP APIs have no "
            "resource policies, so the identity policy, its permission boundary and any SCP are "
            "the places to look."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="HTTP API: Forbidden on an unsigned request",
        code="missing_signature",
        cases=("forbidden-http",),
        kinds=_kinds("http"),
        statuses=_statuses(403),
        pattern=_Regex(r"^Forbidden$"),
        signed=False,
        cause=(
            "The request carried no SigV4 signature and {route} uses IAM authorization; HTTP "
            "APIs answer that with a bare Forbidden."
        ),
        fix=_IAM_SIGN_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="HTTP API: Not Found",
        code="route_not_found",
        cases=("not-found-http",),
        kinds=_kinds("http"),
        statuses=_statuses(404),
        pattern=_Regex(r"^Not Found$"),
        analyze=lambda f, m: ({}, _route_details(f)),
        cause=(
            "No route of the HTTP API matches {route}: either the first path segment is not a "
            "stage (and the API has no $default stage), or no route (nor a {proxy+} or $default "
            "route) is defined for this path and verb. An API whose default execute-api "
            "endpoint is disabled answers 404 to everything."
        ),
        fix=(
            "List the routes and stages (`aws apigatewayv2 get-routes --api-id {api_id}`, "
            "`aws apigatewayv2 get-stages --api-id {api_id}`) and fix the path; if the stage "
            "does not auto-deploy, deploy the latest changes."
        ),
        examples=("Not Found",),
    ),
    Rule(
        name="REST API: Forbidden when an API key was sent",
        code="api_key",
        cases=("api-key",),
        kinds=_REST_LIKE,
        statuses=_statuses(403),
        error_types=_types("ForbiddenException"),
        pattern=_Regex(r"^Forbidden$"),
        when=lambda f: f.api_key_sent,
        condition="the request carried an x-api-key header",
        analyze=lambda f, m: ({}, _route_details(f)),
        cause=(
            "You sent an x-api-key header and the gateway answered a bare Forbidden: most likely "
            "the key is wrong or disabled, or no usage plan links it to stage '{stage}' of API "
            "{api_id}. Less likely: the stage name is wrong, or a WAF rule blocked the request."
        ),
        fix=(
            "Check that the key is enabled (`aws apigateway get-api-keys --include-values`) and "
            "that a usage plan attached to {api_id}/{stage} contains it (`aws apigateway "
            "get-usage-plans --key-id <key-id>`); the API's key source must be HEADER for "
            "x-api-key to count."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="REST API: bare Forbidden",
        code="forbidden",
        cases=("forbidden-stage", "api-key"),
        kinds=_REST_LIKE,
        statuses=_statuses(403),
        error_types=_types("ForbiddenException"),
        pattern=_Regex(r"^Forbidden$"),
        analyze=_analyze_forbidden,
        cause=_FORBIDDEN_CAUSE,
        fix=_FORBIDDEN_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="CloudFront error page in front of an edge-optimized API",
        code="forbidden",
        statuses=_statuses(403),
        pattern=_Regex(r"could not be satisfied", re.IGNORECASE),
        cause=(
            "CloudFront, in front of the edge-optimized API, refused the request before API "
            "Gateway saw it: most often a GET or HEAD with a body; otherwise a CloudFront "
            "or WAF rule."
        ),
        fix=(
            "Send GET and HEAD without a body (put the parameters in the query), or use a "
            "regional endpoint."
        ),
        examples=("ERROR: The request could not be satisfied",),
    ),
    Rule(
        name="Access denied (error type only)",
        code="access_denied",
        cases=("iam-denied",),
        error_types=_types("AccessDeniedException"),
        analyze=_analyze_access,
        cause=_ACCESS_CAUSE,
        fix=_ACCESS_FIX,
    ),
    Rule(
        name="Authorizer: Unauthorized",
        code="wrong_auth_scheme",
        cases=("unauthorized",),
        statuses=_statuses(401),
        error_types=_types("UnauthorizedException"),
        pattern=_Regex(r"^Unauthorized$"),
        analyze=_analyze_unauthorized,
        cause=(
            "{route} is protected by a Lambda, Cognito or JWT authorizer, not by IAM, and it "
            "rejected the identity it read from the request: the token is missing, expired, or "
            "has the wrong issuer, audience or scope{said}. A SigV4 signature does not satisfy "
            "such an authorizer, and it takes the Authorization header the authorizer usually "
            "reads."
        ),
        fix=(
            "Either switch the route's authorization to AWS_IAM, or send the token the "
            "authorizer expects, in the header its identity source names."
        ),
        examples=("Unauthorized",),
    ),
    Rule(
        name="Usage-plan quota used up",
        code="quota_exceeded",
        cases=("quota",),
        statuses=_statuses(429),
        error_types=_types("LimitExceededException"),
        pattern=_Regex(r"^Limit Exceeded$"),
        analyze=_analyze_throttle,
        cause=(
            "The usage-plan quota of your API key is used up (requests per day, week or month)."
        ),
        fix=(
            "Retrying does not help until the quota period resets. Raise the quota on the usage "
            "plan, or use a key in another plan."
        ),
        examples=("Limit Exceeded",),
    ),
    Rule(
        name="Throttled: Too Many Requests",
        code="throttled",
        cases=("throttled",),
        statuses=_statuses(429),
        error_types=_types("TooManyRequestsException", "ThrottlingException"),
        pattern=_Regex(r"^Too Many Requests$|Rate exceeded", re.IGNORECASE),
        analyze=_analyze_throttle,
        cause=_THROTTLE_CAUSE,
        fix=_THROTTLE_FIX,
        examples=("Too Many Requests",),
    ),
    Rule(
        name="429 with any body",
        code="throttled",
        cases=("throttled",),
        statuses=_statuses(429),
        analyze=_analyze_throttle,
        cause=_THROTTLE_CAUSE,
        fix=_THROTTLE_FIX,
    ),
    Rule(
        name="Authorizer configuration error",
        code="integration_failure",
        cases=("authorizer-error",),
        statuses=_statuses(500),
        error_types=_types("AuthorizerConfigurationException"),
        cause=_AUTHORIZER_ERROR_CAUSE,
        fix=_AUTHORIZER_ERROR_FIX,
    ),
    Rule(
        name="500 with a null message (authorizer failure)",
        code="integration_failure",
        cases=("authorizer-error",),
        when=lambda f: f.message_is_null and f.match_status in (500, None),
        condition="status 500 (or unknown) and the message is null",
        cause=_AUTHORIZER_ERROR_CAUSE,
        fix=_AUTHORIZER_ERROR_FIX,
        examples=("null",),
    ),
    Rule(
        name="REST API: Endpoint request timed out",
        code="integration_timeout",
        cases=("timeout-rest",),
        pattern=_Regex(r"^Endpoint request timed out"),
        cause=(
            "The backend did not answer within the integration timeout (29 seconds by default "
            "on REST APIs); it may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
        examples=("Endpoint request timed out",),
    ),
    Rule(
        name="HTTP API: Service Unavailable",
        code="integration_timeout",
        cases=("unavailable-http",),
        kinds=_kinds("http", None),
        statuses=_statuses(503),
        pattern=_Regex(r"^Service Unavailable$"),
        cause=(
            "The HTTP API's integration did not answer in time (at most 30 seconds) or was "
            "unavailable; it may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
        examples=("Service Unavailable",),
    ),
    Rule(
        name="REST API: 502 Internal server error",
        code="integration_failure",
        cases=("ise-rest",),
        statuses=_statuses(502),
        pattern=_Regex(r"^Internal server error$"),
        cause=(
            "The Lambda function behind {route} failed or returned an answer API Gateway cannot "
            "use: an unhandled error, a timeout, or a proxy response that is not "
            '{"statusCode": ..., "headers": {...}, "body": "<string>"}.'
        ),
        fix=(
            "Read the function's CloudWatch logs for request {request_id}; with proxy "
            "integration, return statusCode, string-valued headers and a string body "
            "(JSON-encode objects). Retrying does not help until the function is fixed."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="REST API: 500 Internal server error",
        code="integration_failure",
        cases=("ise-rest",),
        statuses=_statuses(500),
        pattern=_Regex(r"^Internal server error$"),
        cause=(
            "API Gateway could not call the integration: most often it may not invoke the "
            "Lambda function (no resource-policy statement for apigateway.amazonaws.com and this "
            "API), or the integration is misconfigured (endpoint, mapping template, binary "
            "media types)."
        ),
        fix=(
            "Turn on execution logging for stage '{stage}' and read the entry for request "
            "{request_id}; to allow the invocation: `aws lambda add-permission --function-name "
            "<function-name> --statement-id apigateway --action lambda:InvokeFunction "
            "--principal apigateway.amazonaws.com --source-arn "
            "arn:aws:execute-api:{region}:<account-id>:{api_id}/*`."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="Lambda function URL: the function failed",
        code="integration_failure",
        kinds=_kinds("lambda_url"),
        statuses=_statuses(500, 502),
        pattern=_Regex(r"^Internal Server Error$", re.IGNORECASE),
        cause=(
            "The function behind the URL threw an error, timed out, or returned a response the "
            "function URL cannot turn into HTTP (for example a body that is not a string)."
        ),
        fix=(
            "Read the function's CloudWatch logs for request {request_id}; return "
            '{"statusCode": ..., "body": "<string>"} or a plain string.'
        ),
        examples=("Internal Server Error",),
    ),
    Rule(
        name="HTTP API: Internal Server Error",
        code="integration_failure",
        cases=("ise-http",),
        kinds=_kinds("http", None),
        statuses=_statuses(500),
        pattern=_Regex(r"^Internal Server Error$"),
        cause=(
            "The HTTP API could not call its integration or authorizer: a Lambda error, a "
            "missing invoke permission, or a wrong integration role."
        ),
        fix=(
            "Add $context.integrationErrorMessage and $context.authorizer.error to the stage's "
            "access-log format and read the entry for request {request_id}."
        ),
        examples=("Internal Server Error",),
    ),
    Rule(
        name="504 with any body",
        code="integration_timeout",
        cases=("timeout-rest",),
        statuses=_statuses(504),
        cause=(
            "The gateway gave up waiting for the backend (integration timeout or failure); the "
            "request may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
    ),
    Rule(
        name="Request validator: Invalid request body",
        code="client_error",
        cases=("bad-body",),
        statuses=_statuses(400),
        pattern=_Regex(r"^Invalid request body$"),
        analyze=_analyze_client_error,
        cause=(
            "The API's request validator rejected the body: it does not match the model "
            "attached to {route}. Authentication passed."
        ),
        fix=(
            "Compare your JSON with the method's model; the gateway only tells which field "
            "failed in its execution log or through $context.error.validationErrorString in a "
            "BAD_REQUEST_BODY gateway response."
        ),
        examples=("Invalid request body",),
    ),
    Rule(
        name="Request validator: missing parameters",
        code="client_error",
        cases=(),
        statuses=_statuses(400),
        pattern=_Regex(r"^Missing required request parameters"),
        analyze=_analyze_client_error,
        cause=(
            "The API's request validator requires parameters (query string or headers) that "
            "the request did not carry. Authentication passed."
        ),
        fix="Send the parameters named in the message.",
        examples=("Missing required request parameters: [petType]",),
    ),
    Rule(
        name="WebSocket @connections: Gone",
        code="client_error",
        cases=("ws-gone",),
        statuses=_statuses(410),
        when=lambda f: f.kind == "websocket" or f.error_type == "GoneException",
        condition="a WebSocket API, or x-amzn-ErrorType `GoneException`",
        analyze=_analyze_gone,
        cause="The WebSocket connection{connection} is closed or never existed.",
        fix=(
            "Stop sending to it and remove it from wherever you keep connection ids; it will not "
            "come back. Retrying does not help."
        ),
    ),
    Rule(
        name="HEAD answer without a body",
        code="client_error",
        statuses=_ALL_4XX,
        when=lambda f: f.method == "HEAD" and f.body_format == "empty" and not f.error_type,
        condition="a HEAD request, no body and no x-amzn-ErrorType",
        cause=(
            "A HEAD answer has no body, so the message that would say who refused the call is "
            "missing: the HTTP {status} may come from the gateway (no signature, no such route, "
            "an IAM denial) or from the backend."
        ),
        fix=(
            "Repeat the call as GET (or diagnose the GET answer) to read the message; the "
            "status alone cannot tell the cause."
        ),
    ),
    Rule(
        name="Gateway 404 with an error type",
        code="route_not_found",
        statuses=_statuses(404),
        error_types=_types("NotFoundException", "ResourceNotFoundException"),
        analyze=_analyze_missing_route,
        cause="API Gateway found no resource for {route} {in_stage}. {where}",
        fix=_ROUTE_FIX,
    ),
    Rule(
        name="Any other 5xx",
        code="server_error",
        statuses=_ALL_5XX,
        analyze=_analyze_client_error,
        cause=(
            "The backend answered HTTP {status}{backend_said}; this is not one of the gateway's "
            "own error responses."
        ),
        fix=(
            "Check the backend's logs for request {request_id}. Retry only if the operation is "
            "idempotent."
        ),
    ),
    Rule(
        name="Any other 4xx: the backend's own answer",
        code="client_error",
        statuses=_ALL_4XX,
        analyze=_analyze_client_error,
        cause=(
            "The backend answered HTTP {status} itself{backend_said}: the answer carries none of "
            "API Gateway's error markers, so the signature and the IAM checks passed. The body "
            "is in error.details['body']."
        ),
        fix=(
            "Read the backend's message: it rejected the request's content or state, not its "
            "authentication."
        ),
    ),
)

_UNKNOWN = Rule(
    name="No status and no message the gateway is known to send",
    code="client_error",
    analyze=_analyze_client_error,
    cause=(
        "There is no status code and the message{backend_said} is not one API Gateway or a "
        "function URL sends, so it most likely came from the backend."
    ),
    fix="Look up the status code and the backend's logs to tell more.",
)

# ---------------------------------------------------------------------------------------
# The public functions.


def diagnose(
    status: Optional[int],
    headers: Optional[Mapping[str, str]],
    body: Union[str, bytes, None],
    *,
    signed: bool = True,
    kind: Optional[str] = None,
    method: Optional[str] = None,
    url: Optional[str] = None,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    canonical_request: Optional[str] = None,
    string_to_sign: Optional[str] = None,
    local_time: Optional[datetime] = None,
    response: Optional[requests.Response] = None,
) -> Optional[GatewayError]:
    """Explain a gateway answer as the most specific :class:`GatewayError`, or ``None``.

    ``None`` is returned for a 1xx, 2xx or 3xx status. ``status`` may be
    ``None`` when only a logged body is at hand; ``headers`` is any mapping
    (names are matched case-insensitively); ``body`` is the raw answer (JSON with
    ``message`` or ``Message``, ``null``, plain text or HTML).

    The context makes the answer precise: ``signed`` says whether the caller
    signed the request (``Missing Authentication Token`` then means a wrong route,
    not a missing signature); ``kind`` is ``"rest"``, ``"http"``, ``"websocket"``
    or ``"lambda_url"`` (inferred from the headers and ``url`` when ``None``);
    ``method``, ``url`` and ``stage`` name what was called; ``region`` and
    ``service`` what the request was signed for; ``canonical_request`` and
    ``string_to_sign``, as the signer built them, let a signature mismatch name
    the part that differs; ``local_time`` is when the request was signed (UTC),
    for telling a wrong clock from a reused signature.

    The returned error is not raised; ``raise error`` it, or inspect its
    ``code``, ``cause``, ``fix`` and ``details``. This function never raises.
    """
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status < 400:
        return None
    facts = _gather(
        status,
        headers,
        body,
        signed=signed,
        kind=kind,
        method=method,
        url=url,
        stage=stage,
        region=region,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
        response=response,
    )
    rule, found = _select(facts)
    return _build(rule, found, facts, response)


def diagnose_response(
    response: requests.Response,
    *,
    signed: bool = True,
    kind: Optional[str] = None,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    canonical_request: Optional[str] = None,
    string_to_sign: Optional[str] = None,
    local_time: Optional[datetime] = None,
) -> Optional[GatewayError]:
    """:func:`diagnose` a ``requests.Response``: status, headers, body, method and URL."""
    try:
        content: Union[bytes, str, None] = response.content
    except Exception:  # a consumed stream or a broken connection: no body
        content = None
    request = getattr(response, "request", None)
    return diagnose(
        getattr(response, "status_code", None),
        getattr(response, "headers", None),
        content,
        signed=signed,
        kind=kind,
        method=getattr(request, "method", None),
        url=getattr(response, "url", None) or getattr(request, "url", None),
        stage=stage,
        region=region,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
        response=response,
    )


def _select(facts: _Facts) -> tuple[Rule, Optional[re.Match[str]]]:
    for rule in RULES:
        matched, found = rule.match(facts)
        if matched:
            return rule, found
    return _UNKNOWN, None


def _build(
    rule: Rule, found: Optional[re.Match[str]], facts: _Facts, response: Optional[requests.Response]
) -> GatewayError:
    values = {**_DOC_ANALYZER_VALUES, **_values(facts)}
    details: dict[str, Any] = {}
    if rule.analyze is not None:
        try:
            extra, details = rule.analyze(facts, found)
        except Exception:  # an analyzer bug must not hide the error itself
            extra, details = {}, {}
        values.update(extra)
    cause = _tidy(_fill(rule.cause, values))
    fix = _tidy(_fill(rule.fix, values))
    message = facts.message
    if message is None and rule.code in ("client_error", "server_error"):
        message = _backend_message(facts.body_json)
    cls = rule.error
    return cls(
        code=rule.code,
        status=facts.status,
        message=_scrub(message, facts.secrets) if message else "",
        cause=redact_text(cause, facts.secrets),
        fix=redact_text(fix, facts.secrets),
        request_id=facts.request_id,
        apigw_id=facts.apigw_id,
        error_type=facts.error_type,
        method=facts.method,
        url=facts.url,
        response=response,
        details=details,
    )


_SPACE_BEFORE_STOP = _Regex(r"\s+([.,;])(?=\s|$)")


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_STOP.sub(r"\1", text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


# ---------------------------------------------------------------------------------------
# Documentation, rendered from the table.

_DOC_ANALYZER_VALUES: dict[str, str] = {
    "where": "",
    "matched": "<METHOD> <route>",
    "candidates": (
        "(1) the stage in the URL is not a deployed stage (names are case-sensitive); "
        "(2) the API key is missing, wrong, disabled or not in a usage plan for the stage; "
        "(3) an AWS WAF web ACL blocked the request; (4) a private API called outside its VPC "
        "endpoint, or a public API called from a VPC whose execute-api endpoint has private DNS "
        "on; (5) the default execute-api endpoint is disabled"
    ),
    "who": "the caller named in the message",
    "action": "execute-api:Invoke",
    "resource_arn": "the resource ARN named in the message",
    "notes": "",
    "allow_where": "Attach this statement to the caller's identity policy",
    "policy_json": '{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"<resource-arn>"}',
    "method_arn": "the method's ARN",
    "wide_arn": "arn:aws:execute-api:<region>:<account-id>:<api-id>/<stage>/*",
    "url_policy_json": (
        '{"Effect":"Allow","Action":["lambda:InvokeFunctionUrl","lambda:InvokeFunction"],'
        '"Resource":"arn:aws:lambda:<region>:<account-id>:function:<function-name>"}'
    ),
    "first": (
        "With AuthType AWS_IAM, your identity needs lambda:InvokeFunctionUrl and, for function "
        "URLs created since October 2025, lambda:InvokeFunction as well"
    ),
    "finding": (
        "The gateway's canonical request differs from the one you signed. With the canonical "
        "string the gateway appends (REST APIs) and the one the client built, the diagnosis "
        "names the part that differs: the method, the path encoding (the path as sent is "
        "encoded once more), the query (sorted, spaces as %20), a header value changed after "
        "signing, the signed-header list, the payload hash, or the credential scope. When "
        "both are identical, the secret access key is wrong. Function URLs send no canonical "
        "string, so the causes are listed in order of likelihood"
    ),
    "remedy": (
        "Send the request exactly as signed; `error.details['diff']` lists each differing part "
        "with what the gateway saw and what you signed"
    ),
    "signed_region": "<region-in-scope>",
    "expected_region": ", but the API is in <api-region>",
    "region_arg": "<api-region>",
    "signed_service": "<service-in-scope>",
    "expected_service": "execute-api",
    "reasons": (
        "(1) the access key id does not exist (deleted, mistyped, another partition); "
        "(2) a temporary key (ASIA…) sent without its session token; "
        "(3) a placeholder token such as 'undefined'"
    ),
    "sent": "a non-SigV4 Authorization header (Bearer, Basic, a raw token)",
    "scheme": "token",
    "problem": "the part named in the message is missing or malformed",
    "limits": (
        "the method's or stage's throttle, the usage plan's rate, the account's regional "
        "limit, or a function URL's reserved concurrency"
    ),
    "wait": "",
    "said": "",
    "backend_said": "",
    "connection": "",
}


def _doc_finding_skew() -> tuple[str, str]:
    return (
        "The request's X-Amz-Date is more than 5 minutes away from the gateway's clock. The "
        "diagnosis reads both times from the message and reports the offset in "
        "`error.details['clock_offset']`: when the request was dated when it was signed, your "
        "clock is off by that much; when it was signed much earlier than it was sent, the "
        "signature was reused (a signed request kept at module scope, queued, or retried "
        "without re-signing); an offset of whole hours means local time was used instead of UTC",
        _SKEW_FIX_CLOCK + " If the signature was reused: s" + _SKEW_FIX_STALE[1:],
    )


def _escape_markdown(text: str) -> str:
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "\\<").replace("*", "\\*")
    return "`".join(parts)


def _describe_match(rule: Rule) -> str:
    bits: list[str] = []
    if rule.kinds is not None:
        named = [k for k in _KINDS if k in rule.kinds]
        bits.append(
            ", ".join(_KIND_NAMES[k] for k in named)
            + (" (or kind unknown)" if None in rule.kinds else "")
        )
    if rule.statuses is not None:
        if rule.statuses == _ALL_4XX:
            bits.append("status 4xx")
        elif rule.statuses == _ALL_5XX:
            bits.append("status 5xx")
        else:
            bits.append("status " + "/".join(str(s) for s in sorted(rule.statuses)))
    if rule.error_types:
        bits.append("x-amzn-ErrorType " + " or ".join(f"`{t}`" for t in sorted(rule.error_types)))
    if rule.signed is True:
        bits.append("request signed")
    elif rule.signed is False:
        bits.append("request not signed")
    if rule.condition:
        bits.append(rule.condition)
    return "; ".join(bits)


def errors_markdown() -> str:
    """Render ``docs/errors.md`` from :data:`RULES` and :data:`CODES`."""
    doc_values = {**_DOC_VALUES, **_DOC_ANALYZER_VALUES}
    skew_cause, skew_fix = _doc_finding_skew()
    out = [
        "# Error codes",
        "",
        "Every error answer is raised as a `GatewayError` subclass with a stable `code`, the "
        "gateway's own `message`, a `cause`, a `fix` and parsed `details`. "
        "`iamapi.diagnose(status, headers, body)` gives the same error for an answer received "
        "any other way, or logged. This page is generated from the diagnosis table; the first "
        "matching entry wins, in the order below within each code.",
        "",
        "In the texts below, `<METHOD>`, `<path>`, `<stage>`, `<api-id>`, `<region>` and "
        "`<request-id>` stand for the values of the failing call; the real error names them.",
        "",
        "| Code | Exception | Meaning |",
        "|---|---|---|",
    ]
    for code, (cls, summary) in CODES.items():
        out.append(f"| [`{code}`](#{code}) | `{cls.__name__}` | {summary} |")
    for code, (cls, summary) in CODES.items():
        out += ["", f"## {code}", "", f"`{cls.__name__}`: {summary}"]
        for rule in (r for r in (*RULES, _UNKNOWN) if r.code == code):
            out += ["", f"### {rule.name}", ""]
            matched = _describe_match(rule)
            if matched:
                out.append(f"When: {matched}.")
                out.append("")
            if rule.examples:
                out.append("Gateway message" + ("s" if len(rule.examples) > 1 else "") + ":")
                out.append("")
                out += [f"- `{example.strip()}`" for example in rule.examples]
                out.append("")
            values = dict(doc_values)
            if rule.analyze is _analyze_malformed:
                found = [text for e in rule.examples for p, text in _PROBLEMS if p.search(e)]
                values["problem"] = "; ".join(dict.fromkeys(found)) or values["problem"]
            if rule.analyze is _analyze_skew:
                cause, fix = skew_cause, skew_fix
            else:
                cause = _fill(rule.cause, values)
                fix = _fill(rule.fix, values)
            out.append(f"**What it means.** {_escape_markdown(_tidy(cause))}")
            out.append("")
            out.append(f"**Fix.** {_escape_markdown(_tidy(fix))}")
    return "\n".join(out) + "\n"
