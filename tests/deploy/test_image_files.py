"""What the image is made from, checked without building: the lock matches requirements.txt,
and the allow-list in .dockerignore lets in every package the app and the service import."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if m:
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def test_lock_has_every_pin_of_requirements_with_a_hash():
    lock = pins(ROOT / "deploy" / "requirements.lock")
    for name, version in pins(ROOT / "requirements.txt").items():
        assert lock.get(name) == version, f"{name}=={version}: run bash deploy/lock.sh"
    for line in (ROOT / "deploy" / "requirements.lock").read_text().splitlines():
        assert line.startswith("#") or re.search(r"--hash=sha256:[0-9a-f]{64}$", line), line


def test_dockerignore_lets_in_every_package_the_processes_import():
    allowed = {
        line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")
    }
    imported = set()
    for entry in ["app.py", "service/__main__.py", "service/app.py"]:
        imported |= set(re.findall(r"^(?:from|import) (\w+)", (ROOT / entry).read_text(), re.M))
    for folder in ["ui", "pages", "engine", "service", "ingest", "klaviyo"]:
        for f in (ROOT / folder).glob("*.py"):
            imported |= set(re.findall(r"^\s*(?:from|import) (\w+)", f.read_text(), re.M))
    local = {name for name in imported if (ROOT / name).is_dir() or (ROOT / f"{name}.py").exists()}
    assert local and local <= allowed, local - allowed
    assert {"data", ".streamlit/config.toml", "deploy/requirements.lock"} <= allowed


def test_dockerfile_has_a_base_argument_a_user_and_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=\S+", text, re.M) and "FROM ${BASE_IMAGE}" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert re.search(r"^HEALTHCHECK ", text, re.M)
    assert "--require-hashes" in text
