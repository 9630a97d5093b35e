"""``iamapi request`` against a local gateway: answers, failures, bodies, headers, output modes."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
from pathlib import Path

import pytest

from cli.helpers import ALICE, LONG_TERM, TEMP, WRONG_SECRET, cli, keys
from iamapi.emulator import Gateway


def test_signed_get_prints_the_body(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/pets", env=keys(ALICE))
    assert run.returncode == 0, run
    assert json.loads(run.stdout) == [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]
    assert run.stderr == ""


def test_query_and_method_arrive_as_given(gateway: Gateway) -> None:
    run = cli(
        "request", "-X", "delete", f"{gateway.url}/echo/a%20b?type=dog&q=x%20y", env=keys(ALICE)
    )
    assert run.returncode == 0, run
    echoed = json.loads(run.stdout)
    assert echoed["method"] == "DELETE"
    assert echoed["path"] == "/prod/echo/a%20b"
    assert echoed["params"] == {"type": ["dog"], "q": ["x y"]}
    assert echoed["caller_arn"] == ALICE.arn


def test_temporary_credentials_send_their_token(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/echo/who", env=keys(TEMP))
    assert run.returncode == 0, run
    assert json.loads(run.stdout)["caller_arn"] == TEMP.arn


@pytest.mark.parametrize(
    ("path", "extra", "code", "phrase"),
    [
        pytest.param("/staging/pets", [], "forbidden", "the stage 'staging'", id="wrong-stage"),
        pytest.param("/prod/petz", [], "route_not_found", "GET /petz", id="wrong-route"),
        pytest.param(
            "/prod/pets", ["--region", "eu-west-1"], "wrong_region", "--region", id="wrong-region"
        ),
        pytest.param("/prod/denied/x", [], "explicit_deny", "explicit deny", id="denied-by-policy"),
        pytest.param(
            "/prod/pets", ["--no-sign"], "missing_signature", "no SigV4 signature", id="unsigned"
        ),
    ],
)
def test_gateway_errors_exit_1_with_the_explanation(
    gateway: Gateway, path: str, extra: list[str], code: str, phrase: str
) -> None:
    run = cli("request", *extra, gateway.base_url + path, env=keys(ALICE))
    assert run.returncode == 1, run
    assert run.stderr.startswith("error: ")
    flat = run.flat()
    assert f"[{code}]" in flat
    assert "Cause: " in flat
    assert "Fix: " in flat
    assert phrase in flat
    assert run.stdout.startswith("{"), "the error answer's body goes to stdout"


def test_wrong_region_says_what_to_change_on_the_command_line(gateway: Gateway) -> None:
    run = cli("request", "--region", "eu-west-1", f"{gateway.url}/pets", env=keys(ALICE))
    assert "Here: on the command line, pass --region with the API's region" in run.flat()


def test_wrong_secret_names_the_secret(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/pets", env=keys(ALICE, secret=WRONG_SECRET))
    assert run.returncode == 1, run
    flat = run.flat()
    assert "AuthenticationError" in flat
    assert "[signature_mismatch]" in flat
    assert "the secret access key does not belong to the access key id …EST1" in flat


def test_explicit_deny_does_not_offer_an_allow_statement(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/denied/x", env=keys(ALICE))
    assert "AccessDeniedError" in run.stderr
    assert "IAM policy that would allow" not in run.stderr


def test_backend_errors_exit_1(gateway: Gateway) -> None:
    gw = Gateway(principals=[ALICE])
    gw.route("GET", "/missing", (404, {"Content-Type": "application/json"}, {"message": "nope"}))
    with gw:
        run = cli("request", f"{gw.url}/missing", env=keys(ALICE))
    assert run.returncode == 1, run
    assert json.loads(run.stdout) == {"message": "nope"}
    assert "[client_error]" in run.flat()


def test_data_from_a_file(gateway: Gateway, tmp_path: Path) -> None:
    payload = b'{"name": "Bo"}\n\x00binary\xff'
    source = tmp_path / "body.bin"
    source.write_bytes(payload)
    run = cli("request", "-d", f"@{source}", f"{gateway.url}/echo/upload", env=keys(ALICE))
    assert run.returncode == 0, run
    echoed = json.loads(run.stdout)
    assert echoed["method"] == "POST", "a body makes the default method POST"
    assert echoed["body_length"] == len(payload)
    assert echoed["body_sha256"] == hashlib.sha256(payload).hexdigest()


def test_data_from_stdin(gateway: Gateway) -> None:
    payload = b"line one\nline two\n"
    run = cli(
        "request", "-X", "PUT", "-d", "@-", f"{gateway.url}/echo/in", env=keys(ALICE), input=payload
    )
    assert run.returncode == 0, run
    echoed = json.loads(run.stdout)
    assert echoed["method"] == "PUT"
    assert echoed["body_sha256"] == hashlib.sha256(payload).hexdigest()


def test_literal_data(gateway: Gateway) -> None:
    run = cli("request", "-d", "a=1&b=2", f"{gateway.url}/echo/form", env=keys(ALICE))
    assert json.loads(run.stdout)["body_sha256"] == hashlib.sha256(b"a=1&b=2").hexdigest()


def test_json_sets_the_content_type(gateway: Gateway) -> None:
    body = '{"name": "Bo", "tags": ["a"]}'
    run = cli("request", "--json", body, f"{gateway.url}/echo/pets", env=keys(ALICE))
    assert run.returncode == 0, run
    echoed = json.loads(run.stdout)
    assert echoed["method"] == "POST"
    assert echoed["headers"]["content-type"] == "application/json"
    assert echoed["headers"]["accept"] == "application/json"
    assert echoed["body_sha256"] == hashlib.sha256(body.encode()).hexdigest()


def test_headers_arrive_and_repeats_are_joined(gateway: Gateway) -> None:
    run = cli(
        "request",
        "-H",
        "X-Custom: hello world",
        "-H",
        "x-trace:  a",
        "-H",
        "X-Trace: b",
        "-H",
        "Content-Type: text/plain",
        f"{gateway.url}/echo/headers",
        env=keys(ALICE),
    )
    assert run.returncode == 0, run
    headers = json.loads(run.stdout)["headers"]
    assert headers["x-custom"] == "hello world"
    assert headers["x-trace"] == "a,b"
    assert headers["content-type"] == "text/plain"


def test_include_prints_status_and_headers_first(gateway: Gateway) -> None:
    run = cli("request", "-i", f"{gateway.url}/pets", env=keys(TEMP))
    assert run.returncode == 0, run
    head, _, body = run.stdout.partition("\n\n")
    lines = head.splitlines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "Content-Type: application/json" in lines
    assert any(line.startswith("x-amzn-RequestId: ") for line in lines)
    assert json.loads(body)[0]["name"] == "Rex"


def _signature(secret: str, string_to_sign: str) -> str:
    _, _, scope, _ = string_to_sign.split("\n")
    date, region, service, _ = scope.split("/")
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def test_verbose_shows_the_signing_steps_and_no_secret(gateway: Gateway) -> None:
    run = cli("request", "-v", "-H", "X-Api-Key: k3y-v4lue", f"{gateway.url}/pets", env=keys(TEMP))
    assert run.returncode == 0, run
    err = run.stderr
    assert "* GET " in err
    assert "* attempt 1: signed at " in err
    assert "* canonical request:\n*   GET\n*   /prod/pets\n" in err
    assert "*   x-amz-security-token:[redacted]" in err
    assert "* GET /prod/pets -> 200 in " in err
    assert "> GET /prod/pets HTTP/1.1" in err
    assert "Signature=[redacted]" in err
    assert "> X-Amz-Security-Token: [redacted]" in err
    assert "> X-Api-Key: [redacted]" in err
    assert "< HTTP/1.1 200 OK" in err
    assert err.count("* canonical request:") == 1
    # The signature itself, computed from the printed string to sign, is nowhere.
    block = re.search(r"\* string to sign:\n((?:\*   .*\n){4})", err)
    assert block is not None, err
    string_to_sign = "\n".join(line[4:] for line in block.group(1).splitlines())
    signature = _signature(TEMP.secret_key, string_to_sign)
    assert signature not in run.stdout + err
    assert TEMP.session_token not in err
    assert "k3y-v4lue" not in err
    assert json.loads(run.stdout)[0]["id"] == 1


def test_verbose_shows_each_attempt() -> None:
    from iamapi.emulator import Faults

    gw = Gateway(principals=[ALICE], faults=Faults(error_rate=1.0, error_status=503))
    with gw:
        run = cli("request", "-v", f"{gw.url}/x", env=keys(ALICE), timeout=60)
        once = cli("request", "--no-retry", "-v", f"{gw.url}/x", env=keys(ALICE))
    assert run.returncode == 1, run
    attempts = re.findall(r"\* GET /prod/x -> 503 in [\d.]+ ms \(attempt (\d)\)", run.stderr)
    assert len(attempts) >= 2
    assert run.stderr.count("* attempt ") == len(attempts), "every attempt is signed afresh"
    assert re.findall(r"\(attempt (\d)\)", once.stderr) == ["1"]


def test_verbose_on_a_signature_mismatch_shows_the_diff(gateway: Gateway) -> None:
    run = cli("request", "-v", f"{gateway.url}/pets", env=keys(TEMP, secret=WRONG_SECRET))
    assert run.returncode == 1, run
    assert "[signature_mismatch]" in run.flat()
    assert TEMP.session_token not in run.stdout, "the gateway's canonical string is masked"


def test_long_term_key_works(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/echo/x", env=keys(LONG_TERM))
    assert json.loads(run.stdout)["caller_arn"] == LONG_TERM.arn


def test_function_url_with_service_lambda() -> None:
    gw = Gateway(kind="lambda_url", principals=[ALICE])
    gw.route("GET", "/hello", (200, {"Content-Type": "text/plain"}, "hi"))
    with gw:
        ok = cli("request", "--service", "lambda", f"{gw.url}/hello", env=keys(ALICE))
        wrong = cli("request", f"{gw.url}/hello", env=keys(ALICE))
    assert (ok.returncode, ok.stdout) == (0, "hi")
    assert wrong.returncode == 1
    assert "[wrong_service]" in wrong.flat()
    assert "--service lambda" in wrong.flat()


def test_no_answer_exits_1() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = cli(
        "request",
        "--no-retry",
        "--timeout",
        "2",
        f"http://127.0.0.1:{port}/prod/x",
        env=keys(ALICE),
    )
    assert run.returncode == 1, run
    assert run.stderr.startswith("error: ConnectError: ")
    assert run.stdout == ""


def test_no_credentials_exits_1(gateway: Gateway) -> None:
    run = cli("request", f"{gateway.url}/pets", env={"AWS_REGION": "us-east-1"})
    assert run.returncode == 1, run
    assert "NoCredentialsError" in run.stderr
