"""Shared config and credentials files: profiles, credential_process and SSO."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from iamapi import CredentialsError, NoCredentialsError
from iamapi._credentials import CredentialProvider

CREDENTIALS_FILE = """\
[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = default-secret

[dev]
aws_access_key_id = AKIADEVELOPER0000002
aws_secret_access_key = dev-secret
aws_session_token = dev-token
"""

CONFIG_FILE = """\
[default]
region = eu-west-1

[profile dev]
region = us-east-2

[profile in-config]
aws_access_key_id = AKIAINCONFIG00000003
aws_secret_access_key = config-secret
"""


@pytest.fixture
def profiles(aws_files: Callable[..., None]) -> None:
    aws_files(config=CONFIG_FILE, credentials=CREDENTIALS_FILE)


@pytest.mark.usefixtures("profiles")
@pytest.mark.parametrize(
    ("profile", "access_key", "token", "method"),
    [
        (None, "AKIADEFAULT000000001", None, "shared-credentials-file"),
        ("dev", "AKIADEVELOPER0000002", "dev-token", "shared-credentials-file"),
        ("in-config", "AKIAINCONFIG00000003", None, "config-file"),
    ],
    ids=["default", "dev", "config-file"],
)
def test_profile_selection(
    profile: str | None, access_key: str, token: str | None, method: str
) -> None:
    provider = CredentialProvider(profile=profile)
    credentials = provider.get()
    assert credentials.access_key == access_key
    assert credentials.token == token
    assert provider.method == method


@pytest.mark.usefixtures("profiles")
def test_aws_profile_variable_selects_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert CredentialProvider().get().access_key == "AKIADEVELOPER0000002"


@pytest.mark.usefixtures("profiles")
def test_unknown_profile_lists_the_profiles_that_exist() -> None:
    with pytest.raises(CredentialsError) as info:
        CredentialProvider(profile="prod").get()
    message = str(info.value)
    assert "'prod' was not found" in message
    assert "Profiles that exist: default, dev, in-config." in message
    assert "aws configure --profile prod" in message
    assert type(info.value.__cause__).__name__ == "ProfileNotFound"


@pytest.mark.usefixtures("profiles")
def test_unknown_profile_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore refuses an AWS_PROFILE that does not exist even with keys in the
    # environment, so the fast path must not hide it.
    monkeypatch.setenv("AWS_PROFILE", "typo")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00004")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    with pytest.raises(CredentialsError, match="'typo' was not found"):
        CredentialProvider().get()


@pytest.mark.usefixtures("profiles")
def test_file_rotation_is_seen_by_force_refresh(aws_files: Callable[..., None]) -> None:
    provider = CredentialProvider(profile="dev")
    assert provider.get().access_key == "AKIADEVELOPER0000002"
    aws_files(
        config=CONFIG_FILE,
        credentials=CREDENTIALS_FILE.replace("AKIADEVELOPER0000002", "AKIADEVELOPER0000099"),
    )
    assert provider.force_refresh().access_key == "AKIADEVELOPER0000099"


def test_nothing_found_names_every_source_tried() -> None:
    with pytest.raises(NoCredentialsError) as info:
        CredentialProvider().get()
    error = info.value
    assert error.tried[0] == "env"
    assert {"shared-credentials-file", "config-file", "custom-process", "sso"} <= set(error.tried)
    assert error.tried[-2:] == ("container-role", "iam-role")
    message = str(error)
    assert ", ".join(error.tried) in message
    assert "AWS_ACCESS_KEY_ID" in message
    assert "aws configure" in message
    assert "--profile" in message
    assert "AWS_EC2_METADATA_DISABLED" in message


# -- credential_process ---------------------------------------------------------------

PROCESS_SCRIPT = """\
import json, sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

counter = Path(sys.argv[1])
number = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(number))
if sys.argv[2] == "fail":
    sys.stderr.write("sso session for the helper expired; log in again")
    sys.exit(3)
# The first answer is due for refresh at once (inside botocore's mandatory window).
lifetime = timedelta(minutes=5) if number == 1 else timedelta(hours=1)
expiration = (datetime.now(timezone.utc) + lifetime).strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump({
    "Version": 1,
    "AccessKeyId": f"ASIAPROCESS{number:09d}",
    "SecretAccessKey": f"process-secret-{number}",
    "SessionToken": f"process-token-{number}",
    "Expiration": expiration,
}, sys.stdout)
"""


@pytest.fixture
def credential_process(tmp_path: Path, aws_files: Callable[..., None]) -> Callable[[str], Path]:
    script = tmp_path / "credential_helper.py"
    script.write_text(PROCESS_SCRIPT, encoding="utf-8")
    counter = tmp_path / "runs"

    def configure(mode: str = "ok") -> Path:
        command = f"{sys.executable} -I {script} {counter} {mode}"
        aws_files(config=f"[profile helper]\ncredential_process = {command}\n")
        return counter

    return configure


def test_credential_process_with_expiration_is_refreshed(
    credential_process: Callable[[str], Path],
) -> None:
    runs = credential_process("ok")
    provider = CredentialProvider(profile="helper")
    first = provider.get()
    # Run 1 expired within minutes, so botocore refreshed before handing it out.
    assert first.access_key == "ASIAPROCESS000000002"
    assert first.token == "process-token-2"
    assert runs.read_text() == "2"
    assert provider.method == "custom-process"
    assert provider.expiry is not None
    assert provider.get() is first
    assert runs.read_text() == "2"
    refreshed = provider.force_refresh()
    assert refreshed.access_key == "ASIAPROCESS000000003"
    assert runs.read_text() == "3"


def test_failing_credential_process_names_source_and_fix(
    credential_process: Callable[[str], Path],
) -> None:
    credential_process("fail")
    with pytest.raises(CredentialsError) as info:
        CredentialProvider(profile="helper").get()
    message = str(info.value)
    assert message.startswith("Loading credentials from custom-process failed:")
    assert "log in again" in message
    assert "credential_process command of profile 'helper'" in message
    assert type(info.value.__cause__).__name__ == "CredentialRetrievalError"


# -- SSO ---------------------------------------------------------------------------------
# botocore fixes the SSO token cache folder from HOME when it is imported, so
# these run in a fresh interpreter whose HOME is the test's.

SSO_START_URL = "https://example-directory.awsapps.com/start"


def _sso_config(aws_files: Callable[..., None]) -> None:
    aws_files(
        config=textwrap.dedent(
            f"""\
            [profile sso-dev]
            sso_start_url = {SSO_START_URL}
            sso_region = eu-west-1
            sso_account_id = 123456789012
            sso_role_name = Developer
            region = eu-west-1
            """
        )
    )


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sso_profile(
    aws_files: Callable[..., None],
    serve: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, dict[str, list[str]], str]] = []

    def portal(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        seen.append((parts.path, parse_qs(parts.query), headers.get("x-amz-sso_bearer_token", "")))
        answer = {
            "roleCredentials": {
                "accessKeyId": "ASIASSOROLE000000005",
                "secretAccessKey": "sso-secret",
                "sessionToken": "sso-session-token",
                "expiration": 4102444800000,  # 2100-01-01, in milliseconds
            }
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    server = serve(portal)
    _sso_config(aws_files)
    cache = Path(os.environ["HOME"], ".aws", "sso", "cache")
    cache.mkdir(parents=True)
    key = hashlib.sha1(SSO_START_URL.encode()).hexdigest()  # noqa: S324 - botocore's file name
    (cache / f"{key}.json").write_text(
        json.dumps(
            {
                "startUrl": SSO_START_URL,
                "region": "eu-west-1",
                "accessToken": "sso-bearer-token",
                "expiresAt": "2099-01-01T00:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", server.url)
    result = _run(
        """\
        from iamapi._credentials import CredentialProvider
        provider = CredentialProvider(profile="sso-dev")
        credentials = provider.get()
        print(provider.method, credentials.access_key, credentials.token, provider.expiry.year)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sso", "ASIASSOROLE000000005", "sso-session-token", "2100"]
    path, query, bearer = seen[0]
    assert path == "/federation/credentials"
    assert query == {"account_id": ["123456789012"], "role_name": ["Developer"]}
    assert bearer == "sso-bearer-token"


def test_sso_profile_without_a_login(aws_files: Callable[..., None]) -> None:
    _sso_config(aws_files)
    result = _run(
        """\
        from iamapi import CredentialsError
        from iamapi._credentials import CredentialProvider
        try:
            CredentialProvider(profile="sso-dev").get()
        except CredentialsError as error:
            print(error)
            print(type(error.__cause__).__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    message, cause = result.stdout.strip().splitlines()
    assert "SSO session is missing or expired" in message
    assert "aws sso login --profile sso-dev" in message
    assert cause == "SSOTokenLoadError"
