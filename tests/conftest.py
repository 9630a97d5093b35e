"""Suite-wide isolation: no test reads the developer's AWS setup or reaches the network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.aws import aws_files, container, moto_sts_url, serve, sts

__all__ = ["aws_files", "container", "moto_sts_url", "serve", "sts"]


@pytest.fixture(autouse=True)
def _isolated_aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Remove every ``AWS_*`` variable and point the shared files at an empty folder.

    Instance metadata is disabled, so botocore's chain never tries
    169.254.169.254; tests that want a metadata server start one on loopback and
    set ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` themselves.
    """
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ["HOME"] = str(home)
    os.environ["AWS_CONFIG_FILE"] = str(Path(home, ".aws", "config"))
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(Path(home, ".aws", "credentials"))
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
