"""SigV4Auth in a user's own requests.Session: redirects are re-signed or refused, and the
session token never reaches another host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

import iamapi
from iamapi import FrozenCredentials, SigV4Auth
from support.scripted import ScriptedServer

TOKEN_CREDENTIALS = FrozenCredentials("ASIAEXAMPLE00000AUTH", "secret-key", "session-token-value")


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = SigV4Auth(region="us-east-1", credentials=TOKEN_CREDENTIALS)
        yield s


def test_same_host_redirect_is_re_signed_for_the_new_path(
    session: requests.Session, scripted: ScriptedServer
) -> None:
    scripted.script = [
        (301, {"Location": "/prod/step2"}, b""),
        (302, {"Location": "/prod/final?x=1"}, b""),
    ]
    response = session.get(scripted.url + "/start")
    assert response.status_code == 200
    assert [r.target for r in scripted.received] == [
        "/prod/start",
        "/prod/step2",
        "/prod/final?x=1",
    ]
    signatures = {r.header("Authorization") for r in scripted.received}
    assert len(signatures) == 3
    assert len(response.history) == 2


def test_cross_host_redirect_raises_and_sends_nothing(
    session: requests.Session, scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    scripted.script = [(302, {"Location": other_scripted.url + "/elsewhere"}, b"")]
    with pytest.raises(iamapi.RedirectError) as info:
        session.get(scripted.url + "/start")
    assert info.value.location == other_scripted.url + "/elsewhere"
    assert other_scripted.received == []


def test_cross_host_redirect_followed_without_signing_headers_on_request(
    scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    scripted.script = [(302, {"Location": other_scripted.url + "/elsewhere"}, b"")]
    with requests.Session() as s:
        s.auth = SigV4Auth(
            region="us-east-1", credentials=TOKEN_CREDENTIALS, follow_unsigned_redirects=True
        )
        assert s.get(scripted.url + "/start").status_code == 200
    (forwarded,) = other_scripted.received
    names = {name.lower() for name, _ in forwarded.headers}
    assert not names & {"authorization", "x-amz-security-token", "x-amz-date"}


def test_redirect_of_a_post_raises(session: requests.Session, scripted: ScriptedServer) -> None:
    scripted.script = [(307, {"Location": "/prod/other"}, b"")]
    with pytest.raises(iamapi.RedirectError):
        session.post(scripted.url + "/orders", data=b"x")
    assert len(scripted.received) == 1


def test_follow_redirects_false_returns_the_redirect_without_credentials(
    scripted: ScriptedServer,
) -> None:
    scripted.script = [(302, {"Location": "/prod/login"}, b"")]
    with requests.Session() as s:
        s.auth = SigV4Auth(
            region="us-east-1", credentials=TOKEN_CREDENTIALS, follow_redirects=False
        )
        response = s.get(scripted.url + "/pets", allow_redirects=False)
    assert response.status_code == 302
    assert [r.target for r in scripted.received] == ["/prod/pets"]


def test_too_many_same_host_redirects_raise(
    session: requests.Session, scripted: ScriptedServer
) -> None:
    scripted.script = [(302, {"Location": f"/prod/r{n}"}, b"") for n in range(1, 10)]
    with pytest.raises(iamapi.RedirectError, match="More than 5 redirects"):
        session.get(scripted.url + "/start")
    assert len(scripted.received) == 6


def test_cross_host_post_is_refused_even_when_unsigned_follows_are_allowed(
    scripted: ScriptedServer, other_scripted: ScriptedServer
) -> None:
    scripted.script = [(307, {"Location": other_scripted.url + "/collect"}, b"")]
    with requests.Session() as s:
        s.auth = SigV4Auth(
            region="us-east-1", credentials=TOKEN_CREDENTIALS, follow_unsigned_redirects=True
        )
        with pytest.raises(iamapi.RedirectError):
            s.post(scripted.url + "/pay", json={"card": "4111"}, headers={"x-api-key": "k"})
    assert other_scripted.received == []
