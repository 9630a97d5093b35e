"""Container and instance metadata endpoints, served on loopback."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from iamapi._credentials import CredentialProvider


def generation_of(credentials: Any) -> set[int]:
    """The generation number in each field: one number unless two generations mixed."""
    access_key, secret_key, token = credentials
    return {int(access_key[7:]), int(secret_key.split("-")[2]), int(token.split("-")[2])}


def test_container_endpoint_with_authorization_token(container: Callable[..., Any]) -> None:
    mint = container(token="container-auth-token")
    provider = CredentialProvider()
    credentials = provider.get()
    assert credentials.access_key == "ASIAGEN0000000000001"
    assert generation_of(credentials) == {1}
    assert provider.method == "container-role"
    expiry = provider.expiry
    assert expiry is not None
    assert timedelta(minutes=55) < expiry - datetime.now(timezone.utc) <= timedelta(hours=1)
    assert provider.describe()["is_temporary"] is True
    # Long-lived credentials are not fetched again.
    assert provider.get() is credentials
    assert mint.hits == 1


@pytest.mark.parametrize(
    "lifetime",
    [timedelta(minutes=5), timedelta(minutes=12)],
    ids=["mandatory-window", "advisory-window"],
)
def test_credentials_near_expiry_are_refreshed(
    container: Callable[..., Any], lifetime: timedelta
) -> None:
    mint = container(lifetime=lifetime)
    provider = CredentialProvider()
    first = provider.get()
    # Resolution fetched generation 1, which was already inside a refresh
    # window, so botocore fetched generation 2 before handing anything out.
    assert generation_of(first) == {2}
    second = provider.get()
    assert generation_of(second) == {3}
    assert mint.hits == 3


def test_force_refresh_is_single_flight(container: Callable[..., Any]) -> None:
    mint = container(delay=0.1)
    provider = CredentialProvider()
    assert generation_of(provider.get()) == {1}
    barrier = threading.Barrier(16)
    results: list[Any] = []

    def worker() -> None:
        barrier.wait()
        results.append(provider.force_refresh())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mint.hits == 2  # one resolution, one refresh
    assert len(results) == 16
    assert {generation_of(result).pop() for result in results} == {2}
    assert provider.get() == results[0]


def test_force_refresh_with_the_stale_credentials_refreshes_once(
    container: Callable[..., Any],
) -> None:
    mint = container()
    provider = CredentialProvider()
    stale = provider.get()
    # Requests that failed with the same stale credentials report one after the
    # other, each after the previous refresh finished: only the first refreshes.
    results = [provider.force_refresh(stale=stale) for _ in range(16)]
    assert mint.hits == 2
    assert all(generation_of(result) == {2} for result in results)
    # Without ``stale``, a caller that comes after a finished refresh refreshes again.
    assert generation_of(provider.force_refresh()) == {3}


@pytest.mark.parametrize(
    "lifetime",
    [timedelta(minutes=5), timedelta(minutes=12)],
    ids=["mandatory-window", "advisory-window"],
)
def test_threads_always_get_one_consistent_generation(
    container: Callable[..., Any], lifetime: timedelta
) -> None:
    # The endpoint's generation follows the clock (a new one every 100 ms) and
    # every answer is inside a refresh window, so botocore refreshes all along.
    import time

    mint = container(rotate_every=0.1, lifetime=lifetime)
    provider = CredentialProvider()
    seen: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)
    started = time.monotonic()

    def running() -> bool:
        # At least 0.7 s, then until a few generations went by (3 s at most).
        elapsed = time.monotonic() - started
        return elapsed < 0.7 or (mint.hits < 4 and elapsed < 3.0)

    def worker() -> None:
        barrier.wait()
        local: list[Any] = []
        try:
            while running():
                local.append(provider.get())
        except BaseException as exc:  # reported below
            errors.append(exc)
        seen.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    generations = [generation_of(credentials) for credentials in seen]
    assert all(len(numbers) == 1 for numbers in generations), "a torn read mixed generations"
    assert len({numbers.pop() for numbers in generations}) >= 3
    assert mint.hits >= 3  # one fetch per generation seen, at least


# -- instance metadata -------------------------------------------------------------------


class InstanceMetadata:
    """IMDSv2: a token from PUT, then the role name, then the role's credentials."""

    TOKEN = "imds-session-token-value"
    ROLE = "iamapi-instance-role"

    def __init__(self) -> None:
        self.credential_hits = 0
        self.requests: list[tuple[str, str]] = []

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((method, path))
        if method == "PUT" and path == "/latest/api/token":
            if "x-aws-ec2-metadata-token-ttl-seconds" not in headers:
                return 400, {}, b""
            return 200, {}, self.TOKEN.encode()
        if headers.get("x-aws-ec2-metadata-token") != self.TOKEN:
            return 401, {}, b""
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return 200, {}, self.ROLE.encode()
        if path == base + self.ROLE:
            self.credential_hits += 1
            number = self.credential_hits
            expiration = datetime.now(timezone.utc) + timedelta(hours=6)
            document = {
                "Code": "Success",
                "Type": "AWS-HMAC",
                "AccessKeyId": f"ASIAGEN{number:013d}",
                "SecretAccessKey": f"imds-secret-{number}-sk",
                "Token": f"imds-token-{number}-st",
                "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()
        return 404, {}, b""


def test_instance_metadata_v2(serve: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    metadata = InstanceMetadata()
    server = serve(metadata)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"{server.url}/")
    provider = CredentialProvider()
    credentials = provider.get()
    assert generation_of(credentials) == {1}
    assert provider.method == "iam-role"
    assert metadata.requests[0] == ("PUT", "/latest/api/token")
    assert ("GET", "/latest/meta-data/iam/security-credentials/") in metadata.requests
    assert provider.expiry is not None
    refreshed = provider.force_refresh()
    assert generation_of(refreshed) == {2}
    assert metadata.credential_hits == 2
