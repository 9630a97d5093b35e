"""16 concurrent keep-alive clients x 500 signed requests: no error, each recorded once."""

from __future__ import annotations

import collections
import threading

import pytest
import requests
from requests_aws4auth import AWS4Auth

from emulator.helpers import ALICE, BOB
from iamapi.emulator import Gateway

THREADS = 16
REQUESTS_PER_THREAD = 500


@pytest.mark.slow
def test_sixteen_keep_alive_clients() -> None:
    errors: list[str] = []
    start = threading.Barrier(THREADS)
    connections: collections.Counter[int] = collections.Counter()

    def client(number: int, gateway: Gateway) -> None:
        principal = ALICE if number % 2 else BOB
        auth = AWS4Auth(principal.access_key, principal.secret_key, gateway.region, "execute-api")
        try:
            with requests.Session() as session:
                session.trust_env = False  # loopback: skip the per-request proxy lookup
                start.wait()
                for index in range(REQUESTS_PER_THREAD):
                    response = session.get(
                        f"{gateway.url}/clients/{number}", params={"n": str(index)}, auth=auth
                    )
                    if response.status_code != 200:
                        errors.append(f"{number}/{index}: {response.status_code} {response.text}")
                        return
                    if response.json()["params"] != {"n": [str(index)]}:
                        errors.append(f"{number}/{index}: wrong echo")
                        return
                adapter = session.get_adapter(gateway.url)
                connections[number] = len(adapter.poolmanager.pools)  # type: ignore[attr-defined]
        except Exception as error:  # report every failure, not just the first thread's
            errors.append(f"{number}: {error!r}")

    with Gateway(principals=[ALICE, BOB]) as gateway:
        threads = [
            threading.Thread(target=client, args=(n, gateway), name=f"client-{n}")
            for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        records = gateway.requests
        executions = {n: gateway.executions("GET", f"/clients/{n}") for n in range(THREADS)}

    assert errors == []
    assert len(records) == THREADS * REQUESTS_PER_THREAD
    assert {r.verdict for r in records} == {"ok"}
    seen = collections.Counter((r.path, r.query) for r in records)
    assert len(seen) == THREADS * REQUESTS_PER_THREAD  # each request recorded exactly once
    assert set(executions.values()) == {REQUESTS_PER_THREAD}
    assert len(connections) == THREADS
