"""In headless Chromium: connect with a key to the fake Klaviyo, watch the progress, and see the
explorer switch to the loaded account; the key shows up in no URL, download or server log."""

from playwright.sync_api import expect

from fake_klaviyo import KEY, FakeKlaviyo
from tests.browser.conftest import ROOT, start_server, stop_server, wait_idle


def test_connect_with_a_key_and_explore_the_account(page):
    fake = FakeKlaviyo()
    fake.start()
    proc, url = start_server(ROOT / "app.py", env={"KLAVIYO_BASE_URL": fake.base_url})
    try:
        page.goto(f"{url}/data")
        wait_idle(page)
        page.get_by_label("Private API key").fill(KEY)
        page.get_by_role("button", name="Connect").click()
        expect(page.get_by_text("Connected to Sample Store Ltd")).to_be_visible(timeout=30_000)
        fake.slow_seconds, fake.faults = 1.0, ["slow"] * 4  # slow enough to watch the steps
        page.get_by_role("button", name="Load usage from Klaviyo").click()
        status = page.get_by_test_id("stExpander").filter(has_text="Loading from Klaviyo")
        expect(status).to_contain_text("Checking the key and reading the account", timeout=30_000)
        expect(status).to_contain_text("Finding the email and SMS metrics", timeout=30_000)
        expect(page.get_by_text("Loaded Klaviyo: Sample Store Ltd: 12 months")).to_be_visible(
            timeout=60_000
        )
        expect(page.get_by_test_id("stSidebar").get_by_text("Klaviyo: Sample Store Ltd")).to_be_visible()

        page.get_by_role("link", name="Explore").click()
        wait_idle(page)
        expect(page.get_by_text("Running on Klaviyo: Sample Store Ltd")).to_be_visible(timeout=30_000)
        assert KEY not in page.url
        with page.expect_download() as download:
            page.get_by_test_id("stDownloadButton").filter(has_text="Scenario").get_by_role(
                "button"
            ).click()
        assert KEY not in download.value.path().read_text()
        assert KEY not in page.content()
    finally:
        log = stop_server(proc)
        fake.stop()
    assert KEY not in log and "Traceback" not in log
    assert any(r.path == "/api/segment-series-reports" for r in fake.requests)
