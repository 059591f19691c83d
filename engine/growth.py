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
from typing import Annotated

from pydantic import ConfigDict, Field

from engine.history import HistoryMonth, UsageHistory, add_months, month_label
from engine.models import (
    MAX_CREDITS,
    MAX_HORIZON,
    MAX_PROFILES,
    MAX_SENDS,
    Frozen,
    UsageCycle,
)

PEAK_MONTHS = (11, 12)
GROWTH_RANGE = (-10.0, 20.0)  # % per month: the slider's range, and the clamp of the fit
PEAK_RANGE = (-50.0, 300.0)  # % over an ordinary month
MAX_EMAILS_PER_PROFILE = 100.0  # MAX_SENDS / MAX_PROFILES; real stores send 2 to 30 a month
SEASON_MAX = 10.0  # a month-of-year factor (January-October average 1, so 10 is all in one month)


_Factor = Annotated[float, Field(ge=0, le=SEASON_MAX)]


class Growth(Frozen):
    """The what-if sliders. Rates are % per month; peaks are % over an ordinary month.

    Every field is bounded (no NaN or infinity), and `project` caps each count at the engine's
    bound, so no slider can make a usage path the engine rejects."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    horizon: int = Field(default=12, ge=1, le=MAX_HORIZON, strict=True)
    profile_growth_pct: float = Field(default=0.0, ge=GROWTH_RANGE[0], le=GROWTH_RANGE[1])
    emails_per_profile: float = Field(default=10.0, ge=0, le=MAX_EMAILS_PER_PROFILE)
    november_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    december_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    sms_base_credits: float = Field(default=0.0, ge=0, le=MAX_CREDITS)
    sms_growth_pct: float = Field(default=0.0, ge=GROWTH_RANGE[0], le=GROWTH_RANGE[1])
    sms_november_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    sms_december_peak_pct: float = Field(default=0.0, ge=PEAK_RANGE[0], le=PEAK_RANGE[1])
    cleanup_pct: float = Field(default=0.0, ge=0, le=100)
    cleanup_cycle: int = Field(default=1, ge=1, le=MAX_HORIZON, strict=True)
    season: tuple[_Factor, ...] = Field(default=(1.0,) * 12, min_length=12, max_length=12)
    sms_season: tuple[_Factor, ...] = Field(default=(1.0,) * 12, min_length=12, max_length=12)

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
    """The usage path: one calendar month and one usage row per cycle. `capped` is true when
    the growth asked for more than the engine's bounds in some cycle, which then holds the bound."""

    months: tuple[date, ...]
    usage: tuple[UsageCycle, ...]
    capped: bool = False

    @property
    def labels(self) -> list[str]:
        return [month_label(m) for m in self.months]


def _round(x: float, most: int) -> tuple[int, bool]:
    """x rounded half-up to a count in 0..most, and whether it had to be capped."""
    if not x <= most:  # also catches NaN and infinity
        return most, True
    return int(Decimal(repr(max(0.0, x))).quantize(Decimal(1), rounding=ROUND_HALF_UP)), False


def project(history: UsageHistory, growth: Growth) -> Projection:
    """The usage path for the next `growth.horizon` cycles (formulas in the module docstring)."""
    months, usage, capped = [], [], False
    for t in range(1, growth.horizon + 1):
        month = add_months(history.last.month, t)
        cycle, hit = _cycle_usage(history.last.active_profiles, growth, t, month.month)
        months.append(month)
        usage.append(cycle)
        capped = capped or hit
    return Projection(months=tuple(months), usage=tuple(usage), capped=capped)


def _cycle_usage(p0: int, growth: Growth, t: int, calendar_month: int) -> tuple[UsageCycle, bool]:
    """Cycle t's usage from the last month's profiles P0, each count capped at the engine's
    bound, and whether any was."""
    g, gs = 1 + growth.profile_growth_pct / 100, 1 + growth.sms_growth_pct / 100
    kept = 1 - growth.cleanup_pct / 100
    profiles = p0 * g**t * (kept if t >= growth.cleanup_cycle else 1)
    emails = profiles * growth.emails_per_profile * growth.email_factor(calendar_month)
    credits = growth.sms_base_credits * gs**t * growth.sms_factor(calendar_month)
    (p, p_hit), (e, e_hit), (c, c_hit) = (
        _round(profiles, MAX_PROFILES),
        _round(emails, MAX_SENDS),
        _round(credits, MAX_CREDITS),
    )
    cycle = UsageCycle(active_profiles=p, email_sends=e, sms_credits=c)
    return cycle, p_hit or e_hit or c_hit


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
) -> tuple[tuple[float, ...], dict[int, float | None]]:
    """Month-of-year factors (January-October averaging 1) and the raw peak factors.

    With no ordinary month that has any use (an email-only store's SMS, an SMS-only store's
    email) there is no pattern: every factor stays 1 and no peak is fitted.
    """
    month_mean = {m: sum(v) / len(v) for m, v in values.items() if v}
    factors = [1.0] * 12
    ordinary = [month_mean[m] for m in range(1, 11) if m in month_mean]
    usable = ordinary_mean > 0 and sum(ordinary) > 0
    if have_year and usable:
        scale = sum(ordinary) / len(ordinary)
        for m in range(1, 11):
            if m in month_mean:
                factors[m - 1] = round(_clamp(month_mean[m] / scale, (0.0, SEASON_MAX)), 4)
    peaks: dict[int, float | None] = {
        m: month_mean[m] / ordinary_mean if m in month_mean and ordinary_mean > 0 else None
        for m in PEAK_MONTHS
    }
    return tuple(factors), peaks


def fit(history: UsageHistory, horizon: int = 12) -> Fit:
    """Slider defaults fitted from the history (method in the module docstring).

    Works for any valid history (one month, email-only, SMS-only, months without profiles,
    ten million profiles): every value lands inside the Growth bounds, and a clamped value
    says so in its note.
    """
    notes: dict[str, str] = {}
    values: dict[str, object] = {"horizon": horizon}
    values |= _fit_profile_growth(history, notes)
    values |= _fit_email(history, notes)
    values |= _fit_sms(history, notes)
    return Fit(growth=Growth(**values), notes=notes)


def _bounded(x: float, bounds: tuple[float, float], what: str) -> tuple[float, str]:
    """x clamped to bounds, and a note tail saying so when it was."""
    y = _clamp(x, bounds)
    return y, "" if y == x else f" (the history gives {x:,.1f}; {what} is limited to {y:,.0f})"


def _fit_profile_growth(history: UsageHistory, notes: dict[str, str]) -> dict[str, float]:
    """A compound monthly rate from the log-linear slope over every month with profiles."""
    pts = [(i, math.log(m.active_profiles)) for i, m in enumerate(history.months) if m.active_profiles]
    slope = _slope(pts)
    if slope is None:
        notes["profile_growth_pct"] = (
            "one month of history: no trend to fit, so 0% until you set it"
            if len(history.months) == 1
            else "fewer than two months with active profiles: no trend, so 0% until you set it"
        )
        return {"profile_growth_pct": 0.0}
    pct, clamped = _bounded(_rate_pct(slope), GROWTH_RANGE, "the slider")
    notes["profile_growth_pct"] = (
        f"fitted from {len(pts)} months of active profiles: {pct:+.1f}% a month{clamped}"
    )
    return {"profile_growth_pct": round(pct, 2)}


def _rate_pct(slope: float) -> float:
    """A log-slope as a compound % a month; huge slopes saturate instead of overflowing."""
    return (math.exp(min(slope, 50.0)) - 1) * 100


def _fit_email(history: UsageHistory, notes: dict[str, str]) -> dict[str, object]:
    """Emails per profile in an ordinary month, month-of-year factors, November/December peaks."""
    ratios = _emails_per_profile(history)
    ordinary = [r for mo, rs in ratios.items() if mo not in PEAK_MONTHS for r in rs]
    base_pool = ordinary or [r for rs in ratios.values() for r in rs]
    raw_epp = sum(base_pool) / len(base_pool) if base_pool else 0.0
    season, peaks = _seasonal(ratios, raw_epp, len(history.months) >= 12)
    epp, clamped = _bounded(raw_epp, (0.0, MAX_EMAILS_PER_PROFILE), "emails per profile")
    notes["emails_per_profile"] = (
        f"mean of {len(base_pool)} {'ordinary ' if ordinary else ''}months: "
        f"{epp:.1f} emails per profile{clamped}"
        if base_pool
        else "no month with active profiles: 0 until you set it"
    )
    notes["season"] = (
        "month-of-year pattern fitted from 12+ months"
        if len(history.months) >= 12 and raw_epp > 0
        else "no month-of-year pattern (fewer than 12 months, or no emails): every ordinary month alike"
    )
    out: dict[str, object] = {"emails_per_profile": round(epp, 2), "season": season}
    for mo, name in ((11, "november_peak_pct"), (12, "december_peak_pct")):
        month_name = date(2000, mo, 1).strftime("%B")
        out[name], notes[name] = _peak(
            peaks[mo] if len(ordinary) >= 3 else None,
            fitted=f"fitted from {len(ratios.get(mo, ()))} {month_name}(s)",
            missing=f"no {month_name} with 3+ ordinary months in the history: 0% until you set it",
        )
    return out


def _emails_per_profile(history: UsageHistory) -> dict[int, list[float]]:
    """Emails / profiles of every month with profiles, by calendar month (1-12)."""
    ratios: dict[int, list[float]] = {}
    for m in history.months:
        if m.active_profiles > 0:
            ratios.setdefault(m.month.month, []).append(m.email_sends / m.active_profiles)
    return ratios


def _peak(factor: float | None, fitted: str, missing: str) -> tuple[float, str]:
    """A peak slider value (% over an ordinary month) from a raw factor, and its note."""
    if factor is None:
        return 0.0, missing
    pct, clamped = _bounded((factor - 1) * 100, PEAK_RANGE, "the slider")
    return round(pct, 1), f"{fitted}: {pct:+.0f}% over an ordinary month{clamped}"


def _fit_sms(history: UsageHistory, notes: dict[str, str]) -> dict[str, object]:
    """A log-linear trend over ordinary months with credits, then factors around it."""
    months = history.months
    intercept, slope, points = _sms_trend(months)
    rel = _credits_over_trend(months, intercept, slope)
    ordinary = [r for mo, rs in rel.items() if mo not in PEAK_MONTHS for r in rs]
    mean = sum(ordinary) / len(ordinary) if ordinary else 1.0
    season, peaks = _seasonal(rel, mean, len(months) >= 12)
    raw_s0 = _trend(intercept, slope, len(months) - 1) * mean if intercept is not None else 0.0
    s0, clamped = _bounded(raw_s0, (0.0, float(MAX_CREDITS)), "SMS credits")
    growth, growth_clamped = _bounded(_rate_pct(slope), GROWTH_RANGE, "the slider")
    notes["sms_base_credits"] = (
        f"trend level at the last month: {s0:,.0f} credits in an ordinary month{clamped}"
        if s0
        else "no SMS credits in the history: 0 until you set it"
    )
    notes["sms_growth_pct"] = (
        f"fitted from {points} ordinary months of SMS credits: {growth:+.1f}% a month{growth_clamped}"
        if points is not None
        else "not enough SMS history for a trend: 0% until you set it"
    )
    out: dict[str, object] = {
        "sms_base_credits": round(s0),
        "sms_growth_pct": round(growth, 2),
        "sms_season": season,
    }
    for mo, name in ((11, "sms_november_peak_pct"), (12, "sms_december_peak_pct")):
        out[name], notes[name] = _peak(
            peaks[mo] if len(ordinary) >= 3 else None,
            fitted="fitted",
            missing="not in the SMS history with 3+ ordinary months: 0% until you set it",
        )
    return out


def _sms_trend(months: tuple[HistoryMonth, ...]) -> tuple[float | None, float, int | None]:
    """(intercept, slope) of log(credits) over ordinary months with credits, and how many
    months it was fitted from. With too few for a trend: the last positive value, flat, and
    None; with no credits at all, no intercept."""
    pts = [
        (i, math.log(m.sms_credits))
        for i, m in enumerate(months)
        if m.sms_credits > 0 and m.month.month not in PEAK_MONTHS
    ]
    slope = _slope(pts)
    if slope is None:
        positive = [m.sms_credits for m in months if m.sms_credits > 0]
        level = positive[-1] if positive else 0
        return (math.log(level) if level > 0 else None), 0.0, None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return my - slope * mx, slope, len(pts)


def _credits_over_trend(
    months: tuple[HistoryMonth, ...], intercept: float | None, slope: float
) -> dict[int, list[float]]:
    """Each month's credits relative to the trend, by calendar month (none without a trend)."""
    rel: dict[int, list[float]] = {}
    if intercept is not None:
        for i, m in enumerate(months):
            rel.setdefault(m.month.month, []).append(m.sms_credits / _trend(intercept, slope, i))
    return rel


def _trend(intercept: float, slope: float, i: int) -> float:
    """The fitted SMS trend at month index i (the exponent is capped: no overflow)."""
    return math.exp(min(intercept + slope * i, 700.0))


def typical_sms_credits(history: UsageHistory) -> int:
    """The median SMS credits of the last (up to) six ordinary months: a guess at the SMS plan."""
    ordinary = [m.sms_credits for m in history.months[-8:] if m.month.month not in PEAK_MONTHS]
    values = sorted(ordinary[-6:] or [history.last.sms_credits])
    return values[len(values) // 2]
