"""Every snippet in docs/emulator.md runs, and prints what its comments say.

Python blocks whose first line is ``# test_*.py`` are pytest files: they run in
a fresh pytest process, which is also how a user's suite meets the plugin
(through the entry point, with no conftest). Other Python blocks are executed;
when a ``print`` is followed by ``# ...`` comment lines, the printed text must
match them. TOML blocks are loaded with ``Gateway.from_mapping``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from iamapi.emulator import Gateway

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [
        code for lang, code in BLOCK.findall(DOC.read_text(encoding="utf-8")) if lang == language
    ]


SCRIPTS = [code for code in blocks("python") if not code.startswith("# test_")]
PYTEST_FILES = [code for code in blocks("python") if code.startswith("# test_")]


def expected_output(code: str) -> str:
    """The comment lines that follow ``print(...)`` lines, without their ``# ``."""
    expected: list[str] = []
    lines = code.splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith("print("):
            for following in lines[index + 1 :]:
                stripped = following.strip()
                if not stripped.startswith("# "):
                    break
                expected.append(stripped[2:])
    return " ".join(" ".join(expected).split())


def test_the_page_has_snippets() -> None:
    assert len(SCRIPTS) >= 7
    assert len(PYTEST_FILES) >= 2
    assert blocks("toml")


@pytest.mark.parametrize("code", SCRIPTS, ids=[f"block{n}" for n in range(len(SCRIPTS))])
def test_snippet_runs(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, str(DOC), "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own docs
    printed = " ".join(capsys.readouterr().out.split())
    expected = expected_output(code)
    if expected:
        assert printed == expected


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11"
)
def test_toml_snippet_builds_a_gateway() -> None:
    import tomllib

    (text,) = blocks("toml")
    with Gateway.from_mapping(tomllib.loads(text)) as gateway:
        assert gateway.url.endswith("/v1")
        assert [route.template for route in gateway.routes] == ["/health", "/debug/{proxy+}"]


def test_pytest_snippets_pass_in_a_fresh_pytest(tmp_path: Path) -> None:
    for code in PYTEST_FILES:
        name = code.splitlines()[0][2:].strip()
        (tmp_path / name).write_text(code, encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-W",
            "error",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout
