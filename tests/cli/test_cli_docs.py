"""docs/cli.md shows real output: the demo and the broken-endpoint doctor report are re-run here.

Ports, request ids, clock offsets and line wrapping differ from run to run; the
rest of the text must match the page word for word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.helpers import cli
from iamapi.emulator import DEMO_PRINCIPAL, Gateway

PAGE = Path(__file__).parents[2] / "docs" / "cli.md"


def _block(after: str, fence: str = "```text") -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(fence, text.index(after)) + len(fence)
    return text[start : text.index("```", start)]


def _normal(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"request id [0-9a-f-]{36}", "request id ID", text)
    text = re.sub(r"offset [+-]\d+ s", "offset N s", text)
    return " ".join(text.split())


def test_the_broken_endpoint_report_is_current() -> None:
    tomllib = pytest.importorskip("tomllib")
    settings = tomllib.loads(_block("for the first doctor report above", "```toml"))
    gateway = Gateway.from_mapping({**settings, "principals": [DEMO_PRINCIPAL]})
    shown = _block("### A report for a broken endpoint")
    command, _, report = shown.strip().partition("\n")
    assert command.startswith("$ iamapi doctor ")
    env = {
        "AWS_ACCESS_KEY_ID": DEMO_PRINCIPAL.access_key,
        "AWS_SECRET_ACCESS_KEY": DEMO_PRINCIPAL.secret_key,
        "AWS_REGION": "us-east-1",
    }
    with gateway:
        run = cli("doctor", f"{gateway.url}/pets", env=env)
    assert run.returncode == 1
    assert _normal(run.stdout) == _normal(report)


def test_the_demo_output_is_current() -> None:
    shown = _block("## `iamapi demo`")
    command, _, output = shown.strip().partition("\n")
    assert command == "$ python -m iamapi demo"
    run = cli("demo")
    assert _normal(run.stdout) == _normal(output)
