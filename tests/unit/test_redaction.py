"""The one redaction helper: what it masks and what it keeps."""

from __future__ import annotations

from iamapi._redaction import mask_access_key, redact_authorization, redact_headers, redact_text

TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="
SIGNATURE = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
AUTHZ = (
    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE1234WXYZ/20150830/us-east-1/execute-api/aws4_request, "
    f"SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={SIGNATURE}"
)


def test_authorization_keeps_scope_and_headers_only() -> None:
    masked = redact_authorization(AUTHZ)
    assert SIGNATURE not in masked
    assert "ASIAEXAMPLE1234" not in masked
    assert "…WXYZ/20150830/us-east-1/execute-api/aws4_request" in masked
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token" in masked
    assert redact_authorization("Bearer eyJhbGciOi.payload.sig") == "Bearer [redacted]"


def test_headers() -> None:
    masked = redact_headers(
        {"Authorization": AUTHZ, "X-Amz-Security-Token": TOKEN, "x-api-key": "k" * 20, "A": "b"}
    )
    assert TOKEN not in str(masked)
    assert SIGNATURE not in str(masked)
    assert "k" * 20 not in str(masked)
    assert masked["A"] == "b"


def test_text_masks_canonical_lines_queries_json_and_given_secrets() -> None:
    text = (
        f"x-amz-security-token:{TOKEN}\n"
        f"?X-Amz-Security-Token={TOKEN}&X-Amz-Signature={SIGNATURE}\n"
        f'{{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG", "SessionToken": "{TOKEN}"}}\n'
        "my secret is hunter2hunter2\n"
        f"{AUTHZ}"
    )
    masked = redact_text(text, secrets=["hunter2hunter2"])
    for secret in (TOKEN, SIGNATURE, "wJalrXUtnFEMI/K7MDENG", "hunter2hunter2", "ASIAEXAMPLE1234"):
        assert secret not in masked


def test_access_key_shows_last_four() -> None:
    assert mask_access_key("AKIAIOSFODNN7EXAMPLE") == "…MPLE"
    assert "AKIAIOSFODNN7" not in redact_text("key AKIAIOSFODNN7EXAMPLE used")


def test_header_lines_userinfo_and_config_lines() -> None:
    text = (
        "Authorization: Bearer eyJhbGciOi.payload.sig\n"
        "Cookie: session=abcdef123456\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY\n"
        "GET http://alice:hunter2-password@127.0.0.1:8080/prod/pets\n"
        "{'X-Amz-Security-Token': 'IQoJb3JpZ2luTOKEN'}"
    )
    masked = redact_text(text)
    for secret in (
        "eyJhbGciOi",
        "abcdef123456",
        "wJalrXUtnFEMI",
        "hunter2-password",
        "IQoJb3JpZ2luTOKEN",
    ):
        assert secret not in masked
    assert "127.0.0.1:8080/prod/pets" in masked
