"""Every error iamapi raises, grouped by what a caller does about it.

The tree::

    IamApiError
    ├── ConfigurationError (also ValueError): fix the call or the setup
    │   ├── InvalidURLError             the URL cannot be parsed or is not http(s)
    │   ├── ForeignHostError            a full URL names another host than the client's
    │   ├── InsecureURLError            plain http:// to a host that is not loopback
    │   ├── RegionNotFoundError         no region in the URL, the arguments or the environment
    │   ├── InvalidHeaderError          a header name or value that cannot be sent (CR/LF, ...)
    │   └── UnsignableBodyError         a body that cannot be hashed and replayed
    ├── NoCredentialsError              nothing in the credential chain
    ├── CredentialsError                credentials were found but could not be loaded/refreshed
    ├── TransportError                  no HTTP answer; wraps the requests exception
    │   ├── ConnectError                never connected: safe to retry
    │   ├── RequestTimeoutError         connected, no answer in time: may have run
    │   └── ConnectionLostError         connection dropped mid-exchange: may have run
    ├── RedirectError                   a redirect that cannot be followed safely
    ├── DeadlineExceededError           no attempt could finish before the deadline
    └── GatewayError                    an HTTP answer that is an error
        ├── AuthenticationError         signature missing, malformed, wrong or expired
        ├── AccessDeniedError           authenticated, but a policy said no
        ├── RouteNotFoundError          no stage, route or method matched
        ├── ThrottledError              429: throttled or quota used up
        ├── PayloadTooLargeError        413: body over the limit
        ├── IntegrationError            the backend failed or timed out (5xx)
        └── ApiError                    the backend's own 4xx, passed through the gateway

Every ``GatewayError`` carries a stable ``code`` (see ``docs/errors.md``), the
gateway's ``message``, a ``cause`` and a ``fix`` in plain words, and the request
ids. No error text ever holds a secret key, session token or signature: messages
go through :mod:`iamapi._redaction` before they are stored.

All errors pickle and unpickle with their fields (the ``response`` object, which
holds a socket, is dropped on pickling).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from iamapi._redaction import redact_text

if TYPE_CHECKING:
    import requests

__all__ = [
    "AccessDeniedError",
    "ApiError",
    "Attempt",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "CredentialsError",
    "DeadlineExceededError",
    "ForeignHostError",
    "GatewayError",
    "IamApiError",
    "InsecureURLError",
    "IntegrationError",
    "InvalidHeaderError",
    "InvalidURLError",
    "NoCredentialsError",
    "PayloadTooLargeError",
    "RedirectError",
    "RegionNotFoundError",
    "RequestTimeoutError",
    "RouteNotFoundError",
    "ThrottledError",
    "TransportError",
    "UnsignableBodyError",
]


@dataclass(frozen=True)
class Attempt:
    """One attempt of a request, as kept in an error's ``history``.

    ``outcome`` is the status code as a string (``"503"``) or the short name of
    the transport failure (``"ConnectError"``); ``delay`` is the back-off slept
    after it, in seconds; ``elapsed`` is how long the attempt took.
    """

    number: int
    outcome: str
    elapsed: float
    delay: float = 0.0


class IamApiError(Exception):
    """The root of every error iamapi raises.

    ``retry_safe`` says whether repeating the same call unchanged can succeed
    without risk of running it twice.
    """

    retry_safe: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))
        self.history: tuple[Attempt, ...] = ()

    def __reduce__(self) -> Any:
        state = dict(self.__dict__)
        return (_rebuild, (type(self), self.args, state))

    @property
    def message(self) -> str:
        """The error's text."""
        return str(self.args[0]) if self.args else ""


def _rebuild(cls: type[IamApiError], args: tuple[Any, ...], state: dict[str, Any]) -> IamApiError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigurationError(IamApiError, ValueError):
    """Bad input or setup: the call cannot be made as written. Not retry-safe."""


class InvalidURLError(ConfigurationError):
    """The URL cannot be parsed, has no host, or is not ``http``/``https``."""


class ForeignHostError(ConfigurationError):
    """A full URL given to a verb names a different host than the client's base URL.

    The client refuses it so that credentials are never signed for, or sent
    to, a host the caller did not configure.
    """


class InsecureURLError(ConfigurationError):
    """Plain ``http://`` to a host that is not loopback, without ``allow_http=True``."""


class RegionNotFoundError(ConfigurationError):
    """The region could not be inferred from the URL, the arguments or the environment."""


class InvalidHeaderError(ConfigurationError):
    """A header name or value that cannot be sent as is (CR/LF, non-Latin-1, empty name)."""


class UnsignableBodyError(ConfigurationError):
    """A body that cannot be hashed for the signature and replayed (a one-shot stream)."""


class NoCredentialsError(IamApiError):
    """No credentials were found in any source of the chain.

    ``tried`` lists the sources that were looked at, in order.
    """

    def __init__(self, message: str, *, tried: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.tried: tuple[str, ...] = tuple(tried)


class CredentialsError(IamApiError):
    """Credentials were configured but could not be loaded or refreshed.

    Examples: an SSO session that expired, an assume-role call that was denied,
    a ``credential_process`` that failed. The message names the source.
    """


class TransportError(IamApiError):
    """No HTTP answer was received. ``__cause__`` is the underlying requests exception."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = redact_text(url)


class ConnectError(TransportError):
    """The connection could not be made; the request never left. Safe to retry."""

    retry_safe = True


class RequestTimeoutError(TransportError):
    """Connected, but no answer came in time. The request may have run on the server."""


class ConnectionLostError(TransportError):
    """The connection broke during the exchange. The request may have run on the server."""


class RedirectError(IamApiError):
    """A redirect that cannot be followed without risk (another host, a non-idempotent method).

    ``location`` is the redirect target; ``status`` the redirect's status code.
    """

    def __init__(self, message: str, *, location: str, status: int) -> None:
        super().__init__(message)
        self.location = redact_text(location)
        self.status = status


class DeadlineExceededError(IamApiError):
    """The call's deadline left no time for another attempt; ``history`` lists those made."""


class GatewayError(IamApiError):
    """An HTTP error answer, from the gateway or from the backend behind it.

    Attributes: ``code`` (stable string), ``status``, ``message`` (the gateway's
    own text), ``cause`` and ``fix`` (plain words), ``request_id``
    (``x-amzn-RequestId`` or ``apigw-requestid``), ``apigw_id``
    (``x-amz-apigw-id``), ``error_type`` (``x-amzn-ErrorType``), ``method``,
    ``url``, ``response`` (``None`` when built from a logged body or unpickled),
    and ``details``: facts parsed from the answer (caller and resource ARNs,
    server time, canonical-string diff, ...).
    """

    def __init__(
        self,
        *,
        code: str,
        status: Optional[int],
        message: str,
        cause: str,
        fix: str,
        request_id: Optional[str] = None,
        apigw_id: Optional[str] = None,
        error_type: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Optional[requests.Response] = None,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.code = code
        self.status = status
        self.gateway_message = message
        self.cause = cause
        self.fix = fix
        self.request_id = request_id
        self.apigw_id = apigw_id
        self.error_type = error_type
        self.method = method
        self.url = url
        self.response = response
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self._render())

    @property
    def message(self) -> str:
        """The gateway's own message text (``""`` when the body had none)."""
        return self.gateway_message

    def _render(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "Gateway error"
        head = f"{status} [{self.code}]"
        lines = self.gateway_message.strip().splitlines()
        if lines:
            head += f': "{lines[0]}"'
        if self.method or self.url:
            target = " ".join(part for part in (self.method, _path_of(self.url)) if part)
            head += f" on {target}"
        if self.request_id:
            head += f" (request id {self.request_id})"
        return f"{head}. Cause: {self.cause} Fix: {self.fix}"

    def __reduce__(self) -> Any:
        state = dict(self.__dict__)
        state["response"] = None
        return (_rebuild, (type(self), self.args, state))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"request_id={self.request_id!r})"
        )


def _path_of(url: Optional[str]) -> str:
    if not url:
        return ""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: show the URL as it came
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.netloc else url


class AuthenticationError(GatewayError):
    """The signature was missing, malformed, wrong or expired, or the credentials are invalid."""


class AccessDeniedError(GatewayError):
    """Authenticated, but an IAM, resource or authorizer policy denied the call.

    ``caller_arn``, ``action`` and ``resource_arn`` are parsed from the message
    when the gateway gives them; ``policy`` is the least-privilege IAM policy
    statement (a dict) that would allow the call, when it can be built.
    """

    @property
    def caller_arn(self) -> Optional[str]:
        """The caller the gateway named (``anonymous`` for unsigned calls)."""
        value = self.details.get("caller_arn")
        return str(value) if value is not None else None

    @property
    def action(self) -> Optional[str]:
        """The IAM action that was denied, such as ``execute-api:Invoke``."""
        value = self.details.get("action")
        return str(value) if value is not None else None

    @property
    def resource_arn(self) -> Optional[str]:
        """The resource ARN the call was evaluated against."""
        value = self.details.get("resource_arn")
        return str(value) if value is not None else None

    @property
    def policy(self) -> Optional[dict[str, Any]]:
        """The IAM policy statement that would allow the call, or ``None``."""
        value = self.details.get("policy")
        return dict(value) if isinstance(value, Mapping) else None


class RouteNotFoundError(GatewayError):
    """No stage, resource or method matched the request's path and verb."""


class ThrottledError(GatewayError):
    """429: the call was throttled (retry with back-off) or a quota is used up (do not).

    ``retry_after`` is the ``Retry-After`` delay in seconds, when sent.
    """

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds the server asked to wait, or ``None``."""
        value = self.details.get("retry_after")
        return float(value) if value is not None else None


class PayloadTooLargeError(GatewayError):
    """413: the body is over the gateway's limit (10 MB for API Gateway)."""


class IntegrationError(GatewayError):
    """5xx: the backend failed, timed out or is misconfigured."""


class ApiError(GatewayError):
    """The backend's own error answer (not the gateway's auth layer); the body is intact."""
