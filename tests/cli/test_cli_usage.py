"""Help, version and usage errors: exit status 2 and a message that says what to change."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from cli.helpers import ALICE, cli, keys
from iamapi import __version__


def test_version() -> None:
    run = cli("--version")
    assert run.returncode == 0
    assert run.stdout.startswith(f"iamapi {__version__} (Python ")


@pytest.mark.parametrize("command", [[], ["request"], ["doctor"], ["emulator"], ["demo"]])
def test_help_has_examples(command: list[str]) -> None:
    run = cli(*command, "--help")
    assert run.returncode == 0, run
    assert "examples:" in run.stdout
    assert run.stdout.startswith("usage: iamapi")


def test_no_command_prints_help_and_exits_2() -> None:
    run = cli()
    assert run.returncode == 2
    assert "COMMAND" in run.stderr


LOCAL = "http://localhost/p"
PLAIN = "http://abc123.execute-api.us-east-1.amazonaws.com/prod/x"
USAGE_ERRORS = {
    "no-url": (["request"], "the following arguments are required: URL"),
    "unknown-command": (["frobnicate"], "invalid choice"),
    "two-bodies": (["request", "-d", "x", "--json", "{}", LOCAL], "not allowed with"),
    "timeout": (["request", "--timeout", "-1", LOCAL], "positive number"),
    "header": (["request", "-H", "no-colon", LOCAL], "expected 'Name: value'"),
    "auth-header": (["request", "-H", "Authorization: x", LOCAL], "iamapi sets this header"),
    "missing-file": (["request", "-d", "@/nonexistent/body", LOCAL], "cannot read"),
    "bad-json": (["request", "--json", "{oops", LOCAL], "not valid JSON"),
    "scheme": (["request", "ftp://example.com/x"], "must start with https://"),
    "plain-http": (["request", PLAIN], "plain http:// only to localhost"),
    "no-region": (["request", "https://api.example.com/x"], "pass --region"),
    "method": (["request", "-X", "GE T", LOCAL], "not valid"),
    "doctor-method": (["doctor", "-X", "GE T", LOCAL], "not valid"),
    "port": (["emulator", "--port", "99999"], "a port is 0 to 65535"),
    "kind": (["emulator", "--kind", "soap"], "invalid choice"),
}


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    run = cli(*args, env={**keys(ALICE), "AWS_REGION": None})
    assert run.returncode == 2, run
    assert message in run.flat()
    assert run.stdout == ""


def test_console_script_is_main() -> None:
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    target = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["scripts"]["iamapi"]
    module, _, name = target.partition(":")
    from iamapi.cli import main

    assert getattr(importlib.import_module(module), name) is main
