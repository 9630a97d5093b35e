"""Fuzzing the client's inputs: every request is either signed and accepted by the emulator,
or refused with a typed IamApiError that says what to change. Nothing else escapes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamapi
from iamapi import FrozenCredentials, IamApiClient, RetryPolicy
from iamapi.emulator import Gateway, Principal

PRINCIPAL = Principal("AKIDFUZZEXAMPLE00001", "fuzz-secret", arn="arn:aws:iam::123456789012:user/f")
CREDENTIALS = FrozenCredentials(PRINCIPAL.access_key, PRINCIPAL.secret_key)

any_text = st.text(max_size=40)
nasty_text = st.one_of(
    any_text,
    st.sampled_from(["a\r\nX-Injected: 1", "\n", "\x00", "caf\u00e9", "\u2603\u4e16", " lead"]),
    st.text(min_size=3000, max_size=5000, alphabet="abc"),
)
header_names = st.one_of(
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,20}\Z"),
    nasty_text,
)


def _closed_file() -> io.BytesIO:
    handle = io.BytesIO(b"data")
    handle.close()
    return handle


bodies = st.one_of(
    st.none(),
    st.binary(max_size=200),
    nasty_text,
    st.builds(lambda: (chunk for chunk in [b"a", b"b"])),
    st.builds(_closed_file),
    st.builds(lambda data: io.BytesIO(data), st.binary(max_size=100)),
    st.dictionaries(any_text, any_text, max_size=3),
)


@pytest.fixture(scope="module")
def api() -> Iterator[IamApiClient]:
    with (
        Gateway(region="us-east-1", principals=[PRINCIPAL]) as gw,
        IamApiClient(
            gw.url, region="us-east-1", credentials=CREDENTIALS, retry=RetryPolicy.never()
        ) as client,
    ):
        yield client


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "get", "B@D", ""]),
    path=nasty_text,
    params=st.one_of(st.none(), st.dictionaries(nasty_text, nasty_text, max_size=3)),
    headers=st.dictionaries(header_names, nasty_text, max_size=3),
    body=bodies,
)
def test_typed_error_or_accepted(
    api: IamApiClient,
    method: str,
    path: str,
    params: Any,
    headers: dict[str, str],
    body: Any,
) -> None:
    outcome: Any
    try:
        outcome = api.request(method, path, params=params, headers=headers, data=body)
    except iamapi.IamApiError as error:  # anything else fails the test
        outcome = error
    if isinstance(outcome, iamapi.GatewayError):
        # The gateway may refuse an input (an oversized header block, a path that leaves the
        # stage), but never because the client signed something other than what it sent.
        assert outcome.code not in {"signature_mismatch", "malformed_authorization"}, outcome
    elif isinstance(outcome, iamapi.IamApiError):
        assert str(outcome)
    else:
        assert outcome.status_code == 200
