"""The image's HEALTHCHECK: exit 0 when the app or the service in this container answers.

One image runs either process, so both health paths are tried (ports from APP_PORT and
SERVICE_PORT); the process that is not running simply refuses the connection.
"""

import os
import sys
import urllib.request

PROBES = (
    (os.environ.get("APP_PORT", "8501"), "/_stcore/health"),
    (os.environ.get("SERVICE_PORT", "8000"), "/healthz"),
)


def healthy() -> bool:
    for port, path in PROBES:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
                if r.status == 200:
                    return True
        except OSError:
            continue
    return False


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
