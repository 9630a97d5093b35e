"""Load under faults: one IamApiClient shared by many threads against a faulty emulator.

The emulator injects 503s, connection resets and latency, throttles with a token
bucket (429 bursts), and credentials rotate every second through a loopback
container-credentials endpoint. The run reports requests, retries, credential
refreshes, failures, duplicated POSTs, signature failures and memory.

    python bench/load_faults.py                    # 20,000 requests, 16 threads
    python bench/load_faults.py --requests 800 --json

Every idempotent request must succeed within the retry budget, no POST may run
twice on the emulator's execution counter, and no signature may fail.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROTATE_EVERY = 1.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _generation() -> int:
    return int(time.time() / ROTATE_EVERY)


def _credentials_for(number: int) -> tuple[str, str, str]:
    return f"ASIALOAD{number:012d}", f"load-secret-{number}", f"load-token-{number}"


class _CredentialServer:
    """A container-credentials endpoint on loopback whose keys change every second."""

    def __init__(self) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                access, secret, token = _credentials_for(_generation())
                # Inside botocore's advisory window (15 min) but outside the mandatory one
                # (10 min): refreshes happen ahead of expiry without blocking callers.
                expires = datetime.now(timezone.utc) + timedelta(minutes=12)
                body = json.dumps(
                    {
                        "AccessKeyId": access,
                        "SecretAccessKey": secret,
                        "Token": token,
                        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/creds"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def run(
    total: int, threads: int, seed: int = 7, throttle: tuple[float, int] = (500.0, 10)
) -> dict[str, Any]:
    """Run the scenario and return its figures."""
    from iamapi import IamApiClient, IamApiError, RetryBudget, RetryPolicy
    from iamapi.emulator import Faults, Gateway, Principal

    creds = _CredentialServer()
    os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = creds.url
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    first = _generation()
    horizon = int(total / 100 / ROTATE_EVERY) + 120
    principals = [
        Principal(
            *_credentials_for(n)[:2],
            session_token=_credentials_for(n)[2],
            arn=f"arn:aws:sts::123456789012:assumed-role/load/gen{n}",
        )
        for n in range(first - 1, first + horizon)
    ]
    faults = Faults(error_rate=0.10, error_status=503, reset_rate=0.05, latency=0.0005, seed=seed)
    gateway = Gateway(region="us-east-1", principals=principals, faults=faults, throttle=throttle)
    policy = RetryPolicy(max_attempts=10, backoff_base=0.005, backoff_cap=0.25)
    calls = {"get": 0, "post": 0}
    failures: dict[str, list[str]] = {"get": [], "post": []}
    posts: list[str] = []
    lock = threading.Lock()
    rss_start = rss_peak = _rss_mb()
    started = time.monotonic()
    with gateway:
        client = IamApiClient(gateway.url, region="us-east-1", retry=policy)
        # Sized for this fault mix (~15% faults plus 429 bursts, so ~25% of calls retry):
        # a retry costs 2 tokens and a success earns 1 back, which sustains that rate,
        # while an outage (every call failing) still empties it after 1,000 retries.
        client.budget = RetryBudget(capacity=2000, retry_cost=2, timeout_cost=4)
        per_thread = total // threads

        def work(index: int) -> None:
            nonlocal rss_peak
            rng = random.Random(seed * 1000 + index)
            for i in range(per_thread):
                if rng.random() < 0.2:
                    path = f"/orders/{uuid.UUID(int=rng.getrandbits(128))}"
                    kind = "post"
                    with lock:
                        posts.append(path)
                else:
                    path, kind = f"/pets/{rng.randrange(100)}", "get"
                try:
                    if kind == "post":
                        client.post(path, json={"i": i})
                    else:
                        client.get(path, params={"q": "a b"})
                except IamApiError as error:
                    label = f"{type(error).__name__}: {getattr(error, 'code', '')}"
                    with lock:
                        failures[kind].append(label)
                with lock:
                    calls[kind] += 1
                if i % 200 == 0:
                    rss = _rss_mb()
                    with lock:
                        rss_peak = max(rss_peak, rss)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        records = gateway.requests
        executions = {path: gateway.executions("POST", path) for path in posts}
        client.close()
    creds.close()
    verdicts: dict[str, int] = {}
    for record in records:
        verdicts[record.verdict] = verdicts.get(record.verdict, 0) + 1
    refused = ("signature_mismatch", "invalid_token", "expired_token", "malformed_authorization")
    signature_failures = sum(verdicts.get(code, 0) for code in refused)
    return {
        "requests": calls["get"] + calls["post"],
        "threads": threads,
        "seconds": round(elapsed, 2),
        "requests_per_second": round((calls["get"] + calls["post"]) / elapsed),
        "attempts_on_the_wire": len(records),
        "retries": len(records) - calls["get"] - calls["post"],
        "verdicts": verdicts,
        "credential_refreshes": creds.hits,
        "access_keys_used": len({r.access_key for r in records if r.access_key}),
        "get_failures": len(failures["get"]),
        "post_failures": len(failures["post"]),
        "get_failure_kinds": sorted(set(failures["get"])),
        "post_failure_kinds": sorted(set(failures["post"])),
        "duplicated_posts": sum(1 for count in executions.values() if count > 1),
        "signature_failures": signature_failures,
        "rss_start_mb": round(rss_start, 1),
        "rss_peak_mb": round(rss_peak, 1),
        "rss_end_mb": round(_rss_mb(), 1),
        "note": "RSS includes the in-process emulator, which keeps a record of every attempt",
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--throttle", default="500,10", help="the emulator's token bucket: RATE,BURST"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rate, burst = args.throttle.split(",")
    report = run(args.requests, args.threads, args.seed, (float(rate), int(burst)))
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")
    ok = report["get_failures"] == 0 and report["duplicated_posts"] == 0
    return 0 if ok and report["signature_failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
