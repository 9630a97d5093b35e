"""The facts every rule is matched against: one answer and the request behind it, read once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional, Union
from urllib.parse import urlsplit

from iamapi._diagnosis._answer import (
    clean,
    decode_body,
    error_type_from,
    lower_headers,
    message_from_body,
)
from iamapi._diagnosis._scrub import AUTH_ECHO_KV, AUTH_ECHO_PARAMS
from iamapi._diagnosis._target import KINDS, host_facts, infer_kind, split_stage
from iamapi._redaction import redact_text

if TYPE_CHECKING:
    import requests

__all__ = ["SIGV4", "Facts", "gather", "scope_parts"]

SIGV4 = "AWS4-HMAC-SHA256"


@dataclass(repr=False, eq=False)
class Facts:
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
            return self.auth_scheme.upper() != SIGV4
        return not self.signed


def _scheme_of(value: str) -> Optional[str]:
    value = value.strip()
    if not value:
        return None
    return value.split(None, 1)[0]


def scope_parts(scope: str) -> Optional[tuple[str, str, str]]:
    """(date, region, service) of a credential scope, with or without the access key id."""
    parts = scope.strip().split("/")
    if len(parts) == 4:
        return parts[0], parts[1], parts[2]
    if len(parts) == 5:
        return parts[1], parts[2], parts[3]
    return None


def gather(
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
) -> Facts:
    """Read an answer and the context the caller passed in, once, into :class:`Facts`."""
    lower = lower_headers(headers)
    text = decode_body(body)
    data, body_format, message, is_null = message_from_body(text)
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
        request_headers = lower_headers(getattr(request, "headers", None))
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
            auth_scheme = SIGV4

    if message is not None and auth_scheme is None:
        echo = AUTH_ECHO_KV.search(message) or AUTH_ECHO_PARAMS.search(message)
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
        auth_scheme = SIGV4
    host_kind, api_id, api_region, partition = host_facts(host, region, request_headers)

    # What was signed.
    signed_region: Optional[str] = None
    signed_service: Optional[str] = None
    if string_to_sign:
        lines = string_to_sign.split("\n")
        scope = scope_parts(lines[2]) if len(lines) > 2 else None
        if scope:
            signed_region, signed_service = scope[1], scope[2]
    if authorization and signed_region is None:
        credential = re.search(r"Credential=([^,\s]+)", authorization)
        scope = scope_parts(credential.group(1)) if credential else None
        if scope:
            signed_region, signed_service = scope[1], scope[2]
    signed_region = signed_region or region
    signed_service = signed_service or service

    is_frame = isinstance(data, dict) and "connectionId" in data and status is None
    if kind not in KINDS:
        kind = infer_kind(lower, host_kind, service, message, path, is_frame)

    stage, resource_path = split_stage(path, stage, host_kind)

    request_id = clean(lower.get("x-amzn-requestid") or lower.get("apigw-requestid"))
    if request_id is None and isinstance(data, dict) and isinstance(data.get("requestId"), str):
        request_id = clean(data["requestId"])
    if isinstance(method, str):
        method = clean(method.upper())
    if isinstance(local_time, datetime):
        if local_time.tzinfo is None:
            local_time = local_time.replace(tzinfo=timezone.utc)
    else:
        local_time = None
    return Facts(
        status=status,
        match_status=match_status,
        headers=lower,
        body=text,
        body_json=data,
        body_format=body_format,
        message=message,
        message_is_null=is_null,
        error_type=error_type_from(lower, data),
        kind=kind,
        signed=bool(signed),
        live=response is not None,
        method=method if isinstance(method, str) else None,
        url=clean(redact_text(url_text, secrets)) if url_text else None,
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
        apigw_id=clean(lower.get("x-amz-apigw-id")),
        secrets=secrets,
    )
