"""Test helpers for users of iamapi, also loaded as a pytest plugin (entry point ``pytest11``).

Fixtures (available in every pytest run once iamapi is installed):

* ``iam_gateway``: a started :class:`iamapi.emulator.Gateway` that knows one
  principal, :data:`TEST_ACCESS_KEY` / :data:`TEST_SECRET_KEY`, stopped after
  the test. Customise it per test with
  ``@pytest.mark.iam_gateway(kind="http", throttle=(5, 5))``, or for a whole
  module or folder by overriding the ``iam_gateway_options`` fixture (a dict of
  ``Gateway`` keyword arguments); the marker wins over the fixture.
* ``iam_credentials``: points ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``
  (and ``AWS_SESSION_TOKEN`` when the principal has one), ``AWS_REGION`` and
  ``AWS_DEFAULT_REGION`` at the gateway's first principal and region for the
  test, removes ``AWS_PROFILE``, and returns that principal.

Plain helpers: :func:`temporary_aws_profile` writes a throwaway
``config``/``credentials`` pair and points the AWS environment variables at it.

The emulator is imported only when a fixture runs, so loading the plugin
costs nothing to test runs that do not use it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest

if TYPE_CHECKING:
    from iamapi.emulator import Gateway, Principal

__all__ = [
    "TEST_ACCESS_KEY",
    "TEST_CALLER_ARN",
    "TEST_SECRET_KEY",
    "AwsProfile",
    "iam_credentials",
    "iam_gateway",
    "iam_gateway_options",
    "temporary_aws_profile",
]

TEST_ACCESS_KEY = "AKIDIAMAPITESTING000"
TEST_SECRET_KEY = "iamapi/testing/not-a-real-secret-key0000"  # noqa: S105 - a fixture value
TEST_CALLER_ARN = "arn:aws:iam::123456789012:user/iamapi-test"

_MARKER = "iam_gateway"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): keyword arguments for the iam_gateway fixture's Gateway",
    )


@pytest.fixture
def iam_gateway_options() -> dict[str, Any]:
    """Keyword arguments for the ``iam_gateway`` fixture; override it to customise."""
    return {}


@pytest.fixture
def iam_gateway(
    request: pytest.FixtureRequest, iam_gateway_options: Mapping[str, Any]
) -> Iterator[Gateway]:
    """A started emulator with the test principal; routes can be added inside the test."""
    from iamapi.emulator import Gateway, Principal

    options = dict(iam_gateway_options)
    marker = request.node.get_closest_marker(_MARKER)
    if marker is not None:
        options.update(marker.kwargs)
    options.setdefault(
        "principals", [Principal(TEST_ACCESS_KEY, TEST_SECRET_KEY, arn=TEST_CALLER_ARN)]
    )
    with Gateway(**options) as gateway:
        yield gateway


@pytest.fixture
def iam_credentials(iam_gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Principal:
    """Set the AWS environment to the gateway's first principal; returns it."""
    if not iam_gateway.principals:
        raise pytest.UsageError("iam_credentials needs a gateway with at least one principal")
    principal = iam_gateway.principals[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", principal.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", principal.secret_key)
    if principal.session_token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", principal.session_token)
    else:
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_REGION", iam_gateway.region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", iam_gateway.region)
    return principal


@dataclass(frozen=True)
class AwsProfile:
    """The files :func:`temporary_aws_profile` wrote, and the profile name."""

    name: str
    config_file: Path
    credentials_file: Path


_PROFILE_VARIABLES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE")


@contextmanager
def temporary_aws_profile(
    *,
    access_key: str,
    secret_key: str,
    session_token: Optional[str] = None,
    region: Optional[str] = None,
    profile: str = "default",
    config: Optional[Mapping[str, str]] = None,
) -> Iterator[AwsProfile]:
    """Write a throwaway AWS ``config``/``credentials`` pair and point the environment at it.

    Sets ``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` (and
    ``AWS_PROFILE`` for a profile other than ``default``); ``config`` adds
    settings to the profile's config section (``{"retry_mode": "standard"}``).
    On exit the files are deleted and the three variables are restored.
    """
    for name, value in (("profile", profile), ("access_key", access_key)):
        if not value or any(c in value for c in "[]\r\n"):
            raise ValueError(f"invalid {name}: {value!r}")
    saved = {name: os.environ.get(name) for name in _PROFILE_VARIABLES}
    with tempfile.TemporaryDirectory(prefix="iamapi-aws-") as folder:
        credentials_file = Path(folder, "credentials")
        config_file = Path(folder, "config")
        lines = [f"[{profile}]", f"aws_access_key_id = {access_key}"]
        lines.append(f"aws_secret_access_key = {secret_key}")
        if session_token:
            lines.append(f"aws_session_token = {session_token}")
        credentials_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        section = "default" if profile == "default" else f"profile {profile}"
        settings = dict(config or {})
        if region:
            settings.setdefault("region", region)
        body = [f"[{section}]", *[f"{key} = {value}" for key, value in settings.items()]]
        config_file.write_text("\n".join(body) + "\n", encoding="utf-8")
        os.environ["AWS_CONFIG_FILE"] = str(config_file)
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials_file)
        if profile == "default":
            os.environ.pop("AWS_PROFILE", None)
        else:
            os.environ["AWS_PROFILE"] = profile
        try:
            yield AwsProfile(profile, config_file, credentials_file)
        finally:
            for name, previous in saved.items():
                if previous is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = previous
