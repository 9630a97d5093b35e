"""``iamapi request``: sign one request with SigV4, send it, print the answer."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from iamapi._redaction import mask_access_key, redact_headers
from iamapi._signing import SIGNING_HEADERS, SigningResult
from iamapi.cli._common import (
    add_aws_options,
    base_url,
    diagnosis_kind,
    iamapi_logging,
    positive_seconds,
    show_error,
    user_agent,
)
from iamapi.cli._console import Console, UsageError

if TYPE_CHECKING:
    import requests

    from iamapi._client import IamApiClient
    from iamapi._exceptions import GatewayError

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Sign a request with SigV4 (credentials from the AWS chain, --profile or --role-arn),
send it, and print the answer's body on standard output. An error answer is explained
on standard error: what the gateway said, why, and what to change."""

EXAMPLES = """\
examples:
  iamapi request https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets
  iamapi request -X POST --json '{"name": "rex"}' https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets
  iamapi request -d @order.json -H 'Content-Type: application/json' URL
  echo '{"id": 7}' | iamapi request -X PUT -d @- URL
  iamapi request --profile staging -i URL     status line and headers before the body
  iamapi request -v URL                       canonical request, string to sign, each attempt
  iamapi request --no-sign URL                what the API answers an unsigned call

exit status:
  0  the API answered 1xx, 2xx or 3xx
  1  an error answer (explained on standard error), no answer, or no usable credentials
  2  a usage error: bad option, URL, header or body file"""

# Headers iamapi sets when it signs; a value given with -H would be replaced silently.
_SIGNING_HEADERS = frozenset(name.lower() for name in SIGNING_HEADERS)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "request",
        help="sign and send one request, print the answer",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-X",
        "--request",
        dest="method",
        metavar="METHOD",
        help="HTTP method (default: GET, or POST when there is a body)",
    )
    parser.add_argument(
        "url",
        metavar="URL",
        help="the full URL, stage included; plain http:// only for localhost",
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument(
        "-d", "--data", metavar="DATA", help="request body: text, @FILE, or @- for standard input"
    )
    body.add_argument(
        "--json",
        metavar="JSON",
        help="JSON body (text, @FILE or @-), checked; sets Content-Type and Accept",
    )
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header; repeat for more",
    )
    add_aws_options(parser)
    output = parser.add_argument_group("output and behaviour")
    output.add_argument(
        "-i", "--include", action="store_true", help="print the status line and headers first"
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the request, canonical request, string to sign and each attempt on stderr",
    )
    output.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="S",
        help="seconds to connect and to wait for the answer (default: 5 and 30)",
    )
    output.add_argument(
        "--no-retry", action="store_true", help="one attempt only (no retry of 5xx or throttling)"
    )
    output.add_argument(
        "--no-sign",
        action="store_true",
        help="send without a signature, to see what the API answers an unsigned call",
    )
    parser.set_defaults(run=run)


def parse_headers(values: Iterable[str]) -> dict[str, str]:
    """``-H 'Name: value'`` options as a dict; a repeated name's values are joined with ','."""
    headers: dict[str, str] = {}
    for raw in values:
        name, colon, value = raw.partition(":")
        name = name.strip()
        if not colon or not name or any(c.isspace() for c in name):
            raise UsageError(f"-H {raw!r}: expected 'Name: value'")
        if name.lower() in _SIGNING_HEADERS:
            raise UsageError(
                f"-H {name}: iamapi sets this header when it signs; leave it out "
                "(use --no-sign to send a request without a signature)"
            )
        value = value.strip()
        same = next((key for key in headers if key.lower() == name.lower()), None)
        if same is None:
            headers[name] = value
        else:
            headers[same] = f"{headers[same]},{value}"
    return headers


def read_source(value: str, option: str) -> bytes:
    """The bytes of a ``-d``/``--json`` value: literal text, ``@file`` or ``@-`` (stdin)."""
    if value == "@-":
        return sys.stdin.buffer.read()
    if value.startswith("@"):
        name = value[1:]
        if not name:
            raise UsageError(f"{option} @: name a file after '@', or use @- for standard input")
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise UsageError(f"{option} {value}: cannot read {name}: {exc.strerror}") from None
    return value.encode("utf-8")


def _body(args: argparse.Namespace, headers: dict[str, str]) -> Optional[bytes]:
    if args.json is not None:
        data = read_source(args.json, "--json")
        try:
            json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise UsageError(f"--json: not valid JSON ({exc})") from None
        names = {name.lower() for name in headers}
        if "content-type" not in names:
            headers["Content-Type"] = "application/json"
        if "accept" not in names:
            headers["Accept"] = "application/json"
        return data
    if args.data is not None:
        return read_source(args.data, "-d")
    return None


def _unsigned_auth() -> requests.auth.AuthBase:
    import requests

    class Unsigned(requests.auth.AuthBase):
        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            return request

    return Unsigned()


def run(args: argparse.Namespace) -> int:
    from iamapi._client import DEFAULT_TIMEOUT, IamApiClient
    from iamapi._endpoints import Endpoint

    secrets: set[str] = set()
    out = Console(sys.stdout, secrets)
    err = Console(sys.stderr, secrets)
    headers = parse_headers(args.header)
    body = _body(args, headers)
    method = (args.method or ("POST" if body is not None else "GET")).upper()
    if not method.isalpha() or not method.isascii():
        raise UsageError(f"-X {args.method!r} is not valid: use a method name such as GET or PUT")
    endpoint = Endpoint.parse(
        args.url, region=args.region, service=args.service, profile=args.profile
    )
    attempts = 0

    def report(result: SigningResult) -> None:
        nonlocal attempts
        attempts += 1
        credentials = client.credentials.get()
        secrets.update(s for s in (credentials.secret_key, credentials.token) if s)
        if not args.verbose:
            return
        err.line(
            f"* attempt {attempts}: signed at {result.amz_date} with access key "
            f"{mask_access_key(result.access_key)}, scope {result.scope}"
        )
        err.line("* canonical request:")
        err.line(_indented(result.redacted_canonical_request()))
        err.line("* string to sign:")
        err.line(_indented(result.string_to_sign))

    with iamapi_logging(sys.stderr, verbose=args.verbose, redact=err.redact):
        client = IamApiClient(
            base_url(endpoint),
            region=endpoint.region,
            service=endpoint.service,
            profile=args.profile,
            role_arn=args.role_arn,
            timeout=args.timeout or DEFAULT_TIMEOUT,
            retry=not args.no_retry,
            raise_for_status=False,
            auth=_unsigned_auth() if args.no_sign else None,
            headers=user_agent(),
            on_sign=report,
        )
        with client:
            if args.verbose:
                how = "unsigned (--no-sign)" if args.no_sign else "signed with SigV4"
                err.line(
                    f"* {method} {args.url}: {how} for region {endpoint.region}, "
                    f"service {endpoint.service}"
                )
            response = client.request(method, args.url, data=body, headers=headers)
            error = _diagnose(client, response, signed=not args.no_sign)
    if args.verbose:
        _show_exchange(err, client, response)
    if args.include:
        out.line(_status_line(response))
        for name, value in redact_headers(response.headers).items():
            out.line(f"{name}: {value}")
        out.line()
    failed = response.status_code >= 400
    _write_body(out, response.content, redacted=failed)
    if error is not None:
        show_error(err, error)
    return 1 if failed else 0


def _diagnose(
    client: IamApiClient, response: requests.Response, *, signed: bool
) -> Optional[GatewayError]:
    if response.status_code < 400:
        return None
    if signed:
        return client.diagnose(response)
    import iamapi

    return iamapi.diagnose(
        response.status_code,
        response.headers,
        response.content,
        signed=False,
        method=response.request.method,
        url=response.url,
        kind=diagnosis_kind(client.endpoint),
        stage=client.endpoint.stage,
        region=client.endpoint.region,
        service=client.endpoint.service,
    )


def _indented(text: str) -> str:
    return "\n".join(("*   " + line).rstrip() for line in text.split("\n"))


def _status_line(response: requests.Response) -> str:
    return f"HTTP/1.1 {response.status_code} {response.reason or ''}".rstrip()


def _show_exchange(err: Console, client: IamApiClient, response: requests.Response) -> None:
    """The final request's head as sent (``>``) and the answer's head (``<``), masked."""
    request = response.request
    err.line(f"> {request.method} {request.path_url} HTTP/1.1")
    sent = redact_headers(request.headers)
    if not any(name.lower() == "host" for name in sent):
        err.line(f"> Host: {client.endpoint.netloc}")
    for name, value in sent.items():
        err.line(f"> {name}: {value}")
    err.line(">")
    err.line(f"< {_status_line(response)}")
    for name, value in redact_headers(response.headers).items():
        err.line(f"< {name}: {value}")
    err.line("<")


def _write_body(out: Console, content: bytes, *, redacted: bool) -> None:
    """The body on stdout: as received, or (an error answer) decoded and masked."""
    if not content:
        return
    if redacted:
        text = content.decode("utf-8", "replace")
        out.stream.write(out.redact(text))
        if out.terminal and not text.endswith("\n"):
            out.stream.write("\n")
        out.stream.flush()
        return
    out.stream.flush()
    buffer = getattr(out.stream, "buffer", None)
    if buffer is not None:
        buffer.write(content)
        if out.terminal and not content.endswith(b"\n"):
            buffer.write(b"\n")
        buffer.flush()
    else:  # a stream without bytes (replaced in-process): decode
        out.stream.write(content.decode("utf-8", "replace"))
        out.stream.flush()
