"""Ranges, not false precision: the horizon bill of every setting over many sampled futures.

**The ranges** (`fit_ranges`). Each driver of the growth model gets a Band low / likely / high.
`likely` is today's value (the fit, or the sliders); the width is an 80% interval (z = 1.2816,
the P10 / P90 of a normal) for the *level the future will run at*, taken from the history's own
month-to-month variation:

- Profile growth and SMS growth: the standard error of the least-squares slope of log(count)
  against the month index (the same regression `engine.growth.fit` uses), so low / high are
  exp(slope -/+ z x se) - 1 as % a month. It needs 3+ months (one residual degree of freedom).
- Emails per profile: the standard error of the mean of the ordinary months' emails per profile
  (month-of-year factors taken out), z x sd / sqrt(n); 2+ ordinary months.
- November / December peaks (email and SMS): a peak is one month's ratio to an ordinary month,
  so its noise is a single ordinary month's spread around the baseline (sd of the ordinary
  months' ratio to their mean), divided by sqrt(how many of that month the history has).
- Each width has a floor (a year of smooth history is still not certainty about next year), and
  a driver the history cannot fit (too few months, a peak month never seen) gets a stated
  default width around its value. A driver that has no use at all (SMS in an email-only store)
  stays a single value: there is nothing to vary. Every band is clamped to the slider's bounds.

Every band comes with a note saying what it was fitted from.

**The sampling** (`sample_growths`): each driver independently from the triangular
distribution over its low / likely / high (inverse CDF of one uniform per driver and path, from
numpy's PCG64 Generator seeded with `seed`, so a seed repeats exactly). Triangular is the
standard three-point (PERT-style) budgeting choice: it uses exactly the three numbers a manager
sees and edits, never leaves the band (so every path is a valid Growth), and works from one
month of history; bootstrapping residuals needs a long history most stores do not have, and
could not honour a band the manager typed. Drivers are sampled independently (stated; no
correlation is fitted from a dozen months).

**The run** (`run_uncertainty`): every path is projected at once with numpy (`project_paths`,
engine/growth.py's formulas and rounding, equal to `project()` on every path), every named
setting billed on every path by the vectorised engine (engine.vector.bill_paths, exact in
cents), then per setting P10 / P50 / P90 of the bill and of bill + lost
revenue (empirical quantiles, `inverted_cdf`: each is one path's exact figure in cents), the
probability it is cheapest (by bill + lost revenue, the comparison's ranking; a tie is shared
equally by the tied settings, so the shares sum to 1 and no setting wins a tie by list order),
its regret against the best setting of each path (mean and P90), and the fan of the cumulative
bill for the recommended and the current setting. The recommended setting is the comparison's
on the likely path, so with collapsed ranges everything equals today's single-path answer.

**The calendar** (`calendar_ranges`): a calendar of dated actions found on the likely path
(engine.plan_calendar) billed on the same futures, path by path against the current setting
and the cheapest named setting (docs/billing-rules.md section 7, "The calendar over the ranges").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from engine.compare import compare
from engine.contract import ScenarioError, describe, parse_history_request, whatif_fault
from engine.growth import (
    GROWTH_RANGE,
    MAX_EMAILS_PER_PROFILE,
    PEAK_MONTHS,
    PEAK_RANGE,
    Fit,
    Growth,
    Projection,
    _emails_per_profile,
    fit,
)
from engine.history import UsageHistory, add_months
from engine.models import (
    MAX_CREDITS,
    MAX_HORIZON,
    MAX_PROFILES,
    MAX_SENDS,
    Action,
    Frozen,
    Money,
    Policy,
    PriceBook,
    Scenario,
    Setting,
    UsageCycle,
)
from engine.plan_calendar import calendar_start
from engine.price_book import load_price_book
from engine.settings import SETTINGS, with_setting
from engine.simulate import simulate
from engine.vector import PathBills, bill_paths
from engine.whatif import WhatIf, scenario_for

Z80 = 1.2815515655446004  # the standard normal's P90: +/- z is an 80% interval (P10 to P90)
GROWTH_FLOOR = 0.25  # % a month: the narrowest growth half-width
GROWTH_DEFAULT = 2.0  # % a month: the half-width when the history has no trend to judge
EPP_FLOOR = 0.05  # x likely: the narrowest emails-per-profile half-width
EPP_DEFAULT = 0.20  # x likely: with fewer than 2 ordinary months
PEAK_FLOOR = 5.0  # percentage points
PEAK_DEFAULT = 25.0  # percentage points, for a peak the history does not show
MAX_PATHS = 100_000  # one request's cap: 100,000 x 5 settings x 36 cycles is ~150 MB of int64
PERCENTILES = (10, 50, 90)


class Band(Frozen):
    """A driver's range, in the units of its Growth field: low <= likely <= high."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    low: float
    likely: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if not self.low <= self.likely <= self.high:
            raise ValueError(f"low {self.low} <= likely {self.likely} <= high {self.high} must hold")
        return self

    @classmethod
    def point(cls, value: float) -> Band:
        return cls(low=value, likely=value, high=value)


DRIVERS = (
    "profile_growth_pct",
    "emails_per_profile",
    "november_peak_pct",
    "december_peak_pct",
    "sms_growth_pct",
    "sms_november_peak_pct",
    "sms_december_peak_pct",
)
BOUNDS = {
    "profile_growth_pct": GROWTH_RANGE,
    "emails_per_profile": (0.0, MAX_EMAILS_PER_PROFILE),
    "november_peak_pct": PEAK_RANGE,
    "december_peak_pct": PEAK_RANGE,
    "sms_growth_pct": GROWTH_RANGE,
    "sms_november_peak_pct": PEAK_RANGE,
    "sms_december_peak_pct": PEAK_RANGE,
}


class Ranges(Frozen):
    """One Band per driver, in the units of engine.growth.Growth's fields (and its bounds)."""

    profile_growth_pct: Band
    emails_per_profile: Band
    november_peak_pct: Band
    december_peak_pct: Band
    sms_growth_pct: Band
    sms_november_peak_pct: Band
    sms_december_peak_pct: Band

    @model_validator(mode="after")
    def _within_bounds(self) -> Ranges:
        for name in DRIVERS:
            band, (lo, hi) = getattr(self, name), BOUNDS[name]
            if band.low < lo or band.high > hi:
                raise ValueError(f"{name}: the band must lie within {lo:g} to {hi:g}")
        return self


def collapsed(growth: Growth) -> Ranges:
    """Every band low = likely = high = today's value: one future, today's."""
    return Ranges(**{name: Band.point(getattr(growth, name)) for name in DRIVERS})


# ---------------------------------------------------------------- fitting the ranges


def _around(likely: float, half: float, bounds: tuple[float, float]) -> Band:
    lo, hi = bounds
    return Band(low=max(lo, min(likely, likely - half)), likely=likely, high=min(hi, likely + half))


def _slope_se(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """(slope, its standard error) of y on x by least squares, or None under 3 points."""
    if len(points) < 3 or len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    sse = sum((y - my - slope * (x - mx)) ** 2 for x, y in points)
    return slope, math.sqrt(sse / (n - 2) / sxx)


def _rate_band(likely: float, points: list[tuple[int, float]], what: str) -> tuple[Band, str]:
    """A growth band: likely +/- the 80% interval of the log-linear slope, as % a month."""
    fitted = _slope_se(points)
    if fitted is None:
        band = _around(likely, GROWTH_DEFAULT, GROWTH_RANGE)
        return band, f"too few months of {what} to judge the trend: +/-{GROWTH_DEFAULT:g}% a month"
    _, se = fitted
    # The interval of the rate, as % a month, around today's value.
    half = max(GROWTH_FLOOR, (math.exp(min(Z80 * se, 5.0)) - 1) * 100)
    band = _around(likely, half, GROWTH_RANGE)
    return band, (
        f"the spread of {len(points)} months of {what} around their trend: "
        f"{band.low:+.2f}% to {band.high:+.2f}% a month"
    )


def _sd(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def _peak_band(
    likely: float, seen: int, fitted: bool, spread: float | None, month: str
) -> tuple[Band, str]:
    """A peak band: one ordinary month's relative spread, over sqrt(how often the month was seen)."""
    if not fitted or spread is None:
        band = _around(likely, PEAK_DEFAULT, PEAK_RANGE)
        return band, f"no {month} to fit from: +/-{PEAK_DEFAULT:g} points around {likely:+.0f}%"
    half = max(PEAK_FLOOR, Z80 * 100 * spread / math.sqrt(max(seen, 1)))
    band = _around(likely, half, PEAK_RANGE)
    return band, (
        f"one ordinary month's spread, over {seen} {month}(s): {band.low:+.0f}% to {band.high:+.0f}%"
    )


def fit_ranges(history: UsageHistory, fitted: Fit) -> tuple[Ranges, dict[str, str]]:
    """A band per driver around `fitted.growth` (the fit, or the sliders), its width from the
    history's month-to-month variation (method in the module docstring), and a note per band."""
    g, months, notes = fitted.growth, history.months, {}
    bands: dict[str, Band] = {}

    pts = [(i, math.log(m.active_profiles)) for i, m in enumerate(months) if m.active_profiles]
    bands["profile_growth_pct"], notes["profile_growth_pct"] = _rate_band(
        g.profile_growth_pct, pts, "active profiles"
    )

    ratios = _emails_per_profile(history)
    ordinary = [
        r / g.season[mo - 1] if g.season[mo - 1] > 0 else r
        for mo, rs in ratios.items()
        if mo not in PEAK_MONTHS
        for r in rs
    ]
    epp = g.emails_per_profile
    sd = _sd(ordinary)
    mean = sum(ordinary) / len(ordinary) if ordinary else 0.0
    if sd is None:
        bands["emails_per_profile"] = _around(epp, EPP_DEFAULT * epp, BOUNDS["emails_per_profile"])
        notes["emails_per_profile"] = (
            f"fewer than 2 ordinary months: +/-{EPP_DEFAULT:.0%} around {epp:.1f}"
        )
    else:
        half = max(EPP_FLOOR * epp, Z80 * sd / math.sqrt(len(ordinary)))
        band = bands["emails_per_profile"] = _around(epp, half, BOUNDS["emails_per_profile"])
        notes["emails_per_profile"] = (
            f"the spread of {len(ordinary)} ordinary months: {band.low:.1f} to {band.high:.1f} "
            "emails per profile"
        )
    spread = sd / mean if sd is not None and mean > 0 else None
    for mo, name in ((11, "november_peak_pct"), (12, "december_peak_pct")):
        seen = len(ratios.get(mo, ()))
        bands[name], notes[name] = _peak_band(
            getattr(g, name), seen, seen > 0 and len(ordinary) >= 3, spread, _month(mo)
        )

    _sms_bands(history, g, bands, notes)
    return Ranges(**bands), notes


def _month(mo: int) -> str:
    return ("November", "December")[mo - 11]


def _sms_bands(history: UsageHistory, g: Growth, bands: dict[str, Band], notes: dict[str, str]) -> None:
    months = history.months
    if not any(m.sms_credits for m in months) and g.sms_base_credits == 0:
        for name in ("sms_growth_pct", "sms_november_peak_pct", "sms_december_peak_pct"):
            bands[name] = Band.point(getattr(g, name))
            notes[name] = "no SMS in the history or the sliders: nothing to vary"
        return
    pts = [
        (i, math.log(m.sms_credits))
        for i, m in enumerate(months)
        if m.sms_credits > 0 and m.month.month not in PEAK_MONTHS
    ]
    bands["sms_growth_pct"], notes["sms_growth_pct"] = _rate_band(
        g.sms_growth_pct, pts, "SMS credits (ordinary months)"
    )
    fitted = _slope_se(pts)
    spread = None
    if fitted is not None:
        slope = fitted[0]
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        rel = [math.exp(y - my - slope * (x - mx)) for x, y in pts]
        sd = _sd(rel)
        spread = sd / (sum(rel) / len(rel)) if sd is not None else None
    for mo, name in ((11, "sms_november_peak_pct"), (12, "sms_december_peak_pct")):
        seen = sum(1 for m in months if m.month.month == mo and m.sms_credits > 0)
        bands[name], notes[name] = _peak_band(
            getattr(g, name), seen, seen > 0 and len(pts) >= 3, spread, f"SMS {_month(mo)}"
        )


# ---------------------------------------------------------------- sampling and projecting


def _triangular(u: np.ndarray, band: Band) -> np.ndarray:
    """The triangular distribution's inverse CDF at u; exactly `likely` when the band is a point."""
    a, c, b = band.low, band.likely, band.high
    if a == b:
        return np.full(u.shape, c)
    f = (c - a) / (b - a)
    left = a + np.sqrt(u * (b - a) * (c - a))
    right = b - np.sqrt((1 - u) * (b - a) * (b - c))
    return np.clip(np.where(u < f, left, right), a, b)


def sample_drivers(ranges: Ranges, paths: int, seed: int) -> dict[str, np.ndarray]:
    """`paths` values per driver: triangular over each band, one uniform each, seeded."""
    u = np.random.default_rng(seed).random((paths, len(DRIVERS)))
    return {name: _triangular(u[:, j], getattr(ranges, name)) for j, name in enumerate(DRIVERS)}


def _round_half_up(x: np.ndarray, most: int) -> np.ndarray:
    """engine.growth._round on an array: half-up to a count in 0..most (exact, as Decimal's)."""
    x = np.maximum(x, 0.0)
    f = np.floor(x)
    r = f + (x - f >= 0.5)
    return np.where(x <= most, r, most).astype(np.int64)


def project_paths(history: UsageHistory, growth: Growth, drivers: dict[str, np.ndarray]) -> np.ndarray:
    """int64 (P, H, 3) usage: engine.growth.project's formulas with each path's drivers in place
    of growth's (the other fields, horizon, season, clean-up, SMS base, from `growth`)."""
    h = growth.horizon
    t = np.arange(1, h + 1, dtype=np.float64)
    cal = np.array([add_months(history.last.month, int(k)).month for k in range(1, h + 1)])
    col = {k: v[:, None] for k, v in drivers.items()}

    def factor(season: tuple[float, ...], nov: np.ndarray, dec: np.ndarray) -> np.ndarray:
        base = np.array([season[m - 1] for m in cal], dtype=np.float64)[None, :]
        return np.where(cal == 11, 1 + nov / 100, np.where(cal == 12, 1 + dec / 100, base))

    g = 1 + col["profile_growth_pct"] / 100
    kept = np.where(t >= growth.cleanup_cycle, 1 - growth.cleanup_pct / 100, 1.0)
    profiles = history.last.active_profiles * np.power(g, t) * kept
    emails = (
        profiles
        * col["emails_per_profile"]
        * factor(growth.season, col["november_peak_pct"], col["december_peak_pct"])
    )
    gs = 1 + col["sms_growth_pct"] / 100
    credits = (
        growth.sms_base_credits
        * np.power(gs, t)
        * factor(growth.sms_season, col["sms_november_peak_pct"], col["sms_december_peak_pct"])
    )
    return np.stack(
        [
            _round_half_up(profiles, MAX_PROFILES),
            _round_half_up(emails, MAX_SENDS),
            _round_half_up(credits, MAX_CREDITS),
        ],
        axis=-1,
    )


# ---------------------------------------------------------------- billing the paths


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def bill_paths_scalar(
    scenario: Scenario, book: PriceBook, usage: np.ndarray, settings: Sequence[tuple[str, Setting]]
) -> PathBills:
    """engine.vector.bill_paths by looping simulate(): the readable reference (tests compare them)."""
    p, h, _ = usage.shape
    total = np.zeros((p, len(settings)), dtype=np.int64)
    lost = np.zeros_like(total)
    cumulative = np.zeros((p, len(settings), h), dtype=np.int64)
    for i in range(p):
        cycles = tuple(
            UsageCycle(active_profiles=int(a), email_sends=int(e), sms_credits=int(c))
            for a, e, c in usage[i]
        )
        path = scenario.model_copy(update={"usage": cycles})
        for j, (_, setting) in enumerate(settings):
            result = simulate(with_setting(path, setting), book)
            total[i, j] = _cents(result.total_usd)
            lost[i, j] = _cents(result.lost_revenue_usd)
            cumulative[i, j] = np.cumsum([_cents(b.total_usd) for b in result.cycles])
    return PathBills(tuple(k for k, _ in settings), total, lost, cumulative)


# ---------------------------------------------------------------- the result


class SettingRange(Frozen):
    key: str
    label: str
    bill_usd: tuple[Money, Money, Money] = Field(description="P10, P50, P90 of the horizon bill")
    with_lost_usd: tuple[Money, Money, Money] = Field(description="P10, P50, P90 of bill + lost revenue")
    p_cheapest: float = Field(
        description="share of paths where it is cheapest (bill + lost; ties shared)"
    )
    regret_mean_usd: Money = Field(description="mean of bill + lost above the best setting of each path")
    regret_p90_usd: Money


class Fan(Frozen):
    """P10 / P50 / P90 of the cumulative bill at the end of each cycle."""

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
    fans: tuple[Fan, ...] = Field(
        description="the recommended and the current setting (one if the same)"
    )
    robustness: str


def _usd(cents: np.integer | int) -> Decimal:
    return Decimal(int(cents)) / 100


def _pct(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """P10, P50, P90 along `axis`: each an observed value (exact cents)."""
    return np.percentile(values, PERCENTILES, axis=axis, method="inverted_cdf")


def _p_cheapest(with_lost: np.ndarray) -> np.ndarray:
    """Each setting's share of paths where it is cheapest; a tie is shared equally."""
    best = with_lost == with_lost.min(axis=1, keepdims=True)
    return (best / best.sum(axis=1, keepdims=True)).mean(axis=0)


def _share(p: float) -> str:
    """A share as a whole percent that never rounds to 100% or 0% when it is not."""
    if 0.995 <= p < 1:
        return "over 99%"
    if 0 < p < 0.005:
        return "under 1%"
    return f"{p:.0%}"


def robustness(result_settings: Sequence[SettingRange], recommended: str, paths: int) -> str:
    """The recommendation's robustness in one sentence, every number from the result."""
    r = next(s for s in result_settings if s.key == recommended)
    share = _share(r.p_cheapest)
    futures = f"{paths:,} simulated future{'' if paths == 1 else 's'}"
    if r.regret_p90_usd == 0:
        tail = "in 9 futures out of 10 it costs nothing more than the best"
    else:
        tail = f"in 9 futures out of 10 it costs at most ${r.regret_p90_usd:,.2f} more than the best"
    return f"{r.label} is cheapest in {share} of {futures}; {tail} (bill + lost revenue)."


class Futures(NamedTuple):
    """The sampled futures of one request, billed: the likely path's projection and scenario,
    then every named setting (SETTINGS' order) and, when given, the calendar (last column)."""

    projection: Projection
    scenario: Scenario
    bills: PathBills


def futures(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    ranges: Ranges,
    paths: int,
    seed: int,
    calendar: Setting | None = None,
) -> Futures:
    """Sample `paths` futures from `ranges` around `whatif` (seeded) and bill each named setting
    (and `calendar`) on every one with the vector engine: what both summaries read."""
    if not 1 <= paths <= MAX_PATHS:
        raise ValueError(f"paths: must be 1 to {MAX_PATHS:,}, got {paths}")
    likely = whatif.growth.model_copy(update={n: getattr(ranges, n).likely for n in DRIVERS})
    projection, scenario = scenario_for(history, whatif.model_copy(update={"growth": likely}))
    billed = [(n.key, n.setting) for n in SETTINGS.values()]
    if calendar is not None:
        _within_horizon(scenario, calendar)
        billed.append((CALENDAR_KEY, calendar))
    usage = project_paths(history, whatif.growth, sample_drivers(ranges, paths, seed))
    return Futures(projection, scenario, bill_paths(scenario, book, usage, billed))


def run_uncertainty(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    ranges: Ranges,
    paths: int = 10_000,
    seed: int = 0,
) -> UncertaintyResult:
    """Sample `paths` futures from `ranges` around `whatif`, bill every named setting on each,
    and summarise (module docstring). Deterministic for a given seed."""
    return settings_summary(futures(history, book, whatif, ranges, paths, seed), book, whatif, seed)


def settings_summary(f: Futures, book: PriceBook, whatif: WhatIf, seed: int) -> UncertaintyResult:
    """Percentiles, shares of cheapest, regret and fans of the named settings over `f`."""
    comparison = compare(
        f.scenario, book, f.projection.months, schedule=False, current=whatif.current_setting
    )
    recommended, current = comparison.cheapest_with_lost, whatif.current_setting
    named = list(SETTINGS.values())
    k = len(named)
    bills = f.bills
    total, paths = bills.total_cents[:, :k], len(bills.total_cents)
    with_lost = total + bills.lost_cents[:, :k]
    regret = with_lost - with_lost.min(axis=1, keepdims=True)
    share = _p_cheapest(with_lost)
    bill_p, lost_p, regret_p = _pct(total), _pct(with_lost), _pct(regret)
    rows = tuple(
        SettingRange(
            key=n.key,
            label=n.label,
            bill_usd=tuple(_usd(v) for v in bill_p[:, j]),
            with_lost_usd=tuple(_usd(v) for v in lost_p[:, j]),
            p_cheapest=float(share[j]),
            regret_mean_usd=(Decimal(int(regret[:, j].sum())) / paths / 100).quantize(Decimal("0.01")),
            regret_p90_usd=_usd(regret_p[2, j]),
        )
        for j, n in enumerate(named)
    )
    fans = tuple(_fan(bills, key, SETTINGS[key].label) for key in dict.fromkeys((recommended, current)))
    return UncertaintyResult(
        paths=paths,
        seed=seed,
        percentiles=PERCENTILES,
        settings=rows,
        recommended=recommended,
        current=current,
        fans=fans,
        robustness=robustness(rows, recommended, paths),
    )


def _fan(bills: PathBills, key: str, label: str) -> Fan:
    q = _pct(bills.cumulative_cents[:, bills.keys.index(key), :])
    return Fan(
        key=key,
        label=label,
        **{f"p{p}": tuple(_usd(v) for v in q[i]) for i, p in enumerate(PERCENTILES)},
    )


# ---------------------------------------------------------------- the calendar over the ranges

CALENDAR_KEY = "calendar"
CALENDAR_LABEL = "The plan calendar"


class BillRange(Frozen):
    key: str
    label: str
    bill_usd: tuple[Money, Money, Money] = Field(description="P10, P50, P90 of the horizon bill")
    with_lost_usd: tuple[Money, Money, Money] = Field(description="P10, P50, P90 of bill + lost revenue")


class CalendarRanges(Frozen):
    """How a calendar of actions (found on the likely path) holds up over the sampled futures:
    the same futures as run_uncertainty for the same seed, every figure path by path."""

    paths: int
    seed: int
    percentiles: tuple[int, int, int]
    actions: tuple[Action, ...]
    calendar: BillRange = Field(description="the calendar, from the current setting's preferences")
    settings: tuple[BillRange, ...] = Field(description="each named setting, in SETTINGS' order")
    current: str
    saving_usd: tuple[Money, Money, Money] = Field(
        description="P10, P50, P90 of the current setting's bill + lost revenue minus the "
        "calendar's, path by path (negative: the calendar costs more)"
    )
    saving_vs_best_usd: tuple[Money, Money, Money] = Field(
        description="P10, P50, P90 of the cheapest named setting's bill + lost revenue minus the "
        "calendar's, path by path (the setting may differ from path to path)"
    )
    p_no_dearer_than_current: float = Field(
        description="share of paths where the calendar's bill + lost revenue is at most the "
        "current setting's"
    )
    p_no_dearer_than_best: float = Field(
        description="share of paths where it is at most the cheapest named setting's"
    )
    fan: Fan = Field(description="the calendar's cumulative bill")
    summary: str


def _within_horizon(scenario: Scenario, setting: Setting) -> None:
    """The scenario's own check of the actions' cycles (an action beyond the horizon, a
    downgrade in the last cycle): a ValueError naming the action."""
    policy = Policy.compose(setting, scenario.policy.assumptions)
    try:
        Scenario.model_validate({**dict(scenario), "policy": policy})
    except ValidationError as e:
        raise ValueError(describe(e).removeprefix("policy.")) from None


def calendar_ranges(
    history: UsageHistory,
    whatif: WhatIf,
    ranges: Ranges,
    actions: Sequence[Action],
    paths: int = 10_000,
    seed: int = 0,
    book: PriceBook | None = None,
) -> CalendarRanges:
    """Bill the calendar `actions` (dated by cycle, found on the likely path) on the futures
    run_uncertainty samples for the same seed, next to every named setting, and say how its
    saving against the current setting holds up. `book` None: the bundled price book."""
    if whatif.current_setting not in SETTINGS:
        raise ValueError(f"whatif.current_setting: must be one of {', '.join(SETTINGS)}")
    book = book or load_price_book()
    setting = calendar_start(SETTINGS[whatif.current_setting].setting, actions)
    f = futures(history, book, whatif, ranges, paths, seed, setting)
    return calendar_summary(f, setting.actions, whatif.current_setting, seed)


def calendar_summary(f: Futures, actions: tuple[Action, ...], current: str, seed: int) -> CalendarRanges:
    """The calendar's figures over `f` (its bills' last column), path by path against the
    current setting and the cheapest named setting of each path (bill + lost revenue)."""
    bills, k = f.bills, len(SETTINGS)
    with_lost = bills.total_cents + bills.lost_cents
    mine = with_lost[:, k]
    theirs = with_lost[:, bills.keys.index(current)]
    best = with_lost[:, :k].min(axis=1)
    bill_p, lost_p = _pct(bills.total_cents), _pct(with_lost)

    def row(j: int, key: str, label: str) -> BillRange:
        return BillRange(
            key=key,
            label=label,
            bill_usd=tuple(_usd(v) for v in bill_p[:, j]),
            with_lost_usd=tuple(_usd(v) for v in lost_p[:, j]),
        )

    paths = len(mine)
    saving = tuple(_usd(v) for v in _pct(theirs - mine))
    p_current = float((mine <= theirs).mean())
    p_best = float((mine <= best).mean())
    return CalendarRanges(
        paths=paths,
        seed=seed,
        percentiles=PERCENTILES,
        actions=actions,
        calendar=row(k, CALENDAR_KEY, CALENDAR_LABEL),
        settings=tuple(row(j, n.key, n.label) for j, n in enumerate(SETTINGS.values())),
        current=current,
        saving_usd=saving,
        saving_vs_best_usd=tuple(_usd(v) for v in _pct(best - mine)),
        p_no_dearer_than_current=p_current,
        p_no_dearer_than_best=p_best,
        fan=_fan(bills, CALENDAR_KEY, CALENDAR_LABEL),
        summary=calendar_sentence(
            paths, len(actions), SETTINGS[current].label, saving, p_current, p_best
        ),
    )


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _saving_words(low: Decimal, high: Decimal) -> tuple[str, str]:
    """P10 to P90 of a saving as words: what it does ("saves $a to $b") and the word before
    the setting it is measured against."""
    if low == high:
        if low == 0:
            return "costs the same", "as"
        return (f"saves {_money(low)}", "against") if low > 0 else (f"costs {_money(-low)} more", "than")
    if low >= 0:
        return f"saves {_money(low)} to {_money(high)}", "against"
    if high <= 0:
        return f"costs {_money(-high)} to {_money(-low)} more", "than"
    return f"ranges from {_money(-low)} dearer to {_money(high)} cheaper", "than"


def calendar_sentence(
    paths: int,
    n_actions: int,
    current_label: str,
    saving: tuple[Decimal, Decimal, Decimal],
    p_current: float,
    p_best: float,
) -> str:
    """One plain sentence, every figure from the result: the saving's P10 to P90 against the
    current setting, and how often the calendar is no dearer than it and than the best."""
    futures_ = f"{paths:,} simulated future{'' if paths == 1 else 's'}"
    acts = f"{n_actions} action{'' if n_actions == 1 else 's'}"
    what, word = _saving_words(saving[0], saving[2])
    span = "P10 to P90, " if paths > 1 else ""  # a point range still speaks for 80% of futures
    return (
        f"Over {futures_} the calendar ({acts}) {what} ({span}bill + lost revenue) {word} your "
        f"setting, {current_label}, and is no dearer than it in {_share(p_current)} of them; "
        f"it is no dearer than the best named setting in {_share(p_best)}."
    )


# ---------------------------------------------------------------- the JSON contract (CLI, service)


class UncertaintyRequest(Frozen):
    """`python -m engine uncertainty` and POST /v1/uncertainty: a history, the what-if, and
    optionally the ranges (default: fitted around the what-if's sliders), paths, seed, book."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    history: UsageHistory
    whatif: WhatIf
    ranges: Ranges | None = Field(default=None, description="None: fitted from the history")
    paths: int = Field(default=10_000, ge=1, le=MAX_PATHS, description=f"1 to {MAX_PATHS:,}")
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    price_book: PriceBook | None = None
    actions: tuple[Action, ...] | None = Field(
        default=None,
        max_length=6 * MAX_HORIZON,
        description="a calendar of dated actions (python -m engine plan's): the answer's "
        "`calendar` says how it holds up over the same futures",
    )


class UncertaintyAnswer(UncertaintyResult):
    """The result, with the ranges used and what each was fitted from (empty when given)."""

    ranges: Ranges
    notes: dict[str, str]
    calendar: CalendarRanges | None = Field(default=None, description="when actions are given")


def parse_request(text: str) -> UncertaintyRequest:
    """Validate a request JSON text strictly (engine.contract.parse_history_request)."""
    return parse_history_request(text, UncertaintyRequest)


def uncertainty_json(request: UncertaintyRequest) -> dict[str, Any]:
    """The answer to a request, as JSON (money as strings with two decimals)."""
    if request.ranges is None:
        ranges, notes = fit_ranges(request.history, Fit(growth=request.whatif.growth, notes={}))
    else:
        ranges, notes = request.ranges, {}
    book = request.price_book or load_price_book()
    whatif, calendar = request.whatif, None
    setting = None
    if request.actions is not None:
        try:
            setting = calendar_start(SETTINGS[whatif.current_setting].setting, request.actions)
        except ValidationError as e:  # a combination the calendar cannot have
            raise ScenarioError(describe(e)) from None
    try:
        f = futures(request.history, book, whatif, ranges, request.paths, request.seed, setting)
    except ValidationError as e:  # a what-if value outside what the scenario accepts
        raise whatif_fault(e) from None
    except ValueError as e:  # an action beyond the horizon
        raise ScenarioError(str(e)) from None
    result = settings_summary(f, book, whatif, request.seed)
    if setting is not None:
        calendar = calendar_summary(f, setting.actions, whatif.current_setting, request.seed)
    answer = UncertaintyAnswer(**result.model_dump(), ranges=ranges, notes=notes, calendar=calendar)
    return answer.model_dump(mode="json")


def default_ranges(history: UsageHistory, horizon: int = 12) -> tuple[Ranges, dict[str, str]]:
    """The ranges fitted around the history's own fit (what Explore starts from)."""
    return fit_ranges(history, fit(history, horizon))
