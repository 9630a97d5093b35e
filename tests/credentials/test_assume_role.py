"""Assumed roles against a local STS (moto's server): role_arn=, profiles, web identity."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from iamapi import CredentialsError, NoCredentialsError
from iamapi._credentials import CredentialProvider, FrozenCredentials

SOURCE = {"AWS_ACCESS_KEY_ID": "AKIASOURCE0000000001", "AWS_SECRET_ACCESS_KEY": "source-secret"}


def _role(name: str) -> str:
    return f"arn:aws:iam::111122223333:role/{name}"


def _roles_for(sts_roles: Callable[[], list[Any]], role_arn: str) -> list[Any]:
    return [role for role in sts_roles() if role.role_arn == role_arn]


def _remaining(provider: CredentialProvider) -> timedelta:
    expiry = provider.expiry
    assert expiry is not None
    return expiry - datetime.now(timezone.utc)


@pytest.fixture
def source_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SOURCE.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("sts", "source_keys")
def test_role_arn_is_assumed_with_the_chains_credentials(
    sts_roles: Callable[[], list[Any]],
) -> None:
    role_arn = _role("iamapi-basic")
    provider = CredentialProvider(role_arn=role_arn, external_id="ext-1234", region="eu-west-1")
    credentials = provider.get()
    assert provider.method == "assume-role"
    assert credentials.token
    assert credentials.access_key != SOURCE["AWS_ACCESS_KEY_ID"]
    assert timedelta(minutes=55) < _remaining(provider) <= timedelta(hours=1)
    (role,) = _roles_for(sts_roles, role_arn)
    assert role.external_id == "ext-1234"
    assert role.session_name.startswith("iamapi-")
    assert role.region_name == "eu-west-1"
    assert role.access_key_id == credentials.access_key
    assert provider.describe()["role_arn"] == role_arn
    assert provider.get() is credentials


@pytest.mark.usefixtures("sts", "source_keys")
def test_short_role_sessions_are_not_refreshed_on_every_call(
    sts_roles: Callable[[], list[Any]],
) -> None:
    # With botocore's fixed 15-minute window a 15-minute session would be due
    # for refresh from the start; the windows scale with the duration.
    role_arn = _role("iamapi-short")
    provider = CredentialProvider(
        role_arn=role_arn, role_session_name="short-session", duration_seconds=900
    )
    first = provider.get()
    for _ in range(5):
        assert provider.get() is first
    (role,) = _roles_for(sts_roles, role_arn)
    assert role.session_name == "short-session"
    assert timedelta(minutes=14) < _remaining(provider) <= timedelta(minutes=15)


@pytest.mark.usefixtures("sts", "source_keys")
def test_role_credentials_near_expiry_are_refreshed_before_use(
    sts_roles: Callable[[], list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.sts.models

    # The local STS's first answer expires in 5 minutes (inside the mandatory
    # window); later answers live an hour.
    real_now = moto.sts.models.utcnow
    calls: list[int] = []

    def skewed_now() -> datetime:
        calls.append(1)
        now = real_now()
        return now - timedelta(minutes=55) if len(calls) == 1 else now

    monkeypatch.setattr(moto.sts.models, "utcnow", skewed_now)
    role_arn = _role("iamapi-refresh")
    provider = CredentialProvider(role_arn=role_arn)
    credentials = provider.get()
    first, second = _roles_for(sts_roles, role_arn)
    assert credentials.access_key == second.access_key_id != first.access_key_id
    assert _remaining(provider) > timedelta(minutes=55)


@pytest.mark.usefixtures("sts", "source_keys")
def test_force_refresh_assumes_the_role_again(sts_roles: Callable[[], list[Any]]) -> None:
    role_arn = _role("iamapi-forced")
    provider = CredentialProvider(role_arn=role_arn)
    before = provider.get()
    after = provider.force_refresh()
    assert after != before
    assert provider.get() == after
    assert [role.access_key_id for role in _roles_for(sts_roles, role_arn)] == [
        before.access_key,
        after.access_key,
    ]


@pytest.mark.usefixtures("sts")
def test_explicit_credentials_are_the_roles_source(sts_roles: Callable[[], list[Any]]) -> None:
    role_arn = _role("iamapi-explicit-source")
    source = FrozenCredentials("AKIAEXPLICITSOURCE01", "explicit-secret")
    provider = CredentialProvider(credentials=source, role_arn=role_arn)
    assert provider.get().access_key == _roles_for(sts_roles, role_arn)[0].access_key_id


@pytest.mark.usefixtures("sts")
def test_role_without_source_credentials() -> None:
    with pytest.raises(NoCredentialsError, match="No source credentials to assume role") as info:
        CredentialProvider(role_arn=_role("iamapi-orphan")).get()
    assert "env" in info.value.tried


@pytest.mark.usefixtures("sts")
def test_assume_role_profile(
    aws_files: Callable[..., None], sts_roles: Callable[[], list[Any]]
) -> None:
    role_arn = _role("iamapi-profile")
    aws_files(
        config=(
            "[profile deploy]\n"
            f"role_arn = {role_arn}\n"
            "source_profile = base\n"
            "external_id = profile-ext\n"
            "role_session_name = from-profile\n"
        ),
        credentials="[base]\naws_access_key_id = AKIABASEPROFILE00001\naws_secret_access_key = b\n",
    )
    provider = CredentialProvider(profile="deploy")
    credentials = provider.get()
    assert provider.method == "assume-role"
    (role,) = _roles_for(sts_roles, role_arn)
    assert (role.external_id, role.session_name) == ("profile-ext", "from-profile")
    assert role.region_name == "us-east-1"  # no region configured anywhere
    assert credentials.access_key == role.access_key_id
    # A forced refresh runs the chain again, so the role is assumed again.
    assert provider.force_refresh() != credentials
    assert len(_roles_for(sts_roles, role_arn)) == 2


@pytest.mark.usefixtures("sts")
def test_web_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sts_roles: Callable[[], list[Any]]
) -> None:
    role_arn = _role("iamapi-web-identity")
    token_file = tmp_path / "web-identity-token"
    token_file.write_text("header.web-identity-claims.signature", encoding="utf-8")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", role_arn)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "pod-session")
    provider = CredentialProvider()
    credentials = provider.get()
    assert provider.method == "assume-role-with-web-identity"
    (role,) = _roles_for(sts_roles, role_arn)
    assert role.session_name == "pod-session"
    assert credentials.access_key == role.access_key_id


ACCESS_DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
    "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
    "arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on "
    "resource: arn:aws:iam::111122223333:role/locked</Message></Error>"
    "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
)


@pytest.mark.usefixtures("source_keys")
def test_denied_assume_role_names_role_and_fix(
    serve: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def deny(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        return 403, {"Content-Type": "text/xml"}, ACCESS_DENIED.encode()

    server = serve(deny)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    role_arn = _role("locked")
    with pytest.raises(CredentialsError) as info:
        CredentialProvider(role_arn=role_arn).get()
    message = str(info.value)
    assert message.startswith(f"AssumeRole of {role_arn} was refused: AccessDenied: User: ")
    assert "trust policy" in message
    assert type(info.value.__cause__).__name__ == "ClientError"


def test_role_options_need_a_role() -> None:
    from iamapi import ConfigurationError

    with pytest.raises(ConfigurationError, match="only apply to an assumed role"):
        CredentialProvider(external_id="x")
    with pytest.raises(ConfigurationError, match="from 900 to 43200"):
        CredentialProvider(role_arn=_role("r"), duration_seconds=60)
