"""Slider-to-chart latency in headless Chromium: our app against a minimal Streamlit app.

Run: `.venv/bin/python benchmarks/ui_bench.py [presses]` (needs /usr/bin/chromium; the test
command installs it). Both apps are started here with `streamlit run` on 127.0.0.1 and driven
the same way: focus a slider, press ArrowRight, and time in the page, from the keydown event to
the moment the DOM shows the new numbers. For our app that is the Explore page's demand chart (its default detail view)
showing the new projected profiles (the last thing drawn); for the minimal app (one slider and
one line of text, the framework's floor) it is the text. A second reference, one slider and
one small plotly chart, shows what one plotly update alone costs the browser here. It prints
medians and 90th percentiles, the ratios (target: within 1.5x of the floor), and our
server-side script time per rerun as the app measured it (ui/frame.py).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

# Arms a measurement: window.__latency becomes the ms from the next keydown until check()
# first holds, checked on every DOM mutation.
ARM = """
(check) => {
  const test = new Function('return (' + check + ')()');
  window.__latency = undefined;
  let t0 = null;
  const obs = new MutationObserver(() => {
    if (t0 !== null && test()) { obs.disconnect(); window.__latency = performance.now() - t0; }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  window.addEventListener('keydown', () => { t0 = performance.now(); }, {once: true, capture: true});
}
"""

OURS_SNAPSHOT = (
    "() => { for (const el of document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')) {"
    " const t = (el.data || []).find(d => d.name === 'Profiles (projection)');"
    " if (t) return JSON.stringify(t.y); } return null; }"
)
MINIMAL_SNAPSHOT = (
    "() => { const m = document.body.innerText.match(/value=[0-9.]+/); return m ? m[0] : null; }"
)
CHART_SNAPSHOT = (
    "() => { const el = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');"
    " return el && el.data ? JSON.stringify(el.data[0].y) : null; }"
)


def wait_idle(page: Page) -> None:
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)


def measure(page: Page, slider_name: str, snapshot: str, presses: int) -> list[float]:
    slider = page.get_by_role("slider", name=slider_name)
    slider.focus()
    times = []
    for _ in range(presses):
        page.wait_for_function(f"({snapshot})() !== null", timeout=60_000)
        before = page.evaluate(snapshot)
        check = f"() => {{ const now = ({snapshot})(); return now !== null && now !== {before!r}; }}"
        page.evaluate(ARM, check)
        page.keyboard.press("ArrowRight")
        page.wait_for_function("window.__latency !== undefined", timeout=60_000)
        times.append(page.evaluate("window.__latency"))
        wait_idle(page)
        page.wait_for_timeout(150)  # let widget debounces settle, as Streamlit's own e2e suite does
    return times


def script_times(page: Page, n: int) -> list[float]:
    """The app's own per-rerun script time, read back from the Explore page's caption."""
    out = []
    slider = page.get_by_role("slider", name="Profile growth per month (%)")
    slider.focus()
    for _ in range(n):
        page.keyboard.press("ArrowLeft")
        wait_idle(page)
        page.wait_for_timeout(150)
        text = page.get_by_text("Script time of the previous run").inner_text()
        out.append(float(text.split(":")[1].split("ms")[0]))
    return out[1:]  # the first value is the run before the first press


def summary(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=10)
    return (
        f"{name:<28} median {statistics.median(times):6.0f} ms   p90 {q[-1]:6.0f} ms   (n={len(times)})"
    )


def main() -> None:
    presses = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    servers = {
        "ours": start_server(ROOT / "app.py"),
        "minimal": start_server(ROOT / "benchmarks" / "minimal_app.py"),
        "chart": start_server(ROOT / "benchmarks" / "minimal_chart_app.py"),
    }
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(servers["minimal"][1])
            wait_idle(page)
            measure(page, "Value", MINIMAL_SNAPSHOT, 3)  # warm up
            floor = measure(page, "Value", MINIMAL_SNAPSHOT, presses)

            page.goto(servers["chart"][1])
            wait_idle(page)
            measure(page, "Value", CHART_SNAPSHOT, 3)  # warm up
            one_chart = measure(page, "Value", CHART_SNAPSHOT, presses)

            page.goto(servers["ours"][1])
            wait_idle(page)
            page.get_by_text("Recommended:").first.wait_for(timeout=60_000)
            measure(page, "Profile growth per month (%)", OURS_SNAPSHOT, 3)  # warm up
            ours = measure(page, "Profile growth per month (%)", OURS_SNAPSHOT, presses)
            scripts = script_times(page, min(presses, 10) + 1)
            browser.close()
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
    print("Key press -> new numbers on screen (headless Chromium, 127.0.0.1, this machine)")
    print(summary("minimal app (floor)", floor))
    print(summary("minimal app + one chart", one_chart))
    print(summary("our app, Explore page", ours))
    base = statistics.median(floor)
    print(
        f"ratio of medians to the floor: ours {statistics.median(ours) / base:.2f}x (target <= 1.5x); "
        f"one plotly chart alone {statistics.median(one_chart) / base:.2f}x"
    )
    print(summary("our server-side script time", scripts))


if __name__ == "__main__":
    main()
