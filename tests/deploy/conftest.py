"""The image, built once per test run (deploy/build-image.sh), and its figures in the summary."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = "localhost/klaviyo-bill-explorer:test"
FIGURES: list[str] = []


def podman_env() -> dict:
    return {**os.environ, "CONTAINERS_CONF": str(ROOT / "deploy" / "containers.conf")}


@pytest.fixture(scope="session")
def image() -> Iterator[str]:
    if os.geteuid() != 0:
        pytest.fail("building the image needs root (buildah, debootstrap): run scripts/test.sh as root")
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(ROOT / "deploy" / "build-image.sh"), TAG],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    FIGURES.append(done.stdout.strip().splitlines()[-1])
    FIGURES.append(f"image fixture: {time.monotonic() - started:.0f} s including tool checks")
    yield TAG


def pytest_terminal_summary(terminalreporter):
    for line in FIGURES:
        terminalreporter.write_line(line)
