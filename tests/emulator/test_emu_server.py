"""The HTTP/1.1 server: lifecycle, keep-alive, framing, and clean stops."""

from __future__ import annotations

import gc
import socket
import threading
import time
import warnings

import pytest

from emulator.helpers import ALICE, RawClient, exchange, oracle_sign, raw_request, signed_request
from iamapi.emulator import Faults, Gateway


def test_lifecycle() -> None:
    gateway = Gateway(principals=[ALICE])
    assert not gateway.running
    assert "not running" in repr(gateway)
    with pytest.raises(RuntimeError, match="not running"):
        _ = gateway.url
    assert gateway.start() is gateway
    with pytest.raises(RuntimeError, match="already running"):
        gateway.start()
    first_port = gateway.port
    assert gateway.url == f"http://127.0.0.1:{first_port}/prod"
    gateway.stop()
    gateway.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", first_port), timeout=2).close()
    with gateway:  # a stopped gateway starts again
        assert exchange(gateway.port, signed_request(gateway, "GET", "/prod/x").data).status == 200


def test_fixed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Gateway(port=port) as gateway:
        assert gateway.port == port


def test_keep_alive_serves_many_requests_on_one_connection(gateway: Gateway) -> None:
    with RawClient(gateway.port) as client:
        for index in range(20):
            response = client.send(signed_request(gateway, "GET", f"/prod/n/{index}").data)
            assert response.status == 200
            assert response.header("Connection") == "keep-alive"
        unsigned = client.send(raw_request("GET", "/prod/x", [("Host", "h")]))
        assert unsigned.status == 403  # errors keep the connection open too
        assert client.send(signed_request(gateway, "GET", "/prod/last").data).status == 200
    assert len(gateway.requests) == 22


def test_pipelined_requests(gateway: Gateway) -> None:
    with RawClient(gateway.port) as client:
        batch = b"".join(signed_request(gateway, "GET", f"/prod/p/{n}").data for n in range(5))
        client.sock.sendall(batch)
        paths = [client.read_response().json()["path"] for _ in range(5)]
    assert paths == [f"/prod/p/{n}" for n in range(5)]


def test_connection_close_and_http_1_0(gateway: Gateway) -> None:
    with RawClient(gateway.port) as client:
        signed = signed_request(gateway, "GET", "/prod/x", headers=[("Connection", "close")])
        response = client.send(signed.data)
        assert (response.status, response.header("Connection")) == (200, "close")
        assert client.closed_by_peer()
    with RawClient(gateway.port) as client:
        data = raw_request("GET", "/prod/x", [("Host", "h")]).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
        assert client.send(data).header("Connection") == "close"
        assert client.closed_by_peer()


def test_chunked_body_is_verified(gateway: Gateway) -> None:
    body = b'{"chunked": true, "padding": "' + b"x" * 300 + b'"}'
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(gateway.now()))
    headers = [
        ("Host", f"127.0.0.1:{gateway.port}"),
        ("X-Amz-Date", date),
        ("Transfer-Encoding", "chunked"),
    ]
    authorization, _, _ = oracle_sign(
        ALICE, "POST", "/prod/up", headers, body, amz_date=date, signed=["host", "x-amz-date"]
    )
    chunks = b"".join(
        b"%x;ext=1\r\n" % len(body[i : i + 100]) + body[i : i + 100] + b"\r\n"
        for i in range(0, len(body), 100)
    )
    data = raw_request("POST", "/prod/up", [*headers, ("Authorization", authorization)])
    with RawClient(gateway.port) as client:
        response = client.send(data + chunks + b"0\r\nX-Trailer: t\r\n\r\n")
        assert response.status == 200, response.body
        assert response.json()["body_length"] == len(body)
        assert client.send(signed_request(gateway, "GET", "/prod/after").data).status == 200


def test_expect_100_continue(gateway: Gateway) -> None:
    body = b"payload"
    signed = signed_request(
        gateway, "PUT", "/prod/x", headers=[("Expect", "100-continue")], body=body
    )
    head, _, _ = signed.data.partition(b"\r\n\r\n")
    with RawClient(gateway.port) as client:
        client.sock.sendall(head + b"\r\n\r\n")
        interim = client.read_response(head_only=True)
        assert interim.status == 100
        final = client.send(body)
        assert (final.status, final.json()["body_length"]) == (200, len(body))


def test_expect_100_continue_refused_when_too_large() -> None:
    with (
        Gateway(principals=[ALICE], payload_limit=10) as gateway,
        RawClient(gateway.port) as client,
    ):
        headers = [("Host", "h"), ("Content-Length", "11"), ("Expect", "100-continue")]
        response = client.send(raw_request("PUT", "/prod/x", headers))
        assert response.status == 413  # answered without asking for the body


def test_head_request_has_no_body(gateway: Gateway) -> None:
    with RawClient(gateway.port) as client:
        response = client.send(signed_request(gateway, "HEAD", "/prod/x").data, head_only=True)
        assert response.status == 200
        assert int(response.header("Content-Length") or 0) > 0
        assert client.send(signed_request(gateway, "GET", "/prod/x").data).status == 200


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /prod/x HTTP/2.0\r\nHost: h\r\n\r\n",
        b"get /prod/x HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /prod/x HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"GET /prod/x HTTP/1.1\r\n folded-first: x\r\n\r\n",
        b"POST /prod/x HTTP/1.1\r\nHost: h\r\nContent-Length: ten\r\n\r\n",
        b"POST /prod/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /prod/x HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    ],
    ids=["line", "version", "method", "header-name", "fold", "length", "chunk", "too-long"],
)
def test_unreadable_requests_get_400_and_close(gateway: Gateway, data: bytes) -> None:
    with RawClient(gateway.port) as client:
        response = client.send(data)
        assert (response.status, response.body) == (400, b"Bad Request")
        assert response.header("Connection") == "close"
        assert response.has("Date")
        assert client.closed_by_peer()


def test_folded_header_is_joined_before_signing(gateway: Gateway) -> None:
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(gateway.now()))
    logical = [
        ("Host", f"127.0.0.1:{gateway.port}"),
        ("X-Amz-Date", date),
        ("My-Header", "value1 value2"),
    ]
    authorization, _, _ = oracle_sign(ALICE, "GET", "/prod/x", logical, amz_date=date)
    lines = [
        "GET /prod/x HTTP/1.1",
        f"Host: 127.0.0.1:{gateway.port}",
        f"X-Amz-Date: {date}",
        "My-Header: value1",
        "   value2",
        f"Authorization: {authorization}",
    ]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    assert exchange(gateway.port, data).status == 200


def test_raw_utf8_and_space_in_the_target(gateway: Gateway) -> None:
    for target in ("/prod/caf\u00e9", "/prod/a b/c"):
        signed = signed_request(gateway, "GET", target)
        response = exchange(gateway.port, signed.data)
        assert response.status == 200, response.body


def test_absolute_form_target(gateway: Gateway) -> None:
    signed = signed_request(gateway, "GET", "/prod/abs?x=1")
    data = signed.data.replace(
        b"GET /prod/abs", f"GET http://127.0.0.1:{gateway.port}/prod/abs".encode(), 1
    )
    response = exchange(gateway.port, data)
    assert response.status == 200
    assert response.json()["path"] == "/prod/abs"


def test_many_concurrent_connections() -> None:
    with Gateway(principals=[ALICE]) as gateway:
        clients = [RawClient(gateway.port) for _ in range(24)]
        try:
            for round_number in range(3):
                for client in clients:
                    client.sock.sendall(
                        signed_request(gateway, "GET", f"/prod/r{round_number}").data
                    )
                assert all(client.read_response().status == 200 for client in clients)
        finally:
            for client in clients:
                client.close()
        assert len(gateway.requests) == 72


def test_stop_is_fast_with_idle_and_busy_connections() -> None:
    gateway = Gateway(principals=[ALICE], faults=Faults(latency=30.0)).start()
    idle = [RawClient(gateway.port) for _ in range(8)]
    busy = RawClient(gateway.port)
    try:
        busy.sock.sendall(signed_request(gateway, "GET", "/prod/slow").data)
        server = gateway._server
        assert server is not None
        deadline = time.monotonic() + 5
        while len(server._connections) < 9 and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        started = time.monotonic()
        gateway.stop()
        assert time.monotonic() - started < 2.0
        assert all(client.closed_by_peer() for client in idle)
    finally:
        for client in [*idle, busy]:
            client.close()


def test_no_resource_warning_after_stop() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Gateway(principals=[ALICE]) as gateway:
            with RawClient(gateway.port) as client:
                client.send(signed_request(gateway, "GET", "/prod/x").data)
            open_client = RawClient(gateway.port)
            open_client.send(signed_request(gateway, "GET", "/prod/x").data)
        open_client.close()
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
