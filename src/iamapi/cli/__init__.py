"""The ``iamapi`` command: call IAM-protected URLs, diagnose endpoints, run the emulator.

One module per command (``_request``, ``_doctor``, ``_emulator``, ``_demo``),
each with ``add_parser`` and ``run``; the doctor's checks live in ``_checks``
(STS in ``_identity``), the shared options and error printing in ``_common``,
and terminal output with its redaction in ``_console``. :func:`main` builds the
parser and maps what a command raises to the exit status:

* ``0``: the command succeeded (the API answered, the endpoint works, ...);
* ``1``: it ran but failed (an error answer, no answer, no credentials);
* ``2``: a usage error (argparse's, a bad URL, header, file or setting);
* ``130``: interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from iamapi.cli import _demo, _doctor, _emulator, _request
from iamapi.cli._common import cli_hint, show_error
from iamapi.cli._console import Console, UsageError

__all__ = ["main"]

DESCRIPTION = """\
Call AWS IAM-protected HTTP APIs (API Gateway execute-api, Lambda function URLs)
with SigV4, and find out why a call fails."""

EXAMPLES = """\
examples:
  iamapi demo                               a local gateway, one signed call, three failures
  iamapi request https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets
  iamapi doctor https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets
  iamapi emulator --port 8080               a local gateway in the foreground

Run 'iamapi COMMAND --help' for a command's options and examples."""


def _parser() -> argparse.ArgumentParser:
    from iamapi._version import VERSION

    parser = argparse.ArgumentParser(
        prog="iamapi",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"iamapi {VERSION} (Python {sys.version.split()[0]})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (_request, _doctor, _emulator, _demo):
        command.add_parser(commands)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the ``iamapi`` command line with ``argv`` (default: ``sys.argv[1:]``)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    err = Console(sys.stderr)
    prog = f"iamapi {args.command}"
    from iamapi._exceptions import ConfigurationError, IamApiError

    try:
        status: int = args.run(args)
    except (UsageError, ConfigurationError) as exc:
        err.line(f"{prog}: error: {exc}")
        hint = cli_hint(exc)
        if hint:
            err.line(hint)
        err.line(f"Run '{prog} --help' for usage.")
        return 2
    except IamApiError as exc:
        show_error(err, exc)
        return 1
    except KeyboardInterrupt:
        err.line(f"{prog}: interrupted")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1
    return status


def _silence_stdout() -> None:
    """After the reader of a pipe went away: send what is left to nowhere, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
