#!/bin/sh
# The image's command: `app` (Streamlit), `service` (engine HTTP service), or any other command.
set -eu
case "${1:-app}" in
  app)
    shift || true
    exec python -m streamlit run /app/app.py --server.headless=true --server.address=0.0.0.0 \
      --server.port="$APP_PORT" --server.fileWatcherType=none --browser.gatherUsageStats=false "$@"
    ;;
  service)
    shift
    exec python -m service --host 0.0.0.0 --port "$SERVICE_PORT" --workers "$SERVICE_WORKERS" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
