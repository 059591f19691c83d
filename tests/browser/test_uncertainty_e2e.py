"""The uncertainty panel in headless Chromium: it renders, its fan chart draws, it follows a
settled slider move, and it stays readable on a phone."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import open_app, wait_idle

GROWTH = "Profile growth per month (%)"
HEADING = "How sure is the answer?"

# The fan chart's traces in the page: name -> number of points, once plotly has drawn it.
FAN = (
    "() => { for (const el of document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')) {"
    " if (!el.layout || !String(el.layout.title && el.layout.title.text).includes('Cumulative bill, P10')) continue;"
    " if (!el.querySelector('svg .scatterlayer .trace')) return null;"
    " return el.data.map(t => [t.name, t.y.length, t.y[t.y.length - 1], t.fill || '']); } return null; }"
)


def fan(page: Page) -> list:
    page.get_by_test_id("stPlotlyChart").last.scroll_into_view_if_needed()  # drawn once in view
    page.wait_for_function(f"({FAN})() !== null", timeout=60_000)
    return page.evaluate(FAN)


def ranges_table(page: Page):
    return page.get_by_test_id("stTable").filter(has_text="Chance cheapest")


def test_the_panel_renders_with_its_fan_chart(page, app_url):
    open_app(page, app_url)
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible(timeout=60_000)
    table = ranges_table(page)
    expect(table).to_be_visible(timeout=60_000)
    assert table.locator("tbody tr").count() == 5  # every named setting
    expect(page.get_by_text("simulated futures;").first).to_be_visible()
    traces = fan(page)
    names = [t[0] for t in traces]
    assert len(traces) in (3, 6)  # per setting: P10, P90 filled to it, P50
    assert any(n.endswith("P10 to P90") for n in names) and [t[3] for t in traces].count("tonexty")
    assert all(t[1] == 12 for t in traces)  # one point per cycle of the 12-month horizon
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_panel_follows_a_slider_move_once_it_settles(page, app_url):
    open_app(page, app_url)
    before = fan(page)
    slider = page.get_by_role("slider", name=GROWTH)
    slider.focus()
    page.keyboard.press("End")  # the highest growth: a dearer future for every setting
    wait_idle(page)
    page.wait_for_function(
        f"before => {{ const now = ({FAN})(); return now && JSON.stringify(now) !== JSON.stringify(before); }}",
        arg=before,
        timeout=120_000,
    )
    after = fan(page)
    assert after[-1][2] > before[-1][2]  # the P50 of the last cycle grew
    expect(page.get_by_text("update once it settles")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_on_a_phone_the_panel_is_readable(browser, app_url):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    try:
        open_app(page, app_url)
        table = ranges_table(page)
        table.scroll_into_view_if_needed()
        expect(table).to_be_visible(timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no page-wide overflow
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the table scrolls inside itself
        for header in table.locator("th").all():  # each column can be scrolled into view
            header.scroll_into_view_if_needed()
            r = header.bounding_box()
            assert r["x"] >= box["x"] - 1 and r["x"] + r["width"] <= box["x"] + box["width"] + 1
        chart = page.get_by_test_id("stPlotlyChart").last
        chart.scroll_into_view_if_needed()
        fan(page)
        assert chart.bounding_box()["width"] <= 390
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.context.close()
