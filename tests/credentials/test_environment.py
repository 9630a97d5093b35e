"""Credentials from environment variables, and the fast path that skips botocore."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamapi._credentials import CredentialProvider, FrozenCredentials

ACCESS_KEY = "AKIAENVIRONMENT0A1B2"
SECRET_KEY = "env-secret-key-0123456789"


def _fresh_python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_keys_without_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    provider = CredentialProvider()
    assert provider.get() == FrozenCredentials(ACCESS_KEY, SECRET_KEY, None)
    assert provider.method == "env"
    assert provider.expiry is None
    assert provider.describe()["is_temporary"] is False


def test_keys_with_session_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-session-token")
    provider = CredentialProvider()
    assert provider.get() == FrozenCredentials(ACCESS_KEY, SECRET_KEY, "env-session-token")
    assert provider.describe() == {
        "method": "env",
        "access_key": "…A1B2",
        "expiry": None,
        "is_temporary": True,
        "profile": None,
        "role_arn": None,
    }


def test_get_returns_the_same_object_until_something_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    provider = CredentialProvider()
    assert provider.get() is provider.get()


def test_fast_path_does_not_import_botocore(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": "env-session-token",
    }
    code = (
        "import sys, iamapi._credentials as c; c.CredentialProvider().get(); "
        "print('botocore' in sys.modules)"
    )
    assert _fresh_python(code, env) == "False"


def test_without_the_fast_path_botocore_is_used(tmp_path: Path) -> None:
    # The check above is not vacuous: with AWS_PROFILE set, botocore decides.
    (tmp_path / "config").write_text("[default]\nregion = eu-west-1\n", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": os.path.join(str(tmp_path), "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(str(tmp_path), "credentials"),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_PROFILE": "default",
    }
    code = (
        "import sys, iamapi._credentials as c; p = c.CredentialProvider(); p.get(); "
        "print('botocore' in sys.modules, p.method)"
    )
    assert _fresh_python(code, env) == "True env"


# Each case: environment variables -> the fast path applies?
FAST_PATH_CASES = {
    "keys": ({}, True),
    "keys+session-token": ({"AWS_SESSION_TOKEN": "t-session"}, True),
    "keys+legacy-token": ({"AWS_SECURITY_TOKEN": "t-legacy"}, True),
    "legacy-token-wins": ({"AWS_SECURITY_TOKEN": "t-legacy", "AWS_SESSION_TOKEN": "t-s"}, True),
    "empty-legacy-token": ({"AWS_SECURITY_TOKEN": "", "AWS_SESSION_TOKEN": "t-s"}, True),
    "empty-expiration": ({"AWS_CREDENTIAL_EXPIRATION": ""}, True),
    "account-id": ({"AWS_ACCOUNT_ID": "123456789012"}, True),
    "expiration": ({"AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z"}, False),
    "aws-profile": ({"AWS_PROFILE": "default"}, False),
    "aws-default-profile": ({"AWS_DEFAULT_PROFILE": "default"}, False),
}


@pytest.mark.parametrize(
    ("extra", "fast"), list(FAST_PATH_CASES.values()), ids=list(FAST_PATH_CASES)
)
def test_fast_path_matches_botocore(
    monkeypatch: pytest.MonkeyPatch, aws_files: object, extra: dict[str, str], fast: bool
) -> None:
    """Whether or not the fast path applies, the answer is botocore's answer."""
    from botocore.session import Session

    from iamapi import _credentials

    aws_files(config="[default]\nregion = eu-west-1\n")  # type: ignore[operator]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)

    assert (_credentials._environment_credentials(os.environ) is not None) is fast
    expected = Session().get_credentials().get_frozen_credentials()
    got = CredentialProvider().get()
    assert tuple(got) == (expected.access_key, expected.secret_key, expected.token)


def test_explicit_profile_ignores_environment_keys(
    monkeypatch: pytest.MonkeyPatch, aws_files: object
) -> None:
    aws_files(  # type: ignore[operator]
        credentials="[dev]\naws_access_key_id = AKIAFROMFILE00000DEV\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    provider = CredentialProvider(profile="dev")
    assert provider.get().access_key == "AKIAFROMFILE00000DEV"
    assert provider.method == "shared-credentials-file"


def test_force_refresh_rereads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    provider = CredentialProvider()
    first = provider.get()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAROTATED000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rotated-secret")
    assert provider.get() == first  # resolved once, kept
    refreshed = provider.force_refresh()
    assert refreshed == FrozenCredentials("AKIAROTATED000000000", "rotated-secret")
    assert provider.get() == refreshed
    assert provider.generation == 2


def test_partial_environment_keys_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from iamapi import CredentialsError

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    with pytest.raises(CredentialsError, match="AWS_SECRET_ACCESS_KEY is missing") as info:
        CredentialProvider().get()
    assert "unset both" in str(info.value)
    assert type(info.value.__cause__).__name__ == "PartialCredentialsError"


def test_expiring_environment_credentials_go_through_botocore(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "t-1")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z")
    provider = CredentialProvider()
    assert provider.get().token == "t-1"
    assert provider.method == "env"
    expiry = provider.expiry
    assert expiry is not None
    assert expiry.year == 2099
