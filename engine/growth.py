"""The growth model: a usage history plus what-if sliders, turned into a usage path.

A projected cycle t = 1..H falls in calendar month m(t), the t-th month after the last month
of history. With P0 the last month's active profiles and S0 the last month's SMS credits with
the season taken out:

    profiles(t) = P0 x (1 + g)^t x (1 - cleanup% if t >= cleanup cycle)
    emails(t)   = profiles(t) x emails_per_profile x season(m(t))
    credits(t)  = S0 x (1 + g_sms)^t x sms_season(m(t))

`season` is 1 + peak% in November (Black Friday / Cyber Monday) and December, and the fitted
month-of-year factor in other months (1 until the history has 12 months). A clean-up
suppresses profiles, so they also stop receiving email; SMS subscribers are kept.

**How the defaults are fitted** (`fit()`), and what each needs:

- Profile growth g: least-squares slope of log(profiles) against the month index, as a
  compound monthly rate (2+ months; 0 with one month). Clamped to the slider's range.
- Emails per profile: the mean of emails / profiles over the months that are not November or
  December (all months when only those exist), with the month-of-year factors taken out.
- Month-of-year factors (12+ months of history): for each calendar month, the mean ratio of
  that month's emails per profile to the baseline; the months January to October are scaled to
  average exactly 1 so the baseline means "an ordinary month".
- November and December peaks: that month's factor - 1, fitted when the month is in the
  history together with 3+ ordinary months; 0 otherwise, and the note says so.
- SMS: the same, on credits rather than credits per profile. The growth rate is the log-linear
  slope over ordinary months with credits; S0 is the trend's value at the last month, so a
  November last month does not inflate the baseline.

Every fitted value comes with a note saying what it was fitted from, for the UI to show.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from pydantic import Field, model_validator

from engine.models import MAX_HORIZON, Count, Frozen, UsageCycle

PEAK_MONTHS = (11, 12)
GROWTH_RANGE = (-10.0, 20.0)  # % per month: the slider's range, and the clamp of the fit
PEAK_RANGE = (-50.0, 300.0)  # % over an ordinary month


def add_months(month: date, n: int) -> date:
    """The first day of the month n months after `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


class HistoryMonth(Frozen):
    """One billing month of actual usage."""

    month: date = Field(description="the first day of the month")
    active_profiles: Count
    email_sends: Count
    sms_credits: Count


class UsageHistory(Frozen):
    """Consecutive months of usage, oldest first: at least one, at most 36."""

    months: tuple[HistoryMonth, ...] = Field(min_length=1, max_length=MAX_HORIZON)

    @model_validator(mode="after")
    def _consecutive(self) -> UsageHistory:
        for before, after in pairwise(self.months):
            if after.month != add_months(before.month, 1):
                raise ValueError(
                    f"months: {after.month:%Y-%m} does not follow {before.month:%Y-%m}; "
                    "the history must be consecutive months, oldest first, each once"
                )
        return self

    @property
    def last(self) -> HistoryMonth:
        return self.months[-1]


class Growth(Frozen):
    """The what-if sliders. Rates are % per month; peaks are % over an ordinary month."""

    horizon: int = Field(default=12, ge=1, le=MAX_HORIZON)
    profile_growth_pct: float = Field(default=0.0, ge=GROWTH_RANGE[0], le=GROWTH_RANGE[1])
    emails_per_profile: float = Field(default=10.0, ge=0)
    november_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    december_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    sms_base_credits: float = Field(default=0.0, ge=0)
    sms_growth_pct: float = Field(default=0.0, ge=GROWTH_RANGE[0], le=GROWTH_RANGE[1])
    sms_november_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    sms_december_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    cleanup_pct: float = Field(default=0.0, ge=0, le=100)
    cleanup_cycle: int = Field(default=1, ge=1, le=MAX_HORIZON)
    season: tuple[float, ...] = Field(default=(1.0,) * 12, min_length=12, max_length=12)
    sms_season: tuple[float, ...] = Field(default=(1.0,) * 12, min_length=12, max_length=12)

    def email_factor(self, month: int) -> float:
        return self._factor(month, self.season, self.november_peak_pct, self.december_peak_pct)

    def sms_factor(self, month: int) -> float:
        return self._factor(
            month, self.sms_season, self.sms_november_peak_pct, self.sms_december_peak_pct
        )

    @staticmethod
    def _factor(month: int, season: tuple[float, ...], nov: float, dec: float) -> float:
        if month == 11:
            return 1 + nov / 100
        if month == 12:
            return 1 + dec / 100
        return season[month - 1]


class Fit(Frozen):
    """Defaults fitted from a history, with one plain note per fitted value."""

    growth: Growth
    notes: dict[str, str]


class Projection(Frozen):
    """The usage path: one calendar month and one usage row per cycle."""

    months: tuple[date, ...]
    usage: tuple[UsageCycle, ...]

    @property
    def labels(self) -> list[str]:
        return [month_label(m) for m in self.months]


def _round(x: float) -> int:
    return int(Decimal(repr(max(0.0, x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def project(history: UsageHistory, growth: Growth) -> Projection:
    """The usage path for the next `growth.horizon` cycles (formulas in the module docstring)."""
    p0 = history.last.active_profiles
    g, gs = 1 + growth.profile_growth_pct / 100, 1 + growth.sms_growth_pct / 100
    kept = 1 - growth.cleanup_pct / 100
    months, usage = [], []
    for t in range(1, growth.horizon + 1):
        month = add_months(history.last.month, t)
        profiles = p0 * g**t * (kept if t >= growth.cleanup_cycle else 1)
        emails = profiles * growth.emails_per_profile * growth.email_factor(month.month)
        credits = growth.sms_base_credits * gs**t * growth.sms_factor(month.month)
        months.append(month)
        usage.append(
            UsageCycle(
                active_profiles=_round(profiles), email_sends=_round(emails), sms_credits=_round(credits)
            )
        )
    return Projection(months=tuple(months), usage=tuple(usage))


# ---------------------------------------------------------------- fitting


def _slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of y on x, or None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def _clamp(x: float, bounds: tuple[float, float]) -> float:
    return min(max(x, bounds[0]), bounds[1])


def _seasonal(
    values: dict[int, list[float]], ordinary_mean: float, have_year: bool
) -> tuple[list[float], dict[int, float | None]]:
    """Month-of-year factors (January-October averaging 1) and the raw peak factors."""
    month_mean = {m: sum(v) / len(v) for m, v in values.items() if v}
    factors = [1.0] * 12
    if have_year and ordinary_mean > 0:
        ordinary = [month_mean[m] / ordinary_mean for m in range(1, 11) if m in month_mean]
        scale = sum(ordinary) / len(ordinary)
        for m in range(1, 11):
            if m in month_mean:
                factors[m - 1] = month_mean[m] / ordinary_mean / scale
    peaks: dict[int, float | None] = {}
    for m in PEAK_MONTHS:
        peaks[m] = month_mean[m] / ordinary_mean if m in month_mean and ordinary_mean > 0 else None
    return factors, peaks


def fit(history: UsageHistory, horizon: int = 12) -> Fit:
    """Slider defaults fitted from the history (method in the module docstring)."""
    months = history.months
    n = len(months)
    have_year = n >= 12
    notes: dict[str, str] = {}

    # Profile growth: log-linear over every month with profiles.
    pts = [(i, math.log(m.active_profiles)) for i, m in enumerate(months) if m.active_profiles > 0]
    slope = _slope(pts)
    growth_pct = 0.0 if slope is None else _clamp((math.exp(slope) - 1) * 100, GROWTH_RANGE)
    notes["profile_growth_pct"] = (
        f"fitted from {len(pts)} months of active profiles: {growth_pct:+.1f}% a month"
        if slope is not None
        else "one month of history: no trend to fit, so 0% until you set it"
    )

    # Emails per profile, with month-of-year factors.
    ratios: dict[int, list[float]] = {}
    for m in months:
        if m.active_profiles > 0:
            ratios.setdefault(m.month.month, []).append(m.email_sends / m.active_profiles)
    ordinary = [r for mo, rs in ratios.items() if mo not in PEAK_MONTHS for r in rs]
    base_pool = ordinary or [r for rs in ratios.values() for r in rs]
    raw_epp = sum(base_pool) / len(base_pool) if base_pool else 0.0
    season, peaks = _seasonal(ratios, raw_epp, have_year)
    enough_ordinary = len(ordinary) >= 3
    epp = raw_epp
    notes["emails_per_profile"] = (
        f"mean of {len(base_pool)} {'ordinary ' if ordinary else ''}months: {epp:.1f} emails per profile"
    )
    notes["season"] = (
        "month-of-year pattern fitted from 12+ months"
        if have_year
        else "fewer than 12 months: no month-of-year pattern (every ordinary month alike)"
    )
    peak_pct: dict[int, float] = {}
    for mo, name in ((11, "november_peak_pct"), (12, "december_peak_pct")):
        factor = peaks[mo] if enough_ordinary else None
        peak_pct[mo] = 0.0 if factor is None else _clamp((factor - 1) * 100, PEAK_RANGE)
        month_name = date(2000, mo, 1).strftime("%B")
        notes[name] = (
            f"fitted from {len(ratios[mo])} {month_name}(s): {peak_pct[mo]:+.0f}% over an ordinary month"
            if factor is not None
            else f"no {month_name} with 3+ ordinary months in the history: 0% until you set it"
        )

    # SMS: a log-linear trend over ordinary months with credits, then factors around it.
    sms_pts = [
        (i, math.log(m.sms_credits))
        for i, m in enumerate(months)
        if m.sms_credits > 0 and m.month.month not in PEAK_MONTHS
    ]
    sms_slope = _slope(sms_pts)
    if sms_slope is None:
        positive = [(i, m.sms_credits) for i, m in enumerate(months) if m.sms_credits > 0]
        level = positive[-1][1] if positive else 0.0  # too little to fit a trend: use the last value
        intercept = math.log(level) if level > 0 else None
        sms_slope_used = 0.0
    else:
        mx = sum(x for x, _ in sms_pts) / len(sms_pts)
        my = sum(y for _, y in sms_pts) / len(sms_pts)
        intercept = my - sms_slope * mx
        sms_slope_used = sms_slope
    sms_growth = _clamp((math.exp(sms_slope_used) - 1) * 100, GROWTH_RANGE)
    sms_rel: dict[int, list[float]] = {}
    if intercept is not None:
        for i, m in enumerate(months):
            trend = math.exp(intercept + sms_slope_used * i)
            sms_rel.setdefault(m.month.month, []).append(m.sms_credits / trend)
    sms_ordinary = [r for mo, rs in sms_rel.items() if mo not in PEAK_MONTHS for r in rs]
    sms_mean = sum(sms_ordinary) / len(sms_ordinary) if sms_ordinary else 1.0
    sms_season, sms_peaks = _seasonal(sms_rel, sms_mean, have_year)
    last_i = n - 1
    s0 = math.exp(intercept + sms_slope_used * last_i) * sms_mean if intercept is not None else 0.0
    notes["sms_base_credits"] = (
        f"trend level at the last month: {s0:,.0f} credits in an ordinary month"
        if s0
        else "no SMS credits in the history: 0 until you set it"
    )
    notes["sms_growth_pct"] = (
        f"fitted from {len(sms_pts)} ordinary months of SMS credits: {sms_growth:+.1f}% a month"
        if sms_slope is not None
        else "not enough SMS history for a trend: 0% until you set it"
    )
    sms_peak_pct: dict[int, float] = {}
    for mo, name in ((11, "sms_november_peak_pct"), (12, "sms_december_peak_pct")):
        factor = sms_peaks[mo] if len(sms_ordinary) >= 3 else None
        sms_peak_pct[mo] = 0.0 if factor is None else _clamp((factor - 1) * 100, PEAK_RANGE)
        notes[name] = (
            f"fitted: {sms_peak_pct[mo]:+.0f}% over an ordinary month"
            if factor is not None
            else "not in the SMS history with 3+ ordinary months: 0% until you set it"
        )

    growth = Growth(
        horizon=horizon,
        profile_growth_pct=round(growth_pct, 2),
        emails_per_profile=round(epp, 2),
        november_peak_pct=round(peak_pct[11], 1),
        december_peak_pct=round(peak_pct[12], 1),
        sms_base_credits=round(s0),
        sms_growth_pct=round(sms_growth, 2),
        sms_november_peak_pct=round(sms_peak_pct[11], 1),
        sms_december_peak_pct=round(sms_peak_pct[12], 1),
        season=tuple(round(f, 4) for f in season),
        sms_season=tuple(round(f, 4) for f in sms_season),
    )
    return Fit(growth=growth, notes=notes)


def typical_sms_credits(history: UsageHistory) -> int:
    """The median SMS credits of the last (up to) six ordinary months: a guess at the SMS plan."""
    ordinary = [m.sms_credits for m in history.months[-8:] if m.month.month not in PEAK_MONTHS]
    values = sorted(ordinary[-6:] or [history.last.sms_credits])
    return values[len(values) // 2]
