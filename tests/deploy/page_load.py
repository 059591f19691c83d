"""Load the app at URL in Debian's headless Chromium and wait for its answer (exit 0 when shown).

A separate process: the browser tests' session already holds a Playwright in this process, and
Playwright's sync API allows one per thread.
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, open_app


def main(url: str) -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_app(page, url)
        shown = page.get_by_text("Recommended:").first.inner_text()
        browser.close()
    print(shown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
