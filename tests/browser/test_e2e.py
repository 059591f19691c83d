"""End to end in headless Chromium: what a marketing manager does, through the real page."""

import csv
import io

from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, open_app, start_server, stop_server, wait_idle

GROWTH = "Profile growth per month (%)"


def first_metric(page: Page) -> str:
    return page.get_by_test_id("stMetricValue").first.inner_text()


# The cumulative-cost chart, found by its title (plotly wraps it in <b>): the ranges panel's fan
# chart may come first.
CHART_END = (
    "() => { const el = [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]"
    ".find(p => p.layout && p.layout.title && /^(<b>)*Cumulative bill( \\+ lost revenue)?(<\\/b>)*$/.test(p.layout.title.text));"
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
    assert "cheapest overall" in best["Notes"]
    heading = page.get_by_role("heading", name="Recommended:").inner_text()
    assert best["Setting"] in heading
    shown = first_metric(page).replace("$", "").replace(",", "")
    assert float(best["Bill (12 mo)"]) == float(shown)


def test_the_whatif_request_download_runs_the_warnings_command_on_what_is_shown(page, app_url):
    """The file a scheduled warnings job runs on carries the inputs on screen (after a slider
    move), and `python -m engine warnings` reads it."""
    import json
    import subprocess
    import sys

    open_app(page, app_url)
    move_growth(page, "End")
    shown = float(page.get_by_role("slider", name=GROWTH).get_attribute("aria-valuetext"))
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").filter(has_text="What-if request").get_by_role(
            "button"
        ).click()
    path = download.value.path()
    request = json.loads(path.read_text())
    assert request["whatif"]["growth"]["profile_growth_pct"] == shown
    done = subprocess.run(
        [sys.executable, "-m", "engine", "warnings", str(path), "--today", "2026-10-01", "--within-days", "400"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    out = json.loads(done.stdout)
    assert done.returncode == (1 if out["due"] else 0)


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


# ---------------------------------------------------------------- the page on a phone and wide

# Elements whose text the page cuts with an ellipsis (or hides) although it is wider than its box.
TRUNCATED = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
    if (!el.textContent.trim() || el.scrollWidth <= el.clientWidth + 1) continue;
    const cs = getComputedStyle(el);
    const hides = cs.overflowX === 'hidden' || cs.overflowX === 'clip';
    if (cs.textOverflow === 'ellipsis' || (!el.childElementCount && hides))
      out.push(el.textContent.trim().slice(0, 60));
  }
  return out;
}"""

# Axis tick labels, axis and chart titles, legend entries and annotations of every plotly chart,
# each inside its chart's drawing: nothing cut at an edge.
CLIPPED_CHART_TEXT = """() => {
  const out = [];
  for (const plot of document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('svg text')) {
      const r = t.getBoundingClientRect();
      if (!r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push(t.textContent.slice(0, 40));
    }
  }
  return out;
}"""


# Legend entries, chart titles and annotations that sit on top of an axis tick label.
OVER_TICK_LABELS = """() => {
  const out = [];
  for (const plot of document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')) {
    const ticks = [...plot.querySelectorAll('[class*=tick] text')].map(t => t.getBoundingClientRect()).filter(r => r.width);
    for (const t of plot.querySelectorAll('.legendtext, .gtitle, .annotation-text')) {
      const r = t.getBoundingClientRect();
      if (!r.width) continue;
      for (const k of ticks) if (r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom) { out.push(t.textContent.slice(0, 30)); break; }
    }
  }
  return out;
}"""


def _open_at(browser, url: str, width: int, height: int) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    open_app(page, url)
    charts = page.get_by_test_id("stPlotlyChart")
    charts.first.wait_for(timeout=30_000)
    for chart in charts.all():  # scrolled into view, each chart draws its axes
        chart.scroll_into_view_if_needed()
        chart.locator("svg text").first.wait_for(state="attached", timeout=30_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("stMain").evaluate("el => el.scrollTo ? el.scrollTo(0, 0) : null")
    return page


def test_on_a_phone_the_answer_comes_first_and_every_column_can_be_reached(browser, app_url):
    page = _open_at(browser, app_url, 390, 844)
    try:
        answer = page.get_by_test_id("stMain").get_by_test_id("stAlertContentSuccess").first
        expect(answer).to_contain_text("costs least over 12 months")
        box = answer.bounding_box()
        assert box["y"] >= 0 and box["y"] + 40 < 844  # the recommendation starts in the first screen
        inputs = page.get_by_role("slider", name=GROWTH).bounding_box()
        assert inputs["y"] > box["y"] + box["height"]  # the inputs come after the answer
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no page-wide overflow
        table = page.get_by_test_id("stTable").first  # the comparison (the ranges table follows)
        headers = table.locator("th")
        assert headers.count() >= 12
        names = [h.inner_text().strip() for h in headers.all()]
        assert all(names), names  # every column has a header
        table_box = table.bounding_box()
        assert table_box["x"] >= 0 and table_box["x"] + table_box["width"] <= 390
        for header in headers.all():  # scroll the table to each column: it comes into view
            header.scroll_into_view_if_needed()
            r = header.bounding_box()
            assert (
                r["x"] >= table_box["x"] - 1
                and r["x"] + r["width"] <= table_box["x"] + table_box["width"] + 1
            )
        assert page.evaluate(CLIPPED_CHART_TEXT) == []
        assert page.evaluate(OVER_TICK_LABELS) == []
        assert page.evaluate(TRUNCATED) == []
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.context.close()


# Per chart: the bottom margin the figure asks for, and the one plotly drew with.
BOTTOM_MARGINS = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
  .map(gd => [gd.layout.margin.b, Math.round(gd._fullLayout._size.b)])"""


def test_on_a_laptop_screen_plotly_need_not_widen_a_margin(browser, app_url):
    # A legend that does not fit its margin makes plotly widen it and lay the figure out again
    # on every slider move (ui/charts.py); at the benchmark's window size none has to.
    page = _open_at(browser, app_url, 1400, 1000)
    try:
        margins = page.evaluate(BOTTOM_MARGINS)
        assert len(margins) == 3 and all(asked >= drawn for asked, drawn in margins), margins
    finally:
        page.context.close()


def test_wide_no_label_is_truncated_or_clipped(browser, app_url):
    page = _open_at(browser, app_url, 1400, 1000)
    try:
        assert page.evaluate(TRUNCATED) == []
        assert page.evaluate(CLIPPED_CHART_TEXT) == []
        assert page.evaluate(OVER_TICK_LABELS) == []
        names = [h.inner_text().strip() for h in page.get_by_test_id("stTable").locator("th").all()]
        assert all(names) and len(names) >= 12
    finally:
        page.context.close()


def test_a_link_with_usage_numbers_gives_the_recipient_the_same_answer(browser, app_url, tmp_path):
    page = browser.new_context(
        viewport={"width": 1400, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    ).new_page()
    usage = tmp_path / "store.csv"
    usage.write_text(
        "Month,Active Profiles,Emails Sent,SMS Credits\n"
        + "".join(
            f"2026-{m:02d},{5000 + 150 * m},{42000 + 1500 * m},{300 + 10 * m}\n" for m in range(1, 9)
        )
    )
    page.goto(f"{app_url}/data")
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(usage))
    expect(page.get_by_text("Loaded store.csv: 8 months")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Explore").click()
    wait_idle(page)
    expect(page.get_by_text("Running on store.csv")).to_be_visible(timeout=30_000)
    move_growth(page, "ArrowRight", 2)
    answer = page.get_by_test_id("stMain").get_by_test_id("stAlertContentSuccess").first.inner_text()
    buttons = page.frame_locator("iframe[srcdoc*='Copy a link with my usage numbers']")
    links = []
    for name, said in (
        ("Copy a link with these settings", "Copied the link with these settings only"),
        (
            "Copy a link with my usage numbers",
            "Copied the link with these settings and your monthly usage",
        ),
    ):
        buttons.get_by_role("button", name=name).click()
        expect(buttons.get_by_role("status")).to_contain_text(said)  # says which one was copied
        links.append(page.evaluate("navigator.clipboard.readText()"))
    assert "usage=" not in links[0] and "growth=" in links[0]
    assert "usage=" in links[1] and "growth=" in links[1]
    assert "store" not in links[1]  # numbers only, no name
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        open_app(other, links[1].strip())
        expect(other.get_by_test_id("stSidebar").get_by_text("Usage from a shared link")).to_be_visible()
        shown = other.get_by_test_id("stMain").get_by_test_id("stAlertContentSuccess").first
        assert shown.inner_text() == answer
        settings_only = browser.new_context().new_page()
        open_app(settings_only, links[0].strip())
        expect(settings_only.get_by_test_id("stSidebar").get_by_text("Sample data")).to_be_visible()
        settings_only.context.close()
    finally:
        other.context.close()
        page.context.close()
