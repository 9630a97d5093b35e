"""A full scenario with every logger at DEBUG: no secret key, session token or signature
appears in any log line, exception text, repr or pickled error."""

from __future__ import annotations

import logging
import pickle
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

import iamapi
from iamapi import FrozenCredentials, IamApiClient, RetryPolicy
from iamapi.emulator import Faults, Gateway, Principal

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEYLEAKCHECK"
TOKEN = "IQoJb3JpZ2luX2VjELEAKCHECKTOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
ACCESS_KEY = "ASIAEXAMPLELEAK9WXYZ"
CALLER = "arn:aws:sts::123456789012:assumed-role/app/session"
FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_cap=0.002)
SIGNATURE = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    for name in ("iamapi", "botocore", "urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        root.setLevel(old)


def test_full_scenario_leaks_nothing(
    debug_everything: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    principal = Principal(ACCESS_KEY, SECRET, session_token=TOKEN, arn=CALLER)
    expired = Principal(
        "ASIAEXPIREDLEAK0WXYZ",
        SECRET + "x",
        session_token=TOKEN + "x",
        expires=datetime.now(timezone.utc) - timedelta(minutes=5),
        arn=CALLER,
    )
    credentials = FrozenCredentials(ACCESS_KEY, SECRET, TOKEN)
    texts: list[str] = []
    raw_bodies: list[str] = []
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/*/open/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/*/open/no",
            },
        ]
    }
    with Gateway(principals=[principal, expired], policy=policy, clock_offset=900) as gw:
        gw.route("ANY", "/open/{proxy+}", (200, {"Content-Type": "application/json"}, b"{}"))
        with IamApiClient(gw.url, credentials=credentials, retry=FAST) as api:
            texts.append(repr(api))
            texts.append(repr(api.credentials))
            # Success after a clock-skew recovery.
            api.get("/open/a", params={"q": "1"})
            # Every kind of failure.
            failures = [
                lambda: api.get("/closed"),  # denied (no Allow)
                lambda: api.get("/open/no"),  # explicit deny
                lambda: api.get("/nowhere/at/all"),
            ]
            wrong = FrozenCredentials(ACCESS_KEY, SECRET[::-1], TOKEN)
            with IamApiClient(gw.url, credentials=wrong, retry=FAST) as bad:
                failures.append(lambda: bad.post("/open/x", json={"a": 1}))
            with IamApiClient(
                gw.url, credentials=FrozenCredentials(expired.access_key, SECRET + "x", TOKEN + "x")
            ) as old:
                failures.append(lambda: old.get("/open/x"))
            for call in failures:
                with pytest.raises(iamapi.IamApiError) as info:
                    call()
                error = info.value
                texts += [str(error), repr(error), str(pickle.loads(pickle.dumps(error)))]
                if isinstance(error, iamapi.GatewayError):
                    texts += [error.cause, error.fix, repr(error.details)]
                    assert error.response is not None
                    raw_bodies.append(error.response.text)
    # Retries against injected faults.
    with (
        Gateway(principals=[principal], faults=Faults(error_rate=0.5, seed=3)) as gw,
        IamApiClient(
            gw.url, credentials=credentials, retry=RetryPolicy(max_attempts=8, backoff_base=0.001)
        ) as api,
    ):
        for _ in range(5):
            api.get("/x")
    texts += [record.getMessage() for record in debug_everything.records]
    texts += [str(record.args) for record in debug_everything.records]
    everything = "\n".join(texts)
    # The gateway's mismatch answer echoes the session token: redaction had work to do.
    assert any(TOKEN in body for body in raw_bodies)
    assert "clock" in everything  # the scenario really logged something
    assert len(debug_everything.records) > 20
    assert SECRET not in everything
    assert SECRET[::-1] not in everything
    assert TOKEN not in everything
    assert ACCESS_KEY[:-4] not in everything
    assert not SIGNATURE.search(
        "\n".join(line for line in everything.splitlines() if "Signature" in line)
    )
