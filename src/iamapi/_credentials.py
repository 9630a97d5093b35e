"""Where the signing credentials come from, and how they stay fresh.

:class:`CredentialProvider` resolves credentials lazily, on the first
:meth:`~CredentialProvider.get`, in this order:

1. ``credentials=``: a botocore ``Credentials`` (static or refreshable), a
   :class:`FrozenCredentials`, or anything with ``get_frozen_credentials()``.
   With ``role_arn=`` as well, these are the source credentials of the role.
2. ``role_arn=``: the role is assumed through STS with source credentials from
   ``profile=`` or the default chain, and refreshed before it expires.
3. The environment fast path: when nothing above is given, neither
   ``AWS_PROFILE`` nor ``AWS_DEFAULT_PROFILE`` is set, ``AWS_ACCESS_KEY_ID`` and
   ``AWS_SECRET_ACCESS_KEY`` are both non-empty and ``AWS_CREDENTIAL_EXPIRATION``
   is empty or unset, the keys are read straight from the environment, with the
   first non-empty of ``AWS_SECURITY_TOKEN`` and ``AWS_SESSION_TOKEN`` as the
   token, without importing botocore. botocore's chain would return the very
   same values (its environment provider comes first, reads the same variables
   in the same order and only steps aside for an explicit profile); this is how
   AWS Lambda hands credentials to a function, and it keeps botocore off the
   cold-start path.
4. botocore's default chain for ``profile=`` (or the default profile), in
   botocore's order: the environment (skipped for an explicit ``profile=``),
   assume-role profiles, web identity, SSO, the shared credentials file,
   ``aws login`` sessions, ``credential_process``, the config file, the legacy
   boto files, container metadata, instance metadata.

Every signature reads one :class:`FrozenCredentials` from :meth:`get`; a
refreshing source is read through ``get_frozen_credentials()`` only, so a
signature never mixes two generations. botocore refreshes temporary
credentials inside its advisory window (15 minutes before expiry, without
blocking other threads) and its mandatory window (10 minutes, blocking).

:meth:`~CredentialProvider.force_refresh` replaces the credentials now, after a
gateway said the token expired. It is single-flight: threads that pile up
behind a refresh in progress reuse its result.

Errors: nothing found raises :class:`~iamapi.NoCredentialsError` with the
sources tried; a source that is configured but fails (unknown profile, expired
SSO session, denied assume-role, failing ``credential_process``, unreachable
metadata endpoint) raises :class:`~iamapi.CredentialsError` naming the source
and the fix, chained to botocore's exception. No secret key or session token
appears in any repr, message or log line: botocore's own DEBUG logging of the
STS and SSO calls made here is scrubbed by a filter on its loggers.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional

from iamapi._exceptions import (
    ConfigurationError,
    CredentialsError,
    IamApiError,
    NoCredentialsError,
)
from iamapi._redaction import guard_botocore_logging, mask_access_key, redact_text

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["CredentialProvider", "FrozenCredentials"]

logger = logging.getLogger("iamapi.credentials")

_ENV_ACCESS_KEY = "AWS_ACCESS_KEY_ID"
_ENV_SECRET_KEY = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name, not a secret
# botocore's order: the legacy name is looked at first, the first non-empty wins.
_ENV_TOKENS = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")
_ENV_EXPIRATION = "AWS_CREDENTIAL_EXPIRATION"
_ENV_PROFILES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")

# STS accepts role sessions from 15 minutes to 12 hours.
_MIN_ROLE_DURATION = 900
_MAX_ROLE_DURATION = 43200
_DEFAULT_ROLE_DURATION = 3600
_DEFAULT_STS_REGION = "us-east-1"

# botocore's windows for one-hour credentials, kept for longer ones and scaled
# down for shorter ones (with the fixed windows, a 15-minute role session would
# be "due for refresh" from the start and call STS on every request).
_ADVISORY_WINDOW = 15 * 60
_MANDATORY_WINDOW = 10 * 60

_FIX_NO_CREDENTIALS = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for "
    "temporary credentials), run `aws configure` (or `aws configure sso`) to create a "
    "profile, or choose an existing profile with profile=..., --profile or AWS_PROFILE"
)


class FrozenCredentials(NamedTuple):
    """One consistent generation of credentials, read once per signature.

    The repr shows the access key id's last four characters only; the secret
    key and the session token are never shown.
    """

    access_key: str
    secret_key: str
    token: Optional[str] = None

    def __repr__(self) -> str:
        token = ", token=[redacted]" if self.token else ""
        return (
            f"FrozenCredentials(access_key={mask_access_key(self.access_key)!r}, "
            f"secret_key=[redacted]{token})"
        )


class _Source(NamedTuple):
    """What one resolution produced: a fixed generation or a botocore object."""

    method: str
    frozen: Optional[FrozenCredentials]  # set for fixed credentials
    botocore: Any = None  # set for anything with get_frozen_credentials()


class CredentialProvider:
    """Credentials for signing, resolved lazily and shared safely between threads.

    ``credentials`` wins over everything else (with ``role_arn``, it is the
    source of the role); ``role_arn`` assumes a role through STS (session name
    ``role_session_name`` or ``iamapi-<unix time>``, ``external_id`` and
    ``duration_seconds`` passed through); otherwise the environment fast path or
    botocore's chain for ``profile``. ``botocore_session`` replaces the session
    botocore's chain is read from (it cannot be combined with ``profile``).

    STS calls (``role_arn``, assume-role profiles, web identity) go to
    ``region`` when given, else to the configured region, else to
    ``us-east-1``; an injected ``botocore_session`` keeps its own settings.

    Constructing a provider does no I/O; the first :meth:`get` (or
    :attr:`method`, :attr:`expiry`, :meth:`describe`) resolves, once, even when
    many threads ask together.
    """

    def __init__(
        self,
        *,
        profile: Optional[str] = None,
        credentials: Optional[object] = None,
        role_arn: Optional[str] = None,
        role_session_name: Optional[str] = None,
        external_id: Optional[str] = None,
        region: Optional[str] = None,
        botocore_session: Optional[object] = None,
        duration_seconds: Optional[int] = None,
    ) -> None:
        if profile is not None and botocore_session is not None:
            raise ConfigurationError(
                "Pass either profile= or botocore_session=, not both: the session already "
                "has its profile. Fix: create the session with "
                "botocore.session.Session(profile=...) or drop botocore_session=."
            )
        if role_arn is None and (
            role_session_name is not None or external_id is not None or duration_seconds is not None
        ):
            raise ConfigurationError(
                "role_session_name=, external_id= and duration_seconds= only apply to an "
                "assumed role. Fix: pass role_arn= as well, or drop them."
            )
        if duration_seconds is not None and not (
            isinstance(duration_seconds, int)
            and _MIN_ROLE_DURATION <= duration_seconds <= _MAX_ROLE_DURATION
        ):
            raise ConfigurationError(
                f"duration_seconds={duration_seconds!r} is outside what STS accepts. "
                f"Fix: pass a whole number of seconds from {_MIN_ROLE_DURATION} to "
                f"{_MAX_ROLE_DURATION} (the role's maximum session duration may be lower)."
            )
        self._profile = profile
        self._role_arn = role_arn
        self._role_session_name = role_session_name
        self._external_id = external_id
        self._region = region
        self._duration_seconds = duration_seconds
        self._injected_session = botocore_session
        self._injected: Optional[_Source] = (
            _wrap_injected(credentials) if credentials is not None else None
        )
        self._lock = threading.RLock()
        self._source: Optional[_Source] = None
        self._generation = 0
        # The last botocore read and its conversion, swapped as one tuple.
        self._last: Optional[tuple[object, FrozenCredentials]] = None

    # -- reading ---------------------------------------------------------------------

    def get(self) -> FrozenCredentials:
        """The current credentials, one consistent generation.

        The first call resolves the source; later calls return botocore's
        frozen view of it, which botocore refreshes inside its windows.
        """
        source = self._source or self._resolved()
        if source.frozen is not None:
            return source.frozen
        try:
            read = source.botocore.get_frozen_credentials()
        except IamApiError:
            raise
        except Exception as exc:
            raise _translate(exc, self._context(source.method)) from exc
        last = self._last
        if last is not None and last[0] is read:
            return last[1]
        frozen = _freeze(read, source.method)
        self._last = (read, frozen)
        return frozen

    def force_refresh(self, *, stale: Optional[FrozenCredentials] = None) -> FrozenCredentials:
        """Replace the credentials now (after the gateway said the token expired).

        Single-flight: of the threads that call together, one refreshes and the
        others, waiting behind it, return its result. When ``stale`` (the
        credentials the failed request was signed with) is given and the
        current credentials already differ from it, nothing is refreshed.

        What a refresh does depends on who resolved the credentials. Resolved
        here (fast path, chain, ``role_arn``): the whole resolution runs again
        on a fresh botocore session, so rotated environment variables or files
        are seen and assumed roles are assumed anew. Given as a refreshable
        botocore object (``credentials=`` or ``botocore_session=``): that object
        is refreshed in place, under its own lock. Given as fixed credentials:
        nothing can be refreshed and they are returned as they are.

        On failure the previous credentials stay in place and
        :class:`~iamapi.CredentialsError` is raised.
        """
        seen = self._generation
        with self._lock:
            if self._generation != seen and self._source is not None:
                return self.get()
            if self._source is None:
                self._resolved()
                return self.get()
            if stale is not None:
                current = self.get()
                if current != stale:
                    return current
            if self._refresh_locked():
                self._generation += 1
            return self.get()

    @property
    def method(self) -> str:
        """The source's short name (botocore's): ``env``, ``sso``, ``assume-role``, ..."""
        return (self._source or self._resolved()).method

    @property
    def expiry(self) -> Optional[datetime]:
        """When the current credentials expire, or ``None`` for long-term ones."""
        source = self._source or self._resolved()
        if source.frozen is not None:
            return None
        self.get()
        return _expiry_of(source.botocore)

    @property
    def generation(self) -> int:
        """How many times the credentials were resolved or force-refreshed (0: not yet)."""
        return self._generation

    def describe(self) -> dict[str, Any]:
        """Facts for diagnostics, never a secret: source, key id's last 4, expiry."""
        frozen = self.get()
        expiry = self.expiry
        return {
            "method": self.method,
            "access_key": mask_access_key(frozen.access_key),
            "expiry": expiry.isoformat() if expiry is not None else None,
            "is_temporary": bool(frozen.token) or expiry is not None,
            "profile": self._profile,
            "role_arn": self._role_arn,
        }

    def __repr__(self) -> str:
        source = self._source
        if source is None:
            return f"CredentialProvider(unresolved{self._options_repr()})"
        last = source.frozen or (self._last[1] if self._last is not None else None)
        key = f", access_key={mask_access_key(last.access_key)!r}" if last else ""
        return f"CredentialProvider(method={source.method!r}{key}{self._options_repr()})"

    def _options_repr(self) -> str:
        parts = []
        if self._profile is not None:
            parts.append(f"profile={self._profile!r}")
        if self._role_arn is not None:
            parts.append(f"role_arn={self._role_arn!r}")
        return "".join(", " + part for part in parts)

    # -- resolving ---------------------------------------------------------------------

    def _resolved(self) -> _Source:
        with self._lock:
            source = self._source
            if source is None:
                source = self._resolve()
                self._source = source
                self._generation += 1
                logger.debug("credentials resolved from %s", source.method)
            return source

    def _resolve(self) -> _Source:
        try:
            if self._injected is not None and self._role_arn is None:
                return self._injected
            if self._role_arn is not None:
                return self._assume_role(self._role_arn)
            fast = self._from_environment()
            if fast is not None:
                return fast
            return self._from_chain()
        except IamApiError:
            raise
        except Exception as exc:
            raise _translate(exc, self._context("")) from exc

    def _from_environment(self) -> Optional[_Source]:
        if self._profile is not None or self._injected_session is not None:
            return None
        frozen = _environment_credentials(os.environ)
        return _Source("env", frozen) if frozen is not None else None

    def _session(self) -> Any:
        if self._injected_session is not None:
            return self._injected_session
        guard_botocore_logging()
        from botocore.session import Session  # type: ignore[import-untyped]

        session = Session(profile=self._profile)
        # The region of the STS calls botocore makes for assume-role profiles and
        # web identity: region= when given, else the configured one, else
        # us-east-1 (botocore itself would stop with "You must specify a region").
        if self._region:
            session.set_config_variable("region", self._region)
        elif not session.get_config_variable("region"):
            session.set_config_variable("region", _DEFAULT_STS_REGION)
        return session

    def _from_chain(self) -> _Source:
        session = self._session()
        found = session.get_credentials()
        if found is None:
            raise _no_credentials(session, self._profile)
        return _Source(str(getattr(found, "method", None) or "explicit"), None, found)

    def _assume_role(self, role_arn: str) -> _Source:
        guard_botocore_logging()
        import time

        from botocore.credentials import (  # type: ignore[import-untyped]
            AssumeRoleCredentialFetcher,
            Credentials,
            RefreshableCredentials,
        )

        session = self._session()
        if self._injected is not None:
            source: Any = self._injected.botocore
            if source is None:
                fixed = self._injected.frozen
                assert fixed is not None  # one of the two is always set
                source = Credentials(fixed.access_key, fixed.secret_key, fixed.token, "explicit")
        else:
            source = session.get_credentials()
            if source is None:
                error = _no_credentials(session, self._profile)
                raise NoCredentialsError(
                    f"No source credentials to assume role {role_arn} with. "
                    + error.message.replace("No AWS credentials found. ", "", 1),
                    tried=error.tried,
                )
        region = session.get_config_variable("region") or _DEFAULT_STS_REGION
        duration = self._duration_seconds or _DEFAULT_ROLE_DURATION
        advisory = min(_ADVISORY_WINDOW, duration // 4)
        mandatory = min(_MANDATORY_WINDOW, duration // 6)
        extra: dict[str, Any] = {
            "RoleSessionName": self._role_session_name or f"iamapi-{int(time.time())}"
        }
        if self._external_id is not None:
            extra["ExternalId"] = self._external_id
        if self._duration_seconds is not None:
            extra["DurationSeconds"] = self._duration_seconds
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=_client_creator(session, region),
            source_credentials=source,
            role_arn=role_arn,
            extra_args=extra,
            cache={},
            # A refresh happens inside the advisory window; the fetcher must not
            # answer it from its cache.
            expiry_window_seconds=advisory,
        )
        metadata = fetcher.fetch_credentials()
        credentials = RefreshableCredentials.create_from_metadata(
            metadata,
            refresh_using=fetcher.fetch_credentials,
            method="assume-role",
            advisory_timeout=advisory,
            mandatory_timeout=mandatory,
        )
        return _Source("assume-role", None, credentials)

    def _refresh_locked(self) -> bool:
        """Refresh under ``self._lock``; False when there is nothing to refresh.

        The current source stays in place if this raises.
        """
        current = self._source
        assert current is not None  # callers resolve first
        owned = self._injected_session is None and (
            self._injected is None or self._role_arn is not None
        )
        if owned:
            fresh = self._resolve()
            if fresh.botocore is not None:
                # Fetch now, so a failure is raised here and not on a later get().
                try:
                    read = fresh.botocore.get_frozen_credentials()
                except Exception as exc:
                    raise _translate(exc, self._context(fresh.method)) from exc
                self._last = (read, _freeze(read, fresh.method))
            self._source = fresh
            logger.info("credentials force-refreshed from %s", fresh.method)
            return True
        if current.botocore is not None:
            try:
                refreshed = _refresh_botocore_now(current.botocore)
            except IamApiError:
                raise
            except Exception as exc:
                raise _translate(exc, self._context(current.method)) from exc
            if refreshed:
                logger.info("credentials force-refreshed from %s", current.method)
            return refreshed
        return False

    def _context(self, method: str) -> dict[str, Optional[str]]:
        return {"method": method, "profile": self._profile, "role_arn": self._role_arn}


# -- helpers ----------------------------------------------------------------------------


def _environment_credentials(environ: Any) -> Optional[FrozenCredentials]:
    """The fast path: keys from the environment when botocore would use exactly them."""
    if any(name in environ for name in _ENV_PROFILES):
        return None
    access_key = environ.get(_ENV_ACCESS_KEY)
    secret_key = environ.get(_ENV_SECRET_KEY)
    if not access_key or not secret_key or environ.get(_ENV_EXPIRATION):
        return None
    token = None
    for name in _ENV_TOKENS:
        token = environ.get(name) or None
        if token:
            break
    return FrozenCredentials(access_key, secret_key, token)


def _wrap_injected(credentials: object) -> _Source:
    if isinstance(credentials, FrozenCredentials):
        if not credentials.access_key or not credentials.secret_key:
            raise ConfigurationError(
                "credentials= has an empty access key or secret key. "
                "Fix: pass both, or leave credentials= out to use the AWS credential chain."
            )
        return _Source("explicit", credentials)
    if callable(getattr(credentials, "get_frozen_credentials", None)):
        return _Source(str(getattr(credentials, "method", None) or "explicit"), None, credentials)
    access_key = getattr(credentials, "access_key", None)
    secret_key = getattr(credentials, "secret_key", None)
    if isinstance(access_key, str) and isinstance(secret_key, str):
        token = getattr(credentials, "token", None)
        return _Source("explicit", FrozenCredentials(access_key, secret_key, token or None))
    raise ConfigurationError(
        f"credentials= got a {type(credentials).__name__}, which is not credentials. "
        "Fix: pass a botocore Credentials (for example session.get_credentials()) or "
        "iamapi.FrozenCredentials(access_key, secret_key, token)."
    )


def _freeze(read: Any, method: str) -> FrozenCredentials:
    access_key = getattr(read, "access_key", None)
    secret_key = getattr(read, "secret_key", None)
    if not access_key or not secret_key:
        raise CredentialsError(
            f"The credentials from {method} have an empty access key or secret key. "
            "Fix: check that source's configuration."
        )
    return FrozenCredentials(str(access_key), str(secret_key), getattr(read, "token", None) or None)


def _expiry_of(credentials: Any) -> Optional[datetime]:
    # botocore keeps the expiry in a private attribute and has no public reader.
    from datetime import datetime

    value = getattr(credentials, "_expiry_time", None)
    return value if isinstance(value, datetime) else None


def _refresh_botocore_now(credentials: Any) -> bool:
    """Refresh a botocore ``RefreshableCredentials`` now, whatever its expiry.

    botocore's public API only refreshes inside the advisory or mandatory
    windows; the forced path is its own mandatory refresh, taken under the
    object's refresh lock exactly as botocore takes it. Objects without that
    machinery (static credentials, other implementations) are left as they are
    and False is returned.
    """
    lock = getattr(credentials, "_refresh_lock", None)
    refresh = getattr(credentials, "_protected_refresh", None)
    if lock is None or not callable(refresh) or not _accepts_is_mandatory(refresh):
        logger.debug("credentials of type %s cannot be force-refreshed", type(credentials))
        return False
    with lock:
        refresh(is_mandatory=True)
    return True


def _accepts_is_mandatory(function: Callable[..., Any]) -> bool:
    import inspect

    try:
        return "is_mandatory" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _client_creator(session: Any, region: str) -> Callable[..., Any]:
    try:
        from botocore.utils import create_nested_client  # type: ignore[import-untyped]
    except ImportError:  # botocore before 1.37
        create_nested_client = None

    def create(service_name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("region_name", region)
        if create_nested_client is not None:
            return create_nested_client(session, service_name, **kwargs)
        return session.create_client(service_name, **kwargs)

    return create


def _no_credentials(session: Any, profile: Optional[str]) -> NoCredentialsError:
    tried: list[str] = []
    try:
        resolver = session.get_component("credential_provider")
        tried = [str(provider.METHOD) for provider in resolver.providers]
    except Exception:  # a custom session without botocore's resolver
        tried = []
    where = ""
    try:
        files = [
            str(session.get_config_variable("credentials_file")),
            str(session.get_config_variable("config_file")),
        ]
        where = f" Files looked at: {', '.join(files)}."
    except Exception:  # noqa: S110 - the file names are a hint only
        pass
    imds = ""
    if "iam-role" in tried and os.environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true":
        imds = " (instance metadata is disabled by AWS_EC2_METADATA_DISABLED)"
    label = f"profile {profile!r}" if profile else "the default profile"
    sources = ", ".join(tried) if tried else "botocore's default chain"
    return NoCredentialsError(
        f"No AWS credentials found. Tried, in order, for {label}: {sources}{imds}.{where} "
        f"Fix: {_FIX_NO_CREDENTIALS}.",
        tried=tried,
    )


def _available_profiles() -> list[str]:
    try:
        from botocore.session import Session

        return sorted(Session(profile=None).available_profiles)
    except Exception:
        return []


def _translate(exc: BaseException, context: dict[str, Optional[str]]) -> IamApiError:
    """One botocore (or other) failure -> the iamapi error that names source and fix.

    Classes are matched by name along the exception's MRO, so botocore need not
    be imported to tell that an exception is not one of its own.
    """
    method = context.get("method") or ""
    profile = context.get("profile")
    role_arn = context.get("role_arn")
    profile_flag = f" --profile {profile}" if profile else ""
    names = {cls.__name__ for cls in type(exc).__mro__}
    kwargs: dict[str, Any] = dict(getattr(exc, "kwargs", None) or {})
    detail = redact_text(str(exc)).strip()

    if "ProfileNotFound" in names:
        missing = kwargs.get("profile") or profile or ""
        existing = _available_profiles()
        listed = ", ".join(existing) if existing else "none"
        message = (
            f"The AWS profile {missing!r} was not found in the shared config or credentials "
            f"file. Profiles that exist: {listed}. Fix: pass one of them (profile=..., "
            "--profile, AWS_PROFILE), or add the profile with "
            f"`aws configure --profile {missing}`."
        )
    elif names & {"SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError"}:
        message = (
            f"The AWS SSO session is missing or expired ({detail}). "
            f"Fix: run `aws sso login{profile_flag}` and try again."
        )
    elif "PartialCredentialsError" in names:
        provider = kwargs.get("provider", method)
        variable = kwargs.get("cred_var", "a value")
        fix = (
            "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or unset both"
            if provider == "env"
            else "complete the profile's aws_access_key_id and aws_secret_access_key"
        )
        message = f"Partial credentials in {provider}: {variable} is missing. Fix: {fix}."
    elif "CredentialRetrievalError" in names:
        provider = str(kwargs.get("provider", method))
        reason = redact_text(str(kwargs.get("error_msg", detail))).strip()
        message = (
            f"Loading credentials from {provider} failed: {reason} "
            f"Fix: {_retrieval_fix(provider, profile)}"
        )
    elif "ClientError" in names:
        message = _client_error_message(exc, role_arn)
    elif "RefreshWithMFAUnsupportedError" in names:
        message = (
            "The assumed role needs an MFA code and its credentials cannot be refreshed "
            "without one. Fix: create a new client (you will be asked again), or use a role "
            "that does not require MFA."
        )
    elif names & {
        "InvalidConfigError",
        "UnknownCredentialError",
        "ConfigParseError",
        "InvalidIMDSEndpointError",
    }:
        message = (
            f"The AWS configuration is invalid: {detail} "
            "Fix: correct the shared config file (or the AWS_* variables) it names."
        )
    elif names & {"EndpointConnectionError", "HTTPClientError"}:
        message = (
            f"Could not reach the credentials endpoint ({detail}). "
            "Fix: check the network path, or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL when a "
            "private or local endpoint is meant."
        )
    elif "ParamValidationError" in names:
        message = (
            f"botocore rejected the assume-role parameters: {detail} "
            "Fix: check role_arn=, role_session_name= (2-64 characters of [\\w+=,.@-]) "
            "and external_id=."
        )
    elif "NoCredentialsError" in names:  # botocore's: a signer found no source credentials
        return NoCredentialsError(
            f"No source credentials to call STS with ({detail}). Fix: {_FIX_NO_CREDENTIALS}."
        )
    elif isinstance(exc, RuntimeError) and "still expired" in str(exc):
        message = (
            f"The credentials from {method or 'the source'} were refreshed but are already "
            "expired. Fix: check the machine's clock and the source's expiry times."
        )
    else:
        source = method or "the AWS credential chain"
        message = f"Loading credentials from {source} failed: {type(exc).__name__}: {detail}"
    return CredentialsError(redact_text(message))


def _retrieval_fix(provider: str, profile: Optional[str]) -> str:
    label = f"profile {profile!r}" if profile else "the profile"
    fixes = {
        "custom-process": (
            f"check the credential_process command of {label}: it must exit with status 0 and "
            'print JSON with "Version": 1, "AccessKeyId" and "SecretAccessKey".'
        ),
        "container-role": (
            "check AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / AWS_CONTAINER_CREDENTIALS_FULL_URI "
            "and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE), and that the endpoint answers."
        ),
        "env": "set AWS_CREDENTIAL_EXPIRATION together with the keys, or unset it.",
        "iam-role": "check the instance's IAM role and its metadata options.",
    }
    return fixes.get(provider, "check that source's configuration.")


def _client_error_message(exc: BaseException, role_arn: Optional[str]) -> str:
    response: dict[str, Any] = getattr(exc, "response", None) or {}
    error = response.get("Error", {}) or {}
    code = str(error.get("Code", "Unknown"))
    text = str(error.get("Message", "")).strip()
    operation = str(getattr(exc, "operation_name", "") or "The STS call")
    target = f" of {role_arn}" if role_arn else ""
    if code in {"AccessDenied", "AccessDeniedException"}:
        fix = (
            "the source identity needs sts:AssumeRole on the role, the role's trust policy "
            "must allow that identity, and an ExternalId the policy requires must match "
            "external_id=."
        )
    elif code in {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}:
        fix = "the source credentials are expired or invalid: refresh or replace them."
    elif code in {"InvalidIdentityToken", "IDPRejectedClaim", "ExpiredTokenException"}:
        fix = "the web identity token was rejected: check AWS_WEB_IDENTITY_TOKEN_FILE."
    elif code == "RegionDisabledException":
        fix = "activate STS in that region, or pass another region=."
    else:
        fix = "see the STS error code above."
    return f"{operation}{target} was refused: {code}: {text} Fix: {fix}"
