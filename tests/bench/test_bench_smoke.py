"""The benchmark script runs and prints its table (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_quick_signing_run_prints_the_table() -> None:
    completed = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "signing"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| Target"))
    assert "| Ratio |" in header
    assert "| Result |" in header
    rows = [line for line in lines if line.startswith("| 1 sign")]
    assert len(rows) == 4  # GET and POST, each against botocore and the floor
    assert all(("PASS" in row) != ("FAIL" in row) for row in rows)
    assert "requests-aws4auth" in completed.stdout  # the anchors are listed below the table
