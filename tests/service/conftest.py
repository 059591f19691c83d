"""A real engine service: `python -m service` on 127.0.0.1 in a subprocess, on a free port."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(workers: int = 1) -> tuple[subprocess.Popen, str]:
    """Start the service and wait (at most 60 s) until /healthz answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited: {proc.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the service did not answer /healthz within 60 s")


def stop_service(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def engine_url():
    proc, url = start_service()
    yield url
    stop_service(proc)


@pytest.fixture(scope="module")
def client():
    """The service app in process (FastAPI's TestClient); a fault is an answer, not a raise."""
    from fastapi.testclient import TestClient

    from service.app import app

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def engine_cli(command: str, text: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m engine COMMAND - ARGS` with `text` on standard input: what the service's
    answer must equal byte for byte."""
    return subprocess.run(
        [sys.executable, "-m", "engine", command, "-", *args],
        input=text, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
