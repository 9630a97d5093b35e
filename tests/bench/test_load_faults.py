"""The load-and-faults scenario (issue 4) at a size that fits the suite: 800 requests,
16 threads, injected 503s, resets, latency and throttling, credentials rotating every
second through a loopback container endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "load_faults.py"


def test_idempotent_calls_survive_and_nothing_runs_twice() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--requests", "800", "--threads", "16", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["requests"] == 800
    assert report["get_failures"] == 0
    assert report["duplicated_posts"] == 0
    assert report["signature_failures"] == 0
    # The faults really happened and were retried; credentials really rotated.
    assert report["retries"] > 40
    assert report["verdicts"].get("integration_failure", 0) > 0
    assert report["verdicts"].get("connection_reset", 0) > 0
    assert report["credential_refreshes"] >= 2
