"""The checks ``iamapi doctor`` runs, each ending pass, fail, warn or skip with its finding.

In report order: the URL, the credentials, the caller identity (STS
``GetCallerIdentity``), the clock against the gateway's ``Date``, an unsigned
probe, a signed call (diagnosed), the least-privilege policy statement when
access is denied, and the kind of access key. :func:`run_checks` runs them all
and never raises for what it finds: a problem is a finding.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from iamapi._redaction import mask_access_key, redact_text
from iamapi.cli._common import (
    CLI_HINTS,
    base_url,
    cli_hint,
    diagnosis_kind,
    error_details,
    policy_document,
    user_agent,
)
from iamapi.cli._console import error_parts
from iamapi.cli._identity import Refused, Unreachable, caller_identity

if TYPE_CHECKING:
    import requests

    from iamapi._client import IamApiClient
    from iamapi._credentials import FrozenCredentials
    from iamapi._endpoints import Endpoint
    from iamapi._exceptions import GatewayError

__all__ = ["ORDER", "Check", "run_checks"]

ORDER = (
    "URL",
    "credentials",
    "identity",
    "clock",
    "unsigned call",
    "signed call",
    "policy",
    "key type",
)
_KINDS = {
    "execute_api": "API Gateway (execute-api)",
    "private_api": "private API Gateway API",
    "vpc_endpoint": "API Gateway through a VPC endpoint",
    "lambda_url": "Lambda function URL",
    "local": "local endpoint (loopback)",
    "custom_domain": "custom domain",
}
_REGION_HOSTS = frozenset({"execute_api", "private_api", "vpc_endpoint", "lambda_url"})
_CLOCK_OK = 60.0
_CLOCK_LIMIT = 300.0


@dataclass
class Check:
    """One finding: ``status`` is ``pass``, ``fail``, ``warn`` or ``skip``."""

    name: str
    status: str
    summary: str
    notes: list[tuple[str, str]] = field(default_factory=list)
    block: list[str] = field(default_factory=list)
    after: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The check as JSON data, each note under its label in lower case (``"Fix:"``: ``fix``)."""
        data: dict[str, Any] = {"name": self.name, "status": self.status, "summary": self.summary}
        for label, text in (*self.notes, *self.after):
            key = label.rstrip(":").lower().replace(" ", "_")
            if key in data:
                previous = data[key]
                data[key] = [*previous, text] if isinstance(previous, list) else [previous, text]
            else:
                data[key] = text
        if self.details:
            data["details"] = self.details
        return data


class _Doctor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.method: str = args.method.upper()
        self.checks: dict[str, Check] = {}
        self.secrets: set[str] = set()
        self.log: list[str] = []
        self.endpoint: Optional[Endpoint] = None
        self.caller_arn: Optional[str] = None

    # -- bookkeeping -------------------------------------------------------------------

    def record(self, name: str, status: str, summary: str, **extra: Any) -> Check:
        check = Check(name, status, summary, **extra)
        self.checks[name] = check
        return check

    def skip_rest(self, reason: str) -> None:
        for name in ORDER:
            if name not in self.checks:
                self.record(name, "skip", reason)

    @property
    def timeouts(self) -> tuple[float, float]:
        return (min(3.0, self.args.timeout), self.args.timeout)

    # -- the checks --------------------------------------------------------------------

    def run(self) -> list[Check]:
        from iamapi._client import IamApiClient
        from iamapi._exceptions import ConfigurationError

        endpoint = self.check_url()
        if endpoint is None:
            self.skip_rest("not run: the URL must be fixed first")
            return self.report()
        try:
            client = IamApiClient(
                base_url(endpoint),
                region=endpoint.region,
                service=endpoint.service,
                profile=self.args.profile,
                role_arn=self.args.role_arn,
                timeout=self.timeouts,
                retry=False,
                raise_for_status=False,
                headers=user_agent(),
            )
        except ConfigurationError as exc:
            hint = cli_hint(exc)
            self.checks["URL"] = Check("URL", "fail", str(exc), [("Here:", hint)] if hint else [])
            self.skip_rest("not run: the URL must be fixed first")
            return self.report()
        with client:
            credentials = self.check_credentials(client)
            self.check_identity(endpoint, credentials)
            probe = self.check_unsigned(endpoint)
            self.check_clock(probe)
            if probe is None:
                error = None
                self.record("signed call", "skip", "not sent: the endpoint did not answer")
            elif credentials is None:
                error = None
                self.record("signed call", "skip", "not sent: no credentials to sign with")
            else:
                error = self.check_signed(client)
            self.check_policy(endpoint, error)
            self.check_key_type(credentials)
        return self.report()

    def report(self) -> list[Check]:
        return [self.checks[name] for name in ORDER if name in self.checks]

    def check_url(self) -> Optional[Endpoint]:
        from iamapi._endpoints import Endpoint
        from iamapi._exceptions import ConfigurationError

        url = self.args.url
        try:
            endpoint = Endpoint.parse(
                url, region=self.args.region, service=self.args.service, profile=self.args.profile
            )
        except ConfigurationError as exc:
            hint = cli_hint(exc)
            self.record("URL", "fail", str(exc), notes=[("Here:", hint)] if hint else [])
            return None
        self.endpoint = endpoint
        kind = _KINDS.get(endpoint.kind, endpoint.kind)
        if self.args.region:
            where = "from --region"
        elif endpoint.kind in _REGION_HOSTS:
            where = "from the host name"
        else:
            where = "from AWS_REGION or the profile"
        parts = [kind, f"service {endpoint.service}", f"region {endpoint.region} ({where})"]
        if endpoint.api_id:
            parts.append(f"API id {endpoint.api_id}")
        if endpoint.stage:
            parts.append(f"stage '{endpoint.stage}'")
        details = {
            "kind": endpoint.kind,
            "service": endpoint.service,
            "region": endpoint.region,
            "api_id": endpoint.api_id,
            "stage": endpoint.stage,
            "base_url": base_url(endpoint),
        }
        status, notes = "pass", []
        if self.args.region and endpoint.kind in _REGION_HOSTS:
            named = Endpoint.parse(url).region
            if named != self.args.region:
                status = "warn"
                notes.append(
                    (
                        "Note:",
                        f"--region {self.args.region} differs from the region in the host name "
                        f"({named}); the signature must name the API's region, so the call "
                        "will most likely be refused.",
                    )
                )
        if endpoint.kind in ("execute_api", "private_api") and not endpoint.stage:
            status = "warn"
            notes.append(
                (
                    "Note:",
                    "the URL names no stage: REST API URLs are https://{api-id}.execute-api."
                    "{region}.amazonaws.com/{stage}/{path} (only HTTP APIs with a $default "
                    "stage have none).",
                )
            )
        self.record("URL", status, "; ".join(parts), notes=notes, details=details)
        return endpoint

    def check_credentials(self, client: IamApiClient) -> Optional[FrozenCredentials]:
        from iamapi._exceptions import IamApiError

        try:
            provider = client.credentials
            info = provider.describe()
            frozen = provider.get()
        except IamApiError as exc:
            self.record("credentials", "fail", str(exc))
            return None
        self.secrets.update(s for s in (frozen.secret_key, frozen.token) if s)
        source = info["method"]
        if info.get("profile"):
            source += f", profile '{info['profile']}'"
        if info.get("role_arn"):
            source += f", role {info['role_arn']}"
        summary = f"from {source}: access key id {mask_access_key(frozen.access_key)}"
        status = "pass"
        expiry = provider.expiry
        if expiry is not None:
            left = expiry.timestamp() - time.time()
            summary += f", expire at {expiry.isoformat()} (in {_duration(left)})"
            if left < _CLOCK_LIMIT:
                status = "warn"
                summary += "; refresh them (aws sso login, or assume the role again)"
        elif frozen.token:
            summary += ", temporary (session token), expiry not known"
        else:
            summary += ", long-term (no expiry)"
        details = {
            "method": info["method"],
            "access_key": mask_access_key(frozen.access_key),
            "expiry": info.get("expiry"),
            "temporary": bool(info.get("is_temporary")),
            "profile": info.get("profile"),
            "role_arn": info.get("role_arn"),
        }
        self.record("credentials", status, summary, details=details)
        return frozen

    def check_identity(self, endpoint: Endpoint, credentials: Optional[FrozenCredentials]) -> None:
        if credentials is None:
            self.record("identity", "skip", "not asked: no credentials")
            return
        override = os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint.is_loopback and not override:
            self.record(
                "identity",
                "skip",
                "not asked: the URL is a local endpoint, whose keys AWS STS does not know "
                "(set AWS_ENDPOINT_URL_STS to ask a local STS)",
            )
            return
        try:
            identity = caller_identity(credentials, endpoint.region, self.args.profile)
        except Unreachable as exc:
            self.record(
                "identity", "skip", f"STS did not answer ({exc}); the other checks still run"
            )
            return
        except Refused as exc:
            self.record("identity", exc.status, exc.summary, details={"error_code": exc.code})
            return
        arn = str(identity.get("Arn", ""))
        self.caller_arn = arn or None
        self.record(
            "identity",
            "pass",
            f"STS says you are {arn} (account {identity.get('Account')})",
            details={"arn": arn, "account": identity.get("Account")},
        )

    def check_unsigned(self, endpoint: Endpoint) -> Optional[_Probe]:
        import requests

        import iamapi

        began = time.time()
        try:
            response = requests.request(
                self.method,
                self.args.url,
                headers=user_agent(),
                timeout=self.timeouts,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self.record(
                "unsigned call",
                "fail",
                f"no answer from {endpoint.netloc}: {type(exc).__name__}. Check the host name, "
                "the network path and any proxy.",
            )
            return None
        probe = _Probe(response, began, time.time())
        status = response.status_code
        if status < 400:
            self.record(
                "unsigned call",
                "warn",
                f"HTTP {status} without a signature: this method does not use AWS_IAM "
                "authorization, so anyone who can reach the URL can call it.",
                details={"status": status},
            )
            return probe
        error = iamapi.diagnose(
            response.status_code,
            response.headers,
            response.content,
            signed=False,
            method=self.method,
            url=response.url,
            kind=diagnosis_kind(endpoint),
            stage=endpoint.stage,
            region=endpoint.region,
            service=endpoint.service,
        )
        assert error is not None  # an error status always gets an answer
        answer = f'HTTP {status} "{_first_line(error.message)}"'
        details = {"status": status, "code": error.code, "message": error.message}
        if error.code == "missing_signature":
            self.record(
                "unsigned call",
                "pass",
                f"{answer}: the gateway asks for a signature, as an AWS_IAM route does",
                details=details,
            )
            return probe
        meaning = _PROBE_MEANINGS.get(error.code, error.cause)
        self.record(
            "unsigned call",
            "warn",
            f"{answer} [{error.code}], not the expected missing-signature answer: {meaning}",
            details=details,
        )
        return probe

    def check_clock(self, probe: Optional[_Probe]) -> None:
        from email.utils import parsedate_to_datetime

        if probe is None:
            self.record("clock", "skip", "not checked: no answer to read the Date header from")
            return
        date = probe.response.headers.get("Date")
        try:
            server = parsedate_to_datetime(date).timestamp() if date else None
        except (TypeError, ValueError):
            server = None
        if server is None:
            self.record("clock", "skip", "not checked: the answer has no valid Date header")
            return
        offset = server - (probe.began + probe.ended) / 2
        details = {"offset_seconds": round(offset, 1), "server_date": date}
        span = _duration(abs(offset))
        side = "behind" if offset > 0 else "ahead of"
        if abs(offset) <= _CLOCK_OK:
            self.record(
                "clock",
                "pass",
                f"your clock agrees with the gateway's Date header (offset {round(offset):+d} s; "
                "SigV4 allows 5 min)",
                details=details,
            )
        elif abs(offset) < _CLOCK_LIMIT:
            self.record(
                "clock",
                "warn",
                f"your clock is {span} {side} the gateway's; SigV4 allows 5 min. Synchronise it "
                "before it drifts further.",
                details=details,
            )
        else:
            self.record(
                "clock",
                "fail",
                f"your clock is {span} {side} the gateway's; signatures more than 5 min away "
                "from the gateway's time are refused ('Signature expired' or 'Signature not "
                "yet current').",
                notes=[
                    (
                        "Fix:",
                        "synchronise the clock with NTP (Linux: timedatectl set-ntp true; "
                        "Windows: w32tm /resync; containers, VMs and WSL drift after the host "
                        "sleeps). iamapi re-signs with the gateway's time after one refusal, "
                        "but the AWS CLI, the SDKs and other tools will keep failing.",
                    )
                ],
                details=details,
            )

    def check_signed(self, client: IamApiClient) -> Optional[GatewayError]:
        from iamapi._exceptions import IamApiError

        began = time.monotonic()
        try:
            response = client.request(self.method, self.args.url)
        except IamApiError as exc:
            self.record("signed call", "fail", str(exc))
            return None
        elapsed = (time.monotonic() - began) * 1000
        status = response.status_code
        logged = [("Log:", line) for line in self.log]
        details: dict[str, Any] = {"status": status}
        if status < 400:
            summary = f"HTTP {status} {response.reason or ''}".rstrip() + f" in {elapsed:.0f} ms"
            if client.clock_offset:
                summary += (
                    ", on the second attempt: the first was refused as 'Signature expired', "
                    "so iamapi signed again with the gateway's time"
                )
            details["clock_correction"] = client.clock_offset or None
            self.record("signed call", "pass", summary, notes=logged, details=details)
            return None
        error = client.diagnose(response)
        assert error is not None  # an error status always gets an answer
        head = error_parts(error)[0][1]
        details.update(
            code=error.code,
            error=type(error).__name__,
            message=error.message,
            request_id=error.request_id,
        )
        details.update((k, v) for k, v in error.details.items() if k in _SHOWN_DETAILS)
        if error.code == "client_error":
            self.record(
                "signed call",
                "warn",
                f"{head}: IAM let the call through and the API itself answered with an error",
                notes=[("Cause:", error.cause), *logged],
                details=details,
            )
            return error
        notes = [("Cause:", error.cause)]
        if error.code in _DENIED:
            notes.append(("Fix:", "see the policy check below."))
        else:
            notes.append(("Fix:", error.fix))
            if error.code in CLI_HINTS:
                notes.append(("Here:", CLI_HINTS[error.code]))
        self.record(
            "signed call",
            "fail",
            head,
            notes=notes + logged,
            block=error_details(error, policy=False),
            details=details,
        )
        return error

    def check_policy(self, endpoint: Endpoint, error: Optional[GatewayError]) -> None:
        from iamapi._exceptions import AccessDeniedError

        signed = self.checks.get("signed call")
        if signed is None or signed.status == "skip":
            self.record("policy", "skip", "not checked: no signed call was made")
            return
        if error is None or error.code == "client_error":
            self.record("policy", "skip", "not needed: IAM allowed the call")
            return
        if not isinstance(error, AccessDeniedError) or error.code not in _DENIED:
            self.record(
                "policy",
                "skip",
                f"not reached: the call failed before the policy check ({error.code})",
            )
            return
        statement = error.policy or _statement(endpoint, self.method, self.args.url)
        caller = error.caller_arn or self.caller_arn or "your identity"
        if statement is None:
            self.record("policy", "fail", f"{caller} is not allowed this call: {error.fix}")
            return
        summary = (
            f"{caller} may not call {error.action or statement.get('Action')} on "
            f"{error.resource_arn or statement.get('Resource')}. The least-privilege "
            f"statement that allows exactly this call, for "
            f"{_attach_to(error.caller_arn or self.caller_arn)}:"
        )
        notes: list[tuple[str, str]] = []
        if error.code == "explicit_deny":
            notes.append(
                (
                    "First:",
                    "an explicit Deny matched, and no Allow overrides it: narrow or remove that "
                    "Deny (in the API's resource policy or your identity's policies).",
                )
            )
        notes.append(
            (
                "Also:",
                "if the API has a resource policy, it must allow the caller as well (for a "
                "caller from another account, both policies must), and a REST API must be "
                "deployed again after its resource policy changes.",
            )
        )
        self.record(
            "policy",
            "fail",
            summary,
            block=policy_document(statement).splitlines(),
            after=notes,
            details={
                "statement": statement,
                "policy_document": json.loads(policy_document(statement)),
                "caller_arn": error.caller_arn,
            },
        )

    def check_key_type(self, credentials: Optional[FrozenCredentials]) -> None:
        if credentials is None:
            self.record("key type", "skip", "not checked: no credentials")
            return
        masked = mask_access_key(credentials.access_key)
        if credentials.access_key.startswith("AKIA"):
            self.record(
                "key type",
                "warn",
                f"{masked} is a long-term IAM user access key (AKIA...): it never expires, so a "
                "leaked copy works until someone deactivates it. Where a role can serve (an "
                "instance profile, an ECS task or Lambda execution role, IAM Identity Center "
                "with 'aws configure sso', or --role-arn), use it: its temporary credentials "
                "expire on their own.",
                details={"long_term": True},
            )
        elif credentials.token:
            self.record(
                "key type",
                "pass",
                f"{masked} belongs to temporary credentials (with a session token)",
                details={"long_term": False},
            )
        else:
            self.record(
                "key type",
                "pass",
                f"{masked} is not a long-term IAM user key (AKIA...)",
                details={"long_term": False},
            )


_DENIED = frozenset({"access_denied", "explicit_deny"})
_SHOWN_DETAILS = frozenset(
    {"caller_arn", "resource_arn", "action", "explicit", "diff", "clock_offset", "candidates"}
)
_PROBE_MEANINGS = {
    "forbidden": "a bare Forbidden, which on a REST API most often means the stage does not "
    "exist (or the API is private, needs an API key, or a WAF rule blocked the call)",
    "route_not_found": "no route or method matches this path, so the gateway never got as far "
    "as asking for a signature: check the path, the stage and the method",
    "access_denied": "a resource policy was evaluated for an anonymous caller: this method's "
    "authorization is probably not AWS_IAM",
    "explicit_deny": "a resource policy denies anonymous callers: this method's authorization "
    "is probably not AWS_IAM",
    "api_key": "the method asks for an API key (x-api-key) before anything else",
    "throttled": "the gateway is throttling; try again in a moment",
}


@dataclass
class _Probe:
    response: requests.Response
    began: float
    ended: float


def _statement(endpoint: Endpoint, method: str, url: str) -> Optional[dict[str, Any]]:
    """The execute-api:Invoke statement for this method on this path, when the URL names both."""
    from urllib.parse import unquote, urlsplit

    if not endpoint.api_id or not endpoint.stage:
        return None
    path = urlsplit(url).path
    rest = path[len(f"/{endpoint.stage}") :].lstrip("/")
    resource = (
        f"arn:aws:execute-api:{endpoint.region}:*:{endpoint.api_id}/{endpoint.stage}/"
        f"{method}/{unquote(rest)}"
    )
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}


def _attach_to(caller: Optional[str]) -> str:
    """Where a statement for ``caller`` goes: its role or user, or its identity's policies."""
    import re

    if caller:
        role = re.match(r"arn:[\w-]+:sts::\d+:assumed-role/([^/]+)/", caller)
        if role:
            return f"the IAM role '{role.group(1)}' (you are a session of it: {caller})"
        user = re.match(r"arn:[\w-]+:iam::\d+:user/(?:.*/)?([^/]+)$", caller)
        if user:
            return f"the IAM user '{user.group(1)}' ({caller})"
        return f"a policy of {caller}"
    return "the IAM user or role whose credentials you use"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def run_checks(args: argparse.Namespace) -> tuple[list[Check], set[str]]:
    """Run every check for ``args`` (url, method, profile, region, role_arn, timeout).

    Returns the checks in report order and the secrets met on the way (to mask
    in whatever prints the report). Warnings the client logs are collected into
    the signed call's notes.
    """
    from iamapi.cli._common import iamapi_logging

    doctor = _Doctor(args)
    with iamapi_logging(None, verbose=False, redact=redact_text, collect=doctor.log):
        return doctor.run(), doctor.secrets
