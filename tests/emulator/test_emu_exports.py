"""The public surface of iamapi.emulator and iamapi.testing, and the answer tables' completeness."""

from __future__ import annotations

import typing

import pytest

import iamapi.emulator
import iamapi.testing
from iamapi.emulator import Gateway, Verdict
from iamapi.emulator._records import VERDICTS
from iamapi.emulator._responses import error_response


@pytest.mark.parametrize("module", [iamapi.emulator, iamapi.testing], ids=lambda m: m.__name__)
def test_all_is_sorted_and_importable(module: typing.Any) -> None:
    # the order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions
    def group(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2), name

    assert module.__all__ == sorted(module.__all__, key=group)
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_verdict_literal_lists_every_code() -> None:
    assert typing.get_args(Verdict) == VERDICTS
    assert len(VERDICTS) == 21


# Verdicts each kind can produce through error_response (the others are not errors,
# are answered outside the JSON envelope, or do not exist for that kind).
_NOT_ENVELOPED = {"ok", "payload_too_large", "connection_reset"}
_REST_ONLY = {"api_key", "quota_exceeded"}


@pytest.mark.parametrize("kind", ["rest", "http", "lambda_url"])
def test_every_verdict_has_an_answer(kind: typing.Any) -> None:
    expected = set(VERDICTS) - _NOT_ENVELOPED - (set() if kind == "rest" else _REST_ONLY)
    for verdict in expected:
        response = error_response(kind, verdict, "text")
        assert 400 <= response.status <= 599, verdict
        assert response.body.startswith(b'{"'), verdict


def test_emulator_import_does_not_start_anything() -> None:
    gateway = Gateway()
    assert not gateway.running
