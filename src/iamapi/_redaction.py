"""The single place where secrets are masked.

Every repr, log line, exception text, CLI line and debug dump that could hold
a credential passes through here. What is masked:

* the secret access key and session token, wherever they appear as header
  values, canonical-request lines (``x-amz-security-token:...``) or query
  parameters (``X-Amz-Security-Token=...``);
* signatures (``Signature=...``, ``X-Amz-Signature=...``) and the whole
  ``Authorization`` header value, which keeps only its scheme, the access key
  id's last four characters, the scope and the signed-header list;
* API keys (``x-api-key``) and cookies;
* secret values in XML answers, dict reprs of headers, form bodies and
  ``Name: value`` header lines (botocore's DEBUG output has all four);
* passwords in URLs (``https://user:password@host``);
* any literal secret the caller passes in ``secrets``.

Access key ids are shown as ``…WXYZ`` (last four characters).
:func:`guard_botocore_logging` applies the same masking to botocore's own log
records, for every botocore client iamapi builds (STS, SSO).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Mapping

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
    "guard_botocore_logging",
    "mask_access_key",
    "redact_authorization",
    "redact_headers",
    "redact_text",
]

REDACTED = "[redacted]"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "x-amz-security-token",
        "x-api-key",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-amz-signature",
    }
)

_SECRET_NAMES = "|".join(
    (
        "SecretAccessKey",
        "SessionToken",
        "WebIdentityToken",
        "SAMLAssertion",
        "Token",
        "accessToken",
        "X-Amz-Security-Token",
        "x-amz-sso_bearer_token",
        "aws_secret_access_key",
        "aws_session_token",
        "secret_key",
        "x-api-key",
        "Authorization",
        "Cookie",
    )
)


class _Patterns:
    """The compiled patterns, built on first use: importing iamapi should not pay for them."""

    def __init__(self) -> None:
        ignore = re.IGNORECASE
        names = _SECRET_NAMES
        self.access_key = re.compile(r"\b((?:AKIA|ASIA|AIDA|AROA|AKID)[A-Z0-9]*?)([A-Z0-9]{4})\b")
        self.credential = re.compile(r"(Credential=)([^/\s,]+)")
        self.signature = re.compile(r"((?:X-Amz-)?Signature=)[0-9A-Za-z%]+", ignore)
        self.token_line = re.compile(
            r"((?:x-amz-security-token|x-api-key)\s*:\s*)[^\n'\"]+", ignore
        )
        self.token_query = re.compile(r"((?:X-Amz-Security-Token|x-api-key)=)[^&\s'\"]+", ignore)
        self.bounded = (
            # XML answers: <SecretAccessKey>...</SecretAccessKey>
            re.compile(rf"(<(?:{names})>)[^<]*(</)", ignore),
            # dict reprs of headers and parameters: 'X-Amz-Security-Token': b'...'
            re.compile(rf"(['\"](?:{names})['\"]\s*:\s*b?['\"])[^'\"]*(['\"])", ignore),
        )
        self.form_value = re.compile(rf"(\b(?:{names})=)[^&\s'\"]+", ignore)
        self.header_line = re.compile(
            r"(^|\n)((?:authorization|proxy-authorization|cookie|set-cookie)\s*:\s*)[^\n]+",
            ignore,
        )
        self.config_line = re.compile(
            r"((?:aws_secret_access_key|aws_session_token)\s*=\s*)\S+", ignore
        )
        self.bare_signature = re.compile(r"(Signature:\s*)[0-9a-fA-F]{16,}")
        self.userinfo = re.compile(r"(://)[^/@\s:]+:[^/@\s]*@")
        self.secret_json = re.compile(
            r"(\"(?:SecretAccessKey|secret_key|secret_access_key|SessionToken|Token"
            r"|session_token|token)\"\s*:\s*\")[^\"]*",
            ignore,
        )


@functools.lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    return _Patterns()


def mask_access_key(access_key: str) -> str:
    """Show only the last four characters of an access key id."""
    if len(access_key) <= 4:
        return "…" + "*" * len(access_key)
    return "…" + access_key[-4:]


def redact_authorization(value: str) -> str:
    """Mask an ``Authorization`` header value, keeping what helps debugging.

    A SigV4 value keeps its scheme, scope and signed headers; the access key id
    shows its last four characters and the signature is removed. Any other
    scheme (``Bearer``, ``Basic``) keeps only its first word.
    """
    if value.startswith("AWS4-"):
        p = _patterns()
        value = p.credential.sub(lambda m: m.group(1) + mask_access_key(m.group(2)), value)
        return p.signature.sub(r"\g<1>" + REDACTED, value)
    scheme = value.split(" ", 1)[0] if " " in value else ""
    return f"{scheme} {REDACTED}".strip()


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return a copy of ``headers`` with every sensitive value masked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        if key == "authorization":
            out[name] = redact_authorization(value)
        elif key in SENSITIVE_HEADERS:
            out[name] = REDACTED
        else:
            out[name] = value
    return out


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask signatures, tokens, credentials and the given literal ``secrets`` in ``text``."""
    p = _patterns()
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern in p.bounded:
        text = pattern.sub(lambda match: match.group(1) + REDACTED + match.group(2), text)
    text = p.header_line.sub(lambda m: m.group(1) + m.group(2) + _mask_header(m.group(0)), text)
    text = p.form_value.sub(r"\g<1>" + REDACTED, text)
    text = p.config_line.sub(r"\g<1>" + REDACTED, text)
    text = p.bare_signature.sub(r"\g<1>" + REDACTED, text)
    text = p.userinfo.sub(r"\g<1>" + REDACTED + "@", text)
    text = p.signature.sub(r"\g<1>" + REDACTED, text)
    text = p.token_line.sub(r"\g<1>" + REDACTED, text)
    text = p.token_query.sub(r"\g<1>" + REDACTED, text)
    text = p.secret_json.sub(r"\g<1>" + REDACTED, text)
    text = p.credential.sub(lambda m: m.group(1) + mask_access_key(m.group(2)), text)
    return p.access_key.sub(lambda m: "…" + m.group(2), text)


def _mask_header(line: str) -> str:
    """The masked value of an ``Authorization:``/``Cookie:`` line (``line`` is the whole match)."""
    value = line.split(":", 1)[1].strip()
    return redact_authorization(value) if value.startswith("AWS4-") else REDACTED


# -- botocore's DEBUG logging -----------------------------------------------------------

_GUARDED_LOGGERS = (
    "botocore.auth",
    "botocore.awsrequest",
    "botocore.client",
    "botocore.credentials",
    "botocore.endpoint",
    "botocore.hooks",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.retryhandler",
    "botocore.tokens",
    "botocore.utils",
)
_guard_lock = threading.Lock()
_guards: list[logging.Filter] = []  # holds the one filter once installed


def guard_botocore_logging() -> None:
    """Mask secrets in botocore's log records; call before building any botocore client.

    botocore logs, at DEBUG, the canonical request (with the session token),
    the signature, the request headers and form body (session token, web
    identity token, SSO bearer token) and the raw STS/SSO answers (secret key
    and session token). The filter rewrites such records in place; it is
    installed once per process and costs nothing while those loggers are not
    enabled for DEBUG.
    """
    if _guards:
        return
    with _guard_lock:
        if _guards:
            return
        guard = _SecretScrubber()
        names = set(_GUARDED_LOGGERS)
        names.update(
            name
            for name in list(logging.root.manager.loggerDict)
            if name == "botocore" or name.startswith("botocore.")
        )
        for name in sorted(names):
            logging.getLogger(name).addFilter(guard)
        _guards.append(guard)


class _SecretScrubber(logging.Filter):
    """A logging filter that masks credentials in the message and traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the handler's problem, not ours
            return True
        cleaned = redact_text(text)
        if cleaned != text:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return True
