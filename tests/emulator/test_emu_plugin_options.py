"""Overriding ``iam_gateway_options`` customises every ``iam_gateway`` in this module."""

from __future__ import annotations

from typing import Any

import pytest

from iamapi.emulator import Gateway


@pytest.fixture
def iam_gateway_options() -> dict[str, Any]:
    return {"stage": "v2", "api_key": "module-key"}


def test_module_options_apply(iam_gateway: Gateway) -> None:
    assert iam_gateway.url.endswith("/v2")
    assert iam_gateway.api_key == "module-key"


@pytest.mark.iam_gateway(stage="v3")
def test_marker_wins_over_module_options(iam_gateway: Gateway) -> None:
    assert iam_gateway.url.endswith("/v3")
    assert iam_gateway.api_key == "module-key"
