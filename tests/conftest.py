"""Shared test helpers."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fake_klaviyo import KEY, FakeKlaviyo
from klaviyo.client import Credential, KlaviyoClient

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m engine ...` as a user runs it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture
def cli():
    return run_cli


def cli_json(*args: str, stdin: str | None = None) -> dict:
    done = run_cli(*args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# ---- the fake Klaviyo on 127.0.0.1 and a client pointed at it (sleeps recorded, not slept)


@pytest.fixture
def fake() -> Iterator[FakeKlaviyo]:
    server = FakeKlaviyo()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(fake, slept) -> Iterator[KlaviyoClient]:
    with httpx.Client(timeout=2.0) as http:
        yield KlaviyoClient(http, Credential.api_key(KEY), base_url=fake.base_url, sleep=slept.append)
