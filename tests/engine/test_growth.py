"""The growth model: projection formulas, and defaults fitted back from histories we made."""

from datetime import date

import pytest
from pydantic import ValidationError

from engine.growth import Growth, fit, project, typical_sms_credits
from engine.history import HistoryMonth, UsageHistory, add_months
from engine.models import MAX_PROFILES, MAX_SENDS


def history(
    n,
    last=date(2026, 10, 1),
    profiles=10000.0,
    g=0.03,
    epp=8.0,
    peaks=None,
    sms=2000.0,
    gs=0.02,
    sms_peaks=None,
):
    """A noiseless history of n months ending at `last`, made with known parameters."""
    peaks, sms_peaks = peaks or {}, sms_peaks or {}
    months = []
    for i in range(n):
        m = add_months(last, i - n + 1)
        p = profiles * (1 + g) ** i
        months.append(
            HistoryMonth(
                month=m,
                active_profiles=round(p),
                email_sends=round(p * epp * (1 + peaks.get(m.month, 0))),
                sms_credits=round(sms * (1 + gs) ** i * (1 + sms_peaks.get(m.month, 0))),
            )
        )
    return UsageHistory(months=months)


def test_projection_follows_the_formulas():
    h = history(1, profiles=1000, sms=100)
    path = project(
        h,
        Growth(
            horizon=3,
            profile_growth_pct=10,
            emails_per_profile=5,
            sms_base_credits=100,
            sms_growth_pct=10,
            november_peak_pct=50,
            sms_november_peak_pct=100,
        ),
    )
    assert path.months == (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1))
    assert [u.active_profiles for u in path.usage] == [1100, 1210, 1331]
    assert [u.email_sends for u in path.usage] == [8250, 6050, 6655]  # Nov x1.5
    assert [u.sms_credits for u in path.usage] == [220, 121, 133]  # Nov x2; 133.1 rounds to 133
    assert path.labels[0] == "Nov 2026"


def test_cleanup_suppresses_profiles_and_their_emails_from_its_cycle():
    h = history(1, profiles=1000)
    path = project(
        h, Growth(horizon=3, emails_per_profile=10, cleanup_pct=20, cleanup_cycle=2, sms_base_credits=50)
    )
    assert [u.active_profiles for u in path.usage] == [1000, 800, 800]
    assert [u.email_sends for u in path.usage] == [10000, 8000, 8000]
    assert [u.sms_credits for u in path.usage] == [50, 50, 50]  # SMS subscribers are kept


def test_fit_recovers_the_parameters_of_a_two_year_history():
    peaks = {11: 0.5, 12: 0.2}
    h = history(24, g=0.03, epp=8, peaks=peaks, gs=0.02, sms_peaks={11: 1.0})
    result = fit(h)
    g = result.growth
    assert g.profile_growth_pct == pytest.approx(3.0, abs=0.05)
    assert g.emails_per_profile == pytest.approx(8.0, abs=0.02)
    assert g.november_peak_pct == pytest.approx(50, abs=0.5)
    assert g.december_peak_pct == pytest.approx(20, abs=0.5)
    assert g.sms_growth_pct == pytest.approx(2.0, abs=0.05)
    assert g.sms_november_peak_pct == pytest.approx(100, abs=1)
    assert g.sms_base_credits == pytest.approx(2000 * 1.02**23, rel=0.01)
    assert all(f == pytest.approx(1, abs=0.01) for f in g.season[:10])
    assert "fitted from 24 months" in result.notes["profile_growth_pct"]


def test_fit_finds_a_month_of_year_pattern_only_with_12_months():
    quiet_august = {8: -0.25}
    long = fit(history(12, peaks=quiet_august)).growth
    short = fit(history(11, peaks=quiet_august)).growth
    assert long.season[7] < 0.8
    assert short.season == (1.0,) * 12


def test_fit_with_one_month_uses_neutral_defaults_and_says_so():
    result = fit(history(1, last=date(2026, 10, 1), profiles=5000, epp=6, sms=0))
    g = result.growth
    assert (g.profile_growth_pct, g.emails_per_profile, g.november_peak_pct) == (0.0, 6.0, 0.0)
    assert g.sms_base_credits == 0
    assert "one month" in result.notes["profile_growth_pct"]
    assert "0% until you set it" in result.notes["november_peak_pct"]


def test_a_november_last_month_does_not_inflate_the_sms_baseline():
    h = history(14, last=date(2026, 11, 1), sms=1000, gs=0.0, sms_peaks={11: 1.0})
    assert fit(h).growth.sms_base_credits == pytest.approx(1000, rel=0.01)


def test_fitted_growth_is_clamped_to_the_slider_range():
    assert fit(history(6, g=0.5)).growth.profile_growth_pct == 20.0


def test_projection_of_the_fit_continues_the_history():
    h = history(24, g=0.03, epp=8, peaks={11: 0.5})
    path = project(h, fit(h).growth)
    last = h.last.active_profiles
    assert path.usage[0].active_profiles == pytest.approx(last * 1.03, rel=0.002)
    nov = path.usage[0]  # the history ends in October
    assert nov.email_sends == pytest.approx(nov.active_profiles * 8 * 1.5, rel=0.01)


def test_history_must_be_consecutive_months():
    with pytest.raises(ValidationError, match="does not follow"):
        UsageHistory(
            months=[
                HistoryMonth(month=date(2026, 1, 1), active_profiles=1, email_sends=1, sms_credits=0),
                HistoryMonth(month=date(2026, 3, 1), active_profiles=1, email_sends=1, sms_credits=0),
            ]
        )


@pytest.mark.parametrize("horizon", [0, 37])
def test_horizon_is_1_to_36(horizon):
    with pytest.raises(ValidationError):
        Growth(horizon=horizon)


def test_typical_sms_credits_ignores_the_peak():
    h = history(8, sms=1000, gs=0.0, sms_peaks={11: 3.0}, last=date(2026, 11, 1))
    assert typical_sms_credits(h) == 1000


def test_add_months_crosses_years():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


def _inside_bounds(g: Growth) -> None:
    """Re-validating the fitted Growth checks every bound (ranges, no NaN or infinity)."""
    assert Growth.model_validate(g.model_dump()) == g


def test_fit_of_an_email_only_history_of_18_months():
    result = fit(history(18, sms=0, peaks={11: 0.5}))
    g = result.growth
    assert (g.sms_base_credits, g.sms_growth_pct, g.sms_november_peak_pct) == (0, 0.0, 0.0)
    assert g.sms_season == (1.0,) * 12
    assert g.emails_per_profile == pytest.approx(8.0, abs=0.02)
    assert g.november_peak_pct == pytest.approx(50, abs=0.5)
    assert "no SMS credits" in result.notes["sms_base_credits"]
    _inside_bounds(g)
    assert all(u.sms_credits == 0 for u in project(history(18, sms=0), g).usage)


def test_fit_of_an_sms_only_history_of_18_months():
    result = fit(history(18, epp=0, sms=3000, gs=0.01, sms_peaks={11: 1.0}))
    g = result.growth
    assert (g.emails_per_profile, g.november_peak_pct) == (0.0, 0.0)
    assert g.season == (1.0,) * 12
    assert g.sms_growth_pct == pytest.approx(1.0, abs=0.05)
    assert g.sms_november_peak_pct == pytest.approx(100, abs=1)
    _inside_bounds(g)


def flat_months(n: int, profiles: int, emails: int) -> list[HistoryMonth]:
    """`n` months from Jan 2025, each with the same profiles and emails and no SMS."""
    return [
        HistoryMonth(
            month=add_months(date(2025, 1, 1), i),
            active_profiles=profiles,
            email_sends=emails,
            sms_credits=0,
        )
        for i in range(n)
    ]


def test_fit_with_months_without_profiles():
    months = flat_months(14, profiles=0, emails=0)
    result = fit(UsageHistory(months=months))
    g = result.growth
    assert (g.profile_growth_pct, g.emails_per_profile, g.sms_base_credits) == (0.0, 0.0, 0)
    assert "no month with active profiles" in result.notes["emails_per_profile"]
    _inside_bounds(g)
    # one month with profiles among empty ones
    months[5] = months[5].model_copy(update={"active_profiles": 500, "email_sends": 4000})
    _inside_bounds(fit(UsageHistory(months=months)).growth)


@pytest.mark.parametrize("epp", [21, 23, 25])
def test_fit_of_an_extreme_store(epp):
    h = history(18, profiles=10_000_000, epp=epp, g=0.05, peaks={11: 1.5, 12: 1.0}, sms=5_000_000)
    g = fit(h).growth
    assert g.emails_per_profile == pytest.approx(epp, abs=0.05)
    _inside_bounds(g)
    path = project(h, g.model_copy(update={"horizon": 36, "profile_growth_pct": 20.0}))
    assert path.capped  # 10 million profiles growing 20% a month pass the engine's bounds
    assert max(u.active_profiles for u in path.usage) == MAX_PROFILES
    assert max(u.email_sends for u in path.usage) <= MAX_SENDS


def test_fit_clamps_what_the_bounds_cannot_hold_and_says_so():
    months = flat_months(3, profiles=1, emails=5000)
    result = fit(UsageHistory(months=months))
    assert result.growth.emails_per_profile == 100.0
    assert "limited to 100" in result.notes["emails_per_profile"]


def test_fit_of_one_month_email_only_and_sms_only():
    for kw in ({"sms": 0}, {"epp": 0}, {"profiles": 0}):
        _inside_bounds(fit(history(1, **kw)).growth)


def test_growth_rejects_nan_and_values_beyond_the_bounds():
    for bad in (
        {"emails_per_profile": float("nan")},
        {"emails_per_profile": 101},
        {"sms_base_credits": 2e9},
        {"profile_growth_pct": float("inf")},
        {"season": (11.0,) + (1.0,) * 11},
        {"horizon": True},
    ):
        with pytest.raises(ValidationError):
            Growth(**bad)


def test_a_projection_within_bounds_is_not_capped():
    h = history(3)
    assert not project(h, fit(h).growth).capped
