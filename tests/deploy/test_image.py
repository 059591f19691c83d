"""The image, built for real (deploy/build-image.sh) and run: the app and the engine service
from the same image, checked through the mapped ports, and one page load in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.conftest import free_port
from tests.deploy.conftest import ROOT, podman_env

SCENARIO = {
    "start": {"active_profiles": 9000},
    "usage": [{"active_profiles": 9400, "email_sends": 120000, "sms_credits": 0}],
    "policy": {"email": "flex"},
}


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, env=podman_env())
    if check:
        assert done.returncode == 0, done.stderr[-2000:]
    return done


def wait_ok(url: str, name: str) -> bytes:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                return r.read()
        except OSError:
            time.sleep(0.5)
    logs = podman("logs", name, check=False)
    raise AssertionError(f"{url} never answered:\n{logs.stdout[-2000:]}{logs.stderr[-2000:]}")


@pytest.fixture(scope="module")
def running(image: str) -> Iterator[dict]:
    """Both processes of one image, each on a free loopback port."""
    containers = {}
    for role, inner in (("app", 8501), ("service", 8000)):
        port, name = free_port(), f"kbe-test-{role}-{time.monotonic_ns()}"
        podman("run", "-d", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:{inner}", image, role)
        containers[role] = {"name": name, "url": f"http://127.0.0.1:{port}"}
    try:
        yield containers
    finally:
        for c in containers.values():
            podman("rm", "-f", "-t", "2", c["name"], check=False)


def test_app_answers_its_health_path(running):
    app = running["app"]
    assert wait_ok(f"{app['url']}/_stcore/health", app["name"]) == b"ok"


def test_service_compares_one_scenario(running):
    svc = running["service"]
    assert json.loads(wait_ok(f"{svc['url']}/healthz", svc["name"]))
    request = urllib.request.Request(
        f"{svc['url']}/v1/compare", data=json.dumps(SCENARIO).encode(),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as r:
        answer = json.loads(r.read())
    cli = subprocess.run(  # the same scenario through the CLI on the host: the same answer
        [sys.executable, "-m", "engine", "compare", "-"], input=json.dumps(SCENARIO),
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert answer == json.loads(cli.stdout)
    assert {o["key"] for o in answer["outcomes"]} >= {"stop"}


def test_healthcheck_and_user(running):
    for c in running.values():
        wait_ok(c["url"] + ("/_stcore/health" if c is running["app"] else "/healthz"), c["name"])
        assert podman("healthcheck", "run", c["name"], check=False).returncode == 0, c["name"]
        assert podman("exec", c["name"], "id", "-u").stdout.strip() == "10001"
    image = json.loads(podman("image", "inspect", running_image(running)).stdout)[0]
    assert image["Healthcheck"]["Test"][-1] == "/app/deploy/healthcheck.py"


def running_image(running) -> str:
    return json.loads(podman("inspect", running["app"]["name"]).stdout)[0]["ImageName"]


@pytest.mark.browser
def test_page_loads_in_chromium_through_the_mapped_port(running):
    app = running["app"]
    wait_ok(f"{app['url']}/_stcore/health", app["name"])
    done = subprocess.run(
        [sys.executable, "-m", "tests.deploy.page_load", app["url"]],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Recommended:" in done.stdout
    logs = podman("logs", app["name"])
    assert "Traceback" not in logs.stdout + logs.stderr
