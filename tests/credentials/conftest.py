"""Credential-test fixtures: what moto's STS has handed out (the rest is in support.aws)."""

from __future__ import annotations

from typing import Any, Callable

import pytest


def assumed_roles() -> list[Any]:
    """Every role moto's STS has handed out so far, oldest first."""
    from moto.sts.models import sts_backends

    found: list[Any] = []
    for by_partition in sts_backends.values():
        for backend in by_partition.values():
            found.extend(backend.assumed_roles)
    return found


@pytest.fixture
def sts_roles() -> Callable[[], list[Any]]:
    return assumed_roles
