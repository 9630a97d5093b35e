"""``--profile`` and ``--role-arn`` with throwaway AWS files, roles assumed through a local STS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli.helpers import ALICE, BASE_KEYS, REGION, cli
from iamapi.emulator import Gateway, Principal

ROLE_ARN = "arn:aws:iam::123456789012:role/cli-role"


@pytest.fixture
def aws_files() -> Path:
    """The shared config and credentials files (the suite points AWS_* at an empty home)."""
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "[profile plain]\n"
        f"region = {REGION}\n"
        "[profile cli-base]\n"
        f"region = {REGION}\n"
        "[profile cli-role]\n"
        f"role_arn = {ROLE_ARN}\n"
        "source_profile = cli-base\n"
        "role_session_name = cli-session\n"
        f"region = {REGION}\n",
        encoding="utf-8",
    )
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[plain]\n"
        f"aws_access_key_id = {ALICE.access_key}\n"
        f"aws_secret_access_key = {ALICE.secret_key}\n"
        "[cli-base]\n"
        f"aws_access_key_id = {BASE_KEYS[0]}\n"
        f"aws_secret_access_key = {BASE_KEYS[1]}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.usefixtures("aws_files")
def test_static_profile(gateway: Gateway) -> None:
    run = cli("request", "--profile", "plain", f"{gateway.url}/echo/who")
    assert run.returncode == 0, run
    assert json.loads(run.stdout)["caller_arn"] == ALICE.arn


@pytest.mark.usefixtures("aws_files")
def test_profile_from_the_environment(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/echo/who", env={"AWS_PROFILE": "plain"})
    assert json.loads(run.stdout)["caller_arn"] == ALICE.arn


@pytest.mark.usefixtures("aws_files")
def test_unknown_profile_exits_1(gateway: Gateway) -> None:
    run = cli("request", "--profile", "nope", f"{gateway.url}/echo/who", env={"AWS_REGION": REGION})
    assert run.returncode == 1, run
    assert "nope" in run.stderr
    assert run.stderr.startswith("error: ")


@pytest.mark.usefixtures("aws_files")
def test_assume_role_profile(gateway: Gateway, moto_sts: str, fixed_role_keys: Principal) -> None:
    env = {"AWS_ENDPOINT_URL_STS": moto_sts}
    run = cli("request", "-v", "--profile", "cli-role", f"{gateway.url}/echo/who", env=env)
    assert run.returncode == 0, run
    assert json.loads(run.stdout)["caller_arn"] == fixed_role_keys.arn
    assert "* credentials resolved from assume-role" in run.stderr
    assert f"with access key …{fixed_role_keys.access_key[-4:]}" in run.stderr


@pytest.mark.usefixtures("aws_files")
def test_role_arn_option(gateway: Gateway, moto_sts: str, fixed_role_keys: Principal) -> None:
    env = {"AWS_ENDPOINT_URL_STS": moto_sts}
    run = cli(
        "request", "--profile", "cli-base", "--role-arn", ROLE_ARN, f"{gateway.url}/echo/who",
        env=env,
    )  # fmt: skip
    assert run.returncode == 0, run
    assert json.loads(run.stdout)["caller_arn"] == fixed_role_keys.arn


@pytest.mark.usefixtures("aws_files")
def test_doctor_with_an_assume_role_profile(
    gateway: Gateway, moto_sts: str, fixed_role_keys: Principal
) -> None:
    env = {"AWS_ENDPOINT_URL_STS": moto_sts}
    run = cli("doctor", "--json", "--profile", "cli-role", f"{gateway.url}/echo/x", env=env)
    assert run.returncode == 0, run
    checks = {check["name"]: check for check in json.loads(run.stdout)["checks"]}
    credentials = checks["credentials"]
    assert credentials["details"]["method"] == "assume-role"
    assert credentials["details"]["temporary"] is True
    assert credentials["details"]["profile"] == "cli-role"
    assert "expire at " in credentials["summary"]
    assert checks["identity"]["status"] == "pass"
    assert checks["key type"]["status"] == "pass"
