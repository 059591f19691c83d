"""Uncertainty speed: the vectorised engine billing many usage paths under every named setting.

Run: `.venv/bin/python benchmarks/uncertainty_bench.py`. The paths are the bundled sample account
projected 36 cycles with its fitted defaults, each perturbed by seeded noise (a random walk on
profile growth, per-cycle noise on emails and SMS credits) so that they cross tier edges: a
stand-in for the uncertainty model's sampler (engine/uncertainty.py), which only changes what the
paths are, not what billing them costs. Times are medians of repeated runs of `bill_paths`
(the paths are drawn before the clock starts). "Vector vs scalar per path" compares one path
under all K settings: the vector time per path against looping the scalar simulate() on a
sample. Exactness: a sample of paths (SAMPLE, drawn at random from the 10,000) is billed by the
scalar engine under every setting and every numeric field of every cycle is compared with the
vector engine's (plus each path's total, lost revenue and cumulative bill from the big run).
Peak memory: tracemalloc's peak (numpy reports its buffers to it) during one `bill_paths` call,
measured in a separate run (tracing slows the code), and the process's max RSS.
Targets (issue 11): T <= 1.0 s for 10,000 paths on a 2-core machine, R >= 100, A = A.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_bench import scenario_for

from engine import Scenario, UsageCycle, load_price_book, simulate
from engine.growth import fit
from engine.settings import SETTINGS, with_setting
from engine.vector import FIELDS, bill_paths, cycle_fields
from ingest.usage_csv import read_usage_file

HORIZON = 36
SAMPLE = 200  # paths checked field by field against the scalar engine
SEED = 11


def base_scenario() -> Scenario:
    """engine_bench's sample scenario over HORIZON cycles, with blocked SMS priced too."""
    return scenario_for(HORIZON).model_copy(update={"revenue_per_sms_credit_usd": Decimal("0.015")})


def draw_paths(scenario: Scenario, n: int, seed: int = SEED) -> np.ndarray:
    """int64 (n, 36, 3): the projected path times seeded noise."""
    rng = np.random.default_rng(seed)
    likely = np.array(
        [[u.active_profiles, u.email_sends, u.sms_credits] for u in scenario.usage], dtype=float
    )
    drift = np.exp(np.cumsum(rng.normal(0.0, 0.03, (n, HORIZON)), axis=1))
    profiles = likely[:, 0] * drift
    emails = likely[:, 1] * drift * rng.lognormal(0.0, 0.15, (n, HORIZON))
    credits = likely[:, 2] * rng.lognormal(0.0, 0.3, (n, HORIZON))
    return np.rint(np.stack([profiles, emails, credits], axis=2)).astype(np.int64)


def median_s(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def path_scenario(scenario: Scenario, row: np.ndarray) -> Scenario:
    usage = tuple(
        UsageCycle(active_profiles=int(a), email_sends=int(e), sms_credits=int(c)) for a, e, c in row
    )
    return scenario.model_copy(update={"usage": usage})


def exact_paths(scenario, book, paths, bills, named, sample) -> int:
    """How many of the sampled paths agree with the scalar engine on every field of every cycle
    under every setting (and on the big run's totals, lost revenue and cumulative bill)."""
    fields = cycle_fields(scenario, book, paths[sample], [s for _, s in named])
    agreed = 0
    for i, row in enumerate(sample):
        ok = True
        for j, (_, setting) in enumerate(named):
            result = simulate(with_setting(path_scenario(scenario, paths[row]), setting), book)
            running = 0
            for n, bill in enumerate(result.cycles):
                for key in FIELDS:
                    want = getattr(bill, key)
                    want = int(want * 100) if isinstance(want, Decimal) else int(want)
                    ok &= int(fields[n][key][i, j]) == want
                running += int(bill.total_usd * 100)
                ok &= int(bills.cumulative_cents[row, j, n]) == running
            ok &= int(bills.total_cents[row, j]) == int(result.total_usd * 100)
            ok &= int(bills.lost_cents[row, j]) == int(result.lost_revenue_usd * 100)
        agreed += ok
    return agreed


def main() -> None:
    book = load_price_book()
    scenario = base_scenario()
    named = [(k, s.setting) for k, s in SETTINGS.items()]
    k = len(named)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")

    growth = {}
    for n, repeat in ((1_000, 7), (10_000, 5), (100_000, 2)):
        paths = draw_paths(scenario, n)
        growth[n] = median_s(lambda p=paths: bill_paths(scenario, book, p, named), repeat)
    print(f"{'paths':>8} {'T s':>8} {'us per path':>12}")
    for n, t in growth.items():
        print(f"{n:>8} {t:>8.3f} {t / n * 1e6:>12.1f}")
    print(
        f"growth 1,000 -> 10,000 -> 100,000 paths: x{growth[10_000] / growth[1_000]:.1f}, "
        f"x{growth[100_000] / growth[10_000]:.1f} (x10.0 would be linear)"
    )

    paths = draw_paths(scenario, 10_000)
    tracemalloc.start()
    bill_paths(scenario, book, paths, named)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    big = draw_paths(scenario, 100_000)
    tracemalloc.start()
    bill_paths(scenario, book, big, named)
    peak_big = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del big
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory (tracemalloc, one bill_paths call): 10,000 paths {peak / 2**20:.1f} MiB, "
        f"100,000 paths {peak_big / 2**20:.1f} MiB; process max RSS {rss:.0f} MiB"
    )

    bills = bill_paths(scenario, book, paths, named)
    sample = np.sort(np.random.default_rng(SEED + 1).choice(len(paths), SAMPLE, replace=False))
    t0 = time.perf_counter()
    for row in sample[:50]:
        path = path_scenario(scenario, paths[row])
        for _, setting in named:
            simulate(with_setting(path, setting), book)
    scalar_per_path = (time.perf_counter() - t0) / 50
    t = growth[10_000]
    ratio = scalar_per_path / (t / 10_000)
    print(
        f"scalar: {scalar_per_path * 1000:.2f} ms per path under all {k} settings "
        f"(50 paths looped); vector: {t / 10_000 * 1e6:.1f} us per path"
    )
    agreed = exact_paths(scenario, book, paths, bills, named, sample)
    print(
        f"exactness: {SAMPLE} of the 10,000 paths, drawn at random, checked field by field "
        f"({len(FIELDS)} fields x {HORIZON} cycles x {k} settings) against the scalar engine"
    )
    print(run_uncertainty_line())
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"uncertainty: 10000 paths x {HORIZON} cycles x {k} settings in {t:.3f} s; "
        f"vector vs scalar per path: {ratio:.0f} x; exact: {agreed}/{SAMPLE}"
    )


def run_uncertainty_line() -> str:
    """The whole run_uncertainty on the sample (fitted ranges, sampling, projection, billing,
    percentiles, shares, regret, fans): median of 3 runs of 10,000 paths x 36 cycles."""
    from engine.uncertainty import fit_ranges, run_uncertainty
    from engine.whatif import WhatIf

    history = read_usage_file(
        Path(__file__).resolve().parents[1] / "data" / "sample" / "usage.csv"
    ).history
    fitted = fit(history, HORIZON)
    ranges, _ = fit_ranges(history, fitted)
    whatif = WhatIf(growth=fitted.growth, revenue_per_email_usd=Decimal("0.02"))
    book = load_price_book()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = run_uncertainty(history, book, whatif, ranges, paths=10_000, seed=SEED)
        times.append(time.perf_counter() - t0)
    return (
        f"run_uncertainty (fit ranges, sample, project, bill, summarise): 10,000 paths x {HORIZON} "
        f"cycles in {statistics.median(times):.3f} s (median of 3); {result.robustness}"
    )


if __name__ == "__main__":
    main()
