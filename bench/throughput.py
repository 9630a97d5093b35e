"""Target 2: loopback throughput of ``IamApiClient`` against plain unsigned ``requests``.

Both send the same GET with two query parameters to the same local server
(:mod:`server`) and read the small JSON answer. ``IamApiClient`` runs as a user
runs it: credentials from the environment, signing every attempt, its retry
policy and failure diagnosis on, ``raise_for_status`` on. The anchor is a
plain ``requests.Session().get(...)``. With more than one thread, all threads
share one client (or one session) and each makes the same number of requests.
Rounds alternate between the two; the worker prints requests per second per round.

Run alone: ``python bench/throughput.py PORT [--threads 8] [--requests 500]``.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Callable

import requests

from common import QUERY, emit
from iamapi import IamApiClient

Call = Callable[[], None]


def clients(port: int) -> tuple[IamApiClient, requests.Session, Call, Call]:
    """The signed client, the plain session, and one request through each."""
    base = f"http://127.0.0.1:{port}/prod"
    client = IamApiClient(base)
    session = requests.Session()

    def signed() -> None:
        response = client.get("/pets", params=QUERY)
        assert response.status_code == 200

    def plain() -> None:
        response = session.get(f"{base}/pets", params=QUERY)
        assert response.status_code == 200

    return client, session, signed, plain


def rate(call: Call, threads: int, per_thread: int) -> float:
    """Requests per second with ``threads`` threads each making ``per_thread`` calls."""
    if threads == 1:
        started = time.perf_counter()
        for _ in range(per_thread):
            call()
        return per_thread / (time.perf_counter() - started)
    barrier = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                call()
        except BaseException as exc:  # reported after the join
            failures.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return threads * per_thread / elapsed


def measure(port: int, threads: int, per_thread: int, rounds: int) -> dict[str, list[float]]:
    client, session, signed, plain = clients(port)
    try:
        for call in (signed, plain):  # open the connections, warm the code paths
            rate(call, threads, max(1, per_thread // 10))
        samples: dict[str, list[float]] = {"iamapi": [], "requests": []}
        for round_number in range(rounds):
            order = [("iamapi", signed), ("requests", plain)]
            if round_number % 2:
                order.reverse()
            for name, call in order:
                samples[name].append(rate(call, threads, per_thread))
        return samples
    finally:
        client.close()
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--requests", type=int, default=500, help="requests per thread per round")
    parser.add_argument("--rounds", type=int, default=8)
    options = parser.parse_args()
    emit(measure(options.port, options.threads, options.requests, options.rounds))


if __name__ == "__main__":
    main()
