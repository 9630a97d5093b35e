"""Target 4: a large upload from a seekable file: hashing speed and peak memory.

* Hashing: iamapi's payload hash of a ``PreparedRequest`` whose body is the
  open file (``iamapi._body.payload_hash``, 1 MiB chunks), against raw
  ``hashlib.sha256`` reading the same file in the same 1 MiB chunks. The file
  is read from the page cache after the first pass, so this compares the
  hashing loops, not the disk. Rounds alternate; both are timed in CPU time
  (reading from the page cache included).
* Memory: a fresh interpreter imports iamapi, builds an ``IamApiClient`` for
  the local server and notes its resident set size; then it resets the
  kernel's peak mark, uploads the whole file with ``client.put(..., data=f)``
  (signed, hashed, streamed; the server discards the body) and reads the peak.
  The figure is the peak above that baseline.

The file is created in a temporary directory and always deleted.

Run alone: ``python bench/upload.py [--port PORT] [--mib 1024]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit, peak_rss_bytes, reset_peak_rss, rss_bytes

MIB = 1 << 20
CHUNK = MIB  # the chunk size iamapi hashes files with


def make_file(path: Path, mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for index in range(mib):
            out.write(block[index % 256 :] + block[: index % 256])  # no two chunks alike


def hash_raw(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()


def hash_iamapi(path: Path) -> str:
    import requests

    from iamapi._body import payload_hash

    with path.open("rb") as stream:
        prepared = requests.Request("PUT", "http://127.0.0.1/prod/upload", data=stream).prepare()
        return payload_hash(prepared)


def hashing(path: Path, size: int, rounds: int) -> dict[str, list[float]]:
    """MB/s (10^6 bytes per second) of each way to hash the file, one sample per round."""
    ways = {"iamapi": hash_iamapi, "hashlib": hash_raw}
    expected = hash_raw(path)  # also brings the file into the page cache
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for round_number in range(rounds):
        order = list(ways.items())
        if round_number % 2:
            order.reverse()
        for name, way in order:
            started = time.process_time()
            assert way(path) == expected
            samples[name].append(size / (time.process_time() - started) / 1e6)
    return samples


def upload_child(path: str, port: int) -> None:
    """In a fresh interpreter: print baseline RSS, peak RSS above it, seconds taken."""
    from iamapi import IamApiClient

    client = IamApiClient(f"http://127.0.0.1:{port}/prod")
    baseline = rss_bytes()
    if not reset_peak_rss():
        raise SystemExit("cannot reset the peak RSS mark on this system")
    started = time.perf_counter()
    with open(path, "rb") as body:
        response = client.put("/upload", data=body)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    peak = peak_rss_bytes()
    client.close()
    print(baseline, peak - baseline, elapsed)


def upload_memory(path: Path, port: int) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--port", str(port)],
        stdout=subprocess.PIPE,
        check=True,
        timeout=600,
        env=os.environ.copy(),
    )
    baseline, above, seconds = completed.stdout.decode().split()[-3:]
    return {
        "baseline_mb": int(baseline) / MIB,
        "peak_above_baseline_mb": int(above) / MIB,
        "upload_seconds": float(seconds),
    }


def measure(port: int, mib: int, rounds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="iamapi-bench-") as folder:
        path = Path(folder) / "upload.bin"
        try:
            make_file(path, mib)
            size = path.stat().st_size
            result: dict[str, object] = {
                "size_mb": size / 1e6,
                "hash_mb_per_s": hashing(path, size, rounds),
            }
            if port:
                try:
                    result["upload"] = upload_memory(path, port)
                except subprocess.CalledProcessError as exc:
                    result["upload_error"] = f"the upload child failed with status {exc.returncode}"
            return result
        finally:
            path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="local server for the upload")
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        upload_child(options.child, options.port)
        return
    emit(measure(options.port, options.mib, options.rounds))


if __name__ == "__main__":
    main()
