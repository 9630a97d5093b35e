"""Run iamapi's performance targets side by side and print one table.

    python bench/run.py            # everything, a few minutes
    python bench/run.py --quick    # shorter runs and a smaller upload, well under a minute
    python bench/run.py --only signing --only coldstart

Targets (issue 5): ``signing``, ``throughput``, ``coldstart``, ``upload``,
``memory``. Each figure is a median, measured next to its anchor in the same
run; every measurement runs in a fresh interpreter with a small Lambda-like
environment (see ``common.py``). The local HTTP server the throughput, upload
and memory figures need is started here, in its own process, and always
stopped. The table is Markdown, ready for ``docs/performance.md``.

Needs the ``bench`` extra: ``python -m pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Optional

from common import clean_env, median, paired_ratio, run_worker
from server import RunningServer, running_server

TARGETS = ("signing", "throughput", "coldstart", "upload", "memory")
NEEDS_SERVER = {"throughput", "coldstart", "upload", "memory"}
MIB = 1 << 20


@dataclass(frozen=True)
class Settings:
    """How long each target runs."""

    sign_rounds: int
    sign_batch: float
    one_thread_requests: int
    eight_thread_requests: int
    throughput_rounds: int
    cold_runs: int
    upload_mib: int
    hash_rounds: int
    memory_requests: int


FULL = Settings(21, 0.02, 1000, 125, 8, 21, 1024, 7, 100_000)
QUICK = Settings(7, 0.01, 300, 40, 4, 5, 128, 5, 10_000)


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure, its anchor, the ratio and the goal."""

    target: str
    figure: str
    value: str
    anchor: str
    ratio: str
    goal: str
    passed: Optional[bool]  # None: the measurement failed

    @property
    def result(self) -> str:
        return {True: "PASS", False: "FAIL", None: "ERROR"}[self.passed]


def ratio_row(
    target: str,
    figure: str,
    mine: Sequence[float],
    anchor: str,
    theirs: Sequence[float],
    unit: str,
    goal: float,
    at_most: bool,
) -> Row:
    """A row comparing per-round samples: medians shown, ratio of paired rounds judged."""
    ratio = paired_ratio(mine, theirs)
    return Row(
        target=target,
        figure=figure,
        value=f"{median(mine):,.1f} {unit}",
        anchor=f"{anchor} {median(theirs):,.1f} {unit}",
        ratio=f"{ratio:.2f}x",
        goal=f"{'<=' if at_most else '>='} {goal:.2f}x",
        passed=ratio <= goal if at_most else ratio >= goal,
    )


class Bench:
    """Runs the selected targets, collecting table rows and notes."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        self.settings = settings
        self.env = env
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.server: Optional[RunningServer] = None

    def port(self) -> int:
        assert self.server is not None
        return self.server.port

    def worker(self, module: str, *args: object, timeout: float = 900) -> dict[str, Any]:
        return run_worker(module, [str(arg) for arg in args], self.env, timeout)

    # -- the five targets ------------------------------------------------------------

    def signing(self) -> None:
        s = self.settings
        result = self.worker("signing", "--rounds", s.sign_rounds, "--batch", s.sign_batch)
        for kind, label in (("get", "GET, 2 query params"), ("post", "POST, 1 KB JSON")):
            samples = result[kind]
            mine = samples["iamapi SigV4Auth"]
            target = f"1 sign {label}"
            self.rows.append(
                ratio_row(
                    target,
                    "iamapi SigV4Auth",
                    mine,
                    "botocore",
                    samples["botocore SigV4Auth"],
                    "us",
                    0.25,
                    True,
                )
            )
            self.rows.append(
                ratio_row(
                    target, "iamapi SigV4Auth", mine, "floor", samples["floor"], "us", 10, True
                )
            )
            listed = ", ".join(
                f"{name} {median(values):.1f} us" for name, values in samples.items()
            )
            self.notes.append(f"Signing, {label} (median CPU time per signature): {listed}.")

    def throughput(self) -> None:
        s = self.settings
        for threads, per_thread in ((1, s.one_thread_requests), (8, s.eight_thread_requests)):
            assert self.server is not None
            cpu_before = self.server.cpu_seconds()
            started = time.perf_counter()
            result = self.worker(
                "throughput",
                self.port(),
                "--threads",
                threads,
                "--requests",
                per_thread,
                "--rounds",
                s.throughput_rounds,
            )
            elapsed = time.perf_counter() - started
            cpu_after = self.server.cpu_seconds()
            self.rows.append(
                ratio_row(
                    f"2 loopback, {threads} thread{'s' if threads > 1 else ''}",
                    "IamApiClient",
                    result["iamapi"],
                    "requests",
                    result["requests"],
                    "req/s",
                    0.95,
                    False,
                )
            )
            if cpu_before is not None and cpu_after is not None:
                self.notes.append(
                    f"Loopback, {threads} thread(s): the server was busy "
                    f"{(cpu_after - cpu_before) / elapsed:.0%} of the time (the client is what "
                    "is measured)."
                )

    def coldstart(self) -> None:
        s = self.settings
        result = self.worker("coldstart", "--port", self.port(), "--runs", s.cold_runs)
        cpu = result["cpu_ms"]
        for suffix in ("sign", "sign + send"):
            self.rows.append(
                ratio_row(
                    f"3 cold start, {suffix}",
                    "imports + first request (CPU)",
                    cpu[f"iamapi, {suffix}"],
                    "botocore",
                    cpu[f"botocore, {suffix}"],
                    "ms",
                    0.75,
                    True,
                )
            )
        for label, key in (
            ("CPU time inside the child", "cpu_ms"),
            ("wall clock inside the child", "inside_ms"),
            ("wall clock of the whole process, interpreter start-up included", "process_ms"),
        ):
            listed = ", ".join(
                f"{name} {value if isinstance(value, float) else median(value):.0f} ms"
                for name, value in result[key].items()
            )
            self.notes.append(f"Cold start, {label}: {listed}.")
        offenders = result["import_offenders"]
        largest = "; ".join(
            f"{name} {cumulative:.1f} ms" for name, _, cumulative in offenders["cumulative"]
        )
        extra_total = offenders["beyond_requests_total_ms"][0][1]
        extra = "; ".join(f"{name} {own:.1f} ms" for name, own, _ in offenders["beyond_requests"])
        self.notes.append(f"`python -X importtime -c 'import iamapi'`, cumulative: {largest}.")
        self.notes.append(
            f"Imports beyond `import requests`, {extra_total:.1f} ms in all, by own time: {extra}."
        )

    def upload(self) -> None:
        s = self.settings
        result = self.worker(
            "upload", "--port", self.port(), "--mib", s.upload_mib, "--rounds", s.hash_rounds
        )
        size = f"{s.upload_mib // 1024} GiB" if s.upload_mib >= 1024 else f"{s.upload_mib} MiB"
        speeds = result["hash_mb_per_s"]
        self.rows.append(
            ratio_row(
                f"4 hash a {size} file",
                "iamapi payload_hash",
                speeds["iamapi"],
                "hashlib",
                speeds["hashlib"],
                "MB/s",
                0.95,
                False,
            )
        )
        if "upload_error" in result:
            raise RuntimeError(result["upload_error"])
        upload = result["upload"]
        above = upload["peak_above_baseline_mb"]
        self.rows.append(
            Row(
                target=f"4 upload a {size} file",
                figure="peak RSS above baseline",
                value=f"{above:.1f} MiB",
                anchor=f"baseline {upload['baseline_mb']:.1f} MiB",
                ratio="-",
                goal="< 64 MiB",
                passed=above < 64,
            )
        )
        rate = result["size_mb"] / upload["upload_seconds"]
        self.notes.append(
            f"Upload: {result['size_mb']:.0f} MB signed and sent in "
            f"{upload['upload_seconds']:.1f} s ({rate:.0f} MB/s)."
        )

    def memory(self) -> None:
        s = self.settings
        result = self.worker("memory", self.port(), "--requests", s.memory_requests)
        span = f"{result['from_requests']:,} to {result['to_requests']:,} requests"
        growth = result["rss_growth_bytes"]
        self.rows.append(
            Row(
                target="5 memory, one client",
                figure=f"RSS growth, {span}",
                value=f"{growth / 1024:,.0f} KiB",
                anchor="-",
                ratio="-",
                goal="< 1024 KiB",
                passed=growth < MIB,
            )
        )
        objects = result["object_growth"]
        self.rows.append(
            Row(
                target="5 memory, one client",
                figure=f"GC-tracked objects, {span}",
                value=f"{objects:+,d}",
                anchor="-",
                ratio="-",
                goal="< 100",
                passed=objects < 100,
            )
        )
        trail = ", ".join(
            f"{sample['requests']:,}: {sample['rss'] / MIB:.1f} MiB" for sample in result["samples"]
        )
        self.notes.append(f"Memory, RSS after n requests: {trail}.")

    # -- running ---------------------------------------------------------------------

    def run(self, names: Sequence[str]) -> None:
        steps: dict[str, Callable[[], None]] = {
            "signing": self.signing,
            "throughput": self.throughput,
            "coldstart": self.coldstart,
            "upload": self.upload,
            "memory": self.memory,
        }
        for name in names:
            started = time.perf_counter()
            print(f"running {name} ...", file=sys.stderr, flush=True)
            try:
                steps[name]()
            except Exception as exc:
                self.rows.append(Row(name, "the measurement failed", "-", "-", "-", "-", None))
                self.notes.append(f"{name}: {type(exc).__name__}: {exc}")
            print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def table(rows: Sequence[Row]) -> str:
    header = ("Target", "Figure", "iamapi", "Anchor", "Ratio", "Goal", "Result")
    lines = [
        header,
        *((r.target, r.figure, r.value, r.anchor, r.ratio, r.goal, r.result) for r in rows),
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def show(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"

    return "\n".join(
        [show(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(show, lines[1:])]
    )


def versions() -> str:
    found = []
    for name in ("iamapi", "requests", "botocore", "requests-aws4auth", "urllib3"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run iamapi's performance targets side by side and print one table."
    )
    parser.add_argument("--quick", action="store_true", help="short runs, a 128 MiB upload")
    parser.add_argument(
        "--only",
        action="append",
        choices=TARGETS,
        metavar="NAME",
        help=f"run only this target (repeatable): {', '.join(TARGETS)}",
    )
    options = parser.parse_args(argv)
    names = [name for name in TARGETS if not options.only or name in options.only]
    settings = QUICK if options.quick else FULL
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="iamapi-bench-home-") as home:
        bench = Bench(settings, clean_env(home))
        needs_server = bool(NEEDS_SERVER & set(names))
        with running_server() if needs_server else nullcontext() as server:
            bench.server = server
            bench.run(names)
    print(
        f"iamapi benchmarks{' (quick)' if options.quick else ''}: Python "
        f"{platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {versions()}; {time.perf_counter() - started:.0f} s."
    )
    print()
    print(table(bench.rows))
    print()
    for note in bench.notes:
        print(f"- {note}")
    return 1 if any(row.passed is None for row in bench.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
