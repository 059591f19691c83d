"""Engine speed: one 36-cycle simulate, the full named comparison, and how both grow with cycles.

Run: `.venv/bin/python benchmarks/engine_bench.py`. It prints medians of repeated runs in
milliseconds and, because absolute times depend on the machine, ratios measured in the same
process: 36 cycles against 12, and the comparison against one simulate. The usage path is the
bundled sample account projected with its fitted defaults, under auto-upgrade.
The target (issue 2): the full comparison well under 20 ms on a 2-core machine, so it can rerun
on every slider move.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Policy, Scenario, Start, compare, load_price_book, sensitivity, simulate
from engine.growth import fit, project, typical_sms_credits
from ingest.usage_csv import read_usage_file

BUDGET_MS = 20.0


def median_ms(fn, repeat: int = 60) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def scenario_for(horizon: int) -> Scenario:
    history = read_usage_file(
        Path(__file__).resolve().parents[1] / "data" / "sample" / "usage.csv"
    ).history
    growth = fit(history).growth.model_copy(update={"horizon": horizon})
    return Scenario(
        start=Start(
            active_profiles=history.last.active_profiles, sms_plan_credits=typical_sms_credits(history)
        ),
        usage=project(history, growth).usage,
        policy=Policy(email="auto_upgrade", sms="auto_upgrade"),
        revenue_per_email_usd="0.02",
    )


def main() -> None:
    book = load_price_book()
    rows = []
    for horizon in (12, 24, 36):
        s = scenario_for(horizon)
        sim = median_ms(lambda s=s: simulate(s, book))
        cmp_ = median_ms(lambda s=s: compare(s, book))
        full = median_ms(lambda s=s: sensitivity(s, book, compare(s, book)), repeat=30)
        rows.append((horizon, sim, cmp_, full))
    print(f"{'cycles':>6} {'simulate ms':>12} {'compare ms':>11} {'compare+sensitivity ms':>23}")
    for horizon, sim, cmp_, full in rows:
        print(f"{horizon:>6} {sim:>12.3f} {cmp_:>11.3f} {full:>23.3f}")
    base, last = rows[0], rows[-1]
    print()
    print(
        f"growth 12 -> 36 cycles: simulate x{last[1] / base[1]:.2f}, compare x{last[2] / base[2]:.2f} "
        "(x3.00 would be linear)"
    )
    print(
        f"36 cycles: compare = {last[2] / last[1]:.1f} x one simulate "
        f"({len(compare(scenario_for(36), book).outcomes)} settings)"
    )
    print(
        f"36 cycles: compare uses {last[2] / BUDGET_MS:.0%} of the {BUDGET_MS:.0f} ms budget; "
        f"with both sensitivity reruns {last[3] / BUDGET_MS:.0%}"
    )


if __name__ == "__main__":
    main()
