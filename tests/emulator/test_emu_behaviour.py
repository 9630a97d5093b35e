"""Gateway behaviour: routes and counts, echo, clock, limits, seeded faults, reset, config."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from emulator.helpers import (
    ALICE,
    BOB,
    RawClient,
    amz_date_of,
    exchange,
    raw_request,
    signed_request,
)
from iamapi.emulator import DEMO_PRINCIPAL, Faults, Gateway, Principal, Request, Throttle
from iamapi.emulator._config import Throttle as ConfigThrottle
from iamapi.emulator._limits import TokenBucket

# -- routes ------------------------------------------------------------------------


def _named(name: str) -> Any:
    def handler(request: Request) -> tuple[int, dict[str, str], Any]:
        return 200, {"X-Route": name}, {"route": name, "params": dict(request.path_params)}

    return handler


@pytest.fixture
def routed(gateway: Gateway) -> Gateway:
    gateway.route("GET", "/pets", _named("list"))
    gateway.route("GET", "/pets/{id}", _named("one"))
    gateway.route("GET", "/pets/{id}/toys", _named("toys"))
    gateway.route("GET", "/pets/mine", _named("mine"))
    gateway.route("ANY", "/pets/{id}", _named("any-one"))
    gateway.route("GET", "/files/{path+}", _named("files"))
    gateway.route("ANY", "/{proxy+}", _named("proxy"))
    gateway.route("POST", "/only-post/{id}", _named("only-post"))
    return gateway


@pytest.mark.parametrize(
    ("method", "path", "route", "params"),
    [
        ("GET", "/pets", "list", {}),
        ("GET", "/pets/", "list", {}),
        ("GET", "/pets/7", "one", {"id": "7"}),
        ("GET", "/pets/mine", "mine", {}),  # a literal beats {id}
        ("DELETE", "/pets/7", "any-one", {"id": "7"}),  # ANY when the verb has no route
        ("GET", "/pets/a%20b/toys", "toys", {"id": "a b"}),  # parameters are decoded
        ("GET", "/files/a/b/c.txt", "files", {"path": "a/b/c.txt"}),
        ("GET", "/pets/7/toys/1", "proxy", {"proxy": "pets/7/toys/1"}),
        ("GET", "/only-post/1", "proxy", {"proxy": "only-post/1"}),  # falls through to {proxy+}
        ("POST", "/only-post/1", "only-post", {"id": "1"}),
    ],
)
def test_route_matching(
    routed: Gateway, method: str, path: str, route: str, params: dict[str, str]
) -> None:
    response = exchange(routed.port, signed_request(routed, method, f"/prod{path}").data)
    assert response.status == 200
    assert response.json() == {"route": route, "params": params}
    assert response.header("X-Route") == route


def test_greedy_route_does_not_match_the_root(routed: Gateway) -> None:
    response = exchange(routed.port, signed_request(routed, "GET", "/prod/").data)
    assert response.status == 403
    assert routed.requests[-1].verdict == "route_not_found"


def test_handler_sees_the_request(gateway: Gateway) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> tuple[int, dict[str, str], bytes]:
        seen.append(request)
        return 201, {"Content-Type": "text/plain", "X-Twice": "a"}, "créé"  # type: ignore[return-value]

    route = gateway.route("POST", "/orders/{id}", handler)
    body = b'{"qty": 2}'
    signed = signed_request(
        gateway, "POST", "/prod/orders/o%2F1?x=1&x=2&y", headers=[("X-Trace", "t1")], body=body
    )
    response = exchange(gateway.port, signed.data)
    assert (response.status, response.body) == (201, "créé".encode())
    assert response.header("Content-Type") == "text/plain"
    request = seen[0]
    assert request.method == "POST"
    assert request.path == "/prod/orders/o%2F1"
    assert request.resource_path == "/orders/o%2F1"
    assert request.path_params == {"id": "o/1"}
    assert request.query == "x=1&x=2&y"
    assert request.params == {"x": ("1", "2"), "y": ("",)}
    assert request.header("x-trace") == "t1"
    assert request.json() == {"qty": 2}
    assert request.caller_arn == ALICE.arn
    assert request.stage == "prod"
    assert route.calls == 1
    assert gateway.executions("POST", "/orders/o%2F1") == 1
    assert gateway.executions("POST", "/orders/other") == 0
    record = gateway.requests[-1]
    assert (record.route, record.executed, record.verdict) == ("/orders/{id}", True, "ok")


def test_executions_count_only_handlers_that_ran(gateway: Gateway) -> None:
    route = gateway.route("POST", "/charge", (200, {}, b"charged"))
    with RawClient(gateway.port) as client:
        assert (
            client.send(signed_request(gateway, "POST", "/prod/charge", body=b"1").data).status
            == 200
        )
        wrong = Principal(ALICE.access_key, "wrong")
        denied = signed_request(gateway, "POST", "/prod/charge", principal=wrong, body=b"1")
        assert client.send(denied.data).status == 403
        assert client.send(raw_request("POST", "/prod/charge", [("Host", "h")], b"1")).status == 403
    assert route.calls == 1
    assert gateway.executions("POST", "/charge") == 1
    assert [r.executed for r in gateway.requests] == [True, False, False]


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("pets", "start with '/'"),
        ("/files/{path+}/more", "greedy"),
        ("/pets/{}", "parameter name"),
        ("/pets/x{id}", "whole segment"),
    ],
)
def test_bad_templates(template: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Gateway().route("GET", template, (200, {}, b""))


def test_route_clashes_and_bad_static_answers() -> None:
    gateway = Gateway()
    gateway.route("GET", "/pets/{id}", (200, {}, b""))
    with pytest.raises(ValueError, match="clashes"):
        gateway.route("GET", "/pets/{name}", (200, {}, b""))
    gateway.route("POST", "/pets/{name}", (200, {}, b""))  # another verb is fine
    with pytest.raises(ValueError, match="method"):
        gateway.route("FETCH", "/x", (200, {}, b""))
    with pytest.raises(TypeError, match="status"):
        gateway.route("GET", "/y", (99, {}, b""))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="header"):
        gateway.route("GET", "/z", (200, {"X": "a\r\nInjected: 1"}, b""))


# -- echo -------------------------------------------------------------------------------


def test_echo_describes_the_request_without_credentials() -> None:
    temporary = Principal("ASIAECHO000000000001", "s", session_token="tok", arn=BOB.arn)
    with Gateway(principals=[temporary]) as gw:
        body = b"\x00\x01binary"
        signed = signed_request(
            gw,
            "PUT",
            "/prod/a/b%20c?q=1+2&q=%2A&flag",
            principal=temporary,
            token="tok",
            headers=[("X-Dup", "1"), ("x-dup", "2"), ("X-Api-Key", "k")],
            body=body,
        )
        echoed = exchange(gw.port, signed.data).json()
        host = f"127.0.0.1:{gw.port}"
    assert echoed == {
        "method": "PUT",
        "path": "/prod/a/b%20c",
        "resource_path": "/a/b%20c",
        "query": "q=1+2&q=%2A&flag",
        "params": {"q": ["1 2", "*"], "flag": [""]},
        "path_params": {"proxy": "a/b c"},
        "headers": {
            "host": host,
            "x-amz-date": echoed["headers"]["x-amz-date"],
            "x-dup": "1,2",
            "x-api-key": "k",
            "content-length": str(len(body)),
        },
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "body_length": len(body),
        "caller_arn": BOB.arn,
    }


def test_echo_serves_the_stage_root(gateway: Gateway) -> None:
    response = exchange(gateway.port, signed_request(gateway, "GET", "/prod").data)
    assert response.status == 200
    assert response.json()["resource_path"] == "/"


# -- clock ----------------------------------------------------------------------------


def test_clock_offset_moves_the_date_header_and_the_window() -> None:
    with Gateway(principals=[ALICE], clock_offset=900) as gw:
        real_now = amz_date_of(time.time())
        stale = exchange(gw.port, signed_request(gw, "GET", "/prod/x", amz_date=real_now).data)
        assert stale.status == 403
        assert stale.json()["message"].startswith(
            f"Signature expired: {real_now} is now earlier than"
        )
        served = parsedate_to_datetime(stale.header("Date") or "").timestamp()
        assert abs(served - (time.time() + 900)) < 5
        assert exchange(gw.port, signed_request(gw, "GET", "/prod/x").data).status == 200
        gw.clock_offset = 0.0
        fresh = exchange(gw.port, signed_request(gw, "GET", "/prod/x").data)
        assert fresh.status == 200


def test_date_header_instead_of_x_amz_date(gateway: Gateway) -> None:
    from email.utils import formatdate

    from emulator.helpers import oracle_sign

    now = int(gateway.now())
    headers = [("Host", f"127.0.0.1:{gateway.port}"), ("Date", formatdate(now, usegmt=True))]
    authorization, _, _ = oracle_sign(ALICE, "GET", "/prod/x", headers, amz_date=amz_date_of(now))
    data = raw_request("GET", "/prod/x", [*headers, ("Authorization", authorization)])
    assert exchange(gateway.port, data).status == 200


# -- throttle, quota -------------------------------------------------------------------


def test_token_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(ConfigThrottle(rate=2.0, burst=3), clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    bucket.reset()
    assert bucket.take()


def test_throttle_spellings() -> None:
    assert Gateway(throttle=(5, 10)).throttle == Throttle(5.0, 10)
    assert Gateway(throttle={"rate": 1, "burst": 2}).throttle == Throttle(1.0, 2)
    assert Gateway(throttle=Throttle(3, 4)).throttle == Throttle(3, 4)
    with pytest.raises(ValueError, match="burst"):
        Throttle(1, 0)
    with pytest.raises(TypeError):
        Gateway(throttle=5)  # type: ignore[arg-type]


def test_throttled_and_quota_requests_do_not_run_the_route() -> None:
    with Gateway(principals=[ALICE], quota=1) as gw:
        route = gw.route("POST", "/pay", (200, {}, b"ok"))
        with RawClient(gw.port) as client:
            for _ in range(3):
                client.send(signed_request(gw, "POST", "/prod/pay", body=b"1").data)
        assert route.calls == 1
        assert [r.verdict for r in gw.requests] == ["ok", "quota_exceeded", "quota_exceeded"]
        gw.reset()
        assert (
            exchange(gw.port, signed_request(gw, "POST", "/prod/pay", body=b"1").data).status == 200
        )


# -- faults -----------------------------------------------------------------------------


def _verdicts_under_faults(faults: Faults, count: int = 40) -> list[str]:
    with Gateway(principals=[ALICE], faults=faults) as gw:
        for _ in range(count):
            with RawClient(gw.port) as client:
                client.sock.sendall(signed_request(gw, "GET", "/prod/x").data)
                with contextlib.suppress(ConnectionError):  # a reset fault answers nothing
                    client.read_response()
        return [r.verdict for r in gw.requests]


def test_faults_are_reproducible_with_a_seed() -> None:
    faults = Faults(error_rate=0.25, reset_rate=0.1, timeout_rate=0.1, seed=42)
    first = _verdicts_under_faults(faults)
    assert first == _verdicts_under_faults(faults)
    assert {"ok", "integration_failure", "connection_reset", "integration_timeout"} <= set(first)
    other = _verdicts_under_faults(
        Faults(error_rate=0.25, reset_rate=0.1, timeout_rate=0.1, seed=43)
    )
    assert other != first


def test_reset_restarts_the_fault_sequence() -> None:
    with Gateway(principals=[ALICE], faults=Faults(error_rate=0.5, seed=3)) as gw:

        def run() -> list[int]:
            return [
                exchange(gw.port, signed_request(gw, "GET", "/prod/x").data).status
                for _ in range(12)
            ]

        first = run()
        gw.reset()
        assert run() == first
        assert set(first) == {200, 503}


def test_latency_delays_answers_and_does_not_delay_stop() -> None:
    with Gateway(principals=[ALICE], faults=Faults(latency=0.05)) as gw:
        started = time.monotonic()
        assert exchange(gw.port, signed_request(gw, "GET", "/prod/x").data).status == 200
        assert time.monotonic() - started >= 0.05


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"error_rate": 1.5}, "between 0 and 1"),
        ({"error_rate": 0.6, "reset_rate": 0.6}, "must not exceed 1"),
        ({"error_status": 404}, "5xx"),
        ({"latency": -1}, "negative"),
    ],
)
def test_bad_faults(options: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Faults(**options)


# -- records and secrets -----------------------------------------------------------------


def test_records_reset_and_hold_no_secret(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Request) -> tuple[int, dict[str, str], bytes]:
        raise RuntimeError("integration exploded")

    gateway.route("GET", "/broken", broken)
    gateway.route("GET", "/fine", (200, {}, b""))
    with caplog.at_level(logging.DEBUG, logger="iamapi.emulator"):
        exchange(gateway.port, signed_request(gateway, "GET", "/prod/fine").data)
        exchange(gateway.port, signed_request(gateway, "GET", "/prod/broken").data)
    records = gateway.requests
    assert [r.verdict for r in records] == ["ok", "integration_failure"]
    assert records[0].access_key == ALICE.access_key
    assert records[0].request_id
    dumped = repr(records) + repr(gateway) + caplog.text + repr(gateway.principals)
    assert ALICE.secret_key not in dumped
    assert "integration exploded" in caplog.text
    gateway.reset()
    assert gateway.requests == []
    assert gateway.executions("GET", "/fine") == 0
    assert all(route.calls == 0 for route in gateway.routes)


def test_requests_is_a_snapshot(gateway: Gateway) -> None:
    snapshot = gateway.requests
    exchange(gateway.port, signed_request(gateway, "GET", "/prod/x").data)
    assert snapshot == []
    assert len(gateway.requests) == 1


def test_principal_repr_masks_secrets() -> None:
    expires = dt.datetime(2030, 1, 1)
    principal = Principal(
        "ASIAREPR000000000001", "top-secret", session_token="tok-secret", expires=expires
    )
    text = repr(principal)
    assert "top-secret" not in text
    assert "tok-secret" not in text
    assert "ASIAREPR000000000001" in text
    assert principal.expires == expires.replace(tzinfo=dt.timezone.utc)
    assert principal.expired_at(expires.replace(tzinfo=dt.timezone.utc).timestamp())


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("", "s"), {}, ValueError),
        (("AKID/X", "s"), {}, ValueError),
        (("AKID", ""), {}, ValueError),
        (("AKID", "s"), {"arn": "alice"}, ValueError),
        (("AKID", "s"), {"expires": "2030-01-01"}, TypeError),
    ],
)
def test_bad_principals(
    args: tuple[str, str], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Principal(*args, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kind": "websocket"}, "kind"),
        ({"region": "mars"}, "region"),
        ({"stage": "a/b"}, "stage"),
        ({"api_id": "Bad_Id"}, "api_id"),
        ({"account_id": "42"}, "account_id"),
        ({"kind": "http", "api_key": "k"}, "REST API features"),
        ({"kind": "lambda_url", "quota": 5}, "REST API features"),
        ({"principals": [ALICE, ALICE]}, "twice"),
        ({"port": 70000}, "port"),
    ],
)
def test_bad_gateways(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Gateway(**kwargs)


# -- from_mapping and demo ------------------------------------------------------------


def test_from_mapping_builds_everything() -> None:
    config: dict[str, Any] = json.loads(
        """
        {
          "kind": "rest", "region": "eu-west-1", "stage": "v1", "api_id": "abc123",
          "principals": [
            {"access_key": "AKIDMAPPED0000000001", "secret_key": "mapped-secret",
             "arn": "arn:aws:iam::123456789012:user/mapped"},
            {"access_key": "ASIAMAPPED0000000002", "secret_key": "s", "session_token": "t",
             "expires": "2000-01-01T00:00:00Z"}
          ],
          "throttle": [100, 50], "quota": 1000, "api_key": "key-1",
          "faults": {"seed": 9},
          "policy": {"Statement": [{"Effect": "Allow", "Principal": "*",
                                    "Action": "execute-api:Invoke", "Resource": "*"}]},
          "routes": [
            {"method": "GET", "path": "/pets", "json": [{"id": 1}]},
            {"method": "GET", "path": "/text", "status": 202, "headers": {"X-A": "b"},
             "body": "accepted"},
            {"method": "ANY", "path": "/echo/{proxy+}"}
          ]
        }
        """
    )
    gateway = Gateway.from_mapping(config)
    assert gateway.throttle == Throttle(100.0, 50)
    assert gateway.faults == Faults(seed=9)
    assert gateway.principals[1].expires == dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    mapped = gateway.principals[0]
    key = [("x-api-key", "key-1")]
    with gateway:
        pets = exchange(
            gateway.port,
            signed_request(gateway, "GET", "/v1/pets", principal=mapped, headers=key).data,
        )
        assert (pets.status, pets.json()) == (200, [{"id": 1}])
        assert pets.header("Content-Type") == "application/json"
        text = exchange(
            gateway.port,
            signed_request(gateway, "GET", "/v1/text", principal=mapped, headers=key).data,
        )
        assert (text.status, text.body, text.header("X-A")) == (202, b"accepted", "b")
        echo = exchange(
            gateway.port,
            signed_request(gateway, "POST", "/v1/echo/a", principal=mapped, headers=key).data,
        )
        assert echo.json()["caller_arn"] == mapped.arn


@pytest.mark.parametrize(
    "config",
    [
        {"regoin": "us-east-1"},
        {"principals": [{"access_key": "A", "secret_key": "s", "role": "x"}]},
        {"faults": {"error_rte": 0.1}},
        {"throttle": {"rate": 1, "brust": 2}},
        {"routes": [{"path": "/x", "bdy": "y"}]},
    ],
)
def test_from_mapping_rejects_typos(config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        Gateway.from_mapping(config)


def test_demo_gateway() -> None:
    with Gateway.demo() as gw:
        assert gw.principals == (DEMO_PRINCIPAL,)
        port = gw.port
        assert exchange(
            port, signed_request(gw, "GET", "/prod/pets", principal=DEMO_PRINCIPAL).data
        ).json() == [
            {"id": 1, "name": "Rex", "type": "dog"},
            {"id": 2, "name": "Tom", "type": "cat"},
        ]
        one = exchange(
            port, signed_request(gw, "GET", "/prod/pets/2", principal=DEMO_PRINCIPAL).data
        )
        assert one.json()["name"] == "Tom"
        missing = exchange(
            port, signed_request(gw, "GET", "/prod/pets/9", principal=DEMO_PRINCIPAL).data
        )
        assert (missing.status, missing.json()) == (404, {"message": "pet not found"})
        created = signed_request(
            gw, "POST", "/prod/pets", principal=DEMO_PRINCIPAL, body=b'{"name":"Kit"}'
        )
        assert exchange(port, created.data).status == 201
        wrong = exchange(
            port, signed_request(gw, "GET", "/prod/pest", principal=DEMO_PRINCIPAL).data
        )
        assert wrong.json() == {"message": "Missing Authentication Token"}
    with Gateway.demo(stage="dev", region="eu-west-1") as gw:
        assert gw.url.endswith("/dev")
        assert gw.region == "eu-west-1"
