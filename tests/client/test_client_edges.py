"""Edge cases of the attempt loop: concurrent clock correction, one-shot bodies, custom
signers, TLS failures, and input that must be refused with a typed error."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import requests
import urllib3

import iamapi
from iamapi import FrozenCredentials, IamApiClient, RetryPolicy
from iamapi._client import _transport_error
from iamapi.emulator import Gateway, Principal
from support.scripted import CREDENTIALS, ScriptedServer

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_cap=0.002)
ALICE = Principal("AKIDEDGEEXAMPLE00001", "edge-secret", arn="arn:aws:iam::123456789012:user/e")
UNAVAILABLE = (503, {"Content-Type": "application/json"}, b'{"message":"Service Unavailable"}')


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def client(scripted: ScriptedServer) -> Iterator[IamApiClient]:
    with IamApiClient(scripted.url, credentials=CREDENTIALS, retry=FAST) as api:
        yield api


def test_threads_that_meet_the_same_skew_agree_on_one_offset() -> None:
    with (
        Gateway(principals=[ALICE], clock_offset=1800) as gw,
        IamApiClient(
            gw.url, credentials=FrozenCredentials(ALICE.access_key, ALICE.secret_key), retry=FAST
        ) as api,
    ):
        barrier = threading.Barrier(8)
        statuses: list[int] = []

        def call() -> None:
            barrier.wait()
            statuses.append(api.get("/pets").status_code)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 8
    assert api.clock_offset == pytest.approx(1800, abs=3)


def test_a_one_shot_body_is_never_sent_twice(scripted: ScriptedServer) -> None:
    scripted.script = [UNAVAILABLE]
    with (
        IamApiClient(
            scripted.url, credentials=CREDENTIALS, retry=FAST, unsigned_payload=True
        ) as api,
        pytest.raises(iamapi.IntegrationError),
    ):
        api.put("/doc", data=(chunk for chunk in [b"important-", b"payload"]))
    assert [r.body for r in scripted.received] == [b"important-payload"]


def test_unsigned_payload_is_declared_and_accepted_by_a_function_url(tmp_path: object) -> None:
    import io

    with (
        Gateway(kind="lambda_url", principals=[ALICE]) as gw,
        IamApiClient(
            gw.url,
            service="lambda",
            credentials=FrozenCredentials(ALICE.access_key, ALICE.secret_key),
            unsigned_payload=True,
            retry=FAST,
        ) as api,
    ):
        response = api.post("/upload", data=io.BytesIO(b"streamed"))
    assert response.status_code == 200
    assert gw.requests[0].verdict == "ok"


def test_a_custom_signer_is_not_corrected_with_the_clients_own_credentials() -> None:
    from requests_aws4auth import AWS4Auth

    old = Principal(
        "ASIAEDGEOLDKEY000001",
        "old-secret",
        session_token="old-token",
        expires=datetime.now(timezone.utc) - timedelta(minutes=1),
        arn="arn:aws:sts::123456789012:assumed-role/r/s",
    )
    auth = AWS4Auth(
        old.access_key, old.secret_key, "us-east-1", "execute-api", session_token=old.session_token
    )
    with Gateway(principals=[old]) as gw, IamApiClient(gw.url, auth=auth, retry=FAST) as api:  # noqa: SIM117
        with pytest.raises(iamapi.AuthenticationError) as info:
            api.get("/pets")
    assert info.value.code == "expired_token"
    assert len(gw.requests) == 1


def _ssl_failure(inner: BaseException) -> requests.exceptions.SSLError:
    reason = urllib3.exceptions.SSLError(inner)
    return requests.exceptions.SSLError(
        urllib3.exceptions.MaxRetryError(None, "/prod/x", reason=reason)  # type: ignore[arg-type]
    )


def test_tls_failures_are_told_apart() -> None:
    prepared = requests.Request("POST", "https://h.example/prod/x").prepare()
    refused = _transport_error(
        _ssl_failure(ssl.SSLCertVerificationError(1, "certificate verify failed")), prepared
    )
    broken = _transport_error(_ssl_failure(ssl.SSLError(1, "bad record mac")), prepared)
    assert isinstance(refused, iamapi.ConnectError)
    assert isinstance(broken, iamapi.ConnectionLostError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": "5"},
        {"timeout": (5, 1, 2)},
        {"timeout": -1},
        {"timeout": True},
        {"deadline": True},
        {"json": {"x": float("nan")}},
    ],
    ids=["str-timeout", "triple", "negative", "bool-timeout", "bool-deadline", "nan-json"],
)
def test_bad_arguments_are_configuration_errors(
    client: IamApiClient, scripted: ScriptedServer, kwargs: dict[str, object]
) -> None:
    with pytest.raises(iamapi.ConfigurationError):
        client.post("/x", **kwargs)  # type: ignore[arg-type]
    assert scripted.received == []


def test_a_read_timeout_of_none_still_meets_the_deadline(
    client: IamApiClient, scripted: ScriptedServer
) -> None:
    assert client.get("/x", timeout=(5, None), deadline=10).status_code == 200


@pytest.mark.parametrize("location", ["http://[::1/x", "http://exa mple.com:99999/x", "mailto:a@b"])
def test_a_bad_location_is_a_redirect_error(
    client: IamApiClient, scripted: ScriptedServer, location: str
) -> None:
    scripted.script = [(302, {"Location": location}, b"")]
    with pytest.raises(iamapi.RedirectError):
        client.get("/x")


def test_a_url_inside_the_path_is_a_path(client: IamApiClient, scripted: ScriptedServer) -> None:
    client.get("/proxy/https://example.com/a")
    assert scripted.received[0].target == "/prod/proxy/https://example.com/a"


def test_idempotent_false_forbids_even_a_reconnect() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        IamApiClient(f"http://127.0.0.1:{port}/prod", credentials=CREDENTIALS, retry=FAST) as api,
        pytest.raises(iamapi.ConnectError) as info,
    ):
        api.post("/orders", data=b"x", idempotent=False)
    assert len(info.value.history) == 1
