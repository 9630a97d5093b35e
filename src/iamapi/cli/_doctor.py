"""``iamapi doctor``: the options, the report as text or JSON, and the exit status."""

from __future__ import annotations

import argparse
import json
import sys

from iamapi.cli._checks import Check, run_checks
from iamapi.cli._common import add_aws_options, positive_seconds
from iamapi.cli._console import Console, UsageError

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Check an IAM-protected endpoint step by step and say what is wrong: the URL, your
credentials, who AWS says you are, your clock, what the endpoint answers without and
with a signature, and, when access is denied, the exact IAM policy statement that
would allow the call."""

EXAMPLES = """\
examples:
  iamapi doctor https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets
  iamapi doctor --profile staging -X POST https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders
  iamapi doctor --region eu-west-1 https://api.example.com/v1/pets     a custom domain
  iamapi doctor --json URL | jq '.checks[] | select(.status == "fail")'

Each check ends pass, fail, warn or skip. Doctor sends two requests to the URL (one
unsigned, one signed, both without a body) and, for a non-local URL, one
GetCallerIdentity call to STS (AWS_ENDPOINT_URL_STS points it elsewhere).

exit status: 0 no check failed (the endpoint works); 1 a check failed; 2 a usage error"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check an endpoint step by step and explain what fails",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="the full URL to check, stage included")
    parser.add_argument(
        "-X",
        "--request",
        dest="method",
        default="GET",
        metavar="METHOD",
        help="method of the two test calls (default GET; the IAM resource names it)",
    )
    add_aws_options(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=10.0,
        metavar="S",
        help="seconds to wait for each answer (default 10; connecting: at most 3)",
    )
    parser.set_defaults(run=run)


_LABELS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
_COLOURS = {"pass": "green", "fail": "red", "warn": "yellow", "skip": "dim"}


def _print_text(out: Console, url: str, method: str, checks: list[Check]) -> None:
    out.line(f"iamapi doctor: {method} {url}")
    out.line()
    indent = " " * 20
    for check in checks:
        label = out.paint(_LABELS[check.status], _COLOURS[check.status])
        lead = f"{label}  {check.name:<14}"
        wrapped = out.wrap(check.summary, indent, first="X" * 20)
        out.line(lead + wrapped[20:])
        for note_label, text in check.notes:
            out.line(out.wrap(f"{note_label} {text}", indent))
        for row in check.block:
            out.line(indent + row)
        for note_label, text in check.after:
            out.line(out.wrap(f"{note_label} {text}", indent))
    out.line()
    failed = [c.name for c in checks if c.status == "fail"]
    warned = [c.name for c in checks if c.status == "warn"]
    if not failed:
        text = "Result: the endpoint works"
        if warned:
            text += f", with {len(warned)} warning(s): {', '.join(warned)}"
        out.line(out.paint(text + ".", "green"))
    else:
        text = f"Result: {len(failed)} check(s) failed: {', '.join(failed)}"
        if warned:
            text += f"; {len(warned)} warning(s): {', '.join(warned)}"
        out.line(out.paint(text + ".", "red"))


def run(args: argparse.Namespace) -> int:
    if not args.method.isalpha() or not args.method.isascii():
        raise UsageError(f"-X {args.method!r} is not valid: use a method name such as GET")
    method = args.method.upper()
    checks, secrets = run_checks(args)
    out = Console(sys.stdout, secrets)
    ok = all(check.status != "fail" for check in checks)
    if args.json:
        report = {
            "url": args.url,
            "method": method,
            "ok": ok,
            "checks": [check.as_json() for check in checks],
        }
        out.line(json.dumps(report, indent=2, default=str))
    else:
        _print_text(out, args.url, method, checks)
    return 0 if ok else 1
