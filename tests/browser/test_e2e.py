"""End to end in headless Chromium: what a marketing manager does, through the real page."""

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, open_app, start_server, stop_server, wait_idle

GROWTH = "Profile growth per month (%)"


def first_metric(page: Page) -> str:
    return page.get_by_test_id("stMetricValue").first.inner_text()


CHART_END = (
    "() => { const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');"
    " return el && el.data ? el.data.map(t => t.y[t.y.length - 1]) : null; }"
)


def cumulative_chart_end(page: Page) -> list[float]:
    """The last point of every line of the cumulative-cost chart, read from plotly in the page."""
    page.wait_for_function(CHART_END, timeout=30_000)
    return page.evaluate(CHART_END)


def wait_chart_changed(page: Page, before: list[float]) -> None:
    page.wait_for_function(
        f"before => {{ const now = ({CHART_END})(); return now && JSON.stringify(now) !== JSON.stringify(before); }}",
        arg=before,
        timeout=30_000,
    )


def move_growth(page: Page, key: str, presses: int = 1) -> None:
    """Press a key on the growth slider; after each press wait until the page has rerun with the
    new value (the Assumptions line echoes it)."""
    slider = page.get_by_role("slider", name=GROWTH)
    slider.focus()
    for _ in range(presses):
        page.keyboard.press(key)
        value = float(slider.get_attribute("aria-valuetext"))
        expect(page.get_by_text(f"Assumptions: profiles {value:+.1f}% a month")).to_be_visible(
            timeout=30_000
        )
        wait_idle(page)


def test_a_slider_moved_with_the_keyboard_changes_numbers_and_charts(page, app_url):
    open_app(page, app_url)
    expect(page.get_by_text("Sample data").first).to_be_visible()
    numbers, chart = first_metric(page), cumulative_chart_end(page)
    start = page.get_by_role("slider", name=GROWTH).get_attribute("aria-valuetext")
    move_growth(page, "ArrowRight", 3)
    move_growth(page, "End")
    wait_chart_changed(page, chart)
    assert float(page.get_by_role("slider", name=GROWTH).get_attribute("aria-valuetext")) > float(start)
    assert first_metric(page) != numbers
    after = cumulative_chart_end(page)
    assert len(after) == len(chart) == 5
    assert all(a >= b for a, b in zip(after, chart, strict=True)) and after != chart
    assert "growth=" in page.url  # the slider is bound to the URL
    # A slider move reruns only the results fragment: the rest of the page stays as drawn.
    expect(page.get_by_role("heading", name="What will your Klaviyo bill be?")).to_be_visible()
    expect(page.get_by_text("Sample data").first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_copied_url_reopens_the_same_whatif(page, browser, app_url):
    open_app(page, app_url)
    move_growth(page, "ArrowRight", 3)  # results-only reruns
    horizon = page.get_by_role("radiogroup", name="Horizon (months)")
    horizon.get_by_role("radio", name="24", exact=True).click()  # reruns the whole page
    expect(page.get_by_text("costs least over 24 months")).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert "horizon=24" in page.url and "growth=" in page.url
    link, numbers, chart = page.url, first_metric(page), cumulative_chart_end(page)
    assert len(chart) == 5
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_app(other, link)
    assert other.get_by_role("slider", name=GROWTH).get_attribute("aria-valuetext") == page.get_by_role(
        "slider", name=GROWTH
    ).get_attribute("aria-valuetext")
    assert first_metric(other) == numbers
    assert cumulative_chart_end(other) == chart
    other.context.close()


def test_uploading_a_csv_through_the_file_input_loads_it(page, app_url, tmp_path):
    usage = tmp_path / "my-store.csv"
    usage.write_text(
        "Month,Active Profiles,Emails Sent,SMS Credits\n"
        "2026-07,4000,30000,500\n2026-08,4100,31000,520\n2026-09,4200,32000,540\n2026-10,4300,33000,560\n"
    )
    page.goto(f"{app_url}/data")
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(usage))
    expect(page.get_by_text("Loaded my-store.csv: 4 months")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar").get_by_text("Your data")).to_be_visible()
    page.get_by_role("link", name="Explore").click()
    wait_idle(page)
    expect(page.get_by_text("Running on my-store.csv")).to_be_visible(timeout=30_000)


def test_a_bad_upload_shows_where_and_keeps_the_data(page, app_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("month,active_profiles,email_sends\n2026-09,10,lots\n")
    page.goto(f"{app_url}/data")
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(bad))
    alert = page.get_by_test_id("stAlert").filter(has_text="Row 2, column 'email_sends'")
    expect(alert).to_be_visible(timeout=30_000)
    expect(alert).to_contain_text("Your previous data is still loaded")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_downloaded_comparison_csv_matches_the_page(page, app_url):
    open_app(page, app_url)
    shown_before = first_metric(page)
    move_growth(page, "End")  # the file must come from the results' latest rerun
    assert first_metric(page) != shown_before
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").filter(has_text="Comparison (CSV)").get_by_role(
            "button"
        ).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(rows) == 5
    assert {r["Setting"] for r in rows} == {
        "Stop sending", "Flexible sending", "Flexible sending + auto-downgrade", "Auto-upgrade",
        "Auto-upgrade, then downgrade by hand",
    }  # fmt: skip
    best = rows[0]
    assert "cheapest overall" in best[""]
    heading = page.get_by_role("heading", name="Recommended:").inner_text()
    assert best["Setting"] in heading
    shown = first_metric(page).replace("$", "").replace(",", "")
    assert float(best["Bill (12 mo)"]) == float(shown)


def test_a_deep_link_on_a_fresh_server_opens_inside_the_frame(page):
    proc, url = start_server(ROOT / "app.py")
    try:
        page.goto(f"{url}/data")
        wait_idle(page)
        expect(page.get_by_role("heading", name="Your usage data")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stSidebar").get_by_text("Sample data")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        log = stop_server(proc)
    assert "Traceback" not in log, log[-3000:]
