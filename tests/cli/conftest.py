"""Fixtures for the command-line tests: a gateway, a local STS, fixed assumed-role keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.helpers import ALICE, LONG_TERM, POLICY, ROLE, ROUTES, TEMP
from iamapi.emulator import Gateway, Principal


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    """A REST API (stage prod) with GET /pets, an echo under /echo/ and a denied /denied/."""
    gw = Gateway.from_mapping(
        {"principals": [ALICE, TEMP, LONG_TERM, ROLE], "routes": ROUTES, "policy": POLICY}
    )
    with gw:
        yield gw


@pytest.fixture(scope="session")
def moto_sts(moto_sts_url: str) -> str:
    """The suite's moto server on loopback, standing in for STS (GetCallerIdentity, AssumeRole)."""
    return moto_sts_url


@pytest.fixture
def fixed_role_keys(monkeypatch: pytest.MonkeyPatch) -> Principal:
    """Make moto's AssumeRole hand out ROLE's keys, so the emulator can know them in advance.

    moto runs in this process (a thread), so patching its key generators here
    changes what the CLI subprocess receives from it.
    """
    import moto.iam.models
    import moto.sts.models

    create = moto.iam.models.IAMBackend.create_temp_access_key

    def fixed_key(self: moto.iam.models.IAMBackend) -> moto.iam.models.AccessKey:
        key = create(self)
        key.access_key_id = ROLE.access_key
        key.secret_access_key = ROLE.secret_key
        return key

    monkeypatch.setattr(moto.iam.models.IAMBackend, "create_temp_access_key", fixed_key)
    monkeypatch.setattr(moto.sts.models, "random_session_token", lambda: ROLE.session_token)
    return ROLE
