"""Running ``python -m iamapi`` in a subprocess, and the principals the tests sign as.

Every run goes through :func:`cli`, which checks that nothing it printed holds a
secret key, a session token or a signature (the emulator command's own demo keys
are the one thing allowed, and only where a test says so).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

from iamapi.emulator import DEMO_PRINCIPAL, Principal

REGION = "us-east-1"
ALICE = Principal(
    "AKIDCLIALICE000TEST1",
    "cli/alice/secret+key/00000000000000000001",
    arn="arn:aws:iam::123456789012:user/alice",
)
TEMP = Principal(
    "ASIACLITEMPORARY0001",
    "cli/temporary/secret+key/000000000000002",
    session_token="cli-session-token-FwoGZXIvYXdzEBYaDH7Xcli0000000000000003",
    arn="arn:aws:sts::123456789012:assumed-role/cli-role/cli-session",
)
LONG_TERM = Principal(
    "AKIACLILONGTERMKEY01",
    "cli/long/term/secret+key/0000000000000004",
    arn="arn:aws:iam::123456789012:user/ci-bot",
)
ROLE = Principal(
    "ASIACLIASSUMEDROLE01",
    "cli/assumed/role/secret+key/000000000005",
    session_token="cli-role-session-token-IQoJb3JpZ2luX2VjE0000000000000006",
    arn="arn:aws:sts::123456789012:assumed-role/cli-role/cli-session",
)
BASE_KEYS = ("AKIDCLIBASEPROFILE01", "cli/base/profile/secret+key/00000000007")
WRONG_SECRET = "cli/not/the/right/secret/key/000000000008"
SECRETS = frozenset(
    {
        *(p.secret_key for p in (ALICE, TEMP, LONG_TERM, ROLE, DEMO_PRINCIPAL)),
        *(p.session_token for p in (TEMP, ROLE) if p.session_token),
        BASE_KEYS[1],
        WRONG_SECRET,
    }
)
SIGNATURE = re.compile(r"Signature=[0-9a-fA-F]{16}")

PETS = [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]
ROUTES = [
    {"method": "GET", "path": "/pets", "json": PETS},
    {"method": "ANY", "path": "/echo/{proxy+}"},
    {"method": "ANY", "path": "/denied/{proxy+}"},
]
POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:emulator1/prod/*/denied/*",
        },
    ]
}

OUTPUTS: list[str] = []
"""Everything every CLI run printed in this session, for the shared leak test."""


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def flat(self, stream: str = "stderr") -> str:
        """One stream with every run of whitespace folded into one space (undoes wrapping)."""
        return " ".join(getattr(self, stream).split())


def find_secrets(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The secrets, tokens and signatures found in ``text`` (masked in the result)."""
    found = [f"{s[:6]}..." for s in SECRETS - set(allowed) if s in text]
    found += [m.group(0)[:14] + "..." for m in SIGNATURE.finditer(text)]
    return found


def cli(
    *args: str,
    env: Optional[Mapping[str, Optional[str]]] = None,
    input: Optional[bytes] = None,
    timeout: float = 30,
    allowed: Iterable[str] = (),
) -> Run:
    """Run ``python -m iamapi *args``; ``env`` adds to (``None``: removes from) os.environ."""
    full = os.environ.copy()
    full["PYTHONIOENCODING"] = "utf-8"
    for name, value in (env or {}).items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    done = subprocess.run(
        [sys.executable, "-m", "iamapi", *args],
        env=full,
        input=input if input is not None else b"",
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    run = Run(
        tuple(args),
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
    )
    OUTPUTS.append(run.stdout + run.stderr)
    assert find_secrets(run.stdout + run.stderr, allowed) == [], run
    return run


def keys(principal: Principal, *, secret: Optional[str] = None) -> dict[str, Optional[str]]:
    """Environment variables that make the CLI sign as ``principal``."""
    return {
        "AWS_ACCESS_KEY_ID": principal.access_key,
        "AWS_SECRET_ACCESS_KEY": secret or principal.secret_key,
        "AWS_SESSION_TOKEN": principal.session_token,
        "AWS_REGION": REGION,
    }
