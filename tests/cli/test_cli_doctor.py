"""``iamapi doctor`` on a healthy endpoint and on each broken one, as text and as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cli.helpers import ALICE, LONG_TERM, TEMP, cli, keys
from iamapi.emulator import Gateway

ONLY_POST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/POST/*",
        }
    ]
}


@pytest.fixture(scope="module")
def healthy() -> Iterator[Gateway]:
    with Gateway.demo(principals=[ALICE, TEMP, LONG_TERM]) as gw:
        yield gw


@pytest.fixture(scope="module")
def denying() -> Iterator[Gateway]:
    with Gateway.demo(principals=[ALICE], policy=ONLY_POST) as gw:
        yield gw


@pytest.fixture(scope="module")
def skewed() -> Iterator[Gateway]:
    with Gateway.demo(principals=[ALICE], clock_offset=900) as gw:
        yield gw


def _report(*args: str, **env: Any) -> tuple[int, dict[str, Any]]:
    run = cli("doctor", "--json", *args, env=env.get("env", keys(ALICE)))
    report = json.loads(run.stdout)
    assert report["ok"] is (run.returncode == 0)
    return run.returncode, report


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["status"] for check in report["checks"]}


def _check(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(check for check in report["checks"] if check["name"] == name)


def test_healthy_endpoint_text(healthy: Gateway) -> None:
    run = cli("doctor", f"{healthy.url}/pets", env=keys(ALICE))
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert lines[0] == f"iamapi doctor: GET {healthy.url}/pets"
    expected = [
        "PASS  URL",
        "PASS  credentials",
        "SKIP  identity",
        "PASS  clock",
        "PASS  unsigned call",
        "PASS  signed call",
        "SKIP  policy",
        "PASS  key type",
    ]
    statuses = [line[:20].rstrip() for line in lines if line[:4] in ("PASS", "SKIP", "WARN")]
    assert statuses == expected
    flat = run.flat("stdout")
    assert "stage 'prod'" in flat
    assert "access key id …EST1" in flat
    assert "Missing Authentication Token" in flat
    assert "HTTP 200 OK" in flat
    assert flat.endswith("Result: the endpoint works.")


def test_healthy_endpoint_json(healthy: Gateway) -> None:
    status, report = _report(f"{healthy.url}/pets")
    assert status == 0
    assert _statuses(report) == {
        "URL": "pass",
        "credentials": "pass",
        "identity": "skip",
        "clock": "pass",
        "unsigned call": "pass",
        "signed call": "pass",
        "policy": "skip",
        "key type": "pass",
    }
    url = _check(report, "URL")["details"]
    assert (url["kind"], url["stage"], url["region"], url["service"]) == (
        "local",
        "prod",
        "us-east-1",
        "execute-api",
    )
    assert _check(report, "credentials")["details"]["access_key"] == "…EST1"
    assert _check(report, "unsigned call")["details"]["code"] == "missing_signature"
    assert abs(_check(report, "clock")["details"]["offset_seconds"]) < 5


def test_wrong_stage(healthy: Gateway) -> None:
    status, report = _report(f"{healthy.base_url}/staging/pets")
    assert status == 1
    statuses = _statuses(report)
    assert statuses["unsigned call"] == "warn"
    assert statuses["signed call"] == "fail"
    signed = _check(report, "signed call")
    assert signed["details"]["code"] == "forbidden"
    assert "the stage 'staging' is not a deployed stage" in signed["cause"]
    assert "stage does not exist" in _check(report, "unsigned call")["summary"]
    text = cli("doctor", f"{healthy.base_url}/staging/pets", env=keys(ALICE))
    assert text.returncode == 1
    assert "FAIL  signed call" in text.stdout
    assert "Result: 1 check(s) failed: signed call; 1 warning(s): unsigned call." in text.flat(
        "stdout"
    )


def test_wrong_region(healthy: Gateway) -> None:
    status, report = _report("--region", "eu-west-1", f"{healthy.url}/pets")
    assert status == 1
    signed = _check(report, "signed call")
    assert signed["status"] == "fail"
    assert signed["details"]["code"] == "wrong_region"
    assert "--region" in signed["here"]
    assert "(from --region)" in _check(report, "URL")["summary"]
    text = cli("doctor", "--region", "eu-west-1", f"{healthy.url}/pets", env=keys(ALICE))
    assert "Credential should be scoped to a valid region, not 'eu-west-1'" in text.flat("stdout")


def test_denied_by_policy_prints_the_statement(denying: Gateway) -> None:
    status, report = _report(f"{denying.url}/pets")
    assert status == 1
    assert _statuses(report)["signed call"] == "fail"
    policy = _check(report, "policy")
    assert policy["status"] == "fail"
    resource = "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/GET/pets"
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}
    assert policy["details"]["statement"] == statement
    assert policy["details"]["policy_document"] == {
        "Version": "2012-10-17",
        "Statement": [statement],
    }
    assert "the IAM user 'alice'" in policy["summary"]
    text = cli("doctor", f"{denying.url}/pets", env=keys(ALICE))
    assert text.returncode == 1
    assert f'"Resource": "{resource}"' in text.stdout
    assert '"Action": "execute-api:Invoke"' in text.stdout
    assert "FAIL  policy" in text.stdout


def test_backend_error_after_iam_is_a_warning(denying: Gateway) -> None:
    # The policy allows POST; the pet API refuses a POST without a JSON body.
    status, report = _report("-X", "POST", f"{denying.url}/pets")
    assert status == 0
    signed = _check(report, "signed call")
    assert signed["status"] == "warn"
    assert "IAM let the call through" in signed["summary"]
    assert signed["details"]["code"] == "client_error"
    assert _check(report, "policy")["summary"] == "not needed: IAM allowed the call"


def test_skewed_clock(skewed: Gateway) -> None:
    status, report = _report(f"{skewed.url}/pets")
    assert status == 1
    clock = _check(report, "clock")
    assert clock["status"] == "fail"
    assert 880 < clock["details"]["offset_seconds"] < 920
    assert "15 min behind" in clock["summary"]
    assert "NTP" in clock["fix"]
    signed = _check(report, "signed call")
    assert signed["status"] == "pass", "iamapi recovers by signing with the gateway's time"
    assert "second attempt" in signed["summary"]
    text = cli("doctor", f"{skewed.url}/pets", env=keys(ALICE))
    assert "FAIL  clock" in text.stdout
    assert "Result: 1 check(s) failed: clock." in text.flat("stdout")


def test_long_term_keys_are_a_warning(healthy: Gateway) -> None:
    status, report = _report(f"{healthy.url}/pets", env=keys(LONG_TERM))
    assert status == 0
    key_type = _check(report, "key type")
    assert key_type["status"] == "warn"
    assert "long-term IAM user access key" in key_type["summary"]
    temporary = _check(_report(f"{healthy.url}/pets", env=keys(TEMP))[1], "key type")
    assert temporary["status"] == "pass"
    assert "temporary credentials" in temporary["summary"]


def test_identity_from_a_local_sts(healthy: Gateway, moto_sts: str) -> None:
    env = {**keys(ALICE), "AWS_ENDPOINT_URL_STS": moto_sts}
    status, report = _report(f"{healthy.url}/pets", env=env)
    assert status == 0
    identity = _check(report, "identity")
    assert identity["status"] == "pass", identity
    assert identity["details"]["arn"].startswith("arn:aws:")


def test_unreachable_sts_is_skipped_quickly(healthy: Gateway) -> None:
    env = {**keys(ALICE), "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}
    status, report = _report(f"{healthy.url}/pets", env=env)
    assert status == 0
    identity = _check(report, "identity")
    assert identity["status"] == "skip"
    assert "STS did not answer" in identity["summary"]


def test_no_credentials(healthy: Gateway) -> None:
    status, report = _report(f"{healthy.url}/pets", env={"AWS_REGION": "us-east-1"})
    assert status == 1
    statuses = _statuses(report)
    assert statuses["credentials"] == "fail"
    assert statuses["unsigned call"] == "pass"
    assert statuses["signed call"] == "skip"


def test_unreachable_endpoint() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status, report = _report("--timeout", "2", f"http://127.0.0.1:{port}/prod/pets")
    assert status == 1
    statuses = _statuses(report)
    assert statuses["unsigned call"] == "fail"
    assert statuses["clock"] == "skip"
    assert statuses["signed call"] == "skip"


def test_bad_url_fails_the_first_check() -> None:
    status, report = _report("https://api.example.com/v1/pets", env={})
    assert status == 1
    url = _check(report, "URL")
    assert url["status"] == "fail"
    assert "region" in url["summary"]
    assert url["here"] == "On the command line: pass --region (or set AWS_REGION)."
    assert {c["status"] for c in report["checks"][1:]} == {"skip"}
