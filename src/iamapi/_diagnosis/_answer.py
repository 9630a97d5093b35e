"""Reading an answer: its headers, its body (JSON, ``null``, plain text or HTML) and its message."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Optional, Union

from iamapi._diagnosis._regex import Regex

__all__ = [
    "SPACES",
    "backend_message",
    "clean",
    "decode_body",
    "error_type_from",
    "lower_headers",
    "message_from_body",
]

_HTML_TITLE = Regex(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = Regex(r"<[^>]+>")
SPACES = Regex(r"\s+")
_BACKEND_MESSAGE_KEYS = ("error", "detail", "errormessage", "error_description", "title")
_MAX_MESSAGE = 4000
_CONTROL = Regex(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def lower_headers(headers: Optional[Mapping[str, str]]) -> dict[str, str]:
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


def decode_body(body: Union[str, bytes, bytearray, None]) -> str:
    if body is None:
        return ""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode("utf-8", errors="replace")
    return str(body)


def message_from_body(text: str) -> tuple[Any, str, Optional[str], bool]:
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
        return None, "html", SPACES.sub(" ", html.unescape(raw)).strip()[:300], False
    return None, "text", stripped[:_MAX_MESSAGE], False


def backend_message(data: Any) -> Optional[str]:
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if isinstance(key, str) and key.lower() in _BACKEND_MESSAGE_KEYS and isinstance(value, str):
            return value
    return None


def error_type_from(headers: Mapping[str, str], data: Any) -> Optional[str]:
    value = headers.get("x-amzn-errortype")
    if not value and isinstance(data, dict):
        raw = data.get("__type")
        value = raw if isinstance(raw, str) else None
    if not value:
        return None
    return clean(value.split(":", 1)[0].rsplit("#", 1)[-1])


def clean(value: Optional[str]) -> Optional[str]:
    """A header-borne id or name fit for one line of text, or ``None``."""
    if not value:
        return None
    value = _CONTROL.sub(" ", value).strip()
    return value or None
