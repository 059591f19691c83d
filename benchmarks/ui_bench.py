"""Slider-to-chart latency in headless Chromium: our app against a reference that draws the
same page from static data, and against minimal Streamlit apps.

Run: `.venv/bin/python benchmarks/ui_bench.py [presses]` (needs /usr/bin/chromium; the test
command installs it). Every app is started here with `streamlit run` on 127.0.0.1, from the
project folder so that all of them run under the project's .streamlit/config.toml, and driven
the same way: focus a slider, press an arrow key, and time in the page, from the keydown event
to the moment the DOM shows the new numbers.

- floor: one slider and one line of text (the framework's own round trip); the end is the text.
- one chart: one slider and one small plotly chart, what a single plotly update costs here.
- ours: the Explore page (uncertainty panel included); the end is its detail chart (demand
  against limits, the default view) showing the new projected profiles.
- reference: benchmarks/reference_app.py, the same page with its engine calls answered from a
  pickle of real answers: the same widgets, table, charts and fragments, so what Streamlit
  itself costs for this page (the issue's floor: ours within 1.25x at the median, 1.5x at p90).
  A first pass records its data; the measured pass must log no `reference: miss`.
- The floor and ours once more with Streamlit's default `runner.postScriptGC = true`, to show
  what that setting costs (the config turns it off; see the comment there).

It prints medians and 90th percentiles, the ratios to the floor (the issue's target: ours
within 1.5x), the server time of our results fragment per slider move as the page measured it,
and the resident memory of our server before and after the presses.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from ui.uncertainty_panel import TICK_S  # noqa: E402

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
OUR_SLIDER = "Profile growth per month (%)"
TICK_MS = int(TICK_S * 1000)
DEFAULT_GC = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}


@dataclass(frozen=True)
class Case:
    name: str
    script: Path
    slider: str
    snapshot: str
    env: dict | None = None


FLOOR = Case("floor: slider + text", ROOT / "benchmarks" / "minimal_app.py", "Value", MINIMAL_SNAPSHOT)
ONE_CHART = Case(
    "one chart: slider + plotly", ROOT / "benchmarks" / "minimal_chart_app.py", "Value", CHART_SNAPSHOT
)
OURS = Case("ours: Explore page", ROOT / "app.py", OUR_SLIDER, OURS_SNAPSHOT)
REFERENCE = Case(
    "reference: same page, static", ROOT / "benchmarks" / "reference_app.py", OUR_SLIDER, OURS_SNAPSHOT
)
FLOOR_GC = replace(FLOOR, name="floor, default postScriptGC", env=DEFAULT_GC)
OURS_GC = replace(OURS, name="ours, default postScriptGC", env=DEFAULT_GC)


def wait_idle(page: Page) -> None:
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)


def measure(page: Page, slider_name: str, snapshot: str, presses: int) -> list[float]:
    """Alternate right and left presses (the value stays in range), timing each."""
    slider = page.get_by_role("slider", name=slider_name)
    slider.focus()
    times = []
    for i in range(presses):
        page.wait_for_function(f"({snapshot})() !== null", timeout=60_000)
        before = page.evaluate(snapshot)
        check = f"() => {{ const now = ({snapshot})(); return now !== null && now !== {before!r}; }}"
        page.evaluate(ARM, check)
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function("window.__latency !== undefined", timeout=60_000)
        times.append(page.evaluate("window.__latency"))
        wait_idle(page)
        page.wait_for_timeout(150)  # let widget debounces settle, as Streamlit's own e2e suite does
    return times


def recompute_times(page: Page, n: int) -> list[float]:
    """The results fragment's server time per slider move, read back from the Explore page."""
    out = []
    page.get_by_role("slider", name=OUR_SLIDER).focus()
    for i in range(n):
        page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        wait_idle(page)
        page.wait_for_timeout(150)
        text = page.get_by_text("Server time of the previous recompute").inner_text()
        out.append(float(text.split(":")[1].split("ms")[0]))
    return out[1:]  # the first value is the run before the first press


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def summary(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=10)
    return (
        f"{name:<30} median {statistics.median(times):6.0f} ms   p90 {q[-1]:6.0f} ms   (n={len(times)})"
    )


def run_case(browser, case: Case, presses: int, extra=None, log: list | None = None):
    """Start the case's server, warm up, measure; `extra(page, proc)` runs before it stops.
    The server's output is appended to `log`, if given."""
    proc, url = start_server(case.script, env=case.env)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_idle(page)
        page.wait_for_function(f"({case.snapshot})() !== null", timeout=60_000)
        measure(page, case.slider, case.snapshot, 3)  # warm up
        page.wait_for_timeout(2 * TICK_MS)  # the uncertainty panel settles on the start value
        wait_idle(page)
        times = measure(page, case.slider, case.snapshot, presses)
        more = extra(page, proc) if extra else None
        page.close()
        return times, more
    finally:
        out = stop_server(proc)
        if log is not None:
            log.append(out)


def main() -> None:
    presses = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        floor, _ = run_case(browser, FLOOR, presses)
        one_chart, _ = run_case(browser, ONE_CHART, presses)

        def server_side(page: Page, proc) -> tuple[list[float], float, float]:
            before = rss_mb(proc.pid)
            page.get_by_role("slider", name=OUR_SLIDER).focus()
            for i in range(100):  # memory: 100 more moves, as fast as the app answers
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                wait_idle(page)
            return recompute_times(page, min(presses, 10) + 1), before, rss_mb(proc.pid)

        ours, (recompute, rss_before, rss_after) = run_case(browser, OURS, presses, server_side)
        run_case(browser, REFERENCE, 4)  # records the reference's static data
        ref_log: list[str] = []
        reference, _ = run_case(browser, REFERENCE, presses, log=ref_log)
        floor_gc, _ = run_case(browser, FLOOR_GC, presses)
        ours_gc, _ = run_case(browser, OURS_GC, presses)
        browser.close()

    base = statistics.median(floor)
    print("Key press -> new numbers on screen (headless Chromium, 127.0.0.1, this machine)")
    for case, times in ((FLOOR, floor), (ONE_CHART, one_chart), (OURS, ours)):
        print(f"{summary(case.name, times)}   {statistics.median(times) / base:5.2f}x the floor")
    print(
        f"ratio of medians to the floor: ours {statistics.median(ours) / base:.2f}x (target <= 1.5x); "
        f"one plotly chart alone {statistics.median(one_chart) / base:.2f}x"
    )
    print(summary("ours: server time per move", recompute) + "   (the results fragment)")
    print(
        f"ours: server memory (RSS) {rss_before:.0f} MB before 100 more moves, {rss_after:.0f} MB after"
    )
    print("With Streamlit's default runner.postScriptGC = true (a gc.collect after every run):")
    gc_base = statistics.median(floor_gc)
    print(summary(FLOOR_GC.name, floor_gc))
    print(f"{summary(OURS_GC.name, ours_gc)}   {statistics.median(ours_gc) / gc_base:5.2f}x that floor")
    misses = ref_log[0].count("reference: miss")
    print(
        summary(REFERENCE.name, reference) + f"   (static data misses in the measured server: {misses})"
    )
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    q_ours, q_ref = statistics.quantiles(ours, n=10)[-1], statistics.quantiles(reference, n=10)[-1]
    m_ours, m_ref = statistics.median(ours), statistics.median(reference)
    print(
        f"ui: ours p50 {m_ours:.0f} ms / reference p50 {m_ref:.0f} ms = {m_ours / m_ref:.2f} x; "
        f"p90 ratio {q_ours / q_ref:.2f} x"
    )


if __name__ == "__main__":
    main()
