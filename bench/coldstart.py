"""Target 3: a Lambda cold start, the imports and the first signed request in a fresh interpreter.

Each figure is the median over fresh interpreters (the two sides take turns),
timed inside the child from its first statement, before any import, to the
signed request: the interpreter's own start-up, the same for both, is left
out, so the ratio is the stricter one. The judged figure is the child's CPU
time over that span (the same as its wall-clock time on an idle machine, and
steady on a busy one); the wall-clock times, inside the child and of the whole
process, are reported too. Credentials come from the environment, as Lambda
provides them. What each side does:

* ``iamapi, sign``: ``import iamapi`` (which imports requests), build the
  GET with ``requests.Request(...).prepare()`` and sign it with
  ``iamapi.SigV4Auth(region=...)``, which reads the credentials.
* ``botocore, sign``: ``import requests, botocore.session``, then
  ``botocore.session.get_session().get_credentials()`` and one
  ``botocore.auth.SigV4Auth`` signature of the same GET as an ``AWSRequest``.
* ``... + send`` (with a local server): the same up to a response:
  ``IamApiClient(base).get(...)``, against botocore's signature sent with
  ``requests.get(url, headers=signed headers)``.
* ``requests alone``: ``import requests``, for scale.

``python -X importtime -c "import iamapi"`` gives the top offenders.

Run alone: ``python bench/coldstart.py [--port PORT] [--runs 21]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from common import API_URL, QUERY, REGION, SERVICE, emit

PRELUDE = """\
import time
started, started_cpu = time.perf_counter(), time.process_time()
"""
REPORT = """
print((time.process_time() - started_cpu) * 1000, (time.perf_counter() - started) * 1000)
"""

SIGN_IAMAPI = """\
import iamapi
import requests
prepared = requests.Request("GET", URL, params=QUERY).prepare()
iamapi.SigV4Auth(region=REGION)(prepared)
assert prepared.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
"""

SIGN_BOTOCORE = """\
import requests, botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
credentials = botocore.session.get_session().get_credentials()
request = AWSRequest(method="GET", url=URL, params=QUERY)
SigV4Auth(credentials, SERVICE, REGION).add_auth(request)
assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
"""

SEND_IAMAPI = """\
import iamapi
with iamapi.IamApiClient(BASE) as client:
    assert client.get("/pets", params=QUERY).status_code == 200
"""

SEND_BOTOCORE = """\
import requests, botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
credentials = botocore.session.get_session().get_credentials()
request = AWSRequest(method="GET", url=BASE + "/pets", params=QUERY)
SigV4Auth(credentials, SERVICE, REGION).add_auth(request)
prepared = request.prepare()
assert requests.get(prepared.url, headers=dict(prepared.headers)).status_code == 200
"""

REQUESTS_ALONE = """\
import requests
"""


def script(body: str, base: str) -> str:
    constants = (
        f"URL = {API_URL!r}\nQUERY = {QUERY!r}\nREGION = {REGION!r}\n"
        f"SERVICE = {SERVICE!r}\nBASE = {base!r}\n"
    )
    return PRELUDE + constants + body + REPORT


def run_once(source: str) -> tuple[float, float, float]:
    """Milliseconds: (CPU inside the child, wall clock inside it, the whole process)."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", source],
        stdout=subprocess.PIPE,
        check=True,
        timeout=60,
        env=os.environ.copy(),
    )
    outside = (time.perf_counter() - started) * 1000
    cpu, wall = completed.stdout.decode().split()[-2:]
    return float(cpu), float(wall), outside


def _import_times(statement: str) -> dict[str, tuple[float, float]]:
    """``-X importtime`` of ``statement``: module -> (self ms, cumulative ms)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        stderr=subprocess.PIPE,
        check=True,
        timeout=60,
    )
    times: dict[str, tuple[float, float]] = {}
    for line in completed.stderr.decode().splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        times[name.strip()] = (int(own) / 1000, int(cumulative) / 1000)
    return times


def import_offenders(count: int) -> dict[str, list[tuple[str, float, float]]]:
    """The slowest imports under ``import iamapi``: (module, self ms, cumulative ms).

    ``cumulative``: the largest subtrees (requests and what it imports lead);
    ``beyond_requests``: the modules ``import requests`` alone does not load,
    by their own time, which is what iamapi itself adds.
    """
    mine = _import_times("import iamapi")
    theirs = _import_times("import requests")
    rows = [(name, own, cumulative) for name, (own, cumulative) in mine.items()]
    extra = [row for row in rows if row[0] not in theirs]
    return {
        "cumulative": sorted(rows, key=lambda row: row[2], reverse=True)[:count],
        "beyond_requests": sorted(extra, key=lambda row: row[1], reverse=True)[:count],
        "beyond_requests_total_ms": [("all", sum(row[1] for row in extra), 0.0)],
    }


def measure(port: int, runs: int) -> dict[str, object]:
    base = f"http://127.0.0.1:{port}/prod" if port else ""
    variants = {
        "iamapi, sign": script(SIGN_IAMAPI, base),
        "botocore, sign": script(SIGN_BOTOCORE, base),
        "requests alone": script(REQUESTS_ALONE, base),
    }
    if port:
        variants["iamapi, sign + send"] = script(SEND_IAMAPI, base)
        variants["botocore, sign + send"] = script(SEND_BOTOCORE, base)
    for source in variants.values():  # compile the modules' bytecode caches first
        run_once(source)
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    inside: dict[str, list[float]] = {name: [] for name in variants}
    outside: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, source in variants.items():
            child_cpu, child_wall, process = run_once(source)
            cpu[name].append(child_cpu)
            inside[name].append(child_wall)
            outside[name].append(process)
    return {
        "cpu_ms": cpu,
        "inside_ms": {name: statistics.median(v) for name, v in inside.items()},
        "process_ms": {name: statistics.median(v) for name, v in outside.items()},
        "import_offenders": import_offenders(8),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="local server for the send figures")
    parser.add_argument("--runs", type=int, default=21)
    options = parser.parse_args()
    emit(measure(options.port, options.runs))


if __name__ == "__main__":
    main()
