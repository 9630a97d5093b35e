"""``iamapi emulator``: a local API Gateway in the foreground, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iamapi.cli._console import Console, UsageError

if TYPE_CHECKING:
    from iamapi.emulator import Gateway

__all__ = ["add_parser", "load_config", "run"]

DESCRIPTION = """\
Run a local API Gateway emulator on 127.0.0.1 until Ctrl-C (or SIGTERM). It checks
SigV4 signatures as API Gateway does and answers failures with AWS's exact errors.
Without --config it serves a small pet API (GET /pets, GET /pets/{id}, POST /pets) to
the emulator's demo principal, and prints that principal's keys as shell lines to
paste into another terminal. Each request is logged on standard error."""

EXAMPLES = """\
examples:
  iamapi emulator                              http://127.0.0.1:8080/prod, REST API, us-east-1
  iamapi emulator --port 0 --stage dev         a free port, stage 'dev'
  iamapi emulator --kind lambda_url            a Lambda function URL (no stage)
  iamapi emulator --config gateway.toml        principals, routes, policy, faults from a file

  # in another terminal, after pasting the export lines:
  iamapi request http://127.0.0.1:8080/prod/pets

A config file holds Gateway's keyword arguments (see docs/emulator.md), for example:
  region = "eu-west-1"
  stage = "v1"
  [[principals]]
  access_key = "AKIDEXAMPLE"
  secret_key = "local-secret"
  [[routes]]
  method = "GET"
  path = "/health"
  json = { status = "up" }
Options given on the command line win over the file. TOML needs Python 3.11+; JSON
works everywhere.

exit status: 0 stopped by Ctrl-C or SIGTERM; 1 the port is taken; 2 a bad option or file"""

_DEFAULTS: dict[str, Any] = {"port": 8080, "region": "us-east-1", "stage": "prod", "kind": "rest"}
_KIND_NAMES = {"rest": "REST API", "http": "HTTP API", "lambda_url": "Lambda function URL"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run a local API Gateway emulator in the foreground",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=_port, metavar="N", help="port on 127.0.0.1 (default 8080; 0: a free one)"
    )
    parser.add_argument("--region", metavar="R", help="the API's region (default us-east-1)")
    parser.add_argument("--stage", metavar="S", help="the stage, first path segment (default prod)")
    parser.add_argument(
        "--kind",
        choices=("rest", "http", "lambda_url"),
        help="API kind, each with its own error answers (default rest)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="gateway settings from a .toml or .json file"
    )
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {value}")
    return value


def load_config(path: str) -> dict[str, Any]:
    """Read a gateway config file: TOML (Python 3.11+) or JSON, told apart by the suffix."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise UsageError(f"--config {path}: use a .toml or .json file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"--config {path}: cannot read it: {exc.strerror}") from None
    if suffix == ".json":
        try:
            loaded = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise UsageError(f"--config {path}: not valid JSON ({exc})") from None
    else:
        if sys.version_info < (3, 11):
            raise UsageError(
                f"--config {path}: reading TOML needs Python 3.11 or later (this is "
                f"{sys.version.split()[0]}); write the same settings as JSON instead"
            )
        import tomllib

        try:
            loaded = tomllib.loads(data.decode("utf-8"))
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"--config {path}: not valid TOML ({exc})") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"--config {path}: the file must hold a table of settings")
    return loaded


def build_gateway(args: argparse.Namespace) -> Gateway:
    """The gateway the options describe: the demo pet API, or the config file's."""
    from iamapi.emulator import DEMO_PRINCIPAL, Gateway

    settings: dict[str, Any] = load_config(args.config) if args.config else {}
    for name, default in _DEFAULTS.items():
        given = getattr(args, name)
        if given is not None:
            settings[name] = given
        else:
            settings.setdefault(name, default)
    try:
        settings.setdefault("max_records", 10_000)  # it may run for days: keep the newest
        if not args.config:
            return Gateway.demo(**settings)
        if not settings.get("principals"):
            settings["principals"] = [DEMO_PRINCIPAL]
        return Gateway.from_mapping(settings)
    except (ValueError, TypeError, KeyError) as exc:
        where = f"--config {args.config}" if args.config else "emulator"
        raise UsageError(f"{where}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    out = Console(sys.stdout)
    err = Console(sys.stderr)
    gateway = build_gateway(args)
    stop = threading.Event()
    try:
        gateway.start()
    except OSError as exc:
        err.line(
            f"iamapi emulator: error: cannot listen on 127.0.0.1:{args.port or 8080}: "
            f"{exc.strerror or exc}. Choose another --port (0 picks a free one)."
        )
        return 1
    restore = _on_signals(stop)
    try:
        _banner(out, gateway)
        seen = 0
        while not stop.wait(0.2):
            seen = _log_requests(err, gateway, seen)
        _log_requests(err, gateway, seen)
    finally:
        restore()
        gateway.stop()
    out.line("# iamapi emulator stopped")
    return 0


def _on_signals(stop: threading.Event) -> Any:
    """Make SIGINT and SIGTERM set ``stop``; returns a function that restores the handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    wanted = [signal.SIGINT]
    if hasattr(signal, "SIGTERM"):
        wanted.append(signal.SIGTERM)

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    previous = {number: signal.signal(number, handle) for number in wanted}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def _banner(out: Console, gateway: Gateway) -> None:
    """The URL and the credentials, every line valid shell (comments or ``export``)."""
    kind = _KIND_NAMES.get(gateway.kind, gateway.kind)
    stage = f", stage '{gateway.stage}'" if gateway.kind != "lambda_url" else ""
    out.line(f"# iamapi emulator: a local {kind}{stage}, region {gateway.region}")
    out.line(f"# URL: {gateway.url}")
    routes = ", ".join(f"{r.method} {r.template}" for r in gateway.routes)
    out.line(f"# Routes: {routes or 'every path, answered by an echo of the request'}")
    if not gateway.principals:
        out.line("# No principals: every signed request will be refused.")
    else:
        principal = gateway.principals[0]
        out.line("# Credentials it accepts (the emulator's own keys, not AWS keys); paste them:")
        # Printing these is the point: they are the emulator's local test keys.
        out.verbatim(f"export AWS_ACCESS_KEY_ID={principal.access_key}")
        out.verbatim(f"export AWS_SECRET_ACCESS_KEY={principal.secret_key}")
        if principal.session_token:
            out.verbatim(f"export AWS_SESSION_TOKEN={principal.session_token}")
        else:
            out.verbatim("unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE")
        out.verbatim(f"export AWS_REGION={gateway.region}")
        if len(gateway.principals) > 1:
            out.line(f"# ({len(gateway.principals) - 1} more principal(s) in the config file)")
    first = next((r.template for r in gateway.routes if "{" not in r.template), "/")
    out.line(f"# Try: iamapi request {gateway.url}{'' if first == '/' else first}")
    out.line("# Ctrl-C stops it.")


def _log_requests(err: Console, gateway: Gateway, seen: int) -> int:
    records, total = gateway.requests_since(seen)
    for record in records:
        clock = time.strftime("%H:%M:%S", time.gmtime(record.time))
        query = f"?{record.query}" if record.query else ""
        target = f"{record.method} {record.path}{query}"
        err.line(f"{clock} {target} -> {record.status} {record.verdict}")
    return total
