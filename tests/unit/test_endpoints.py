"""Endpoint.parse: what each kind of URL says about region, service, API id, stage and kind."""

from __future__ import annotations

from pathlib import Path

import pytest

import iamapi
from iamapi import Endpoint, InvalidURLError, RegionNotFoundError


@pytest.mark.parametrize(
    ("url", "kind", "region", "service", "api_id", "stage", "netloc"),
    [
        (
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
            "execute_api",
            "eu-west-1",
            "execute-api",
            "abc123",
            "prod",
            "abc123.execute-api.eu-west-1.amazonaws.com",
        ),
        (
            "https://ABC123.Execute-API.us-gov-west-1.amazonaws.com/Prod/pets/",
            "execute_api",
            "us-gov-west-1",
            "execute-api",
            "abc123",
            "Prod",
            "abc123.execute-api.us-gov-west-1.amazonaws.com",
        ),
        (
            "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1",
            "execute_api",
            "cn-north-1",
            "execute-api",
            "abc123",
            "v1",
            "abc123.execute-api.cn-north-1.amazonaws.com.cn",
        ),
        (
            "https://a1b2c3-vpce-0123456789abcdef0.execute-api.ap-south-1.amazonaws.com/dev",
            "private_api",
            "ap-south-1",
            "execute-api",
            "a1b2c3",
            "dev",
            "a1b2c3-vpce-0123456789abcdef0.execute-api.ap-south-1.amazonaws.com",
        ),
        (
            "https://vpce-0123456789abcdef0-x7k2m9p1.execute-api.eu-central-1.vpce.amazonaws.com/test",
            "vpc_endpoint",
            "eu-central-1",
            "execute-api",
            None,
            "test",
            "vpce-0123456789abcdef0-x7k2m9p1.execute-api.eu-central-1.vpce.amazonaws.com",
        ),
        (
            "https://abcdefghijklmnop.lambda-url.us-west-2.on.aws/",
            "lambda_url",
            "us-west-2",
            "lambda",
            "abcdefghijklmnop",
            None,
            "abcdefghijklmnop.lambda-url.us-west-2.on.aws",
        ),
        (
            "http://127.0.0.1:8080/prod",
            "local",
            "us-east-1",
            "execute-api",
            None,
            "prod",
            "127.0.0.1:8080",
        ),
        (
            "http://[::1]:9000/stage",
            "local",
            "us-east-1",
            "execute-api",
            None,
            "stage",
            "[::1]:9000",
        ),
        (
            "https://api.example.com:443/v2",
            "custom_domain",
            "us-east-1",
            "execute-api",
            None,
            None,
            "api.example.com",
        ),
        (
            "https://user:pw@api.example.com:8443/v2",
            "custom_domain",
            "us-east-1",
            "execute-api",
            None,
            None,
            "api.example.com:8443",
        ),
    ],
    ids=lambda value: str(value)[:40],
)
def test_parse(
    url: str,
    kind: str,
    region: str,
    service: str,
    api_id: str | None,
    stage: str | None,
    netloc: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    endpoint = Endpoint.parse(url)
    assert (endpoint.kind, endpoint.region, endpoint.service) == (kind, region, service)
    assert (endpoint.api_id, endpoint.stage, endpoint.netloc) == (api_id, stage, netloc)
    assert "pw@" not in endpoint.url


def test_host_region_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A Lambda function in us-east-1 calling an API in eu-west-1 signs for eu-west-1.
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    endpoint = Endpoint.parse("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
    assert endpoint.region == "eu-west-1"


def test_explicit_arguments_beat_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    endpoint = Endpoint.parse(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", region="ap-south-1", service="x"
    )
    assert (endpoint.region, endpoint.service) == ("ap-south-1", "x")


def test_custom_domain_region_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = sa-east-1\n[profile other]\nregion = af-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert Endpoint.parse("https://api.example.com").region == "sa-east-1"
    assert Endpoint.parse("https://api.example.com", profile="other").region == "af-south-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    assert Endpoint.parse("https://api.example.com").region == "eu-north-1"
    monkeypatch.setenv("AWS_REGION", "eu-south-1")
    assert Endpoint.parse("https://api.example.com").region == "eu-south-1"
    assert Endpoint.parse("https://api.example.com", region="me-south-1").region == "me-south-1"


def test_no_region_is_a_typed_error_that_says_how_to_fix_it() -> None:
    with pytest.raises(RegionNotFoundError, match=r"region='us-east-1'.*AWS_REGION") as info:
        Endpoint.parse("https://api.example.com/v1")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "no-scheme.example.com/prod", "https:///nohost", "http://h:99999/"],
)
def test_invalid_urls(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(InvalidURLError):
        Endpoint.parse(url)


def test_unknown_profile_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(iamapi.ConfigurationError, match="'nope'"):
        Endpoint.parse("https://api.example.com", profile="nope")
