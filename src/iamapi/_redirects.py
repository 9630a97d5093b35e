"""The one redirect policy, shared by :class:`~iamapi.IamApiClient` and :class:`~iamapi.SigV4Auth`.

A redirect is followed only when that cannot leak a credential or repeat an
action: the method (after a 303 turns it into GET) must be idempotent; on the
same host the request is signed again for its new URL; another host gets only
a plain GET, HEAD or OPTIONS, and only when the caller asked for that, without
any signature, session token, cookie or API key. Everything else raises
:class:`~iamapi.RedirectError` naming the ``Location``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from iamapi._exceptions import RedirectError
from iamapi._redaction import redact_text

if TYPE_CHECKING:
    import requests

__all__ = ["CREDENTIAL_HEADERS", "RedirectPlan", "plan_redirect", "same_origin"]

CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "cookie",
        "x-api-key",
        "proxy-authorization",
    }
)
"""Headers that never go to another host."""

_SAFE_ELSEWHERE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RedirectPlan:
    """How to follow one redirect: the absolute ``target``, the ``method`` to use,
    whether it stays on the same origin, and whether the body is dropped (303)."""

    target: str
    method: str
    same_origin: bool
    drop_body: bool


def same_origin(here: str, there: str) -> bool:
    """True when both URLs have the same scheme, host and port."""
    a, b = urlsplit(here), urlsplit(there)
    return (a.scheme.lower(), a.netloc.lower()) == (b.scheme.lower(), b.netloc.lower())


def plan_redirect(
    request: requests.PreparedRequest,
    response: requests.Response,
    *,
    hops: int,
    max_hops: int,
    methods: Collection[str],
    follow_unsigned: bool,
) -> RedirectPlan:
    """Decide how to follow ``response``'s redirect of ``request``, or raise ``RedirectError``.

    ``hops`` counts this redirect (1 for the first); ``methods`` are the
    methods that may be sent again (the retry policy's idempotent set).
    """
    status = response.status_code
    location = response.headers.get("location", "")
    try:
        target = urljoin(request.url or "", location)
        split = urlsplit(target)
        split.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        raise RedirectError(
            f"The API answered {status} with a Location that is not a valid URL "
            f"({redact_text(location)!r}); it was not followed.",
            location=redact_text(location),
            status=status,
        ) from None
    shown = redact_text(target)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise RedirectError(
            f"The API answered {status} with a Location iamapi cannot follow ({shown}).",
            location=shown,
            status=status,
        )
    if hops > max_hops:
        raise RedirectError(
            f"More than {max_hops} redirects; the last one pointed to {shown}.",
            location=shown,
            status=status,
        )
    original = (request.method or "GET").upper()
    method = "GET" if status == 303 and original != "HEAD" else original
    if method not in methods:
        raise RedirectError(
            f"The API answered {status} to a {original}, redirecting to {shown}. iamapi does "
            "not resend a non-idempotent request on its own: send it to that URL if that is "
            "what you want.",
            location=shown,
            status=status,
        )
    here = same_origin(request.url or "", target)
    if not here and not (follow_unsigned and method in _SAFE_ELSEWHERE):
        raise RedirectError(
            f"The API redirected {original} to another host ({shown}). iamapi does not send "
            "signed requests or credentials to other hosts. Call that URL with a client made "
            "for it, or pass follow_unsigned_redirects=True to follow a GET, HEAD or OPTIONS "
            "there without any signature.",
            location=shown,
            status=status,
        )
    return RedirectPlan(
        target=target, method=method, same_origin=here, drop_body=method != original
    )
