"""Fixtures for the emulator's tests (helpers live in ``helpers.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from emulator.helpers import ALICE, BOB
from iamapi.emulator import Gateway


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A REST gateway (stage ``prod``) knowing ALICE and BOB, echoing every path."""
    with Gateway(principals=[ALICE, BOB]) as gw:
        yield gw


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every test must leave no emulator thread behind."""
    yield
    leaked = [t.name for t in threading.enumerate() if t.name.startswith("iamapi-emulator")]
    assert leaked == []
