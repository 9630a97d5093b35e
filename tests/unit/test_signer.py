"""Signer details: re-signing is idempotent, the key cache is bounded, reprs hold no secret."""

from __future__ import annotations

import pytest
import requests

from iamapi import FrozenCredentials, Signer
from iamapi._signing import sign_prepared

CREDENTIALS = FrozenCredentials("ASIAEXAMPLE0000SIGN", "the-secret-key", "the-session-token")


@pytest.mark.parametrize("with_hash_header", [False, True])
def test_signing_twice_gives_the_same_canonical_request(with_hash_header: bool) -> None:
    signer = Signer(region="us-east-1", content_sha256_header=with_hash_header)
    prepared = requests.Request("POST", "https://h.example/x?b=2&a=1", data=b"abc").prepare()
    first = sign_prepared(prepared, signer, CREDENTIALS, now=1e9)
    again = sign_prepared(prepared, signer, CREDENTIALS, now=1e9)
    assert first.canonical_request == again.canonical_request
    assert prepared.headers["Authorization"] == first.headers["Authorization"]
    assert ("x-amz-content-sha256" in first.signed_headers) is with_hash_header


def test_signing_key_cache_stays_small() -> None:
    signer = Signer(region="us-east-1")
    prepared = requests.Request("GET", "https://h.example/").prepare()
    for day in range(200):
        sign_prepared(prepared, signer, CREDENTIALS, now=1e9 + day * 86400)
    assert len(signer._keys) <= 16


def test_reprs_hold_no_secret() -> None:
    signer = Signer(region="us-east-1")
    prepared = requests.Request("GET", "https://h.example/").prepare()
    result = sign_prepared(prepared, signer, CREDENTIALS, now=1e9)
    signature = result.headers["Authorization"].rsplit("=", 1)[1]
    for text in (repr(result), repr(signer), repr(CREDENTIALS), str(CREDENTIALS)):
        assert "the-secret-key" not in text
        assert "the-session-token" not in text
        assert signature not in text
    assert "the-session-token" not in result.redacted_canonical_request()
