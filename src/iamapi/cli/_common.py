"""What several commands share: the AWS options, the base URL, the ``iamapi`` logger, details."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Optional

from iamapi._client import diagnosis_kind
from iamapi.cli._console import error_parts

if TYPE_CHECKING:
    from iamapi._endpoints import Endpoint
    from iamapi._exceptions import GatewayError, IamApiError
    from iamapi.cli._console import Console

__all__ = [
    "CLI_HINTS",
    "add_aws_options",
    "base_url",
    "cli_hint",
    "diagnosis_kind",
    "error_details",
    "iamapi_logging",
    "policy_document",
    "positive_seconds",
    "show_error",
    "user_agent",
]


CLI_HINTS = {
    "wrong_region": "on the command line, pass --region with the API's region, or leave "
    "--region out when the host name names it.",
    "wrong_service": "on the command line, pass --service execute-api (API Gateway) or "
    "--service lambda (function URLs), or leave --service out.",
}
"""What to change on the command line, for errors whose fix names a Python argument."""


def user_agent() -> dict[str, str]:
    """The ``User-Agent`` the CLI sends, so that gateway logs can tell its calls apart."""
    from iamapi._version import VERSION

    return {"User-Agent": f"iamapi-cli/{VERSION}"}


def cli_hint(error: Exception) -> str:
    """What to do on the command line, for errors whose text speaks of Python arguments."""
    from iamapi._exceptions import InsecureURLError, RegionNotFoundError

    if isinstance(error, RegionNotFoundError):
        return "On the command line: pass --region (or set AWS_REGION)."
    if isinstance(error, InsecureURLError):
        return "The command line sends plain http:// only to localhost: use https://."
    return ""


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    """``--profile``, ``--region``, ``--service`` and ``--role-arn``."""
    group = parser.add_argument_group("AWS options")
    group.add_argument(
        "--profile", metavar="P", help="AWS profile to take credentials from (SSO, roles...)"
    )
    group.add_argument(
        "--region", metavar="R", help="region to sign for (default: from the URL, then AWS_REGION)"
    )
    group.add_argument(
        "--service",
        metavar="S",
        help="signing service (default: execute-api, or lambda for a function URL)",
    )
    group.add_argument("--role-arn", metavar="ARN", help="assume this IAM role first")


def positive_seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def base_url(endpoint: Endpoint) -> str:
    """The API's base URL: scheme, host and, where the host has stages, the stage."""
    root = f"{endpoint.scheme}://{endpoint.netloc}"
    return f"{root}/{endpoint.stage}" if endpoint.stage else root


def error_details(error: GatewayError, *, policy: bool = True) -> list[str]:
    """The facts worth printing under an error's paragraph: diff, policy, clock offset."""
    lines: list[str] = []
    details = error.details
    for difference in details.get("diff") or ():
        part = difference.get("header") or difference.get("component", "?")
        lines.append(f"differs in {part}:")
        lines.append(f"  gateway's: {difference.get('expected', '')!s}")
        lines.append(f"  yours:     {difference.get('actual', '')!s}")
    statement = details.get("policy")
    if policy and isinstance(statement, dict) and not details.get("explicit"):
        lines.append("IAM policy that would allow this call:")
        lines.extend("  " + row for row in policy_document(statement).splitlines())
    offset = details.get("clock_offset")
    if isinstance(offset, (int, float)):
        lines.append(f"gateway clock minus request date: {offset:+.0f} s")
    return lines


def show_error(console: Console, error: IamApiError, indent: str = "  ") -> None:
    """An error's explanation: headline, cause, fix, then the details worth seeing."""
    from iamapi._exceptions import GatewayError

    first = f"error: {type(error).__name__}: "
    if not isinstance(error, GatewayError):
        console.line(console.wrap(str(error), indent, first=first))
        return
    (_, head), *rest = error_parts(error)
    console.line(console.wrap(head, indent, first=first))
    for label, text in rest:
        console.line(console.wrap(f"{label} {text}", indent, first=indent))
    if error.code in CLI_HINTS:
        console.line(console.wrap(f"Here: {CLI_HINTS[error.code]}", indent, first=indent))
    for row in error_details(error):
        console.line(indent + row)


def policy_document(statement: dict[str, Any]) -> str:
    """A statement wrapped in a complete IAM policy document, indented JSON."""
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


class _Formatter(logging.Formatter):
    def __init__(self, prefix: str, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.prefix = prefix
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        text = self.redact(record.getMessage())
        return "\n".join(self.prefix + line for line in text.splitlines())


class _DropCanonicalRequest(logging.Filter):
    """The client logs the canonical request; ``-v`` prints it with the string to sign."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "iamapi_event", None) != "canonical_request"


@contextmanager
def iamapi_logging(
    stream: Any,
    *,
    verbose: bool,
    redact: Callable[[str], str],
    collect: Optional[list[str]] = None,
) -> Iterator[None]:
    """Route the ``iamapi`` logger to ``stream`` (or into ``collect``) for one command.

    Without ``verbose`` only warnings show (the clock correction, for one);
    with it, every attempt the client makes. The logger's previous state is
    restored on exit, so ``main()`` can be called many times in one process.
    """
    logger = logging.getLogger("iamapi")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    handler: logging.Handler
    if collect is not None:
        handler = _Collector(collect, redact)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(_Formatter("* " if verbose else "", redact))
    if verbose:
        handler.addFilter(_DropCanonicalRequest())
    level = logging.DEBUG if verbose else logging.WARNING
    handler.setLevel(level)
    logger.handlers = [handler]
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]


class _Collector(logging.Handler):
    def __init__(self, into: list[str], redact: Callable[[str], str]) -> None:
        super().__init__()
        self.into = into
        self.redact = redact

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.redact(record.getMessage()))
