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
* any literal secret the caller passes in ``secrets``.

Access key ids are shown as ``…WXYZ`` (last four characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
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

_ACCESS_KEY = re.compile(r"\b((?:AKIA|ASIA|AIDA|AROA|AKID)[A-Z0-9]*?)([A-Z0-9]{4})\b")
_CREDENTIAL = re.compile(r"(Credential=)([^/\s,]+)")
_SIGNATURE = re.compile(r"((?:X-Amz-)?Signature=)[0-9A-Za-z%]+", re.IGNORECASE)
_TOKEN_LINE = re.compile(r"((?:x-amz-security-token|x-api-key)\s*:\s*)[^\n'\"]+", re.IGNORECASE)
_TOKEN_QUERY = re.compile(r"((?:X-Amz-Security-Token|x-api-key)=)[^&\s'\"]+", re.IGNORECASE)
_SECRET_JSON = re.compile(
    r"(\"(?:SecretAccessKey|secret_key|secret_access_key|SessionToken|Token|session_token|token)\""
    r"\s*:\s*\")[^\"]*",
    re.IGNORECASE,
)


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
        value = _CREDENTIAL.sub(lambda m: m.group(1) + mask_access_key(m.group(2)), value)
        return _SIGNATURE.sub(r"\g<1>" + REDACTED, value)
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
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _SIGNATURE.sub(r"\g<1>" + REDACTED, text)
    text = _TOKEN_LINE.sub(r"\g<1>" + REDACTED, text)
    text = _TOKEN_QUERY.sub(r"\g<1>" + REDACTED, text)
    text = _SECRET_JSON.sub(r"\g<1>" + REDACTED, text)
    text = _CREDENTIAL.sub(lambda m: m.group(1) + mask_access_key(m.group(2)), text)
    return _ACCESS_KEY.sub(lambda m: "…" + m.group(2), text)
