"""What the benchmark modules share: the fixed credentials, the clean environment, timing.

Every measurement runs in a fresh interpreter started with :func:`clean_env`:
a small, Lambda-like environment (the usual ``AWS_*`` variables and nothing
from the caller's shell or ``~/.aws``), so the figures do not depend on who
runs them. ``requests`` scans the whole environment for proxy settings on each
``Session.request``; with the caller's environment that cost would vary from
one machine to the next.

Work that runs on one thread without waiting (signing, hashing, a cold start)
is timed in the CPU time of the process doing it (``time.process_time``): on an
idle machine that equals the wall-clock time, and on a shared one it does not
pick up the time other processes hold the CPU. Throughput, which involves a
second process and the network stack, is timed by the wall clock.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent

REGION = "us-east-1"
SERVICE = "execute-api"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Temporary credentials, as Lambda, SSO and assumed roles hand out: a session
# token of the usual length (about 1 KB) that every signer must sign.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE" + "".join(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7) % 64]
    for i in range(1000)
)
API_HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
API_URL = f"https://{API_HOST}/prod/pets"
QUERY = {"type": "dog", "limit": "10"}
JSON_BODY: dict[str, Any] = {
    "name": "rex",
    "tags": [f"tag-{i:03d}" for i in range(60)],
    "note": "x" * 327,
}  # about 1 KB once encoded


def clean_env(home: str) -> dict[str, str]:
    """A Lambda-like environment: fixed credentials and region, no profile, no ~/.aws."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if "PYTHONPATH" in os.environ:  # a source checkout run without installing
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def run_worker(
    module: str, args: Sequence[str], env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """Run ``bench/<module>.py`` in a fresh interpreter; return the JSON it prints last."""
    completed = subprocess.run(
        [sys.executable, str(BENCH_DIR / f"{module}.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    lines = completed.stdout.decode().strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"bench/{module}.py failed with exit status {completed.returncode}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def emit(result: dict[str, Any]) -> None:
    """Print a worker's result as the one JSON line :func:`run_worker` reads."""
    print(json.dumps(result), flush=True)


def per_call_us(func: Callable[[], object], calls: int) -> float:
    """CPU microseconds per call of ``func`` over one batch of ``calls`` calls."""
    started = time.process_time()
    for _ in range(calls):
        func()
    return (time.process_time() - started) / calls * 1e6


def interleaved_samples(
    funcs: dict[str, Callable[[], object]], batch_seconds: float, rounds: int
) -> dict[str, list[float]]:
    """CPU microseconds per call, one sample per round, timing every function in turn.

    Each function gets as many calls per batch as fill about ``batch_seconds``.
    Taking turns spreads drifts of the machine (frequency, neighbours) over all
    of them alike, so their ratios hold even when the absolute figures move.
    """
    calls: dict[str, int] = {}
    for name, func in funcs.items():
        per_call_us(func, 20)  # warm caches and code paths
        estimate = per_call_us(func, 50) / 1e6
        calls[name] = max(10, int(batch_seconds / max(estimate, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, func in funcs.items():
            samples[name].append(per_call_us(func, calls[name]))
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratio(mine: Sequence[float], anchor: Sequence[float]) -> float:
    """The median of the per-round ratios ``mine[i] / anchor[i]``.

    Both sides of a round ran next to each other, under the same conditions;
    the median of those ratios holds better on a busy machine than the ratio
    of two medians taken from different moments.
    """
    return statistics.median(a / b for a, b in zip(mine, anchor))


def rss_bytes() -> int:
    """The current resident set size of this process (Linux ``/proc``), in bytes."""
    return _status_kb("VmRSS") * 1024


def peak_rss_bytes() -> int:
    """The peak resident set size since start or the last :func:`reset_peak_rss`, in bytes."""
    return _status_kb("VmHWM") * 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak RSS mark to the current RSS; ``False`` where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")
