#!/usr/bin/env bash
# Write deploy/requirements.lock: every runtime package (requirements.txt and what it pulls in)
# pinned to one version with its wheel's sha256. Run it on Debian 12 / CPython 3.11 / x86_64,
# which is what the image is, so that pip in the image picks the same wheels.
# Run after changing requirements.txt; tests/deploy/test_image_files.py fails when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
.venv/bin/python -m pip install --quiet --disable-pip-version-check --dry-run --ignore-installed \
  --only-binary=:all: --report "$report" -r requirements.txt 2> >(grep -v "is ignored: it is neither" >&2)
.venv/bin/python - "$report" > deploy/requirements.lock <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["install"]
print("# Made by deploy/lock.sh from requirements.txt: do not edit.")
for it in sorted(items, key=lambda i: i["metadata"]["name"].lower()):
    name, version = it["metadata"]["name"].lower(), it["metadata"]["version"]
    digest = it["download_info"]["archive_info"]["hashes"]["sha256"]
    print(f"{name}=={version} --hash=sha256:{digest}")
PY
echo "deploy/requirements.lock: $(grep -c == deploy/requirements.lock) packages"
