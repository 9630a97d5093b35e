"""SigV4 signing: a transport-neutral :class:`Signer` and the requests auth object.

The :class:`Signer` turns (method, host, path, query, headers, payload hash,
frozen credentials, time) into the headers to add, through the steps in
:mod:`iamapi._canonical`. It caches signing keys per (secret, date, region,
service), so a request costs one HMAC chain of two steps, not six.

What is signed, by default: ``host``, every ``x-amz-*`` header, ``content-type``
when present, and the headers the caller names in ``sign_headers``. Headers
that proxies and HTTP libraries rewrite (``accept-encoding``, ``connection``,
``user-agent``, ``content-length``) are left out, so those rewrites cannot
break a signature.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional, Protocol
from urllib.parse import urlsplit

from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict

from iamapi._body import payload_hash
from iamapi._canonical import (
    UNSIGNED_PAYLOAD,
    SigningKey,
    authorization_header,
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    credential_scope,
    derive_signing_key,
    string_to_sign,
)
from iamapi._exceptions import RedirectError
from iamapi._redaction import mask_access_key, redact_text

if TYPE_CHECKING:
    import requests

__all__ = [
    "SIGNING_HEADERS",
    "CredentialsLike",
    "SigV4Auth",
    "Signer",
    "SigningResult",
    "host_header",
    "sign_prepared",
    "split_target",
    "wire_url",
]

_KEY_CACHE_LIMIT = 16
# Headers the signer sets itself; a value the caller left from an earlier signature is dropped.
_SIGNER_SET = frozenset({"host", "x-amz-date", "authorization", "x-amz-security-token"})
_SIGNER_SET_WITH_HASH = _SIGNER_SET | {"x-amz-content-sha256"}


class CredentialsLike(Protocol):
    """One consistent generation of credentials (``FrozenCredentials`` or botocore's)."""

    @property
    def access_key(self) -> str:
        """The access key id."""

    @property
    def secret_key(self) -> str:
        """The secret access key."""

    @property
    def token(self) -> Optional[str]:
        """The session token of temporary credentials, else ``None``."""


@dataclass(frozen=True)
class SigningResult:
    """What one signature was made of, kept for the signature-mismatch diff.

    ``headers`` are the headers the signer adds to the request (``X-Amz-Date``,
    ``X-Amz-Security-Token`` when there is a token, ``Authorization``). The repr
    shows neither the signature nor the token.
    """

    amz_date: str
    scope: str
    canonical_request: str
    string_to_sign: str
    signed_headers: str
    access_key: str
    headers: dict[str, str] = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"SigningResult(amz_date={self.amz_date!r}, scope={self.scope!r}, "
            f"signed_headers={self.signed_headers!r}, "
            f"access_key={mask_access_key(self.access_key)!r})"
        )

    def redacted_canonical_request(self) -> str:
        """The canonical request with the session token masked, for logs and ``-v``."""
        return redact_text(self.canonical_request)


class Signer:
    """Signs requests for one region and service; safe to share between threads.

    ``sign_headers`` names extra headers to sign (any case). With
    ``content_sha256_header`` the payload hash is also sent and signed as
    ``x-amz-content-sha256`` (needed by Lambda function URLs behind CloudFront
    origin access control). ``normalize_path=False`` keeps dot segments and
    duplicate slashes (S3's rule; API Gateway normalizes).
    """

    def __init__(
        self,
        *,
        region: str,
        service: str = "execute-api",
        sign_headers: Iterable[str] = (),
        content_sha256_header: bool = False,
        normalize_path: bool = True,
    ) -> None:
        self.region = region
        self.normalize_path = normalize_path
        self.service = service
        self.content_sha256_header = content_sha256_header
        self._extra = frozenset(name.lower() for name in sign_headers)
        self._keys: dict[tuple[str, str], SigningKey] = {}
        # The last (whole second, X-Amz-Date) formatted, swapped as one tuple.
        self._stamp: Optional[tuple[int, str]] = None

    def __repr__(self) -> str:
        return f"Signer(region={self.region!r}, service={self.service!r})"

    def _signing_key(self, secret_key: str, datestamp: str) -> SigningKey:
        cache_key = (secret_key, datestamp)
        key = self._keys.get(cache_key)
        if key is None:
            key = SigningKey(derive_signing_key(secret_key, datestamp, self.region, self.service))
            if len(self._keys) >= _KEY_CACHE_LIMIT:
                self._keys.clear()
            self._keys[cache_key] = key
        return key

    def _amz_date(self, now: float) -> str:
        second = math.floor(now)
        stamp = self._stamp
        if stamp is not None and stamp[0] == second:
            return stamp[1]
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        self._stamp = (second, amz_date)
        return amz_date

    def sign(
        self,
        *,
        method: str,
        host: str,
        path: str,
        query: str,
        headers: Iterable[tuple[str, str]],
        payload_hash: str,
        credentials: CredentialsLike,
        now: Optional[float] = None,
        signed_header_names: Optional[Iterable[str]] = None,
    ) -> SigningResult:
        """Sign one request and return the headers to add with what was signed.

        ``host`` is the ``Host`` header value as sent, ``path`` and ``query`` the
        request target exactly as sent (``query`` without ``?``), ``headers`` the
        other headers as sent. ``signed_header_names`` overrides the default
        choice of headers to sign (the test vectors sign every header).
        """
        amz_date = self._amz_date(time.time() if now is None else now)
        datestamp = amz_date[:8]
        token = credentials.token
        # The headers that can be signed, and the names of those that are.
        candidates: list[tuple[str, str]] = [("host", host), ("x-amz-date", amz_date)]
        names: set[str] = {"host", "x-amz-date"}
        if token:
            candidates.append(("x-amz-security-token", token))
            names.add("x-amz-security-token")
        declare_hash = self.content_sha256_header or payload_hash == UNSIGNED_PAYLOAD
        if declare_hash:
            # An unsigned payload must be declared, or the server hashes the body itself.
            candidates.append(("x-amz-content-sha256", payload_hash))
            names.add("x-amz-content-sha256")
        if signed_header_names is None:
            extra = self._extra
            own = _SIGNER_SET_WITH_HASH if declare_hash else _SIGNER_SET
            for name, value in headers:
                lower = name.lower()
                if lower in own:
                    continue
                if lower.startswith("x-amz-") or lower == "content-type" or lower in extra:
                    candidates.append((name, value))
                    names.add(lower)
        else:
            own = _SIGNER_SET_WITH_HASH if declare_hash else _SIGNER_SET
            candidates.extend((name, value) for name, value in headers if name.lower() not in own)
            names.update(name.lower() for name in signed_header_names)
        block, signed = canonical_headers(candidates, names)
        canonical = canonical_request(
            method.upper(),
            canonical_uri(path, normalize=self.normalize_path),
            canonical_query(query),
            block,
            signed,
            payload_hash,
        )
        scope = credential_scope(datestamp, self.region, self.service)
        to_sign = string_to_sign(amz_date, scope, canonical)
        signature = self._signing_key(credentials.secret_key, datestamp).sign(to_sign)
        out = {"X-Amz-Date": amz_date}
        if token:
            out["X-Amz-Security-Token"] = token
        if declare_hash:
            out["X-Amz-Content-Sha256"] = payload_hash
        out["Authorization"] = authorization_header(
            credentials.access_key, scope, signed, signature
        )
        return SigningResult(
            amz_date=amz_date,
            scope=scope,
            canonical_request=canonical,
            string_to_sign=to_sign,
            signed_headers=signed,
            access_key=credentials.access_key,
            headers=out,
        )


SIGNING_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256")
"""Headers the signer adds: never sent to another host, replaced on every attempt."""

_MAX_REDIRECTS = 5
_WIRE_SAFE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*\Z")
_LOWER_ESCAPE = re.compile(r"%(?:[a-f][0-9a-fA-F]|[0-9A-F][a-f])")


def wire_url(url: str) -> str:
    """The URL exactly as urllib3 will send it, so the signature covers those bytes.

    requests leaves a few characters (``[``, ``]``, ``{``, lower-case percent
    escapes) that urllib3 rewrites when it writes the request line; passing the
    URL through urllib3's parser first makes the signed target and the sent one
    identical.
    """
    scheme_end = url.find("://")
    slash = url.find("/", scheme_end + 3) if scheme_end >= 0 else -1
    target = url[slash:].split("#", 1)[0] if slash >= 0 else ""
    if _WIRE_SAFE.match(target) and not _LOWER_ESCAPE.search(target):
        return url
    from urllib3.util import parse_url

    return str(parse_url(url).url)


def _send_options(hook_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The adapter options requests passed to the response hook, for the follow-up send."""
    keys = ("stream", "timeout", "verify", "cert", "proxies")
    return {key: hook_kwargs[key] for key in keys if key in hook_kwargs}


def split_target(path_url: str) -> tuple[str, str]:
    """Split a request target (``/a/b?x=1``) into path and raw query."""
    path, _, query = path_url.partition("?")
    return path or "/", query


def host_header(request: requests.PreparedRequest) -> str:
    """The ``Host`` header value the request will carry (http.client's rule)."""
    host = request.headers.get("Host")
    if host:
        return str(host)
    parts = urlsplit(request.url or "")
    return _default_host(parts.scheme, parts.netloc)


@lru_cache(maxsize=64)
def _default_host(scheme: str, netloc: str) -> str:
    """The ``Host`` value http.client sends for a URL's scheme and authority."""
    parts = urlsplit(f"{scheme}://{netloc}")
    hostname = parts.hostname or ""
    if ":" in hostname:
        hostname = f"[{hostname}]"
    port = parts.port
    default = 443 if scheme == "https" else 80
    return hostname if port in (None, default) else f"{hostname}:{port}"


def sign_prepared(
    request: requests.PreparedRequest,
    signer: Signer,
    credentials: CredentialsLike,
    *,
    now: Optional[float] = None,
    unsigned_payload: bool = False,
    body_hash: Optional[str] = None,
) -> SigningResult:
    """Sign a prepared request in place, exactly as requests will send it.

    ``body_hash`` is the payload hash when it is already known (a client that
    re-signs each attempt hashes the body once); otherwise the body is hashed.
    """
    if body_hash is None:
        body_hash = payload_hash(request, unsigned_payload=unsigned_payload)
    headers = request.headers
    if isinstance(headers, CaseInsensitiveDict) and request.url:
        # What split_target(request.path_url) and host_header(request) return,
        # from one (cached) split of the URL and one pass over the headers.
        items = list(headers.lower_items())
        parts = urlsplit(request.url)
        path, query = parts.path or "/", parts.query
        host = next((value for name, value in items if name == "host"), None)
        host = str(host) if host else _default_host(parts.scheme, parts.netloc)
    else:
        items = list(headers.items())
        path, query = split_target(request.path_url)
        host = host_header(request)
    result = signer.sign(
        method=request.method or "GET",
        host=host,
        path=path,
        query=query,
        headers=items,
        payload_hash=body_hash,
        credentials=credentials,
        now=now,
    )
    for name, value in result.headers.items():
        headers[name] = value
    return result


class SigV4Auth(AuthBase):
    """A ``requests`` auth object that signs with SigV4, for your own ``requests.Session``.

    ``credentials`` is a botocore ``Credentials`` (static or refreshable) or a
    :class:`~iamapi.FrozenCredentials`; without it, credentials come from the
    standard AWS chain (``profile=`` selects a profile), resolved on first use.
    Every request reads the credentials once, so a refresh never mixes two
    generations in one signature. A same-host redirect of an idempotent request
    is re-signed for its new path and followed by this auth object itself (an
    auth object cannot see ``allow_redirects=False``: pass
    ``follow_redirects=False`` to get redirects back unfollowed, stripped of
    every credential header); a redirect to another host raises
    :class:`~iamapi.RedirectError` (with ``follow_unsigned_redirects=True`` a
    GET, HEAD or OPTIONS is followed without any credential header).

    >>> session = requests.Session()  # doctest: +SKIP
    >>> session.auth = SigV4Auth(region="eu-west-1")  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        region: str,
        service: str = "execute-api",
        credentials: object = None,
        profile: Optional[str] = None,
        sign_headers: Iterable[str] = (),
        unsigned_payload: bool = False,
        follow_redirects: bool = True,
        follow_unsigned_redirects: bool = False,
    ) -> None:
        from iamapi._credentials import CredentialProvider

        self.signer = Signer(region=region, service=service, sign_headers=sign_headers)
        self.credentials = CredentialProvider(profile=profile, credentials=credentials)
        self.unsigned_payload = unsigned_payload
        self.follow_redirects = follow_redirects
        self.follow_unsigned_redirects = follow_unsigned_redirects

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.signer.region!r}, service={self.signer.service!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign ``request`` (called by requests once the body is final)."""
        request.url = wire_url(request.url or "")
        sign_prepared(
            request,
            self.signer,
            self.credentials.get(),
            unsigned_payload=self.unsigned_payload,
        )
        hooks = request.hooks.setdefault("response", [])
        if self._on_response not in hooks:
            hooks.append(self._on_response)
        return request

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """Keep redirects safe: re-sign on the same host, never sign for another one.

        requests itself would replay the old signature on a same-host redirect and
        forward ``X-Amz-Security-Token`` to another host. The policy is
        :func:`iamapi._redirects.plan_redirect`, the same as the client's.
        """
        from iamapi._redirects import CREDENTIAL_HEADERS, plan_redirect
        from iamapi._retry import IDEMPOTENT_METHODS

        hops = 0
        while response.is_redirect:
            if not self.follow_redirects:
                # requests may still follow it: without a stale signature or a token.
                for name in CREDENTIAL_HEADERS:
                    response.request.headers.pop(name, None)
                return response
            hops += 1
            request = response.request
            try:
                plan = plan_redirect(
                    request,
                    response,
                    hops=hops,
                    max_hops=_MAX_REDIRECTS,
                    methods=IDEMPOTENT_METHODS,
                    follow_unsigned=self.follow_unsigned_redirects,
                )
            except RedirectError:
                response.close()
                raise
            if not plan.same_origin:
                for name in CREDENTIAL_HEADERS:
                    request.headers.pop(name, None)
                return response  # requests follows it, without any credential header
            follow = request.copy()
            follow.method = plan.method
            follow.url = wire_url(plan.target)
            if plan.drop_body:
                for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                    follow.headers.pop(name, None)
                follow.body = None
            for name in SIGNING_HEADERS:
                follow.headers.pop(name, None)
            sign_prepared(
                follow, self.signer, self.credentials.get(), unsigned_payload=self.unsigned_payload
            )
            response.content  # noqa: B018 (drain the body so the connection can be reused)
            response.close()
            adapter = response.connection
            nxt: requests.Response = adapter.send(follow, **_send_options(kwargs))
            nxt.history = [*response.history, response]
            response = nxt
        return response
