"""Uploads in headless Chromium: text from a file stays text, an ambiguous date is asked, a
hostile cell is refused, and one session's parse does not hold another session."""

from pathlib import Path

from playwright.sync_api import Page, expect

from ingest.worker import HOLD_ENV
from tests.browser.conftest import ROOT, open_app, start_server, stop_server, wait_idle
from tests.browser.test_e2e import first_metric, move_growth

FIXTURES = ROOT / "tests" / "fixtures" / "uploads"
OUTSIDE = "127.0.0.1:9"  # the host the Markdown images in the fixtures point at


def upload_to(page: Page, url: str, path: Path, name: str | None = None) -> None:
    page.goto(f"{url}/data")
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        {"name": name or path.name, "mimeType": "text/csv", "buffer": path.read_bytes()}
    )


def test_a_markdown_image_header_and_file_name_stay_text(page, app_url):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    name = f"![y](http://{OUTSIDE}/name.png).csv"
    upload_to(page, app_url, FIXTURES / "markdown-image-header.csv", name)
    expect(page.get_by_text(f"Loaded {name}: 2 months")).to_be_visible(timeout=30_000)
    wait_idle(page)
    note = f"Ignored column(s): ![x](http://{OUTSIDE}/pixel.png)."
    expect(page.get_by_text(note).first).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text(name)).to_be_visible()
    assert page.locator(f"img[src*='{OUTSIDE}']").count() == 0
    assert not [u for u in requested if OUTSIDE in u]
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_an_ambiguous_date_is_asked_with_both_readings(page, app_url):
    upload_to(page, app_url, FIXTURES / "uk-ambiguous.csv")
    question = page.get_by_test_id("stAlert").filter(has_text="can be read day first (Nov 2024)")
    expect(question).to_be_visible(timeout=30_000)
    expect(question).to_contain_text("month first (Jan 2024)")
    expect(page.get_by_text("Day first (dd/mm/yyyy): 01/11/2024 → Nov 2024")).to_be_visible()
    expect(page.get_by_text("Month first (mm/dd/yyyy): 01/11/2024 → Jan 2024")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Sample data")).to_be_visible()
    page.get_by_text("Day first (dd/mm/yyyy): 01/11/2024 → Nov 2024").click()
    wait_idle(page)
    page.get_by_role("button", name="Use this reading").click()
    expect(page.get_by_text("Loaded uk-ambiguous.csv: 1 month.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Nov 2024 – Nov 2024").first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_huge_exponent_is_refused_and_the_data_stays(page, app_url):
    upload_to(page, app_url, FIXTURES / "exponent-cell.csv")
    alert = page.get_by_test_id("stAlert").filter(has_text="Row 3, column 'email_sends'")
    expect(alert).to_be_visible(timeout=30_000)
    expect(alert).to_contain_text("'1e1000000' is not a usable number")
    expect(alert).to_contain_text("Your previous data is still loaded")
    expect(page.get_by_test_id("stSidebar").get_by_text("Sample data")).to_be_visible()


def test_a_parse_held_in_one_session_does_not_hold_another(browser, tmp_path):
    """Two sessions on one server. Session A uploads the hostile file, and its parse is held
    (the worker waits for a 'go' file: HOLD_ENV). While it is held, session B's rerun runs to
    the end, and the parse reports a process id other than the server's: the parse's CPU is
    never in the server process, and no lock makes B wait for A. That a hostile cell costs
    little in the parse itself is tests/ingest/test_detect.py's bounded-cost tests."""
    hold = tmp_path / "hold"
    hold.mkdir()
    proc, url = start_server(ROOT / "app.py", env={HOLD_ENV: str(hold)})
    try:
        a = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        b = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        open_app(b, url)
        upload_to(a, url, FIXTURES / "exponent-cell.csv")
        a.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]')"
            ".getAttribute('data-test-script-state') === 'running'",
            timeout=30_000,
        )
        started = _wait_for_started(a, hold)
        assert started != proc.pid  # the parse is in another process

        before = first_metric(b)
        move_growth(b, "End")  # waits until B's rerun has drawn the new value
        assert first_metric(b) != before
        assert not (hold / "go").exists()
        refused = a.get_by_test_id("stAlert").filter(has_text="Row 3, column 'email_sends'")
        assert refused.count() == 0  # A's parse is still held
        assert a.locator("[data-testid=stApp]").get_attribute("data-test-script-state") == "running"

        (hold / "go").touch()
        expect(refused).to_be_visible(timeout=30_000)
        a.context.close()
        b.context.close()
    finally:
        (hold / "go").touch()  # a failed check must not leave the parse held
        log = stop_server(proc)
    assert "Traceback" not in log, log[-3000:]


def _wait_for_started(page: Page, hold: Path) -> int:
    """The process id the held parse runs in (it writes started-<pid> when it begins)."""
    for _ in range(600):
        found = list(hold.glob("started-*"))
        if found:
            return int(found[0].name.removeprefix("started-"))
        page.wait_for_timeout(50)
    raise AssertionError("the parse never started")
