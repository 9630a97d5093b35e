"""Target 5: memory stays flat over many requests from one client.

One ``IamApiClient`` sends the same signed GET to the local server again and
again. At checkpoints (a tenth of the way, then every further fifth) the
worker runs a full garbage collection and notes its resident set size and the
number of objects the collector tracks. The figure is the growth from the
first checkpoint (the warm state: pools, caches and code paths filled) to the
last; anything that keeps a little per request (a cache without a bound, a
history list) shows up as steady growth in both.

Run alone: ``python bench/memory.py PORT [--requests 100000]``.
"""

from __future__ import annotations

import argparse
import gc

from common import QUERY, emit, rss_bytes
from iamapi import IamApiClient


def measure(port: int, total: int) -> dict[str, object]:
    first = max(1, total // 10)
    step = max(1, (total - first) // 5)
    checkpoints = sorted({first, *range(first + step, total, step), total})
    samples: list[dict[str, int]] = []
    with IamApiClient(f"http://127.0.0.1:{port}/prod") as client:
        done = 0
        for checkpoint in checkpoints:
            while done < checkpoint:
                response = client.get("/pets", params=QUERY)
                assert response.status_code == 200
                done += 1
            gc.collect()
            samples.append({"requests": done, "rss": rss_bytes(), "objects": len(gc.get_objects())})
    return {
        "samples": samples,
        "rss_growth_bytes": samples[-1]["rss"] - samples[0]["rss"],
        "object_growth": samples[-1]["objects"] - samples[0]["objects"],
        "from_requests": samples[0]["requests"],
        "to_requests": samples[-1]["requests"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--requests", type=int, default=100_000)
    options = parser.parse_args()
    emit(measure(options.port, options.requests))


if __name__ == "__main__":
    main()
