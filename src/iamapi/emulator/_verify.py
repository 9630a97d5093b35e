"""SigV4 verification of a raw request, with the messages AWS answers.

Two steps, because API Gateway runs them at two different points:

1. :meth:`Verifier.parse` reads the ``Authorization`` header (or the presigned
   query parameters) and fails with ``IncompleteSignatureException`` texts when
   it is not a SigV4 header at all or misses a part. API Gateway does this
   before it looks for a matching route: any ``Authorization`` header turns
   the missing-token answer for an unknown route into these messages.
2. :meth:`Verifier.verify` checks, in this order, the date format and the
   five-minute window, the credential scope (region, service, terminator,
   date), the access key and session token, then the signature.

The canonical request, string to sign, signing key and signature all come
from :mod:`iamapi._canonical`, fed with the request target and header lines
exactly as they arrived on the socket.
"""

from __future__ import annotations

import base64
import calendar
import datetime as _dt
import hashlib
import hmac
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Optional
from urllib.parse import unquote_plus

from iamapi import _canonical
from iamapi.emulator._config import Principal
from iamapi.emulator._records import Verdict
from iamapi.emulator._wire import RawRequest

__all__ = [
    "MISMATCH_SENTENCE",
    "AuthFailure",
    "Credentials",
    "Verifier",
    "format_amz_date",
]

MISMATCH_SENTENCE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
# gateway messages, not credentials:
TOKEN_INVALID = "The security token included in the request is invalid."  # noqa: S105
TOKEN_EXPIRED = "The security token included in the request is expired"  # noqa: S105
SKEW_SECONDS = 300

_BASIC_DATE = re.compile(r"\d{8}T\d{6}Z\Z")
_QUERY_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
_QUERY_MARKERS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"})


class AuthFailure(Exception):
    """A verification failure: the verdict code and AWS's message for it.

    ``canonical`` and ``string_to_sign`` are set for a signature mismatch:
    the server's own strings, which REST APIs echo in the message.
    ``error_type`` overrides the verdict's usual ``x-amzn-ErrorType`` (a
    malformed scope is an ``InvalidSignatureException``, not an incomplete one).
    """

    def __init__(
        self,
        verdict: Verdict,
        message: str,
        *,
        canonical: Optional[str] = None,
        string_to_sign: Optional[str] = None,
        error_type: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.verdict: Verdict = verdict
        self.message = message
        self.canonical = canonical
        self.string_to_sign = string_to_sign
        self.error_type = error_type


@dataclass(frozen=True)
class Credentials:
    """What the request claims: the parsed ``Authorization`` header or presigned query."""

    source: str  # "header" or "query"
    access_key: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    date_value: str  # the date text as sent
    date_origin: str  # "x-amz-date", "date" or "query"
    session_token: Optional[str]
    expires: Optional[int] = None


def format_amz_date(epoch: float) -> str:
    """``YYYYMMDDTHHMMSSZ`` for ``epoch`` (whole seconds, UTC)."""
    moment = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _hashed(value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()
    return base64.b64encode(digest).decode("ascii")


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            params.setdefault(unquote_plus(name), unquote_plus(value))
    return params


def _without_signature(query: str) -> str:
    kept = [
        item
        for item in query.split("&")
        if unquote_plus(item.partition("=")[0]) != "X-Amz-Signature"
    ]
    return "&".join(kept)


class Verifier:
    """Checks requests against one gateway's region, service and principals."""

    def __init__(self, *, region: str, service: str, principals: Iterable[Principal]) -> None:
        self.region = region
        self.service = service
        self.principals = {p.access_key: p for p in principals}
        self._keys: dict[tuple[str, str, str, str], bytes] = {}
        self._keys_lock = threading.Lock()

    # -- step 1: parse ---------------------------------------------------------

    def parse(self, request: RawRequest) -> Optional[Credentials]:
        """Return the claimed credentials, ``None`` when the request carries none.

        Raises :class:`AuthFailure` (``malformed_authorization`` or
        ``wrong_auth_scheme``) for an ``Authorization`` header or presigned
        query that is not complete SigV4.
        """
        authorization = request.header("authorization")
        if authorization is not None:
            return self._parse_header(request, authorization)
        if request.query and "X-Amz-" in request.query:
            params = _query_params(request.query)
            if _QUERY_MARKERS & params.keys():
                return self._parse_query(request, params)
        return None

    def _parse_header(self, request: RawRequest, value: str) -> Credentials:
        looks_sigv4 = value.startswith("AWS4-") or "Credential=" in value
        verdict: Verdict = "malformed_authorization" if looks_sigv4 else "wrong_auth_scheme"
        algorithm, _, rest = value.partition(" ")
        if "=" in algorithm:
            raise AuthFailure(
                verdict,
                "Authorization header must begin with the algorithm name, "
                "which cannot include an equal-sign",
            )
        fields: dict[str, str] = {}
        for part in rest.split(","):
            part = part.strip(" \t")
            if not part:
                continue
            if "=" not in part:
                raise AuthFailure(
                    verdict,
                    "Invalid key=value pair (missing equal-sign) in Authorization header "
                    f"(hashed with SHA-256 and encoded with Base64): '{_hashed(value)}'.",
                )
            key, _, item = part.partition("=")
            fields[key.strip()] = item.strip()
        date_origin = "x-amz-date" if request.has_header("x-amz-date") else "date"
        missing = [
            f"Authorization header requires '{name}' parameter."
            for name in ("Credential", "Signature", "SignedHeaders")
            if name not in fields
        ]
        if not request.has_header("x-amz-date") and not request.has_header("date"):
            missing.append(
                "Authorization header requires existence of either a 'X-Amz-Date' "
                "or a 'Date' header."
            )
        if missing:
            raise AuthFailure(
                verdict,
                " ".join(missing)
                + f" (Hashed with SHA-256 and encoded with Base64) Authorization={_hashed(value)}",
            )
        if algorithm != _canonical.ALGORITHM:
            raise AuthFailure(
                verdict,
                f"Unsupported AWS 'algorithm': '{algorithm}' "
                f"(only {_canonical.ALGORITHM} for now). ",
            )
        date_value = request.header(date_origin) or ""
        return self._credentials(
            "header",
            fields["Credential"],
            fields["SignedHeaders"],
            fields["Signature"],
            date_value,
            date_origin,
            request.header("x-amz-security-token"),
            None,
        )

    def _parse_query(self, request: RawRequest, params: dict[str, str]) -> Credentials:
        for name in _QUERY_REQUIRED:
            if name not in params:
                raise AuthFailure(
                    "malformed_authorization",
                    f"AWS query-string parameters must include '{name}'. "
                    "Re-examine the query-string parameters.",
                )
        algorithm = params["X-Amz-Algorithm"]
        if algorithm != _canonical.ALGORITHM:
            raise AuthFailure(
                "malformed_authorization",
                f"Unsupported AWS 'algorithm': '{algorithm}' "
                f"(only {_canonical.ALGORITHM} for now). ",
            )
        expires_text = params.get("X-Amz-Expires")
        expires: Optional[int] = None
        if expires_text is not None:
            if not expires_text.isdigit() or not 1 <= int(expires_text) <= 604800:
                raise AuthFailure(
                    "malformed_authorization",
                    "X-Amz-Expires must be a whole number of seconds between 1 and 604800.",
                )
            expires = int(expires_text)
        token = params.get("X-Amz-Security-Token", request.header("x-amz-security-token"))
        return self._credentials(
            "query",
            params["X-Amz-Credential"],
            params["X-Amz-SignedHeaders"],
            params["X-Amz-Signature"],
            params["X-Amz-Date"],
            "query",
            token,
            expires,
        )

    def _credentials(
        self,
        source: str,
        credential: str,
        signed_headers: str,
        signature: str,
        date_value: str,
        date_origin: str,
        session_token: Optional[str],
        expires: Optional[int],
    ) -> Credentials:
        parts = credential.split("/")
        if len(parts) != 5:
            raise AuthFailure(
                "malformed_authorization",
                "Credential must have exactly 5 slash-delimited elements, "
                f"e.g. keyid/date/region/service/term, got '{credential}'",
            )
        names = tuple(name.strip().lower() for name in signed_headers.split(";") if name.strip())
        if "host" not in names:
            raise AuthFailure(
                "malformed_authorization",
                "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            )
        return Credentials(
            source=source,
            access_key=parts[0],
            scope_date=parts[1],
            region=parts[2],
            service=parts[3],
            terminator=parts[4],
            signed_headers=names,
            signature=signature,
            date_value=date_value,
            date_origin=date_origin,
            session_token=session_token,
            expires=expires,
        )

    # -- step 2: verify --------------------------------------------------------

    def verify(self, request: RawRequest, creds: Credentials, now: float) -> Principal:
        """Check date, scope, token and signature; return the verified principal."""
        sent_epoch, amz_date = self._request_time(creds)
        self._check_window(sent_epoch, amz_date, now, creds.expires)
        self._check_scope(creds, amz_date)
        principal = self._check_principal(creds, now)
        self._check_signature(request, creds, principal, amz_date)
        return principal

    @staticmethod
    def _request_time(creds: Credentials) -> tuple[int, str]:
        value = creds.date_value
        bad = AuthFailure(
            "malformed_authorization",
            f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        )
        try:
            if creds.date_origin == "date":
                moment = parsedate_to_datetime(value)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=_dt.timezone.utc)
                epoch = int(moment.timestamp())
                return epoch, format_amz_date(epoch)
            if not _BASIC_DATE.match(value):
                raise bad
            fields = (value[0:4], value[4:6], value[6:8], value[9:11], value[11:13], value[13:15])
            year, month, day, hour, minute, second = (int(part) for part in fields)
            _dt.datetime(year, month, day, hour, minute, second)  # rejects 20240230T250000Z
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        return calendar.timegm((year, month, day, hour, minute, second)), value

    @staticmethod
    def _check_window(sent: int, amz_date: str, now: float, expires: Optional[int]) -> None:
        server = int(now)
        past = expires if expires is not None else SKEW_SECONDS
        if sent < server - past:
            span = f"{past // 60} min." if past % 60 == 0 else f"{past} sec."
            raise AuthFailure(
                "clock_skew",
                f"Signature expired: {amz_date} is now earlier than "
                f"{format_amz_date(server - past)} ({format_amz_date(server)} - {span})",
            )
        if sent > server + SKEW_SECONDS:
            raise AuthFailure(
                "clock_skew",
                f"Signature not yet current: {amz_date} is still later than "
                f"{format_amz_date(server + SKEW_SECONDS)} ({format_amz_date(server)} + 5 min.)",
            )

    def _check_scope(self, creds: Credentials, amz_date: str) -> None:
        sentences: list[str] = []
        verdict: Optional[Verdict] = None
        if creds.region != self.region:
            sentences.append(
                f"Credential should be scoped to a valid region, not '{creds.region}'. "
            )
            verdict = "wrong_region"
        if creds.service != self.service:
            sentences.append(f"Credential should be scoped to correct service: '{self.service}'. ")
            verdict = verdict or "wrong_service"
        if creds.terminator != "aws4_request":
            sentences.append(
                "Credential should be scoped with a valid terminator: 'aws4_request', "
                f"not '{creds.terminator}'. "
            )
        if creds.scope_date != amz_date[:8]:
            sentences.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{creds.scope_date}' != '{amz_date[:8]}', "
                f"from '{creds.date_value}'."
            )
        if sentences:
            raise AuthFailure(
                verdict or "malformed_authorization",
                "".join(sentences),
                error_type="InvalidSignatureException",
            )

    def _check_principal(self, creds: Credentials, now: float) -> Principal:
        principal = self.principals.get(creds.access_key)
        if principal is None:
            raise AuthFailure("invalid_token", TOKEN_INVALID)
        sent = creds.session_token or ""
        expected = principal.session_token or ""
        if not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
            raise AuthFailure("invalid_token", TOKEN_INVALID)
        if principal.expired_at(now):
            raise AuthFailure("expired_token", TOKEN_EXPIRED)
        return principal

    def _signing_key(self, secret: str, date: str, region: str, service: str) -> bytes:
        cache_key = (secret, date, region, service)
        key = self._keys.get(cache_key)
        if key is None:
            key = _canonical.derive_signing_key(secret, date, region, service)
            with self._keys_lock:
                if len(self._keys) > 64:
                    self._keys.clear()
                self._keys[cache_key] = key
        return key

    def canonical_strings(
        self, request: RawRequest, creds: Credentials, amz_date: str
    ) -> tuple[str, str]:
        """The server's canonical request and string to sign for ``request``."""
        query = request.query if creds.source == "header" else _without_signature(request.query)
        block, names = _canonical.canonical_headers(request.headers, creds.signed_headers)
        canonical = _canonical.canonical_request(
            request.method,
            _canonical.canonical_uri(request.path),
            _canonical.canonical_query(query),
            block,
            names,
            self._payload_hash(request),
        )
        scope = _canonical.credential_scope(creds.scope_date, creds.region, creds.service)
        return canonical, _canonical.string_to_sign(amz_date, scope, canonical)

    def _payload_hash(self, request: RawRequest) -> str:
        """The body's SHA-256; Lambda (not API Gateway) also accepts a declared UNSIGNED-PAYLOAD."""
        if self.service == "lambda":
            declared = [v for k, v in request.headers if k.lower() == "x-amz-content-sha256"]
            if declared and declared[0].strip() == _canonical.UNSIGNED_PAYLOAD:
                return _canonical.UNSIGNED_PAYLOAD
        return hashlib.sha256(request.body).hexdigest()

    def _check_signature(
        self, request: RawRequest, creds: Credentials, principal: Principal, amz_date: str
    ) -> None:
        canonical, to_sign = self.canonical_strings(request, creds, amz_date)
        key = self._signing_key(principal.secret_key, creds.scope_date, creds.region, creds.service)
        expected = _canonical.sign_string(key, to_sign)
        sent = creds.signature.encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(expected.encode("ascii"), sent):
            raise AuthFailure(
                "signature_mismatch",
                MISMATCH_SENTENCE,
                canonical=canonical,
                string_to_sign=to_sign,
            )
