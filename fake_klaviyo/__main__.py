"""Run the fake Klaviyo until Ctrl-C: `python -m fake_klaviyo [port]`."""

import sys
import time

from fake_klaviyo.server import KEY, FakeKlaviyo

fake = FakeKlaviyo()
url = fake.start(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
print(f"Fake Klaviyo at {url}. Private key: {KEY}")
print(f"Start the app with: KLAVIYO_BASE_URL={url} bash scripts/start.sh")
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    fake.stop()
