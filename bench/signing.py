"""Target 1: the cost of signing one typical request, against botocore, aws4auth and the floor.

Two requests, built once with ``requests`` as a user would: a GET with two
query parameters and a POST with a 1 KB JSON body, both with a session token.
Each signer signs the same ``PreparedRequest`` again and again, in place, the
way a retry re-signs it (each of them drops its previous signature first).

* ``iamapi SigV4Auth``: the requests auth object with fixed credentials
  (what ``session.auth = SigV4Auth(...)`` costs per request).
* ``iamapi sign_prepared``: the function under it, with a ``Signer``.
* ``botocore``: ``botocore.auth.SigV4Auth`` through the usual adapter, a
  requests auth object that copies the request into an ``AWSRequest``, signs it
  and copies the headers back.
* ``requests-aws4auth``: ``AWS4Auth`` 1.4.0.
* ``floor``: what any SigV4 signer must do at least with a cached signing key:
  SHA-256 of a prebuilt canonical request, then one HMAC over the string to sign.
* ``floor, key derived``: the same plus the four HMACs that derive the key.

Run alone: ``python bench/signing.py [--rounds N]`` prints the samples (us per call) as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
from functools import partial
from typing import Callable

import requests
from botocore.auth import SigV4Auth as BotocoreSigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]
from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]

from common import (
    ACCESS_KEY,
    API_URL,
    JSON_BODY,
    QUERY,
    REGION,
    SECRET_KEY,
    SERVICE,
    SESSION_TOKEN,
    emit,
    interleaved_samples,
)
from iamapi import FrozenCredentials, Signer, SigV4Auth
from iamapi._canonical import derive_signing_key
from iamapi._signing import sign_prepared


class BotocoreAuth(requests.auth.AuthBase):
    """botocore's SigV4 signer as a requests auth object (the adapter users write)."""

    def __init__(self, credentials: Credentials, service: str, region: str) -> None:
        self.signer = BotocoreSigV4Auth(credentials, service, region)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        aws = AWSRequest(
            method=request.method,
            url=request.url,
            headers=dict(request.headers),
            data=request.body,
        )
        self.signer.add_auth(aws)
        request.headers.update(dict(aws.headers.items()))
        return request


def build_requests() -> dict[str, requests.PreparedRequest]:
    get = requests.Request("GET", API_URL, params=QUERY).prepare()
    post = requests.Request("POST", API_URL, json=JSON_BODY).prepare()
    assert isinstance(post.body, bytes)
    assert 900 <= len(post.body) <= 1200, len(post.body)
    return {"get": get, "post": post}


def floors(request: requests.PreparedRequest) -> tuple[Callable[[], str], Callable[[], str]]:
    """The floor and the floor with key derivation, for this request's canonical form."""
    signer = Signer(region=REGION, service=SERVICE)
    credentials = FrozenCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    result = sign_prepared(request.copy(), signer, credentials)
    canonical = result.canonical_request.encode()
    prefix = f"AWS4-HMAC-SHA256\n{result.amz_date}\n{result.scope}\n"
    datestamp = result.amz_date[:8]
    key = derive_signing_key(SECRET_KEY, datestamp, REGION, SERVICE)

    def floor() -> str:
        digest = hashlib.sha256(canonical).hexdigest()
        return hmac.digest(key, (prefix + digest).encode(), "sha256").hex()

    def floor_derived() -> str:
        fresh = derive_signing_key(SECRET_KEY, datestamp, REGION, SERVICE)
        digest = hashlib.sha256(canonical).hexdigest()
        return hmac.digest(fresh, (prefix + digest).encode(), "sha256").hex()

    return floor, floor_derived


def measure(batch_seconds: float, rounds: int) -> dict[str, dict[str, list[float]]]:
    credentials = FrozenCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    iamapi_auth = SigV4Auth(region=REGION, service=SERVICE, credentials=credentials)
    signer = Signer(region=REGION, service=SERVICE)
    botocore_auth = BotocoreAuth(
        Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), SERVICE, REGION
    )
    aws4auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, session_token=SESSION_TOKEN)
    results: dict[str, dict[str, list[float]]] = {}
    for kind, base in build_requests().items():
        mine, its, boto, a4 = (base.copy() for _ in range(4))
        floor, floor_derived = floors(base)
        results[kind] = interleaved_samples(
            {
                "iamapi SigV4Auth": partial(iamapi_auth, mine),
                "iamapi sign_prepared": partial(sign_prepared, its, signer, credentials),
                "botocore SigV4Auth": partial(botocore_auth, boto),
                "requests-aws4auth": partial(aws4auth, a4),
                "floor": floor,
                "floor, key derived": floor_derived,
            },
            batch_seconds=batch_seconds,
            rounds=rounds,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=float, default=0.02, help="seconds per timed batch")
    parser.add_argument("--rounds", type=int, default=21, help="batches per signer")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    options = parser.parse_args()
    results = measure(options.batch, options.rounds)
    if options.pretty:
        print(json.dumps(results, indent=2))
    else:
        emit(results)


if __name__ == "__main__":
    main()
