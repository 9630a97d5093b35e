"""The pytest plugin: fixtures arrive through the ``pytest11`` entry point, not a conftest."""

from __future__ import annotations

import os

import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from iamapi.emulator import Gateway, Principal
from iamapi.testing import (
    TEST_ACCESS_KEY,
    TEST_CALLER_ARN,
    TEST_SECRET_KEY,
    temporary_aws_profile,
)


def call_with_environment_credentials(url: str) -> requests.Response:
    """What a user's code does: botocore's credential chain, then a signed request."""
    session = botocore.session.Session()
    credentials = session.get_credentials()
    assert credentials is not None
    request = AWSRequest("GET", url)
    SigV4Auth(
        credentials.get_frozen_credentials(), "execute-api", session.get_config_variable("region")
    ).add_auth(request)
    prepared = request.prepare()
    with requests.Session() as http:
        return http.get(prepared.url, headers=dict(prepared.headers))


def test_iam_gateway_is_started_with_the_test_principal(iam_gateway: Gateway) -> None:
    assert iam_gateway.running
    assert iam_gateway.url.startswith("http://127.0.0.1:")
    (principal,) = iam_gateway.principals
    assert (principal.access_key, principal.secret_key, principal.arn) == (
        TEST_ACCESS_KEY,
        TEST_SECRET_KEY,
        TEST_CALLER_ARN,
    )


def test_iam_credentials_point_the_sdk_at_the_gateway(
    iam_gateway: Gateway, iam_credentials: Principal
) -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == iam_credentials.access_key
    assert os.environ["AWS_REGION"] == iam_gateway.region
    assert "AWS_SESSION_TOKEN" not in os.environ
    response = call_with_environment_credentials(iam_gateway.url + "/orders")
    assert response.status_code == 200
    assert response.json()["caller_arn"] == TEST_CALLER_ARN
    assert [r.verdict for r in iam_gateway.requests] == ["ok"]


TEMPORARY = Principal("ASIAPLUGIN0000000001", "plugin-secret", session_token="plugin-token")


@pytest.mark.iam_gateway(kind="http", region="eu-central-1", principals=[TEMPORARY])
def test_marker_customises_the_gateway(iam_gateway: Gateway, iam_credentials: Principal) -> None:
    assert (iam_gateway.kind, iam_gateway.region) == ("http", "eu-central-1")
    assert iam_credentials is TEMPORARY
    assert os.environ["AWS_SESSION_TOKEN"] == "plugin-token"
    response = call_with_environment_credentials(iam_gateway.url + "/x")
    assert response.status_code == 200
    assert "apigw-requestid" in response.headers


def test_routes_can_be_added_in_the_test(iam_gateway: Gateway, iam_credentials: Principal) -> None:
    route = iam_gateway.route("GET", "/health", (200, {}, {"ok": True}))
    assert call_with_environment_credentials(iam_gateway.url + "/health").json() == {"ok": True}
    assert route.calls == 1


def test_temporary_aws_profile_feeds_botocore(iam_gateway: Gateway) -> None:
    before = {
        name: os.environ.get(name) for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    }
    with temporary_aws_profile(
        access_key=TEST_ACCESS_KEY,
        secret_key=TEST_SECRET_KEY,
        region=iam_gateway.region,
        profile="emulator",
        config={"retry_mode": "standard"},
    ) as profile:
        assert os.environ["AWS_PROFILE"] == "emulator"
        assert "[profile emulator]" in profile.config_file.read_text()
        assert "retry_mode = standard" in profile.config_file.read_text()
        response = call_with_environment_credentials(iam_gateway.url + "/p")
        assert response.status_code == 200
        files = (profile.config_file, profile.credentials_file)
    assert not any(path.exists() for path in files)
    assert "AWS_PROFILE" not in os.environ
    assert {name: os.environ.get(name) for name in before} == before


def test_temporary_default_profile_with_session_token() -> None:
    with temporary_aws_profile(access_key="ASIAX", secret_key="s", session_token="t") as profile:
        assert profile.name == "default"
        text = profile.credentials_file.read_text()
        assert "[default]" in text
        assert "aws_session_token = t" in text
        credentials = botocore.session.Session().get_credentials()
        assert credentials is not None
        assert credentials.token == "t"


def test_temporary_profile_rejects_bad_names() -> None:
    profile = temporary_aws_profile(access_key="A", secret_key="s", profile="a]b")
    with pytest.raises(ValueError, match="profile"):
        profile.__enter__()
