"""A small stand-in for engine.uncertainty (issue 11's interface), for the panel's AppTests
until the `uncert` branch lands: the same names and shapes, computed with the scalar what-if on
a few sampled paths (at most STANDIN_PATHS, whatever `paths` says), so the tests exercise the
panel, not the numbers. Used only when the real module is missing (tests/app/test_uncertainty_panel.py).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import accumulate

import numpy as np

from engine.growth import Fit, Growth
from engine.history import UsageHistory
from engine.models import Frozen, Money, PriceBook
from engine.whatif import WhatIf, run_whatif

STANDIN_PATHS = 6


class Band(Frozen):
    low: float
    likely: float
    high: float


class Ranges(Frozen):
    profile_growth_pct: Band
    emails_per_profile: Band
    november_peak_pct: Band
    december_peak_pct: Band
    sms_growth_pct: Band
    sms_november_peak_pct: Band
    sms_december_peak_pct: Band


class SettingRange(Frozen):
    key: str
    label: str
    bill_usd: tuple[Money, Money, Money]
    with_lost_usd: tuple[Money, Money, Money]
    p_cheapest: float
    regret_mean_usd: Money
    regret_p90_usd: Money


class Fan(Frozen):
    key: str
    label: str
    p10: tuple[Money, ...]
    p50: tuple[Money, ...]
    p90: tuple[Money, ...]


class UncertaintyResult(Frozen):
    paths: int
    seed: int
    percentiles: tuple[int, int, int]
    settings: tuple[SettingRange, ...]
    recommended: str
    current: str
    fans: tuple[Fan, ...]
    robustness: str


def fit_ranges(history: UsageHistory, fitted: Fit) -> tuple[Ranges, dict[str, str]]:
    g = fitted.growth
    bands = {
        name: Band(low=getattr(g, name) - 1, likely=getattr(g, name), high=getattr(g, name) + 1)
        for name in Ranges.model_fields
    }
    return Ranges(**bands), {name: "stand-in: +/- 1" for name in bands}


def collapsed(growth: Growth) -> Ranges:
    v = {n: getattr(growth, n) for n in Ranges.model_fields}
    return Ranges(**{n: Band(low=x, likely=x, high=x) for n, x in v.items()})


def _pct(values, q) -> Decimal:
    return Decimal(str(round(float(np.percentile(values, q)), 2)))


def run_uncertainty(history, book: PriceBook, whatif: WhatIf, ranges: Ranges, paths=10_000, seed=0):
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(min(paths, STANDIN_PATHS)):
        update = {}
        for name in Ranges.model_fields:
            b = getattr(ranges, name)
            update[name] = (
                b.likely if b.low == b.high else float(rng.triangular(b.low, b.likely, b.high))
            )
        w = whatif.model_copy(update={"growth": whatif.growth.model_copy(update=update)})
        runs.append(run_whatif(history, book, w).comparison)
    outcomes = runs[0].outcomes
    keys = [o.key for o in outcomes]
    bill = np.array([[float(c.outcome(k).total_usd) for k in keys] for c in runs])
    withl = np.array([[float(c.outcome(k).total_with_lost_usd) for k in keys] for c in runs])
    best = withl.argmin(axis=1)
    regret = withl - withl.min(axis=1, keepdims=True)
    settings = tuple(
        SettingRange(
            key=k, label=o.label,
            bill_usd=tuple(_pct(bill[:, i], q) for q in (10, 50, 90)),
            with_lost_usd=tuple(_pct(withl[:, i], q) for q in (10, 50, 90)),
            p_cheapest=float((best == i).mean()),
            regret_mean_usd=Decimal(str(round(float(regret[:, i].mean()), 2))),
            regret_p90_usd=_pct(regret[:, i], 90),
        )
        for i, (k, o) in enumerate(zip(keys, outcomes, strict=True))
    )  # fmt: skip
    recommended = keys[int(np.bincount(best, minlength=len(keys)).argmax())]
    current = runs[0].current

    def fan(k: str) -> Fan:
        cum = np.array(
            [list(accumulate(float(b.total_usd) for b in c.outcome(k).result.cycles)) for c in runs]
        )
        p = {q: tuple(_pct(cum[:, t], q) for t in range(cum.shape[1])) for q in (10, 50, 90)}
        return Fan(key=k, label=runs[0].outcome(k).label, p10=p[10], p50=p[50], p90=p[90])

    rec = settings[keys.index(recommended)]
    return UncertaintyResult(
        paths=paths, seed=seed, percentiles=(10, 50, 90), settings=settings,
        recommended=recommended, current=current,
        fans=tuple(fan(k) for k in dict.fromkeys((recommended, current))),
        robustness=f"cheapest in {100 * rec.p_cheapest:.0f}% of {paths:,} futures; "
        f"at worst ${rec.regret_p90_usd:,.0f} above the best",
    )  # fmt: skip
