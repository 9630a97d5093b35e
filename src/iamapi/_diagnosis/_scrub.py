"""Masking what a gateway message echoes of the request: Authorization, credentials, tokens."""

from __future__ import annotations

import re

from iamapi._diagnosis._regex import Regex
from iamapi._redaction import REDACTED, redact_authorization, redact_text

__all__ = ["AUTH_ECHO_KV", "AUTH_ECHO_PARAMS", "scrub"]

AUTH_ECHO_KV = Regex(r"in Authorization header: '(?P<value>[^']*)'")
AUTH_ECHO_PARAMS = Regex(r"Authorization=(?P<value>.*)$", re.DOTALL)
_FIRST_TOKEN_ECHO = Regex(r"^'[^']*'(?= not a valid key=value pair)")
_CREDENTIAL_ECHO = Regex(r"(got ')([^']*)(')")


def scrub(text: str, secrets: list[str]) -> str:
    """Mask anything secret a gateway message can echo: tokens, signatures, Authorization."""
    text = AUTH_ECHO_KV.sub(
        lambda m: f"in Authorization header: '{redact_authorization(m.group('value'))}'", text
    )
    text = AUTH_ECHO_PARAMS.sub(
        lambda m: "Authorization=" + redact_authorization(m.group("value").strip()), text
    )
    text = _FIRST_TOKEN_ECHO.sub(f"'{REDACTED}'", text)
    text = _CREDENTIAL_ECHO.sub(lambda m: m.group(1) + _mask_credential(m.group(2)) + "'", text)
    return redact_text(text, secrets)


def _mask_credential(value: str) -> str:
    key, sep, rest = value.partition("/")
    return ("…" + key[-4:] if len(key) > 4 else REDACTED) + sep + rest
