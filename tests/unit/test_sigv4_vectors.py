"""The official SigV4 test vectors, byte for byte.

Two copies of AWS's suite are read from ``shared/sigv4-testsuite`` beside the
repository (or the folder named by ``IAMAPI_SIGV4_TESTSUITE``): aws-c-auth's
38 cases and botocore's 34. For each case the request file is parsed by hand,
signed with :class:`iamapi._signing.Signer` at the case's time, and the
canonical request, string to sign and ``Authorization`` value are compared with
the expected files.

Not applicable, with the reason:

* every ``query-*`` file of aws-c-auth (presigned URLs): iamapi signs with the
  ``Authorization`` header only; the query-string form is not offered.

Every header-signing case applies, including the S3-style ``*-unnormalized``
ones (checked with path normalization off) and the multi-line header value
(checked at the canonicalizer; requests itself cannot send a bare newline).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

from iamapi._signing import Signer, split_target

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(os.environ.get("IAMAPI_SIGV4_TESTSUITE", ROOT.parent / "shared" / "sigv4-testsuite"))
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CASE_TIME = 1440938160.0  # 2015-08-30T12:36:00Z

if not SUITE.is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"The SigV4 test vectors are missing: expected them in {SUITE}")
    pytest.skip("the SigV4 test vectors are not beside this checkout", allow_module_level=True)


class Creds(NamedTuple):
    access_key: str
    secret_key: str
    token: Optional[str]


@dataclass(frozen=True)
class Case:
    name: str
    request: str
    expected_creq: str
    expected_sts: str
    expected_authz: str
    token: Optional[str]
    omit_token: bool
    normalize: bool
    sign_body: bool
    region: str
    service: str
    timestamp: float


def parse_request(raw: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """Parse a raw vector request: the target may hold spaces and raw UTF-8."""
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    request_line = lines[0]
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body.encode("utf-8")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _authz_from_signed_request(signed_request: str) -> str:
    for line in signed_request.split("\n"):
        if line.lower().startswith("authorization:"):
            return line.split(":", 1)[1]
    raise AssertionError("no Authorization line in the signed request")


def _token_from_signed_request(signed_request: str) -> Optional[str]:
    for line in signed_request.split("\n"):
        if line.lower().startswith("x-amz-security-token:"):
            return line.split(":", 1)[1]
    return None


def aws_c_auth_cases() -> list[Case]:
    folder = SUITE / "aws-c-auth-v4"
    cases = []
    for case_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        context = json.loads(_read(case_dir / "context.json"))
        creds = context["credentials"]
        stamp = datetime.strptime(context["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        epoch = (stamp - datetime(1970, 1, 1)).total_seconds()
        cases.append(
            Case(
                name=f"aws-c-auth/{case_dir.name}",
                request=_read(case_dir / "request.txt"),
                expected_creq=_read(case_dir / "header-canonical-request.txt"),
                expected_sts=_read(case_dir / "header-string-to-sign.txt"),
                expected_authz=_authz_from_signed_request(
                    _read(case_dir / "header-signed-request.txt")
                ),
                token=creds.get("token"),
                omit_token=bool(context.get("omit_session_token")),
                normalize=bool(context["normalize"]),
                sign_body=bool(context["sign_body"]),
                region=context["region"],
                service=context["service"],
                timestamp=epoch,
            )
        )
    return cases


def botocore_cases() -> list[Case]:
    folder = SUITE / "botocore-aws4_testsuite"
    cases = []
    for req in sorted(folder.rglob("*.req")):
        stem = req.with_suffix("")
        cases.append(
            Case(
                name=f"botocore/{req.relative_to(folder).with_suffix('')}",
                request=_read(req),
                expected_creq=_read(stem.with_suffix(".creq")),
                expected_sts=_read(stem.with_suffix(".sts")),
                expected_authz=_read(stem.with_suffix(".authz")),
                token=_token_from_signed_request(_read(stem.with_suffix(".sreq"))),
                omit_token=req.name.startswith("post-sts-header-after"),
                normalize=True,
                sign_body=False,
                region="us-east-1",
                service="service",
                timestamp=CASE_TIME,
            )
        )
    return cases


ALL_CASES = aws_c_auth_cases() + botocore_cases()


def test_every_vector_is_found() -> None:
    assert len([c for c in ALL_CASES if c.name.startswith("aws-c-auth/")]) == 38
    assert len([c for c in ALL_CASES if c.name.startswith("botocore/")]) == 34


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_vector(case: Case) -> None:
    method, target, headers, body = parse_request(case.request)
    path, query = split_target(target)
    host = next(value for name, value in headers if name.lower() == "host")
    other = [
        (name, value)
        for name, value in headers
        if name.lower() not in ("host", "x-amz-date")
        and not (case.omit_token and name.lower() == "x-amz-security-token")
    ]
    signer = Signer(
        region=case.region,
        service=case.service,
        content_sha256_header=case.sign_body,
        normalize_path=case.normalize,
    )
    credentials = Creds("AKIDEXAMPLE", SECRET, None if case.omit_token else case.token)
    result = signer.sign(
        method=method,
        host=host,
        path=path,
        query=query,
        headers=other,
        payload_hash=hashlib.sha256(body).hexdigest(),
        credentials=credentials,
        now=case.timestamp,
        signed_header_names=[name for name, _ in other],
    )
    assert result.canonical_request == case.expected_creq
    assert result.string_to_sign == case.expected_sts
    assert result.headers["Authorization"] == case.expected_authz
