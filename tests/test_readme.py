"""The README's quickstart runs, against the emulator instead of AWS."""

from __future__ import annotations

import re
from pathlib import Path

from iamapi.emulator import Gateway, Principal

README = Path(__file__).resolve().parents[1] / "README.md"


def _quickstart() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README has no Python quickstart"
    return match.group(1)


def test_quickstart_runs_against_the_emulator(
    iam_gateway: Gateway, iam_credentials: Principal
) -> None:
    code = _quickstart()
    real_url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert real_url in code
    exec(compile(code.replace(real_url, iam_gateway.url), str(README), "exec"), {})  # noqa: S102
    methods = [(r.method, r.path, r.verdict) for r in iam_gateway.requests]
    assert methods == [
        ("GET", "/prod/pets", "ok"),
        ("POST", "/prod/pets", "ok"),
        ("DELETE", "/prod/pets/1", "ok"),
    ]
