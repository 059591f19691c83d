#!/usr/bin/env bash
# Set up and run every test: lint, engine, pages (AppTest), browser (Playwright + Chromium),
# service, and deployment (the image built for real, the Helm chart, the workflows).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's packages: Chromium for the browser tests; debootstrap, buildah, podman and runc to
# build and run the image (tests/deploy). Needs root (CI runs as root).
missing=()
for pkg in chromium:/usr/bin/chromium debootstrap:/usr/sbin/debootstrap buildah:/usr/bin/buildah \
  podman:/usr/bin/podman runc:/usr/sbin/runc; do
  [ -x "${pkg#*:}" ] || missing+=("${pkg%%:*}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
