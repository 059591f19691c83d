"""Engine time of the Explore page's plan panels (issue 12) on the sample account, per horizon.

Run: `.venv/bin/python benchmarks/plan_panels_bench.py`. It prints the median of repeated runs
in milliseconds of each call the panels make: `plan_calendar` (the calendar panel, run once the
what-if settles: it is too slow for a slider move), `calendar_ranges` over the ranges panel's
default 1,000 futures (also on settle), `warnings_ahead` and `explain_change` (both inside the
results fragment, so inside every slider move), next to `run_whatif` (the results' own call).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_bench import median_ms

from engine.explain import explain_change
from engine.growth import fit
from engine.plan_calendar import plan_calendar
from engine.price_book import load_price_book
from engine.uncertainty import calendar_ranges, fit_ranges
from engine.warnings_ahead import warnings_ahead
from engine.whatif import WhatIf, run_whatif
from ingest.usage_csv import read_usage_file
from ui.bill_change_panel import largest_change
from ui.uncertainty_panel import DEFAULT_PATHS, DEFAULT_SURENESS, DRIVERS, scaled
from ui.whatif_schema import defaults, whatif_from

ROOT = Path(__file__).resolve().parents[1]


def measure(history, book, fitted, horizon: int) -> None:
    values = {**defaults(history, book, fitted), "horizon": horizon}
    whatif: WhatIf = whatif_from(values, fitted)
    run = run_whatif(history, book, whatif)
    months, current = run.projection.months, whatif.current_setting

    def calendar():
        return plan_calendar(run.scenario, book, months=months, current=current)

    cal = calendar()
    sure = dict.fromkeys(DRIVERS, DEFAULT_SURENESS)
    ranges = scaled(fit_ranges(history, fitted)[0], whatif, sure)
    best = run.comparison.outcome(run.comparison.cheapest_with_lost)
    scenario = run.scenario.model_copy(update={"policy": best.policy})
    cycle = largest_change(best.result)
    slow = 3 if horizon > 12 else 9
    rows = {
        "run_whatif (results)": median_ms(lambda: run_whatif(history, book, whatif), 9),
        "plan_calendar (on settle)": median_ms(calendar, slow),
        f"calendar_ranges, {DEFAULT_PATHS:,} futures (on settle)": median_ms(
            lambda: calendar_ranges(history, whatif, ranges, cal.best.actions, DEFAULT_PATHS, 0, book),
            slow,
        ),
        "warnings_ahead (results)": median_ms(
            lambda: warnings_ahead(history, book, whatif, today=date.today()), 9
        ),
        "explain_change (results)": median_ms(
            lambda: explain_change(scenario, book, best.result, cycle), 9
        ),
    }
    print(f"{horizon} months (best calendar: {len(cal.best.actions)} actions, {len(cal.steps)} steps)")
    for name, ms in rows.items():
        print(f"  {name:<48} {ms:8.1f}")


def main() -> None:
    history = read_usage_file(ROOT / "data" / "sample" / "usage.csv").history
    book = load_price_book()
    fitted = fit(history)
    print("median ms on the sample account (the Explore page's default what-if)")
    for horizon in (12, 24, 36):
        measure(history, book, fitted, horizon)


if __name__ == "__main__":
    main()
