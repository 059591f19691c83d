#!/usr/bin/env bash
# Set up and start the app on the bundled sample account: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
exec .venv/bin/streamlit run app.py --server.headless=true "$@"
