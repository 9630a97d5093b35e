"""IamApiClient against the emulator: API-Gateway-shaped encodings, recovery, threads.

The emulator builds its canonical request from the bytes it receives on the
socket, so a request it accepts was signed exactly as it was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import requests

import iamapi
from iamapi import FrozenCredentials, IamApiClient, RetryPolicy
from iamapi.emulator import Gateway, Principal

ALICE = Principal(
    "AKIDALICEEXAMPLE0001", "alice-secret-key", arn="arn:aws:iam::123456789012:user/alice"
)
ALICE_CREDENTIALS = FrozenCredentials(ALICE.access_key, ALICE.secret_key)
FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_cap=0.002)


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback URLs name no region: take the emulators' one from the environment."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    gw = Gateway(region="eu-west-1", stage="prod", principals=[ALICE])
    with gw:
        yield gw


@pytest.fixture
def client(gateway: Gateway) -> Iterator[IamApiClient]:
    gateway.reset()
    with IamApiClient(gateway.url, credentials=ALICE_CREDENTIALS, retry=FAST) as api:
        yield api


def echo(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body


# -- encodings API Gateway is strict about -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "wire_path"),
    [
        ("/a b", "/prod/a%20b"),
        ("/a%2Fb", "/prod/a%2Fb"),
        ("/user@host:8080", "/prod/user@host:8080"),
        ("/caf\u00e9", "/prod/caf%C3%A9"),
        ("/(1)*!'", "/prod/(1)*!'"),
        ("/x/./y/../z", "/prod/x/z"),
        ("/a%2Bb+c", "/prod/a%2Bb+c"),
        ("/semi;colon,comma", "/prod/semi;colon,comma"),
        ("/%40connections/abc%3D", "/prod/%40connections/abc%3D"),
        ("/brackets[1]{2}", "/prod/brackets%5B1%5D%7B2%7D"),
        ("/lower%2fescape", "/prod/lower%2Fescape"),
        ("/fetch/https://example.com/a", "/prod/fetch/https://example.com/a"),
    ],
)
def test_paths_are_signed_as_sent(client: IamApiClient, path: str, wire_path: str) -> None:
    response = client.get(path)
    assert echo(response)["path"] == wire_path


@pytest.mark.parametrize(
    ("params", "wire_query"),
    [
        ({"q": "a b", "tok": "abc=="}, "q=a+b&tok=abc%3D%3D"),
        ({"email": "me@example.com"}, "email=me%40example.com"),
        ([("a-b", "2"), ("a-b", "1"), ("a", "3")], "a-b=2&a-b=1&a=3"),
        (
            {"u": "\u00fcnic\u00f8de \u2603", "p": ",;*'"},
            "u=%C3%BCnic%C3%B8de+%E2%98%83&p=%2C%3B%2A%27",
        ),
        ({"plus": "1+1=2"}, "plus=1%2B1%3D2"),
        ({"empty": ""}, "empty="),
    ],
)
def test_params_are_signed_as_sent(client: IamApiClient, params: Any, wire_query: str) -> None:
    response = client.get("/search", params=params)
    assert echo(response)["query"] == wire_query


@pytest.mark.parametrize(
    "raw_query",
    ["q=a b&tok=abc==&flag", "x=%2B&y=+&z=%2b", "k=v1&k=v0&k", "a=1&&b=2", "emoji=%F0%9F%90%8D"],
)
def test_raw_queries_are_signed_as_sent(client: IamApiClient, raw_query: str) -> None:
    assert client.get("/raw?" + raw_query).status_code == 200


def test_bodies_and_signed_headers(client: IamApiClient, gateway: Gateway) -> None:
    client.post("/pets", json={"name": "rex"})
    client.put(
        "/notes/1", data="Gr\u00fc\u00dfe \u4e16\u754c", headers={"Content-Type": "text/plain"}
    )
    client.patch("/pets/1", data=b"\x00\xff" * 100, headers={"X-Amz-Meta-Tag": "a   b  "})
    client.request("DELETE", "/pets/1", headers={"Content-Type": "application/json"})
    client.options("/pets")
    client.head("/pets")
    assert [r.verdict for r in gateway.requests] == ["ok"] * 6


def test_sign_headers_option(gateway: Gateway) -> None:
    with IamApiClient(gateway.url, credentials=ALICE_CREDENTIALS, sign_headers=["x-tenant"]) as api:
        response = api.get("/t", headers={"X-Tenant": "acme"})
    assert response.status_code == 200


def test_session_token_is_sent_and_signed() -> None:
    bob = Principal(
        "ASIABOBEXAMPLE000002",
        "bob-secret",
        session_token="bob-token-xyz",
        arn="arn:aws:sts::123456789012:assumed-role/r/bob",
    )
    with (
        Gateway(region="eu-west-1", principals=[bob]) as gw,
        IamApiClient(
            gw.url, credentials=FrozenCredentials(bob.access_key, bob.secret_key, bob.session_token)
        ) as api,
    ):
        assert api.get("/pets").status_code == 200
        assert gw.requests[0].caller_arn == bob.arn


def test_sigv4auth_in_a_users_own_session(gateway: Gateway) -> None:
    session = requests.Session()
    session.auth = iamapi.SigV4Auth(region="eu-west-1", credentials=ALICE_CREDENTIALS)
    try:
        response = session.get(gateway.url + "/own/session", params={"q": "a b"})
        posted = session.post(gateway.url + "/own", data="t\u00e9xt")
    finally:
        session.close()
    assert response.status_code == 200
    assert posted.status_code == 200


def test_sigv4auth_with_botocore_refreshable_credentials(gateway: Gateway) -> None:
    from botocore.credentials import RefreshableCredentials

    def fetch() -> dict[str, str]:
        return {
            "access_key": ALICE.access_key,
            "secret_key": ALICE.secret_key,
            "token": "",
            "expiry_time": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(fetch(), fetch, "custom")
    session = requests.Session()
    session.auth = iamapi.SigV4Auth(region="eu-west-1", credentials=creds)
    try:
        assert session.get(gateway.url + "/refreshable").status_code == 200
    finally:
        session.close()


# -- recovery ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1800.0, 1800.0])
def test_clock_skew_is_corrected_after_one_retry(offset: float) -> None:
    with (
        Gateway(region="eu-west-1", principals=[ALICE], clock_offset=offset) as gw,
        IamApiClient(gw.url, credentials=ALICE_CREDENTIALS, retry=FAST) as api,
    ):
        assert api.get("/pets").status_code == 200
        assert [r.verdict for r in gw.requests] == ["clock_skew", "ok"]
        assert api.clock_offset == pytest.approx(offset, abs=3)
        # Later calls sign with the corrected clock straight away.
        assert api.post("/pets", json={}).status_code == 200
        assert [r.verdict for r in gw.requests][2:] == ["ok"]


def test_clock_skew_retry_happens_once_only(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        Gateway(region="eu-west-1", principals=[ALICE], clock_offset=3600) as gw,
        IamApiClient(gw.url, credentials=ALICE_CREDENTIALS, retry=FAST) as api,
    ):
        # A broken correction (the client ignores the offset) must not loop.
        monkeypatch.setattr(api, "_recover", lambda error, used, offset: None)
        with pytest.raises(iamapi.AuthenticationError) as info:
            api.get("/pets")
        assert info.value.code == "clock_skew"
        assert len(gw.requests) == 2


def test_expired_token_refreshes_once_for_sixteen_threads(
    container: Callable[..., Any],
) -> None:
    """Generation 1 has expired at the gateway (not in the client's view): one refresh fixes it."""
    mint = container(delay=0.05)
    now = datetime.now(timezone.utc)
    principals = [
        Principal(
            f"ASIAGEN{n:013d}",
            f"mint-secret-{n}-sk",
            session_token=f"mint-token-{n}-st",
            expires=now - timedelta(minutes=1) if n == 1 else now + timedelta(hours=1),
            arn=f"arn:aws:sts::123456789012:assumed-role/task/gen{n}",
        )
        for n in range(1, 4)
    ]
    with (
        Gateway(region="eu-west-1", principals=principals) as gw,
        IamApiClient(gw.url, retry=FAST) as api,
    ):
        api.credentials.get()  # generation 1, resolved before the threads start
        barrier = threading.Barrier(16)
        statuses: list[int] = []

        def call() -> None:
            barrier.wait()
            statuses.append(api.get("/pets").status_code)

        threads = [threading.Thread(target=call) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 16
        assert mint.hits == 2  # the first resolution, then exactly one forced refresh
        verdicts = [r.verdict for r in gw.requests]
        assert verdicts.count("ok") == 16
        assert set(verdicts) <= {"ok", "expired_token"}


def test_sixteen_threads_share_a_client_while_credentials_rotate(
    container: Callable[..., Any],
) -> None:
    """Credentials rotate every 100 ms: every signature uses one consistent generation."""
    mint = container(rotate_every=0.1, lifetime=timedelta(seconds=2))
    first = int(time.monotonic() / 0.1)
    principals = [
        Principal(
            f"ASIAGEN{n:013d}",
            f"mint-secret-{n}-sk",
            session_token=f"mint-token-{n}-st",
            arn=f"arn:aws:sts::123456789012:assumed-role/task/gen{n}",
        )
        for n in range(first - 2, first + 400)
    ]
    errors: list[BaseException] = []
    with (
        Gateway(region="eu-west-1", principals=principals) as gw,
        IamApiClient(gw.url, retry=FAST) as api,
    ):
        deadline = time.monotonic() + 1.0

        def work() -> None:
            try:
                while time.monotonic() < deadline:
                    api.get("/pets")
            except BaseException as exc:  # collected and reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        records = gw.requests
    assert errors == []
    assert len(records) > 50
    assert {r.verdict for r in records} == {"ok"}
    assert len({r.access_key for r in records}) >= 5  # it really rotated
    assert mint.hits >= 5


# -- errors end to end -------------------------------------------------------------------


def test_wrong_route_on_a_signed_request_names_the_route(client: IamApiClient) -> None:
    with (
        Gateway(region="eu-west-1", principals=[ALICE]) as gw,
        IamApiClient(gw.url, credentials=ALICE_CREDENTIALS) as api,
    ):
        gw.route("GET", "/pets", (200, {}, b"[]"))
        with pytest.raises(iamapi.RouteNotFoundError) as info:
            api.get("/petz")
    assert info.value.code == "route_not_found"
    assert "/petz" in str(info.value)
    assert "prod" in str(info.value)


def test_raise_for_status_false_then_diagnose(gateway: Gateway) -> None:
    wrong = FrozenCredentials(ALICE.access_key, "not-the-secret")
    with IamApiClient(gateway.url, credentials=wrong, raise_for_status=False) as api:
        response = api.get("/pets")
        assert response.status_code == 403
        error = api.diagnose(response)
    assert isinstance(error, iamapi.AuthenticationError)
    assert error.code == "signature_mismatch"
    assert "secret" in error.cause.lower()


def test_custom_auth_is_used_instead_of_the_signer(gateway: Gateway) -> None:
    from requests_aws4auth import AWS4Auth

    auth = AWS4Auth(ALICE.access_key, ALICE.secret_key, "eu-west-1", "execute-api")
    with IamApiClient(gateway.url, auth=auth, retry=FAST) as api:
        assert api.get("/pets", params={"q": "x"}).status_code == 200


def test_response_body_is_json(gateway: Gateway, client: IamApiClient) -> None:
    body = client.post("/pets", json={"name": "rex"}).json()
    assert body["method"] == "POST"
    assert json.loads(json.dumps(body))["caller_arn"] == ALICE.arn
