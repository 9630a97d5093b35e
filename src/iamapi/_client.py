"""``IamApiClient``: a requests-style client that signs every attempt and explains every failure."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Protocol, Union

import requests
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict

from iamapi._body import body_position, check_body, payload_hash, replayable, rewind
from iamapi._canonical import EMPTY_SHA256
from iamapi._endpoints import Endpoint
from iamapi._exceptions import (
    Attempt,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DeadlineExceededError,
    ForeignHostError,
    GatewayError,
    IamApiError,
    InsecureURLError,
    InvalidHeaderError,
    InvalidURLError,
    RedirectError,
    RequestTimeoutError,
    TransportError,
)
from iamapi._redaction import redact_text
from iamapi._redirects import CREDENTIAL_HEADERS, plan_redirect
from iamapi._retry import RetryBudget, RetryPolicy
from iamapi._signing import SIGNING_HEADERS, Signer, SigningResult, sign_prepared, wire_url

if TYPE_CHECKING:
    from types import TracebackType

    from iamapi._credentials import CredentialProvider, FrozenCredentials

__all__ = [
    "DEFAULT_TIMEOUT",
    "LAMBDA_RESERVE",
    "IamApiClient",
    "LambdaContext",
    "diagnosis_kind",
]


@dataclass
class _Outgoing:
    """One request on its way: the prepared request, its payload hash and how to sign it.

    ``payload_hash`` is ``None`` when a custom ``auth=`` signs; ``signed`` is
    false for an unsigned request to another host after a redirect; ``start``
    is the body file's position to rewind to before each attempt;
    ``replayable`` is false for a one-shot body (sent with ``UNSIGNED-PAYLOAD``),
    which is never sent twice.
    """

    request: requests.PreparedRequest
    payload_hash: Optional[str]
    signed: bool = True
    start: Optional[int] = None
    replayable: bool = True


logger = logging.getLogger("iamapi")

DEFAULT_TIMEOUT = (5.0, 30.0)
"""Connect and read timeouts in seconds: API Gateway gives up on an integration after 29 s."""

Timeout = Union[float, tuple[float, float]]

LAMBDA_RESERVE = 0.1
"""Seconds kept back from a Lambda context's remaining time, so the handler can still return."""


class LambdaContext(Protocol):
    """What iamapi reads from an AWS Lambda context object passed as ``deadline=``."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_RECOVERABLE_AUTH = frozenset({"clock_skew", "expired_token"})
_RETRY_AFTER_STATUSES = frozenset({429, 503})


def _check_headers(headers: Mapping[str, Any]) -> None:
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise InvalidHeaderError(
                f"Header name {name!r} is not valid: use letters, digits and "
                "!#$%&'*+-.^_`|~ only (no spaces, ':' or non-ASCII)."
            )
        if value is None:
            continue
        if isinstance(value, bytes):
            text = value.decode("latin-1")
        elif isinstance(value, str):
            text = value
        else:
            raise InvalidHeaderError(
                f"Header {name!r} must be a str or bytes, not {type(value).__name__}: "
                f"pass str({value!r})."
            )
        if "\r" in text or "\n" in text or "\x00" in text:
            raise InvalidHeaderError(
                f"Header {name!r} holds a line break or NUL, which would split the HTTP request. "
                "Remove CR, LF and NUL characters from the value."
            )
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidHeaderError(
                f"Header {name!r} holds characters HTTP/1.1 cannot carry (only Latin-1 is "
                "allowed). Percent-encode or base64-encode the value."
            ) from None


class IamApiClient:
    """A SigV4-signing HTTP client for one API base URL.

    ``base_url`` is the API's invoke URL with its stage
    (``https://abc123.execute-api.eu-west-1.amazonaws.com/prod``); paths given to
    the verbs are appended to its path. Region and service come from the URL
    unless passed. Credentials come from ``credentials=`` (a botocore
    ``Credentials`` or :class:`~iamapi.FrozenCredentials`), else from the
    standard AWS chain (``profile=`` picks a profile); ``role_arn=`` assumes a
    role on top and refreshes it before it expires. ``auth=`` replaces the
    built-in signer with any ``requests`` auth object. ``on_sign`` is called
    with the :class:`~iamapi.SigningResult` of every attempt, for tools that show
    what was signed; it holds the real canonical request (session token
    included) and headers: show ``redacted_canonical_request()``, never log the
    rest.

    Every attempt is signed afresh. Failures raise a :class:`~iamapi.GatewayError`
    subclass with a cause and a fix (``raise_for_status=False`` returns the
    response instead; :meth:`diagnose` explains it later). The client is safe to
    share between threads and is a context manager.
    """

    def __init__(
        self,
        base_url: str,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        profile: Optional[str] = None,
        credentials: object = None,
        role_arn: Optional[str] = None,
        role_session_name: Optional[str] = None,
        external_id: Optional[str] = None,
        session: Optional[requests.Session] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[Timeout] = DEFAULT_TIMEOUT,
        auth: Optional[requests.auth.AuthBase] = None,
        retry: Union[RetryPolicy, int, bool, None] = True,
        raise_for_status: bool = True,
        allow_http: bool = False,
        verify: Union[bool, str] = True,
        sign_headers: Iterable[str] = (),
        unsigned_payload: bool = False,
        follow_unsigned_redirects: bool = False,
        max_redirects: int = 5,
        on_sign: Optional[Callable[[SigningResult], None]] = None,
    ) -> None:
        self.endpoint = Endpoint.parse(base_url, region=region, service=service, profile=profile)
        if self.endpoint.scheme == "http" and not (allow_http or self.endpoint.is_loopback):
            raise InsecureURLError(
                f"Refusing plain http:// to {self.endpoint.netloc}: credentials-signed requests "
                "should travel over TLS. Use https://, or pass allow_http=True if this host is "
                "on a network you trust."
            )
        self.headers: dict[str, str] = dict(headers or {})
        _check_headers(self.headers)
        self.timeout = timeout
        self.retry = RetryPolicy.coerce(retry)
        self.raise_for_status = raise_for_status
        self.verify = verify
        self.unsigned_payload = unsigned_payload
        self.follow_unsigned_redirects = follow_unsigned_redirects
        self.max_redirects = max_redirects
        self.on_sign = on_sign
        self.auth = auth
        self.signer = Signer(
            region=self.endpoint.region,
            service=self.endpoint.service,
            sign_headers=sign_headers,
        )
        self._credential_options = {
            "profile": profile,
            "credentials": credentials,
            "role_arn": role_arn,
            "role_session_name": role_session_name,
            "external_id": external_id,
            "region": self.endpoint.region,
        }
        self._credentials: Optional[CredentialProvider] = None
        self._credentials_lock = threading.Lock()
        self._owns_session = session is None
        self.session = session if session is not None else self._new_session()
        self.budget = RetryBudget()
        self.clock_offset = 0.0
        self._rng = random.Random()
        self._env_settings: Optional[dict[str, Any]] = None
        if self.endpoint.kind == "vpc_endpoint" and not any(
            name.lower() in ("host", "x-apigw-api-id") for name in self.headers
        ):
            raise ConfigurationError(
                f"{self.endpoint.netloc} is a VPC endpoint name: API Gateway needs to know which "
                "private API to call. Pass headers={'x-apigw-api-id': '<api-id>'} (or a Host "
                "header naming '<api-id>.execute-api.<region>.amazonaws.com')."
            )

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    # -- credentials -----------------------------------------------------------------

    @property
    def credentials(self) -> CredentialProvider:
        """The credential provider, resolved on first use."""
        provider = self._credentials
        if provider is None:
            with self._credentials_lock:
                provider = self._credentials
                if provider is None:
                    from iamapi._credentials import CredentialProvider

                    provider = CredentialProvider(**self._credential_options)  # type: ignore[arg-type]
                    self._credentials = provider
        return provider

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (only when the client created the session)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> IamApiClient:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"IamApiClient({self.endpoint.url!r}, region={self.endpoint.region!r}, "
            f"service={self.endpoint.service!r})"
        )

    # -- verbs -----------------------------------------------------------------------

    def get(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed GET. Keyword arguments as for :meth:`request`."""
        return self.request("GET", path, **kwargs)

    def head(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed HEAD."""
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed OPTIONS."""
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed POST (not retried unless ``idempotent=True`` or an idempotency key)."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed PUT."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed PATCH (not retried unless ``idempotent=True`` or an idempotency key)."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed DELETE."""
        return self.request("DELETE", path, **kwargs)

    # -- URL -------------------------------------------------------------------------

    def url_for(self, path: str = "") -> str:
        """The full URL for ``path``: appended to the base URL's path, stage kept.

        A full URL on the client's host is returned as is; another host raises
        :class:`~iamapi.ForeignHostError`.
        """
        if not isinstance(path, str):
            raise InvalidURLError(f"The path must be a string, not {type(path).__name__}.")
        if _ABSOLUTE.match(path):
            other = Endpoint.parse(path, region=self.endpoint.region)
            if (other.scheme, other.netloc) != (self.endpoint.scheme, self.endpoint.netloc):
                raise ForeignHostError(
                    f"{other.scheme}://{other.netloc} is not this client's host "
                    f"({self.endpoint.scheme}://{self.endpoint.netloc}); the client signs only "
                    "for its own API. Create another IamApiClient for that URL."
                )
            return path
        if any(c in path for c in "\r\n\x00"):
            raise InvalidURLError("The path holds a line break or NUL; remove it.")
        if path and not path.startswith(("/", "?")):
            path = "/" + path
        return f"{self.endpoint.scheme}://{self.endpoint.netloc}{self.endpoint.base_path}{path}"

    # -- the request -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str = "",
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        cookies: Any = None,
        timeout: Optional[Timeout] = None,
        stream: bool = False,
        idempotent: Optional[bool] = None,
        retry: Union[RetryPolicy, int, bool, None] = None,
        deadline: Union[float, LambdaContext, None] = None,
        raise_for_status: Optional[bool] = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """Sign and send one request; retry it when that is safe; raise on failure.

        ``params``, ``data``, ``json``, ``headers``, ``files``, ``cookies``,
        ``timeout`` and ``stream`` mean what they mean in ``requests``.
        ``idempotent=True`` lets POST/PATCH be retried (``False`` forbids any
        retry that could repeat the call). ``retry`` overrides the client's
        policy for this call. ``deadline`` is the number of seconds the whole call
        may take, retries included; in a Lambda function pass the handler's
        ``context`` itself and the call ends :data:`LAMBDA_RESERVE` seconds before
        the function would time out.
        """
        started = time.monotonic()
        if not isinstance(method, str) or not method.isalpha():
            raise ConfigurationError(f"HTTP method {method!r} is not valid: use e.g. 'GET'.")
        timeout = _check_timeout(self.timeout if timeout is None else timeout)
        method = method.upper()
        policy = self.retry if retry is None else RetryPolicy.coerce(retry)
        merged: dict[str, Any] = {**self.headers, **(headers or {})}
        if headers:
            _check_headers(headers)
        url = self.url_for(path)
        outgoing = self._prepare(method, url, params, data, json, merged, files, cookies)
        limits = [t for t in (_seconds_left(deadline), policy.total_timeout) if t is not None]
        ends_at = started + min(limits) if limits else None
        if raise_for_status is None:
            raise_for_status = self.raise_for_status
        return self._send_with_retries(
            outgoing,
            policy=policy,
            timeout=timeout,
            stream=stream,
            opted_in=idempotent,
            ends_at=ends_at,
            raise_for_status=self.raise_for_status
            if raise_for_status is None
            else raise_for_status,
            allow_redirects=allow_redirects,
        )

    def _prepare(
        self,
        method: str,
        url: str,
        params: Any,
        data: Any,
        json: Any,
        headers: dict[str, Any],
        files: Any,
        cookies: Any,
    ) -> _Outgoing:
        session_headers = self.session.headers
        all_headers = CaseInsensitiveDict(
            {k: v for k, v in session_headers.items() if v is not None}
            if self._owns_session
            else session_headers
        )
        all_headers.update(headers)
        for name in SIGNING_HEADERS:
            all_headers.pop(name, None)
        if self.session.cookies and cookies is None:
            cookies = self.session.cookies
        check_body(data)
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare(
                method=method,
                url=url,
                headers=all_headers,
                files=files,
                data=data,
                json=json,
                params=params,
                cookies=cookies,
            )
        except requests.exceptions.InvalidHeader as exc:
            raise InvalidHeaderError(f"{exc}. Remove CR/LF and leading spaces.") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise InvalidURLError(f"{exc}") from exc
        except requests.exceptions.InvalidJSONError as exc:
            raise ConfigurationError(
                f"json= cannot be encoded as JSON ({exc}); NaN and infinity are not JSON."
            ) from exc
        except (TypeError, ValueError, UnicodeError) as exc:
            raise ConfigurationError(f"Cannot build the request: {exc}") from exc
        prepared.url = wire_url(prepared.url or url)
        # Hash (and fix a str body) once; every attempt re-signs with this hash.
        body_hash = (
            payload_hash(prepared, unsigned_payload=self.unsigned_payload)
            if self.auth is None
            else None
        )
        return _Outgoing(
            prepared, body_hash, start=body_position(prepared), replayable=replayable(prepared)
        )

    def _sign(
        self, outgoing: _Outgoing, offset: float
    ) -> tuple[Optional[SigningResult], Optional[FrozenCredentials]]:
        """Sign one attempt; return what was signed and the credentials used."""
        prepared = outgoing.request
        for name in SIGNING_HEADERS:
            prepared.headers.pop(name, None)
        if not outgoing.signed:
            return None, None
        if self.auth is not None or outgoing.payload_hash is None:
            self.auth(prepared)  # type: ignore[misc]
            return None, None
        credentials = self.credentials.get()
        result = sign_prepared(
            prepared,
            self.signer,
            credentials,
            now=time.time() + offset,
            body_hash=outgoing.payload_hash,
        )
        if self.on_sign is not None:
            self.on_sign(result)
        return result, credentials

    def _environment(self, url: str) -> dict[str, Any]:
        settings = self._env_settings
        if settings is None:
            merged = self.session.merge_environment_settings(url, {}, None, self.verify, None)
            settings = {k: v for k, v in merged.items() if k != "stream"}
            if self.verify is not True:
                settings["verify"] = self.verify
            self._env_settings = settings
        return settings

    def _transmit(
        self, prepared: requests.PreparedRequest, timeout: Any, stream: bool
    ) -> requests.Response:
        """Send one attempt through the session's adapter: no redirect, no hook of requests'.

        ``Session.send`` would also work out the next request of a redirect it is told
        not to follow, and fail on a malformed ``Location`` before iamapi can judge it.
        """
        url = prepared.url or ""
        adapter = self.session.get_adapter(url)
        response = adapter.send(prepared, timeout=timeout, stream=stream, **self._environment(url))
        extract_cookies_to_jar(self.session.cookies, prepared, response.raw)  # type: ignore[no-untyped-call]
        if not stream:
            response.content  # noqa: B018 (read the body now, as requests does)
        return response

    def _send_with_retries(
        self,
        outgoing: _Outgoing,
        *,
        policy: RetryPolicy,
        timeout: Optional[Timeout],
        stream: bool,
        opted_in: Optional[bool],
        ends_at: Optional[float],
        raise_for_status: bool,
        allow_redirects: bool,
    ) -> requests.Response:
        first = outgoing.request
        may_repeat = outgoing.replayable and policy.may_repeat(
            first.method or "GET", first.headers, opted_in
        )
        # Nothing was sent when the connection failed, unless the caller forbade any repeat.
        may_reconnect = outgoing.replayable and opted_in is not False
        history: list[Attempt] = []
        recovered: set[str] = set()
        redirects = 0
        retries = 0
        while True:
            prepared = outgoing.request
            attempt_timeout = timeout
            if ends_at is not None:
                remaining = ends_at - time.monotonic()
                if remaining <= 0:
                    raise self._deadline_error(prepared, history)
                attempt_timeout = _cap_timeout(timeout, remaining)
            rewind(prepared, outgoing.start)
            offset = self.clock_offset
            signing, used = self._sign(outgoing, offset)
            began = time.monotonic()
            try:
                response = self._transmit(prepared, attempt_timeout, stream)
            except requests.exceptions.RequestException as exc:
                failure = _transport_error(exc, prepared)
                elapsed = time.monotonic() - began
                retryable = may_repeat or (isinstance(failure, ConnectError) and may_reconnect)
                wait = self._next_delay(policy, retries, retryable, ends_at, None, failure)
                history.append(
                    Attempt(len(history) + 1, type(failure).__name__, elapsed, wait or 0)
                )
                self._log_attempt(prepared, type(failure).__name__, elapsed, len(history))
                if wait is None:
                    failure.history = tuple(history)
                    raise failure from exc
                retries += 1
                time.sleep(wait)
                continue

            elapsed = time.monotonic() - began
            status = response.status_code
            self._log_attempt(prepared, str(status), elapsed, len(history) + 1, signing)

            if allow_redirects and status in _REDIRECTS and "location" in response.headers:
                history.append(Attempt(len(history) + 1, str(status), elapsed))
                redirects += 1
                outgoing = self._follow(outgoing, response, redirects, policy)
                continue

            if status < 400:
                self.budget.release()
                return response

            response._iamapi_signing = signing  # type: ignore[attr-defined]
            error = self._diagnose(outgoing, response, signing)
            code = error.code if error is not None else ""
            delay: Optional[float]
            if (
                code in _RECOVERABLE_AUTH
                and code not in recovered
                and used is not None  # only the built-in signer can be corrected
                and outgoing.replayable
            ):
                recovered.add(code)
                self._recover(error, used, offset)
                delay = 0.0
            else:
                retryable = may_repeat and status in policy.statuses and code != "quota_exceeded"
                delay = self._next_delay(policy, retries, retryable, ends_at, response, None)
            history.append(Attempt(len(history) + 1, str(status), elapsed, delay or 0.0))
            if delay is not None:
                response.close()
                if code not in _RECOVERABLE_AUTH:
                    retries += 1
                if delay:
                    time.sleep(delay)
                continue
            if error is not None:
                error.history = tuple(history)
            if raise_for_status and error is not None:
                raise error
            return response

    def _next_delay(
        self,
        policy: RetryPolicy,
        retries: int,
        retryable: bool,
        ends_at: Optional[float],
        response: Optional[requests.Response],
        error: Optional[IamApiError],
    ) -> Optional[float]:
        """The wait before the next attempt, or ``None`` when there must be none."""
        if not retryable or retries + 1 >= policy.max_attempts:
            return None
        delay = policy.backoff(retries + 1, self._rng)
        if response is not None and response.status_code in _RETRY_AFTER_STATUSES:
            asked = _retry_after(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > policy.max_retry_after:
                    return None
                delay = max(delay, asked)
        if ends_at is not None and time.monotonic() + delay >= ends_at:
            return None
        if not self.budget.acquire(timeout=isinstance(error, RequestTimeoutError)):
            if self.budget.note_exhausted():
                logger.warning(
                    "iamapi: the retry budget is spent; failures are raised without retrying "
                    "until calls succeed again"
                )
            return None
        return delay

    def _recover(
        self, error: Optional[GatewayError], used: Optional[FrozenCredentials], offset: float
    ) -> None:
        """Fix what a fresh signature can fix: the clock offset, or expired credentials.

        ``offset`` is the clock offset the refused attempt was signed with: the
        correction is set from it, not added, so threads that hit the same skew
        together agree on one offset.
        """
        if error is None:
            return
        if error.code == "clock_skew":
            delta = error.details.get("clock_offset")
            if isinstance(delta, (int, float)):
                self.clock_offset = offset + float(delta)
                logger.warning(
                    "iamapi: the local clock is off by %.0f s from the gateway's; "
                    "signing with the gateway's time from now on",
                    -self.clock_offset,
                )
        elif error.code == "expired_token":
            logger.info("iamapi: session token expired; refreshing credentials")
            self.credentials.force_refresh(stale=used)

    def _follow(
        self, outgoing: _Outgoing, response: requests.Response, count: int, policy: RetryPolicy
    ) -> _Outgoing:
        """The next request of a redirect: re-signed on the same host, unsigned elsewhere."""
        prepared = outgoing.request
        response.close()
        if not outgoing.replayable and prepared.body is not None:
            raise RedirectError(
                f"The API answered {response.status_code}, but the body was a one-shot stream "
                "that is already spent; send the request again to the new location.",
                location=redact_text(response.headers.get("location", "")),
                status=response.status_code,
            )
        plan = plan_redirect(
            prepared,
            response,
            hops=count,
            max_hops=self.max_redirects,
            methods=policy.methods,
            follow_unsigned=self.follow_unsigned_redirects,
        )
        if not plan.same_origin:
            return _Outgoing(_unsigned_request(plan.method, plan.target, prepared), None, False)
        new = prepared.copy()
        new.method = plan.method
        new.url = wire_url(plan.target)
        body_hash = outgoing.payload_hash
        if plan.drop_body:
            for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                new.headers.pop(name, None)
            new.body = None
            body_hash = EMPTY_SHA256 if body_hash is not None else None
        return _Outgoing(new, body_hash, start=outgoing.start if new.body is not None else None)

    # -- diagnosis -------------------------------------------------------------------

    def _diagnose(
        self,
        outgoing: Optional[_Outgoing],
        response: requests.Response,
        signing: Optional[SigningResult],
    ) -> Optional[GatewayError]:
        from iamapi._diagnosis import diagnose_response

        return diagnose_response(
            response,
            signed=outgoing.signed if outgoing is not None else True,
            kind=diagnosis_kind(self.endpoint),
            stage=self.endpoint.stage,
            region=self.endpoint.region,
            service=self.endpoint.service,
            canonical_request=signing.canonical_request if signing else None,
            string_to_sign=signing.string_to_sign if signing else None,
            local_time=_signing_time(signing),
        )

    def diagnose(self, response: requests.Response) -> Optional[GatewayError]:
        """Explain a response this client received (``None`` for a success)."""
        signing = getattr(response, "_iamapi_signing", None)
        return self._diagnose(None, response, signing)

    # -- logging ---------------------------------------------------------------------

    def _log_attempt(
        self,
        prepared: requests.PreparedRequest,
        outcome: str,
        elapsed: float,
        attempt: int,
        signing: Optional[SigningResult] = None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            prepared.method,
            redact_text(prepared.path_url),
            outcome,
            elapsed * 1000,
            attempt,
        )
        if signing is not None:
            logger.debug(
                "canonical request:\n%s",
                signing.redacted_canonical_request(),
                extra={"iamapi_event": "canonical_request"},
            )

    def _deadline_error(
        self, prepared: requests.PreparedRequest, history: list[Attempt]
    ) -> DeadlineExceededError:
        error = DeadlineExceededError(
            f"The deadline for {prepared.method} {redact_text(prepared.path_url)} passed after "
            f"{len(history)} attempt(s); no further attempt could finish in time."
        )
        error.history = tuple(history)
        return error


def _unsigned_request(
    method: str, target: str, prepared: requests.PreparedRequest
) -> requests.PreparedRequest:
    """A plain request to another host: no signature, token, cookie or API key goes along."""
    dropped = CREDENTIAL_HEADERS | {"host", "content-length", "content-type"}
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in dropped}
    new = requests.PreparedRequest()
    new.prepare(method=method, url=target, headers=headers)
    return new


def _seconds_left(deadline: Union[float, LambdaContext, None]) -> Optional[float]:
    """Seconds a call may take: a number as given, or what a Lambda context has left."""
    if isinstance(deadline, bool):
        raise ConfigurationError("deadline must be a number of seconds, not a bool.")
    if deadline is None or isinstance(deadline, (int, float)):
        return deadline
    remaining = getattr(deadline, "get_remaining_time_in_millis", None)
    if remaining is None:
        raise ConfigurationError(
            "deadline must be a number of seconds or a Lambda context object "
            f"(with get_remaining_time_in_millis()), not {type(deadline).__name__}."
        )
    return max(0.0, float(remaining()) / 1000 - LAMBDA_RESERVE)


def _check_timeout(timeout: Any) -> Any:
    """A timeout as requests takes it: seconds, (connect, read), or ``None`` for none."""

    def ok(value: Any) -> bool:
        return value is None or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        )

    if isinstance(timeout, tuple) and len(timeout) == 2 and all(ok(v) for v in timeout):
        return timeout
    if not isinstance(timeout, tuple) and ok(timeout):
        return timeout
    raise ConfigurationError(
        f"timeout must be a positive number of seconds, a (connect, read) pair or None, "
        f"not {timeout!r}."
    )


def _cap_timeout(timeout: Any, remaining: float) -> Any:
    """Shorten each part of ``timeout`` to the time left; ``None`` parts become the time left."""
    if isinstance(timeout, tuple):
        return tuple(remaining if t is None else min(float(t), remaining) for t in timeout)
    return remaining if timeout is None else min(float(timeout), remaining)


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _transport_error(exc: requests.exceptions.RequestException, prepared: Any) -> TransportError:
    method = prepared.method or ""
    url = redact_text(prepared.url or "")
    target = f"{method} {url}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectError(
            f"Could not connect in time for {target}: {type(exc).__name__}. The request was not "
            "sent. Check the host name, the network path and any proxy; it is safe to retry.",
            method=method,
            url=url,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return RequestTimeoutError(
            f"No answer in time for {target}. The request may have run on the server: check "
            "before repeating a non-idempotent call, or raise the read timeout.",
            method=method,
            url=url,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        if _certificate_refused(exc):
            return ConnectError(
                f"TLS failed for {target}: the server's certificate was not accepted. The "
                "request was not sent. Check the host name and the CA bundle (verify=).",
                method=method,
                url=url,
            )
        return ConnectionLostError(
            f"TLS broke during {target}. The request may have reached the server: check "
            "before repeating a non-idempotent call.",
            method=method,
            url=url,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _never_connected(exc):
            return ConnectError(
                f"Could not connect for {target}: the connection was refused or the host was "
                "not found. The request was not sent; it is safe to retry.",
                method=method,
                url=url,
            )
        return ConnectionLostError(
            f"The connection broke during {target}. The request may have reached the server: "
            "check before repeating a non-idempotent call.",
            method=method,
            url=url,
        )
    return TransportError(f"{type(exc).__name__} during {target}.", method=method, url=url)


def _underlying(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it: arguments, urllib3 reasons, causes, contexts."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for arg in getattr(current, "args", ()):
            for inner in (arg, getattr(arg, "reason", None)):
                if isinstance(inner, BaseException):
                    pending.append(inner)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def _certificate_refused(exc: BaseException) -> bool:
    """True when TLS failed on the certificate, before any request byte was sent."""
    import ssl

    return any(isinstance(e, ssl.SSLCertVerificationError) for e in _underlying(exc))


def _never_connected(exc: BaseException) -> bool:
    """True when the failure happened before a connection existed (nothing was sent)."""
    from urllib3.exceptions import NewConnectionError

    refused = (NewConnectionError, ConnectionRefusedError)
    return any(isinstance(e, refused) for e in _underlying(exc))


def diagnosis_kind(endpoint: Endpoint) -> Optional[str]:
    """The API kind to tell the diagnosis: function URLs answer in their own shape."""
    return "lambda_url" if endpoint.kind == "lambda_url" else None


def _signing_time(signing: Optional[SigningResult]) -> Any:
    if signing is None:
        return None
    from datetime import datetime, timezone

    return datetime.strptime(signing.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
