"""The service answers the CLI's contract: same bytes on every golden case, same messages on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import app

ROOT = Path(__file__).parents[2]
CASES = sorted((ROOT / "tests/golden/cases").glob("*.json"))


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c


def cli(command: str, text: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", command, "-"],
        input=text, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize("command", ["simulate", "compare"])
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_byte_equal_to_the_cli(client, command, path):
    text = json.dumps(json.loads(path.read_text())["scenario"])
    expected = cli(command, text)
    assert expected.returncode == 0, expected.stderr
    r = client.post(f"/v1/{command}", content=text)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == expected.stdout.encode()
