"""IamApiClient over real loopback HTTP: URLs, re-signing retries, redirects, bad input."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest

import iamapi
from iamapi import IamApiClient, RetryPolicy
from support.scripted import CREDENTIALS, ScriptedServer

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_cap=0.002)
UNAVAILABLE = (503, {"Content-Type": "application/json"}, b'{"message":"Service Unavailable"}')


def client_for(server: ScriptedServer, **kwargs: object) -> IamApiClient:
    options: dict[str, object] = {"region": "us-east-1", "credentials": CREDENTIALS, "retry": FAST}
    options.update(kwargs)
    return IamApiClient(server.url, **options)  # type: ignore[arg-type]


# -- URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/pets", "/prod/pets"),
        ("pets/1", "/prod/pets/1"),
        ("", "/prod"),
        ("/pets?type=dog", "/prod/pets?type=dog"),
        ("/a b/%2F/caf\u00e9", "/prod/a%20b/%2F/caf%C3%A9"),
    ],
)
def test_paths_keep_the_stage(scripted: ScriptedServer, path: str, target: str) -> None:
    with client_for(scripted) as client:
        client.get(path)
    assert scripted.received[0].target == target
    assert (
        scripted.received[0]
        .header(
            "Authorization",
        )
        .startswith("AWS4-HMAC-SHA256 ")
    )  # type: ignore[union-attr]


def test_full_url_on_same_host_is_accepted(scripted: ScriptedServer) -> None:
    with client_for(scripted) as client:
        client.get(scripted.url.replace("/prod", "/other/x"))
    assert scripted.received[0].target == "/other/x"


def test_url_on_another_host_is_refused(
    scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    with client_for(scripted) as client, pytest.raises(iamapi.ForeignHostError):
        client.get(other_scripted.url + "/steal")
    assert other_scripted.received == []


def test_plain_http_only_for_loopback() -> None:
    with pytest.raises(iamapi.InsecureURLError, match="allow_http=True"):
        IamApiClient("http://api.example.com/prod", region="us-east-1", credentials=CREDENTIALS)
    client = IamApiClient(
        "http://api.example.com/prod", region="us-east-1", credentials=CREDENTIALS, allow_http=True
    )
    assert client.endpoint.scheme == "http"


# -- retries -----------------------------------------------------------------------------


def test_get_is_retried_and_every_attempt_is_signed_afresh(scripted: ScriptedServer) -> None:
    scripted.script = [UNAVAILABLE, UNAVAILABLE]
    with client_for(scripted) as client:
        response = client.get("/pets")
    assert response.status_code == 200
    assert len(scripted.received) == 3
    assert all(r.header("Authorization") for r in scripted.received)
    assert all(r.header("X-Amz-Date") for r in scripted.received)


def test_post_is_not_retried_by_default(scripted: ScriptedServer) -> None:
    scripted.script = [UNAVAILABLE]
    with client_for(scripted) as client, pytest.raises(iamapi.IntegrationError) as info:
        client.post("/orders", json={"n": 1})
    assert len(scripted.received) == 1
    assert [a.outcome for a in info.value.history] == ["503"]


@pytest.mark.parametrize(
    "kwargs", [{"idempotent": True}, {"headers": {"Idempotency-Key": "order-42"}}]
)
def test_post_is_retried_when_the_caller_opts_in(
    scripted: ScriptedServer, kwargs: dict[str, object]
) -> None:
    scripted.script = [UNAVAILABLE]
    with client_for(scripted) as client:
        assert client.post("/orders", json={"n": 1}, **kwargs).status_code == 200  # type: ignore[arg-type]
    assert len(scripted.received) == 2
    assert scripted.received[0].body == scripted.received[1].body == b'{"n": 1}'


def test_retry_after_is_honoured_and_history_is_kept(scripted: ScriptedServer) -> None:
    throttled = (
        429,
        {"Retry-After": "0", "x-amzn-ErrorType": "TooManyRequestsException"},
        b'{"message":"Too Many Requests"}',
    )
    scripted.script = [throttled, throttled, throttled]
    with client_for(scripted) as client, pytest.raises(iamapi.ThrottledError) as info:
        client.get("/pets")
    assert len(scripted.received) == 3
    assert [a.outcome for a in info.value.history] == ["429", "429", "429"]
    assert info.value.code == "throttled"


def test_quota_exceeded_is_not_retried(scripted: ScriptedServer) -> None:
    scripted.script = [
        (429, {"x-amzn-ErrorType": "LimitExceededException"}, b'{"message":"Limit Exceeded"}')
    ]
    with client_for(scripted) as client, pytest.raises(iamapi.ThrottledError) as info:
        client.get("/pets")
    assert info.value.code == "quota_exceeded"
    assert len(scripted.received) == 1


def test_connection_reset_retried_for_get_not_for_post(scripted: ScriptedServer) -> None:
    scripted.script = ["reset"]
    with client_for(scripted) as client:
        assert client.get("/pets").status_code == 200
    assert len(scripted.received) == 2
    scripted.received.clear()
    scripted.script = ["reset"]
    with client_for(scripted) as client, pytest.raises(iamapi.ConnectionLostError):
        client.post("/orders", data=b"x")
    assert len(scripted.received) == 1


def test_connect_error_is_retried_even_for_post() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = IamApiClient(
        f"http://127.0.0.1:{port}/prod", region="us-east-1", credentials=CREDENTIALS, retry=FAST
    )
    with pytest.raises(iamapi.ConnectError) as info:
        client.post("/orders", data=b"x")
    assert [a.outcome for a in info.value.history] == ["ConnectError"] * 3
    assert info.value.retry_safe


def test_retry_budget_stops_a_retry_storm(scripted: ScriptedServer) -> None:
    scripted.default = UNAVAILABLE
    with client_for(scripted) as client:
        client.budget = iamapi.RetryBudget(capacity=10, retry_cost=5)
        for _ in range(3):
            with pytest.raises(iamapi.IntegrationError):
                client.get("/pets")
    # 2 retries fit in the budget, then every call gets one attempt only.
    assert len(scripted.received) == 3 + 1 + 1


def test_deadline_bounds_the_whole_call(scripted: ScriptedServer) -> None:
    scripted.default = UNAVAILABLE
    slow = RetryPolicy(max_attempts=10, backoff_base=5.0, backoff_cap=5.0)
    with client_for(scripted, retry=slow) as client, pytest.raises(iamapi.IntegrationError):
        client.get("/pets", deadline=0.5)
    # A back-off of up to 5 s cannot fit in 0.5 s, unless jitter drew a tiny one.
    assert len(scripted.received) <= 3


class FakeLambdaContext:
    """Stands in for the Lambda runtime's context object, which cannot run here."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_a_lambda_context_is_a_deadline(scripted: ScriptedServer) -> None:
    scripted.default = UNAVAILABLE
    slow = RetryPolicy(max_attempts=10, backoff_base=5.0, backoff_cap=5.0)
    with client_for(scripted, retry=slow) as client:
        with pytest.raises(iamapi.IntegrationError):
            client.get("/pets", deadline=FakeLambdaContext(600))
        assert len(scripted.received) <= 3
        # With less time left than iamapi keeps in reserve, nothing is sent at all.
        scripted.received.clear()
        with pytest.raises(iamapi.DeadlineExceededError):
            client.get("/pets", deadline=FakeLambdaContext(50))
        assert scripted.received == []
        with pytest.raises(iamapi.ConfigurationError, match="Lambda context"):
            client.get("/pets", deadline="soon")  # type: ignore[arg-type]


def test_file_body_is_rewound_for_every_attempt(scripted: ScriptedServer, tmp_path: Path) -> None:
    scripted.script = [UNAVAILABLE]
    payload = tmp_path / "upload.bin"
    payload.write_bytes(b"0123456789" * 1000)
    with client_for(scripted) as client, payload.open("rb") as handle:
        client.put("/files/a", data=handle)
    assert [len(r.body) for r in scripted.received] == [10000, 10000]


# -- redirects ---------------------------------------------------------------------------


def test_same_host_redirect_is_re_signed(scripted: ScriptedServer) -> None:
    scripted.script = [(302, {"Location": "/prod/new-home"}, b"")]
    with client_for(scripted) as client:
        assert client.get("/old-home").status_code == 200
    first, second = scripted.received
    assert second.target == "/prod/new-home"
    assert first.header("Authorization") != second.header("Authorization")


def test_cross_host_redirect_raises_and_sends_nothing(
    scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    scripted.script = [(307, {"Location": other_scripted.url + "/x"}, b"")]
    with client_for(scripted) as client, pytest.raises(iamapi.RedirectError) as info:
        client.get("/pets")
    assert info.value.location == other_scripted.url + "/x"
    assert other_scripted.received == []


def test_cross_host_redirect_followed_unsigned_on_request(
    scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    token_credentials = iamapi.FrozenCredentials("ASIAEXAMPLE", "secret", "session-token-value")
    scripted.script = [(302, {"Location": other_scripted.url + "/x"}, b"")]
    with client_for(
        scripted, follow_unsigned_redirects=True, credentials=token_credentials
    ) as client:
        assert client.get("/pets").status_code == 200
    (forwarded,) = other_scripted.received
    names = {name.lower() for name, _ in forwarded.headers}
    assert not names & {"authorization", "x-amz-security-token", "x-amz-date"}


def test_redirect_of_a_post_is_not_followed(scripted: ScriptedServer) -> None:
    scripted.script = [(307, {"Location": "/prod/elsewhere"}, b"")]
    with client_for(scripted) as client, pytest.raises(iamapi.RedirectError):
        client.post("/orders", data=b"x")
    assert len(scripted.received) == 1


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad": "a\r\nInjected: yes"}, {"X-Bad": "caf\u00e9 \u2603"}, {"X-Bad": 3}, {"": "x"}],
    ids=["crlf", "non-latin-1", "int", "empty-name"],
)
def test_bad_headers_are_typed_errors(scripted: ScriptedServer, headers: dict[str, object]) -> None:
    with client_for(scripted) as client, pytest.raises(iamapi.InvalidHeaderError):
        client.get("/pets", headers=headers)  # type: ignore[arg-type]
    assert scripted.received == []


def test_generator_body_is_refused_with_advice(scripted: ScriptedServer) -> None:
    with client_for(scripted) as client, pytest.raises(iamapi.UnsignableBodyError, match="rb"):
        client.post("/upload", data=(chunk for chunk in [b"a", b"b"]))


def test_text_mode_file_is_refused(scripted: ScriptedServer, tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("hello")
    with client_for(scripted) as client, path.open() as handle:  # noqa: SIM117 (3.9 syntax)
        with pytest.raises(iamapi.UnsignableBodyError, match="binary"):
            client.post("/upload", data=handle)


def test_str_body_is_sent_as_utf8(scripted: ScriptedServer) -> None:
    with client_for(scripted) as client:
        client.post("/notes", data="Grüße, 世界", headers={"Content-Type": "text/plain"})
    assert scripted.received[0].body == "Grüße, 世界".encode()


def test_json_and_params(scripted: ScriptedServer) -> None:
    with client_for(scripted) as client:
        client.post("/pets", json={"name": "rex"}, params={"q": "a b", "tok": "abc=="})
    received = scripted.received[0]
    assert received.target == "/prod/pets?q=a+b&tok=abc%3D%3D"
    assert json.loads(received.body) == {"name": "rex"}


def test_unseekable_stream_with_unsigned_payload(scripted: ScriptedServer) -> None:
    class OneShot(io.RawIOBase):
        def readable(self) -> bool:
            return True

    with client_for(scripted) as client, pytest.raises(iamapi.UnsignableBodyError):
        client.post("/upload", data=OneShot())
