"""diagnose() never raises, whatever it is given, and always answers an error status."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamapi import GatewayError
from iamapi._diagnosis import CODES, RULES, diagnose

KNOWN_MESSAGES = [example for rule in RULES for example in rule.examples]
ERROR_TYPES = sorted({name for rule in RULES for name in rule.error_types})

statuses = st.one_of(
    st.none(),
    st.integers(min_value=-5, max_value=1200),
    st.sampled_from([400, 401, 403, 404, 410, 413, 429, 500, 502, 503, 504]),
)
header_names = st.one_of(
    st.sampled_from(
        [
            "x-amzn-ErrorType",
            "X-AMZN-REQUESTID",
            "apigw-requestid",
            "x-amz-apigw-id",
            "Retry-After",
            "Date",
            "www-authenticate",
            "Content-Type",
        ]
    ),
    st.text(max_size=20),
)
header_values = st.one_of(st.sampled_from(ERROR_TYPES), st.text(max_size=60))
messages = st.one_of(
    st.sampled_from(KNOWN_MESSAGES),
    st.text(max_size=200),
    st.builds(lambda a, b: a + b, st.sampled_from(KNOWN_MESSAGES), st.text(max_size=40)),
)
json_values: Any = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.binary(max_size=300),
    st.builds(
        lambda key, m: json.dumps({key: m}),
        st.sampled_from(["message", "Message", "MESSAGE"]),
        st.one_of(st.none(), messages),
    ),
    st.builds(json.dumps, json_values),
    st.builds(lambda m: f"<html><title>{m}</title></html>", messages),
)
urls = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(
        [
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/",
            "https://abc123-vpce-0123456789abcdef0.execute-api.eu-west-1.amazonaws.com/p/x",
            "https://vpce-0123-abcd.execute-api.eu-west-1.vpce.amazonaws.com/prod/x",
            "https://abcdefgh.lambda-url.us-east-1.on.aws/",
            "https://api.example.com/v1/%40connections/Zm9v",
            "http://[::1",
            "http://127.0.0.1:8080/dev/x?X-Amz-Signature=abc",
        ]
    ),
)
times = st.one_of(
    st.none(),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone.utc)),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=statuses,
    headers=st.one_of(st.none(), st.dictionaries(header_names, header_values, max_size=6)),
    body=bodies,
    signed=st.booleans(),
    kind=st.sampled_from([None, "rest", "http", "websocket", "lambda_url", "bogus"]),
    method=st.one_of(st.none(), st.sampled_from(["GET", "post", ""]), st.text(max_size=8)),
    url=urls,
    stage=st.one_of(st.none(), st.text(max_size=10)),
    region=st.one_of(st.none(), st.sampled_from(["eu-west-1", "us-gov-west-1", "cn-north-1"])),
    service=st.one_of(st.none(), st.sampled_from(["execute-api", "lambda", "apigateway"])),
    canonical_request=st.one_of(st.none(), st.text(max_size=200)),
    string_to_sign=st.one_of(st.none(), st.text(max_size=120)),
    local_time=times,
)
def test_diagnose_never_raises(
    status: Optional[int],
    headers: Optional[dict[str, str]],
    body: Any,
    signed: bool,
    kind: Optional[str],
    method: Optional[str],
    url: Optional[str],
    stage: Optional[str],
    region: Optional[str],
    service: Optional[str],
    canonical_request: Optional[str],
    string_to_sign: Optional[str],
    local_time: Optional[datetime],
) -> None:
    error = diagnose(
        status,
        headers,
        body,
        signed=signed,
        kind=kind,
        method=method,
        url=url,
        stage=stage,
        region=region,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
    )
    if status is not None and 100 <= status < 400:
        assert error is None
        return
    assert isinstance(error, GatewayError)
    assert error.code in CODES
    assert isinstance(error, CODES[error.code][0])
    text = str(error)
    assert error.cause
    assert error.fix
    assert "\n" not in text
    repr(error)
