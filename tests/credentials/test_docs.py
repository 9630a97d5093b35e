"""Every Python snippet in docs/credentials.md runs, against local sources only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "credentials.md"
SNIPPETS = [
    (DOC.read_text(encoding="utf-8")[: match.start()].count("\n") + 2, match.group(1))
    for match in re.finditer(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
]


@pytest.mark.usefixtures("sts")
@pytest.mark.parametrize(("line", "code"), SNIPPETS, ids=[f"line-{line}" for line, _ in SNIPPETS])
def test_snippet_runs(
    line: int,
    code: str,
    monkeypatch: pytest.MonkeyPatch,
    aws_files: Callable[..., None],
) -> None:
    aws_files(
        config="[default]\nregion = eu-west-1\n\n[profile dev]\nregion = eu-west-1\n",
        credentials="[dev]\naws_access_key_id = AKIADOCSDEV000000001\naws_secret_access_key = d\n",
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADOCSENVIRONMENT1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "docs-secret")
    exec(compile(code, f"{DOC.name}:{line}", "exec"), {"__name__": "docs"})  # noqa: S102


def test_the_doc_has_snippets() -> None:
    assert len(SNIPPETS) >= 5
