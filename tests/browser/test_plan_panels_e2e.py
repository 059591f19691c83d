"""The plan panels in headless Chromium (issue 12, items 2-4): the plan calendar, the warnings
ahead and why the bill changes are drawn on the sample account at 1400 px and on a phone, no
text is cut, the "most actions" picker changes the dated list, and the browser logs no error."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.app.test_plan_panels import DATED
from tests.browser.conftest import open_app, wait_idle
from tests.browser.test_e2e import CLIPPED_CHART_TEXT, TRUNCATED

HEADINGS = (
    "The plan calendar: what to do, and when",
    "Warnings ahead",
    "Why the bill changes from one month to the next",
)
PICKER = "Most actions you are ready to take"


def errors_of(page: Page) -> list[str]:
    """Console errors and uncaught page errors, collected as they come. Left out: a resource of
    another host that this closed network cannot load (the page icon, which Streamlit fetches
    from fonts.gstatic.com for `page_icon=":material/mail:"`); any error of the app's own
    address counts."""
    errors: list[str] = []

    def console(m) -> None:
        url = (m.location or {}).get("url", "")
        outside = url.startswith("http") and not url.startswith("http://127.0.0.1")
        if m.type == "error" and not (outside and m.text.startswith("Failed to load resource")):
            errors.append(f"{m.text} ({url})")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def calendar_items(page: Page):
    return page.get_by_test_id("stMarkdownContainer").locator("ol > li")


def panels_drawn(page: Page) -> None:
    for name in HEADINGS:
        heading = page.get_by_role("heading", name=name)
        heading.scroll_into_view_if_needed()
        expect(heading).to_be_visible(timeout=60_000)
    expect(page.get_by_role("radiogroup", name=PICKER)).to_be_visible()
    expect(page.get_by_test_id("stTable").filter(has_text="Above the best")).to_be_visible()
    expect(page.get_by_test_id("stTable").filter(has_text="Whole bill")).to_be_visible()
    warnings = page.get_by_test_id("stTable").filter(has_text="What avoids it")
    quiet = page.get_by_text(re.compile("^No (further )?limit is reached"))
    expect(warnings.or_(quiet)).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)  # every engine call answered
    expect(page.get_by_test_id("stException")).to_have_count(0)


def no_text_cut(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no page-wide overflow
    assert page.evaluate(TRUNCATED) == []
    assert page.evaluate(CLIPPED_CHART_TEXT) == []
    for item in calendar_items(page).all():  # each dated line wraps inside the page
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, item.inner_text()


def test_the_panels_are_drawn_wide_and_the_picker_changes_the_list(page, app_url):
    errors = errors_of(page)
    open_app(page, app_url)
    panels_drawn(page)
    picker = page.get_by_role("radiogroup", name=PICKER)
    options = [r.inner_text().strip() for r in picker.get_by_role("radio").all()]
    best = int(options[-1])
    assert best >= 1, "on the sample the best calendar takes at least one action"
    items = calendar_items(page)
    expect(items).to_have_count(best)
    dated = items.all_inner_texts()
    assert all(DATED.match(line) for line in dated), dated  # "From Dec 2026: ...", "On 1 May 2027 ..."
    no_text_cut(page, 1400)
    picker.get_by_role("radio", name="0", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("No action: keep the starting preferences.")).to_be_visible(timeout=30_000)
    expect(items).to_have_count(0)
    picker.get_by_role("radio", name=str(best), exact=True).click()
    wait_idle(page)
    expect(items).to_have_count(best, timeout=30_000)
    assert items.all_inner_texts() == dated
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert errors == []


def test_on_a_phone_the_panels_are_readable(browser, app_url):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = errors_of(page)
    try:
        open_app(page, app_url)
        panels_drawn(page)
        for table in page.get_by_test_id("stTable").all():  # each table scrolls inside itself
            table.scroll_into_view_if_needed()
            box = table.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        no_text_cut(page, 390)
        assert errors == []
    finally:
        page.context.close()
