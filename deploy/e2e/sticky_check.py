"""Check that a Streamlit session sticks to one of several app pods (the kind job in CI).

Behind the ingress, the page, its websocket and the upload request of one session must reach
the same pod: otherwise the upload is refused (400 Invalid session_id) about half the time with
two replicas. This opens SESSIONS fresh browsers, each uploads the sample usage file on the Data
page and must see it loaded; it also checks that fresh visitors are spread over more than one
pod (more than one affinity cookie value), so the check really runs against two replicas.

Usage: python deploy/e2e/sticky_check.py URL [--cookie kbe-affinity] [--sessions 8]
"""

from __future__ import annotations

import argparse
import sys
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "usage.csv"


def affinity_values(url: str, cookie: str, tries: int = 30) -> set[str]:
    seen = set()
    for _ in range(tries):
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
            for header in r.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie(header)
                if cookie in jar:
                    seen.add(jar[cookie].value)
    return seen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--cookie", default="kbe-affinity")
    ap.add_argument("--sessions", type=int, default=8)
    args = ap.parse_args()
    url = args.url.rstrip("/")
    pods = affinity_values(url, args.cookie)
    print(f"fresh visitors were given {len(pods)} distinct affinity cookies")
    if len(pods) < 2:
        print("FAIL: fewer than two pods behind the ingress, or no affinity cookie")
        return 1
    rows = len(SAMPLE.read_text().strip().splitlines()) - 1
    with sync_playwright() as p:
        browser = p.chromium.launch(headless=True)
        for n in range(args.sessions):
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{url}/data")
            page.wait_for_selector(
                "[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000
            )
            page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
                {"name": "usage.csv", "mimeType": "text/csv", "buffer": SAMPLE.read_bytes()}
            )
            expect(page.get_by_text(f"Loaded usage.csv: {rows} months")).to_be_visible(timeout=60_000)
            cookies = [c["value"] for c in context.cookies() if c["name"] == args.cookie]
            print(f"session {n + 1}: upload loaded on pod {cookies}")
            context.close()
        browser.close()
    print(f"OK: {args.sessions} sessions kept their pod")
    return 0


if __name__ == "__main__":
    sys.exit(main())
