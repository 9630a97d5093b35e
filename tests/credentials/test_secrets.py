"""No secret key or session token in reprs, messages or (botocore's) DEBUG logs."""

from __future__ import annotations

import logging
import pickle
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from iamapi import CredentialsError, NoCredentialsError
from iamapi._credentials import CredentialProvider, FrozenCredentials

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue"


def _assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}... leaked into: {text[:200]!r}"


def test_frozen_credentials_repr_and_str() -> None:
    credentials = FrozenCredentials("AKIAIOSFODNN7EXAMPLE", SECRET, TOKEN)
    for text in (repr(credentials), str(credentials), f"{credentials}", f"{[credentials]}"):
        _assert_clean(text, [SECRET, TOKEN, "AKIAIOSFODNN7EXA"])
        assert "…MPLE" in text
    assert repr(FrozenCredentials("AKIAIOSFODNN7EXAMPLE", SECRET)) == (
        "FrozenCredentials(access_key='…MPLE', secret_key=[redacted])"
    )
    assert pickle.loads(pickle.dumps(credentials)) == credentials


def test_provider_repr_and_describe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    provider = CredentialProvider()
    provider.get()
    texts = [repr(provider), str(provider), repr(provider.describe())]
    for text in texts:
        _assert_clean(text, [SECRET, TOKEN, "AKIAIOSFODNN7EXA"])
    assert repr(provider) == "CredentialProvider(method='env', access_key='…MPLE')"


def test_error_texts(tmp_path: Path, aws_files: Callable[..., None]) -> None:
    # A helper that fails and echoes what it had, secrets included, to stderr.
    script = tmp_path / "leaky_helper.py"
    script.write_text(
        "import sys\n"
        f"sys.stderr.write('refresh failed for AKIAIOSFODNN7EXAMPLE: "
        f'{{"SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}"}}\')\n'
        "sys.exit(1)\n",
        encoding="utf-8",
    )
    aws_files(config=f"[profile leaky]\ncredential_process = {sys.executable} -I {script}\n")
    errors: list[BaseException] = []
    for profile in ("leaky", None):
        with pytest.raises((CredentialsError, NoCredentialsError)) as info:
            CredentialProvider(profile=profile).get()
        errors.append(info.value)
    assert isinstance(errors[0], CredentialsError)
    assert isinstance(errors[1], NoCredentialsError)
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        for text in (str(error), repr(error), str(copy), repr(copy)):
            _assert_clean(text, [SECRET, TOKEN, "AKIAIOSFODNN7EXA"])


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    ours = ("botocore", "iamapi", "urllib3")
    return "\n".join(formatter.format(r) for r in records if r.name.startswith(ours))


@pytest.mark.usefixtures("sts")
def test_debug_logs_of_a_full_scenario_hold_no_secret(
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    container: Callable[..., Any],
) -> None:
    """All loggers at DEBUG: assumed role, forced refresh, web identity, container.

    botocore logs the canonical request, the signature, the request headers and
    the raw STS answer at DEBUG; all of that passes the scrubbing filter.
    """
    caplog.set_level(logging.DEBUG)
    secrets = [SECRET, TOKEN]

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    role = CredentialProvider(role_arn="arn:aws:iam::111122223333:role/iamapi-logged")
    for credentials in (role.get(), role.force_refresh()):
        secrets += [credentials.secret_key, credentials.token or ""]

    web_identity_token = "eyJhbGciOiJSUzI1NiJ9.web-identity-claims-EXAMPLE.c2lnbmF0dXJl"
    token_file = tmp_path / "token"
    token_file.write_text(web_identity_token, encoding="utf-8")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iamapi-logged-web")
    web = CredentialProvider().get()
    secrets += [web_identity_token, web.secret_key, web.token or ""]

    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE")
    monkeypatch.delenv("AWS_ROLE_ARN")
    container(token="container-authorization-EXAMPLE")
    from_container = CredentialProvider().get()
    secrets += ["container-authorization-EXAMPLE", from_container.secret_key]

    text = _log_text(caplog.records)
    _assert_clean(text, secrets)
    # The scenario did log what would have leaked, scrubbed.
    assert "CanonicalRequest" in text
    assert "<SecretAccessKey>[redacted]</SecretAccessKey>" in text
    assert "'WebIdentityToken': '[redacted]'" in text


SCRUB_CASES = {
    "xml-answer": "<Credentials><SecretAccessKey>SECRET</SecretAccessKey>"
    "<SessionToken>SECRET</SessionToken></Credentials>",
    "header-dict": "{'X-Amz-Security-Token': b'SECRET', 'x-amz-sso_bearer_token': 'SECRET'}",
    "json-answer": '{"roleCredentials": {"secretAccessKey": "SECRET", "sessionToken": "SECRET"}}',
    "form-body": "Action=AssumeRoleWithWebIdentity&WebIdentityToken=SECRET&Version=2011-06-15",
    "canonical-request": "host:sts.amazonaws.com\nx-amz-security-token:SECRET\n",
    "signature-line": "Signature:\n" + "ab12" * 16,
    "authorization": "'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
    "20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=" + "cd34" * 16 + "'",
}


@pytest.mark.parametrize("text", list(SCRUB_CASES.values()), ids=list(SCRUB_CASES))
def test_scrubbing_patterns(text: str) -> None:
    from iamapi._redaction import redact_text

    cleaned = redact_text(text)
    _assert_clean(cleaned, ["SECRET", "ab12ab12", "cd34cd34", "AKIAIOSFODNN7EXA"])
    assert "[redacted]" in cleaned


def test_scrubbing_leaves_ordinary_records_alone() -> None:
    from iamapi._redaction import _SecretScrubber

    record = logging.LogRecord(
        "botocore.hooks", logging.DEBUG, __file__, 1, "Event %s", ("x",), None
    )
    assert _SecretScrubber().filter(record)
    assert (record.msg, record.args) == ("Event %s", ("x",))
