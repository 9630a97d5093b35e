"""The shared leak test: no secret key, session token or signature in any CLI output.

Every run in this folder is already checked by ``cli()``; this test adds a run
of every command and output mode with temporary credentials (secret key and
session token) and with the gateway echoing its canonical string, then scans
everything the CLI printed in this session.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from cli.helpers import OUTPUTS, TEMP, WRONG_SECRET, cli, find_secrets, keys
from iamapi.emulator import Gateway


def test_no_output_holds_a_secret(gateway: Gateway, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"token": "not-a-secret"}', encoding="utf-8")
    url = f"{gateway.url}/pets"
    temp, wrong = keys(TEMP), keys(TEMP, secret=WRONG_SECRET)
    commands: list[tuple[list[str], dict[str, Optional[str]]]] = [
        (["request", "-v", "-i", url], temp),
        (["request", "-v", "-i", url], wrong),
        (["request", "-v", "-i", "-d", f"@{body}", f"{gateway.url}/echo/x"], temp),
        (["request", "-v", f"{gateway.url}/denied/x"], temp),
        (["request", "-v", "--no-sign", url], temp),
        (["request", "-v", "--region", "eu-west-1", url], temp),
        (["request", "-v", f"{gateway.base_url}/nope/pets"], temp),
        (["doctor", url], temp),
        (["doctor", "--json", url], wrong),
        (["doctor", f"{gateway.url}/denied/x"], temp),
        (["demo"], {}),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda command: cli(*command[0], env=command[1]), commands))
    assert [run.returncode for run in runs] == [0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0]
    mismatch = runs[1]
    assert "[signature_mismatch]" in mismatch.flat()
    assert "x-amz-security-token:[redacted]" in mismatch.stdout, "the body is masked too"
    everything = "\n".join(OUTPUTS)
    assert len(OUTPUTS) >= len(runs)
    assert find_secrets(everything) == []
