"""The service answers the CLI's contract: same bytes on every golden case, same messages on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.__main__ import log_config
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


def test_the_service_loads_no_ui_library():
    code = (
        "import sys, service.app, service.__main__;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'streamlit', 'plotly', 'pandas'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_python_m_service_answers_the_cli_bytes_over_http(engine_url):
    text = json.dumps(json.loads(CASES[0].read_text())["scenario"])
    r = httpx.post(f"{engine_url}/v1/compare", content=text, timeout=30)
    assert r.status_code == 200
    assert r.content == cli("compare", text).stdout.encode()
    assert httpx.get(f"{engine_url}/healthz", timeout=5).json() == {"status": "ok"}


def test_an_unforeseen_fault_reaches_the_servers_log():
    config = log_config()
    assert config["loggers"]["service"]["handlers"] == ["default"]
    assert config["loggers"]["service"]["propagate"] is False


def test_workers_must_be_at_least_one():
    done = subprocess.run(
        [sys.executable, "-m", "service", "--workers", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2 and "--workers must be at least 1" in done.stderr
