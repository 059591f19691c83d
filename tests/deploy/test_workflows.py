"""The CI/CD workflows, linted offline with pinned tools (requirements-dev.txt): actionlint,
check-jsonschema's GitHub workflow schema and zizmor (its one relaxed rule: .github/zizmor.yml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def lint_all(root: Path) -> list[tuple[str, subprocess.CompletedProcess]]:
    files = [str(p) for p in sorted((root / ".github" / "workflows").glob("*.yml"))]
    return [
        ("actionlint", run(str(BIN / "actionlint"), "-no-color", *files, cwd=root)),
        ("check-jsonschema", run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files)),
        ("zizmor", run(str(BIN / "zizmor"), "--offline", "--no-progress", "--config",
                       str(ROOT / ".github" / "zizmor.yml"), str(root / ".github" / "workflows"))),
    ]  # fmt: skip


def test_workflows_pass_every_linter():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "release.yml"]
    for tool, done in lint_all(ROOT):
        assert done.returncode == 0, f"{tool}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.mark.parametrize(
    ("tool", "breakage"),
    [
        ("actionlint", ("runs-on: ubuntu-24.04\n    timeout-minutes: 10", "runs-on: ubuntu-24.04\n    timeout-minutes: ten")),
        ("check-jsonschema", ("cancel-in-progress: true", "cancel-in-progress: true\n  when: always")),
        ("zizmor", ("run: CI=true bash .ci/run", "run: echo ${{ github.event.pull_request.title }}")),
    ],
)  # fmt: skip
def test_each_linter_catches_its_kind_of_fault(tmp_path, tool, breakage):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert breakage[0] in text
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(text.replace(breakage[0], breakage[1], 1))
    results = dict(lint_all(tmp_path))
    assert results[tool].returncode != 0, results[tool].stdout


def jobs() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]


def test_ci_runs_the_test_command_and_the_hosted_only_checks():
    steps = {
        job: " ".join(str(s.get("run", "")) + str(s.get("uses", "")) for s in j["steps"])
        for job, j in jobs().items()
    }
    assert "bash .ci/run" in steps["test"]
    assert (
        "helm lint --strict" in steps["helm"]
        and "helm template" in steps["helm"]
        and "helm package" in steps["helm"]
    )
    assert "docker/build-push-action" in steps["image"]
    assert "kind create cluster" in steps["kind"] and "sticky_check.py" in steps["kind"]


def test_release_takes_versions_from_the_tag():
    release = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v[0-9]+.[0-9]+.[0-9]+"]  # YAML 1.1 reads `on` as True
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert 'version="${GITHUB_REF_NAME#v}"' in text
    assert '--version "$VERSION" --app-version "$VERSION"' in text
    assert "helm push" in text and "push: true" in text
