"""``iamapi demo`` end to end, and ``iamapi emulator`` serving another process until a signal."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Optional

import pytest

from cli.helpers import ALICE, cli, find_secrets, keys
from iamapi.emulator import DEMO_PRINCIPAL


def test_demo_runs_every_step() -> None:
    run = cli("demo")
    assert run.returncode == 0, run
    out = run.flat("stdout")
    for step in ("[1/4] A signed call", "[2/4] An unsigned call", "[3/4] A signed call to a route"):
        assert step in out
    assert "[4/4] A call signed with the wrong secret key" in out
    assert "-> HTTP 200: " in out
    assert "AuthenticationError [missing_signature]" in out
    assert "RouteNotFoundError [route_not_found]" in out
    assert "AuthenticationError [signature_mismatch]" in out
    assert "the secret access key does not belong to the access key id" in out
    assert out.count("ok: ") == 4
    assert "UNEXPECTED" not in out
    assert out.endswith("checks an endpoint step by step.")
    assert "All 4 steps behaved as expected." in out
    assert run.stderr == ""
    assert DEMO_PRINCIPAL.secret_key not in run.stdout


class _Lines:
    """Lines of a child's pipe, read by a thread so that reads can time out."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        self.seen: list[str] = []
        self.ended = False

        def pump() -> None:
            with pipe:
                for raw in pipe:
                    self.lines.put(raw.decode("utf-8").rstrip("\n"))
            self.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def until(self, predicate: str, timeout: float = 15) -> list[str]:
        ends = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, ends - time.monotonic()))
            if line is None:
                self.ended = True
                raise AssertionError(f"the stream ended before {predicate!r}: {self.seen}")
            self.seen.append(line)
            if predicate in line:
                return self.seen

    def rest(self, timeout: float = 10) -> list[str]:
        """Every line up to the end of the stream (the pipe is closed by then)."""
        ends = time.monotonic() + timeout
        while not self.ended:
            line = self.lines.get(timeout=max(0.01, ends - time.monotonic()))
            if line is None:
                self.ended = True
            else:
                self.seen.append(line)
        return self.seen


def _start(*args: str) -> tuple[subprocess.Popen[bytes], _Lines, _Lines]:
    env = os.environ.copy()
    env["PYTHONIOENCODING"] = "utf-8"
    child = subprocess.Popen(
        [sys.executable, "-m", "iamapi", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    return child, _Lines(child.stdout), _Lines(child.stderr)


def _exports(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            found[name] = value
    return found


def _stop(child: subprocess.Popen[bytes], number: int, *streams: _Lines) -> int:
    """Send ``number``; wait for the exit and for both pipes to end."""
    child.send_signal(number)
    try:
        return child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in streams:
            stream.rest()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_emulator_serves_another_process_and_stops_on_sigint() -> None:
    child, out, err = _start()
    try:
        banner = out.until("# Ctrl-C stops it.")
        url = next(line.split()[-1] for line in banner if line.startswith("# URL: "))
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/prod")
        exports = _exports(banner)
        assert exports == {
            "AWS_ACCESS_KEY_ID": DEMO_PRINCIPAL.access_key,
            "AWS_SECRET_ACCESS_KEY": DEMO_PRINCIPAL.secret_key,
            "AWS_REGION": "us-east-1",
        }
        assert "unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE" in banner
        assert all(line.startswith(("#", "export ", "unset ")) for line in banner)
        run = cli("request", f"{url}/pets", env=exports)
        assert run.returncode == 0, run
        assert [pet["name"] for pet in json.loads(run.stdout)] == ["Rex", "Tom"]
        err.until("GET /prod/pets -> 200 ok")
    finally:
        status = _stop(child, signal.SIGINT, out, err)
    assert status == 0
    rest = out.rest()
    assert rest[-1] == "# iamapi emulator stopped"
    assert find_secrets("\n".join(rest), allowed=[DEMO_PRINCIPAL.secret_key]) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_emulator_from_a_config_file_stops_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "gateway.json"
    config.write_text(
        json.dumps(
            {
                "region": "eu-west-1",
                "stage": "v1",
                "principals": [{"access_key": ALICE.access_key, "secret_key": ALICE.secret_key}],
                "routes": [{"method": "GET", "path": "/health", "json": {"status": "up"}}],
            }
        ),
        encoding="utf-8",
    )
    child, out, err = _start("--config", str(config), "--stage", "v2")
    try:
        banner = out.until("# Ctrl-C stops it.")
        url = next(line.split()[-1] for line in banner if line.startswith("# URL: "))
        assert url.endswith("/v2"), "the command line wins over the file"
        assert _exports(banner)["AWS_REGION"] == "eu-west-1"
        assert _exports(banner)["AWS_ACCESS_KEY_ID"] == ALICE.access_key
        assert "# Routes: GET /health" in banner
        run = cli("request", f"{url}/health", env={**keys(ALICE), "AWS_REGION": "eu-west-1"})
        assert json.loads(run.stdout) == {"status": "up"}
    finally:
        status = _stop(child, signal.SIGTERM, out, err)
    assert status == 0
    assert out.rest()[-1] == "# iamapi emulator stopped"
    assert find_secrets("\n".join(err.rest())) == []


def test_emulator_with_a_taken_port_exits_1() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        run = cli("emulator", "--port", str(port))
    assert run.returncode == 1, run
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param("gw.json", "{not json", "not valid JSON", id="bad-json"),
        pytest.param("gw.json", '{"regoin": "x"}', "unknown gateway setting(s): regoin", id="typo"),
        pytest.param("gw.toml", "stage = ", "not valid TOML", id="bad-toml"),
        pytest.param("gw.yaml", "stage: prod", "use a .toml or .json file", id="suffix"),
    ],
)
def test_emulator_config_errors_exit_2(tmp_path: Path, name: str, text: str, message: str) -> None:
    if name.endswith(".toml") and sys.version_info < (3, 11):
        message = "needs Python 3.11"
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    run = cli("emulator", "--config", str(config))
    assert run.returncode == 2, run
    assert message in run.stderr


def test_toml_config_on_old_pythons_says_to_use_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamapi.cli import _emulator
    from iamapi.cli._console import UsageError

    config = tmp_path / "gw.toml"
    config.write_text('stage = "v1"\n', encoding="utf-8")
    monkeypatch.setattr(_emulator.sys, "version_info", (3, 10, 14))
    with pytest.raises(UsageError, match=r"needs Python 3\.11 or later .* as JSON instead"):
        _emulator.load_config(str(config))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_toml_config_loads(tmp_path: Path) -> None:
    from iamapi.cli import _emulator

    config = tmp_path / "gw.toml"
    config.write_text('stage = "v1"\n[[routes]]\nmethod = "GET"\npath = "/h"\n', encoding="utf-8")
    assert _emulator.load_config(str(config)) == {
        "stage": "v1",
        "routes": [{"method": "GET", "path": "/h"}],
    }
