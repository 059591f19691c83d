"""The uncertainty model: ranges fitted from a history, seeded sampling, the vectorised projection,
and the summary (percentiles, chance of being cheapest, regret, fans), checked against the
single-path engine when the ranges collapse."""

import json
import math
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.growth import GROWTH_RANGE, Fit, Growth, fit, project
from engine.history import HistoryMonth, UsageHistory, add_months
from engine.models import MAX_PROFILES, MAX_SENDS, Action, Setting
from engine.price_book import load_price_book
from engine.settings import SETTINGS, with_setting
from engine.simulate import simulate
from engine.uncertainty import (
    DRIVERS,
    EPP_DEFAULT,
    GROWTH_DEFAULT,
    GROWTH_FLOOR,
    MAX_PATHS,
    PEAK_DEFAULT,
    Z80,
    Band,
    Ranges,
    _p_cheapest,
    _saving_words,
    _share,
    bill_paths_scalar,
    calendar_ranges,
    collapsed,
    fit_ranges,
    parse_request,
    project_paths,
    run_uncertainty,
    sample_drivers,
    uncertainty_json,
)
from engine.vector import bill_paths
from engine.whatif import WhatIf, run_whatif, scenario_for
from ingest.usage_csv import read_usage_file

ROOT = Path(__file__).parents[2]
BOOK = load_price_book()


@pytest.fixture(scope="module")
def sample():
    return read_usage_file(ROOT / "data/sample/usage.csv").history


def noisy_email_only(n=15, last=date(2026, 10, 1)):
    """An email-only store: 2% growth and 8 emails per profile with a fixed +/- wobble, a 60%
    November peak, no SMS at all."""
    wobble = [
        0.03,
        -0.02,
        0.01,
        -0.04,
        0.02,
        0.0,
        -0.01,
        0.04,
        -0.03,
        0.02,
        -0.02,
        0.01,
        0.03,
        -0.01,
        0.0,
    ]
    months = []
    for i in range(n):
        m = add_months(last, i - n + 1)
        p = 5000 * 1.02**i * (1 + wobble[i % len(wobble)])
        epp = 8 * (1 - wobble[(i + 3) % len(wobble)]) * (1.6 if m.month == 11 else 1)
        months.append(
            HistoryMonth(month=m, active_profiles=round(p), email_sends=round(p * epp), sms_credits=0)
        )
    return UsageHistory(months=months)


def ordered(band: Band) -> bool:
    return band.low <= band.likely <= band.high


# ---------------------------------------------------------------- fitting


def test_fit_on_the_sample_centres_on_the_fit_and_has_width(sample):
    fitted = fit(sample, 12)
    ranges, notes = fit_ranges(sample, fitted)
    assert set(notes) == set(DRIVERS)
    for name in DRIVERS:
        band = getattr(ranges, name)
        assert ordered(band)
        assert band.likely == getattr(fitted.growth, name)
        assert band.low < band.likely < band.high, name  # the sample has email and SMS: all vary
        assert "spread" in notes[name], notes[name]


def test_profile_growth_band_is_the_slopes_80pct_interval(sample):
    """Recomputed independently with numpy's least squares and its covariance."""
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    x = np.arange(len(sample.months))
    y = np.log([m.active_profiles for m in sample.months])
    _, cov = np.polyfit(x, y, 1, cov="unscaled")
    residuals = y - np.polyval(np.polyfit(x, y, 1), x)
    se = math.sqrt(cov[0, 0] * (residuals @ residuals) / (len(x) - 2))
    half = max(GROWTH_FLOOR, (math.exp(Z80 * se) - 1) * 100)
    band = ranges.profile_growth_pct
    assert band.high - band.likely == pytest.approx(half, rel=1e-9)
    assert band.likely - band.low == pytest.approx(half, rel=1e-9)


def test_fit_on_an_email_only_history():
    history = noisy_email_only(n=10, last=date(2025, 11, 1))  # February to November
    fitted = fit(history, 12)
    ranges, notes = fit_ranges(history, fitted)
    for name in ("profile_growth_pct", "emails_per_profile", "november_peak_pct"):
        band = getattr(ranges, name)
        assert band.low < band.likely < band.high, name
        assert "spread" in notes[name]
    # December is not in the history: a stated default width around 0%.
    assert ranges.december_peak_pct == Band(low=-PEAK_DEFAULT, likely=0.0, high=PEAK_DEFAULT)
    assert "no December" in notes["december_peak_pct"]
    for name in ("sms_growth_pct", "sms_november_peak_pct", "sms_december_peak_pct"):
        assert getattr(ranges, name) == Band.point(getattr(fitted.growth, name)), name
        assert "nothing to vary" in notes[name]


def test_one_month_gets_the_stated_default_widths():
    history = UsageHistory(
        months=[
            HistoryMonth(month=date(2026, 3, 1), active_profiles=1000, email_sends=9000, sms_credits=0)
        ]
    )
    fitted = fit(history, 12)
    ranges, notes = fit_ranges(history, fitted)
    assert ranges.profile_growth_pct == Band(low=-GROWTH_DEFAULT, likely=0.0, high=GROWTH_DEFAULT)
    epp = ranges.emails_per_profile
    assert epp.likely == 9.0
    assert (epp.low, epp.high) == pytest.approx((9 * (1 - EPP_DEFAULT), 9 * (1 + EPP_DEFAULT)))
    assert f"{GROWTH_DEFAULT:g}%" in notes["profile_growth_pct"]
    assert "fewer than 2 ordinary months" in notes["emails_per_profile"]


def test_a_smooth_history_still_gets_the_floor():
    months = [
        HistoryMonth(
            month=add_months(date(2025, 1, 1), i),
            active_profiles=1000 * 2**i,
            email_sends=0,
            sms_credits=0,
        )
        for i in range(6)
    ]
    history = UsageHistory(months=months)
    ranges, _ = fit_ranges(history, fit(history, 12))
    band = ranges.profile_growth_pct
    assert band.likely == GROWTH_RANGE[1]  # 100% a month, clamped to the slider
    assert band.high == GROWTH_RANGE[1]
    assert band.low == pytest.approx(GROWTH_RANGE[1] - GROWTH_FLOOR)  # no spread: the floor


def test_bands_are_validated():
    with pytest.raises(ValidationError, match=r"low 2\.0 <= likely 1\.0"):
        Band(low=2, likely=1, high=3)
    good = collapsed(Growth()).model_dump()
    with pytest.raises(ValidationError, match="profile_growth_pct: the band must lie within"):
        Ranges.model_validate({**good, "profile_growth_pct": {"low": -50, "likely": 0, "high": 1}})
    with pytest.raises(ValidationError):
        Band(low=float("nan"), likely=0, high=1)


# ---------------------------------------------------------------- sampling and projection


def test_samples_stay_in_their_bands_and_follow_the_triangle():
    ranges = collapsed(Growth()).model_copy(
        update={"emails_per_profile": Band(low=4, likely=6, high=14)}
    )
    drawn = sample_drivers(ranges, 50_000, seed=7)
    epp = drawn["emails_per_profile"]
    assert epp.min() >= 4 and epp.max() <= 14
    assert epp.mean() == pytest.approx((4 + 6 + 14) / 3, rel=0.01)
    assert np.median(epp) == pytest.approx(14 - math.sqrt(0.5 * 10 * 8), rel=0.01)  # right of the mode
    assert (drawn["profile_growth_pct"] == 0.0).all()  # a point band is exactly its value


def test_same_seed_repeats_and_another_differs(sample):
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    a, b, c = (sample_drivers(ranges, 100, s) for s in (5, 5, 6))
    for name in DRIVERS:
        assert np.array_equal(a[name], b[name])
        assert not np.array_equal(a[name], c[name])
    whatif = WhatIf(growth=fit(sample, 12).growth, revenue_per_email_usd=Decimal("0.02"))
    first = run_uncertainty(sample, BOOK, whatif, ranges, paths=40, seed=5)
    assert run_uncertainty(sample, BOOK, whatif, ranges, paths=40, seed=5) == first
    assert run_uncertainty(sample, BOOK, whatif, ranges, paths=40, seed=6) != first


@pytest.mark.parametrize("case", ["sample", "email-only", "clean-up and caps"])
def test_vectorised_projection_equals_project(sample, case):
    big = UsageHistory(
        months=[
            HistoryMonth(
                month=date(2026, 5, 1),
                active_profiles=5_000_000,
                email_sends=50_000_000,
                sms_credits=10**6,
            )
        ]
    )
    history = {"sample": sample, "email-only": noisy_email_only(), "clean-up and caps": big}[case]
    growth = fit(history, 36).growth
    if case == "clean-up and caps":
        growth = growth.model_copy(update={"cleanup_pct": 37.5, "cleanup_cycle": 5})
    ranges, _ = fit_ranges(history, Fit(growth=growth, notes={}))
    if case == "clean-up and caps":  # growth up to 20% a month for 36 months reaches the bounds
        ranges = ranges.model_copy(update={"profile_growth_pct": Band(low=-10, likely=5, high=20)})
        ranges = ranges.model_copy(update={"emails_per_profile": Band(low=0, likely=50, high=100)})
    drivers = sample_drivers(ranges, 300, seed=11)
    usage = project_paths(history, growth, drivers)
    capped = 0
    for i in range(300):
        path = project(history, growth.model_copy(update={k: float(v[i]) for k, v in drivers.items()}))
        expected = [[u.active_profiles, u.email_sends, u.sms_credits] for u in path.usage]
        assert usage[i].tolist() == expected, i
        capped += path.capped
    if case == "clean-up and caps":
        assert (
            capped > 0 and (usage[:, :, 0] == MAX_PROFILES).any() and (usage[:, :, 1] == MAX_SENDS).any()
        )


def test_the_vector_engine_bills_sampled_paths_as_the_scalar_reference(sample):
    growth = fit(sample, 12).growth
    whatif = WhatIf(growth=growth, revenue_per_email_usd=Decimal("0.02"), sms_rollover=True)
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    wide = ranges.model_copy(update={"profile_growth_pct": Band(low=-3, likely=2.5, high=9)})
    usage = project_paths(sample, growth, sample_drivers(wide, 25, seed=8))
    _, scenario = scenario_for(sample, whatif)
    settings = [(n.key, n.setting) for n in SETTINGS.values()]
    vector, scalar = (
        bill_paths(scenario, BOOK, usage, settings),
        bill_paths_scalar(scenario, BOOK, usage, settings),
    )
    assert vector.keys == scalar.keys
    for name in ("total_cents", "lost_cents", "cumulative_cents"):
        assert np.array_equal(getattr(vector, name), getattr(scalar, name)), name
    assert scalar.lost_cents.any()  # the check covers lost revenue, not only zeros


# ---------------------------------------------------------------- the summary


@pytest.mark.parametrize("current", ["auto_upgrade", "flex", "stop"])
def test_collapsed_ranges_give_todays_single_path_figures(sample, current):
    growth = fit(sample, 12).growth.model_copy(update={"profile_growth_pct": 6.0})
    whatif = WhatIf(
        growth=growth,
        current_setting=current,
        revenue_per_email_usd=Decimal("0.01"),
        revenue_per_sms_credit_usd=Decimal("0.05"),
    )
    today = run_whatif(sample, BOOK, whatif).comparison
    result = run_uncertainty(sample, BOOK, whatif, collapsed(growth), paths=7, seed=3)
    assert result.recommended == today.cheapest_with_lost
    assert result.current == current
    best = min(o.total_with_lost_usd for o in today.outcomes)
    for row in result.settings:
        outcome = today.outcome(row.key)
        assert row.bill_usd == (outcome.total_usd,) * 3
        assert row.with_lost_usd == (outcome.total_with_lost_usd,) * 3
        assert row.regret_mean_usd == row.regret_p90_usd == outcome.total_with_lost_usd - best
    assert sum(row.p_cheapest for row in result.settings) == pytest.approx(1)
    for fan in result.fans:
        cumulative = tuple(accumulate(b.total_usd for b in today.outcome(fan.key).result.cycles))
        assert fan.p10 == fan.p50 == fan.p90 == cumulative
    assert [f.key for f in result.fans] == list(dict.fromkeys((today.cheapest_with_lost, current)))


def test_percentiles_ordered_shares_sum_to_one_regret_never_negative(sample):
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    wide = ranges.model_copy(update={"profile_growth_pct": Band(low=-2, likely=2.5, high=8)})
    whatif = WhatIf(growth=fit(sample, 12).growth, revenue_per_email_usd=Decimal("0.005"))
    result = run_uncertainty(sample, BOOK, whatif, wide, paths=60, seed=2)
    assert (result.paths, result.seed, result.percentiles) == (60, 2, (10, 50, 90))
    assert [r.key for r in result.settings] == list(SETTINGS)
    for r in result.settings:
        assert r.bill_usd[0] <= r.bill_usd[1] <= r.bill_usd[2]
        assert r.with_lost_usd[0] <= r.with_lost_usd[1] <= r.with_lost_usd[2]
        assert r.bill_usd[0] <= r.with_lost_usd[0]
        assert r.regret_mean_usd >= 0
        assert r.regret_p90_usd >= 0
        assert 0 <= r.p_cheapest <= 1
    assert sum(r.p_cheapest for r in result.settings) == pytest.approx(1)
    assert any(r.bill_usd[0] < r.bill_usd[2] for r in result.settings)  # the range is a range
    for fan in result.fans:
        assert all(a <= b <= c for a, b, c in zip(fan.p10, fan.p50, fan.p90, strict=True))
        assert list(fan.p50) == sorted(fan.p50)  # cumulative


def test_shares_and_regret_on_hand_made_bills():
    # three paths x three settings; path 0 ties settings 0 and 1, path 2 ties all three
    with_lost = np.array([[100, 100, 200], [300, 250, 260], [5, 5, 5]])
    assert _p_cheapest(with_lost).tolist() == pytest.approx(
        [(0.5 + 1 / 3) / 3, (0.5 + 1 + 1 / 3) / 3, (1 / 3) / 3]
    )
    regret = with_lost - with_lost.min(axis=1, keepdims=True)
    assert regret.min() == 0 and (regret.min(axis=1) == 0).all()


def test_the_robustness_sentence_uses_the_results_numbers(sample):
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    whatif = WhatIf(growth=fit(sample, 12).growth, revenue_per_email_usd=Decimal("0.01"))
    result = run_uncertainty(sample, BOOK, whatif, ranges, paths=30, seed=4)
    r = next(s for s in result.settings if s.key == result.recommended)
    assert result.robustness.startswith(
        f"{r.label} is cheapest in {r.p_cheapest:.0%} of 30 simulated futures; "
    )
    money = f"${r.regret_p90_usd:,.2f}" if r.regret_p90_usd else "nothing more"
    assert money in result.robustness


def test_shares_never_round_to_certainty():
    assert [_share(p) for p in (1.0, 0.9996, 0.83, 0.004, 0.0)] == [
        "100%",
        "over 99%",
        "83%",
        "under 1%",
        "0%",
    ]


def test_paths_are_capped(sample):
    whatif = WhatIf(growth=fit(sample, 12).growth)
    for paths in (0, MAX_PATHS + 1):
        with pytest.raises(ValueError, match="paths: must be 1 to 100,000"):
            run_uncertainty(sample, BOOK, whatif, collapsed(whatif.growth), paths=paths)


# ---------------------------------------------------------------- the CLI


def cli(text: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "uncertainty", "-"],
        input=text, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


HISTORY = {
    "months": [{"month": "2026-01-01", "active_profiles": 1000, "email_sends": 10000, "sms_credits": 0}]
}


def test_cli_prints_the_answer_with_paths_seed_and_percentiles():
    body = {
        "history": HISTORY,
        "whatif": {"growth": {"horizon": 6, "profile_growth_pct": 2.0}},
        "paths": 25,
        "seed": 9,
    }
    done = cli(json.dumps(body))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["paths"], out["seed"], out["percentiles"]) == (25, 9, [10, 50, 90])
    assert out == json.loads(json.dumps(uncertainty_json(parse_request(json.dumps(body)))))
    assert out["ranges"]["profile_growth_pct"] == {"low": 0.0, "likely": 2.0, "high": 4.0}
    assert out["notes"]["profile_growth_pct"].startswith("too few months")
    assert len(out["fans"][0]["p50"]) == 6


def test_cli_takes_given_ranges_and_a_file(tmp_path):
    growth = Growth(horizon=3, emails_per_profile=10.0)
    body = {
        "history": HISTORY,
        "whatif": {"growth": growth.model_dump()},
        "ranges": collapsed(growth).model_dump(),
        "paths": 3,
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    done = subprocess.run(
        [sys.executable, "-m", "engine", "uncertainty", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    out = json.loads(done.stdout)
    assert out["notes"] == {} and out["seed"] == 0
    assert all(r["bill_usd"][0] == r["bill_usd"][2] for r in out["settings"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "input: not valid JSON"),
        ("[]", "input: must be a JSON object with history and whatif"),
        (json.dumps({"whatif": {"growth": {}}}), "history: is required"),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "paths": 0}), "paths: input should be greater than or equal to 1"),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "paths": MAX_PATHS + 1}), "paths: input should be less than or equal to 100000"),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "paths": True}), "paths: must be a whole number"),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "seed": -1}), "seed: input should be greater than or equal to 0"),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}, "current_setting": "never"}}), "whatif.current_setting: must be one of"),
        (
            json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "ranges": {**collapsed(Growth()).model_dump(), "emails_per_profile": {"low": 3, "likely": 2, "high": 4}}}),
            "ranges.emails_per_profile: low 3.0 <= likely 2.0",
        ),
        (json.dumps({"history": HISTORY, "whatif": {"growth": {}}, "pathz": 3}), "pathz: is not a known field"),
    ],
)  # fmt: skip
def test_cli_bad_input_is_one_line_naming_the_field(body, message):
    done = cli(body)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1


# ---------------------------------------------------------------- properties


def band_strategy(lo, hi):
    return st.lists(st.floats(lo, hi, allow_nan=False), min_size=3, max_size=3).map(
        lambda v: Band(low=sorted(v)[0], likely=sorted(v)[1], high=sorted(v)[2])
    )


RANGES = st.builds(
    Ranges,
    profile_growth_pct=band_strategy(-10, 20),
    emails_per_profile=band_strategy(0, 40),
    november_peak_pct=band_strategy(-50, 300),
    december_peak_pct=band_strategy(-50, 300),
    sms_growth_pct=band_strategy(-10, 20),
    sms_november_peak_pct=band_strategy(-50, 300),
    sms_december_peak_pct=band_strategy(-50, 300),
)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    ranges=RANGES,
    horizon=st.integers(1, 36),
    seed=st.integers(0, 2**32),
    current=st.sampled_from(list(SETTINGS)),
    revenue=st.sampled_from(["0", "0.01", "0.2"]),
)
def test_any_ranges_give_ordered_percentiles_whole_shares_and_nonnegative_regret(
    ranges, horizon, seed, current, revenue
):
    history = noisy_email_only()
    growth = Growth(horizon=horizon, sms_base_credits=3000.0)
    whatif = WhatIf(growth=growth, current_setting=current, revenue_per_email_usd=Decimal(revenue))
    drivers = sample_drivers(ranges, 12, seed)
    usage = project_paths(history, growth, drivers)
    for i in (0, 11):
        path = project(history, growth.model_copy(update={k: float(v[i]) for k, v in drivers.items()}))
        assert usage[i].tolist() == [
            [u.active_profiles, u.email_sends, u.sms_credits] for u in path.usage
        ]
    result = run_uncertainty(history, BOOK, whatif, ranges, paths=12, seed=seed)
    assert sum(r.p_cheapest for r in result.settings) == pytest.approx(1)
    for r in result.settings:
        assert r.bill_usd[0] <= r.bill_usd[1] <= r.bill_usd[2]
        assert r.with_lost_usd[0] <= r.with_lost_usd[1] <= r.with_lost_usd[2]
        assert r.regret_mean_usd >= 0
        assert r.regret_p90_usd >= 0
        if r.p_cheapest == 1:
            assert r.regret_mean_usd == r.regret_p90_usd == 0
    assert len(result.fans[0].p50) == horizon


# ---------------------------------------------------------------- the calendar over the ranges


def act(cycle, channel, action, plan=None, preference=None, auto_downgrade=False):
    return Action(
        cycle=cycle,
        channel=channel,
        action=action,
        plan=plan,
        preference=preference,
        auto_downgrade=auto_downgrade,
    )


# Hand-written calendars on the sample's 12 cycles (the planner is another module's job).
CALENDARS = {
    # the peak bought by hand, the plan back down after it, then flex with auto-downgrade
    "peak by hand": (
        act(1, "email", "upgrade", plan=40_000),
        act(1, "email", "downgrade", plan=27_000),
        act(2, "email", "preference", preference="flex", auto_downgrade=True),
    ),
    # an SMS plan bought by hand, flexed, downgraded to a named plan; email stops, then upgrades
    "sms and email": (
        act(1, "sms", "upgrade", plan=10_000),
        act(1, "sms", "preference", preference="flex"),
        act(3, "sms", "downgrade", plan=5_000),
        act(6, "email", "preference", preference="none"),
        act(10, "email", "upgrade", plan=45_000),
    ),
    "no action": (),
}


def calendar_whatif(sample, current):
    growth = fit(sample, 12).growth
    return WhatIf(
        growth=growth,
        current_setting=current,
        revenue_per_email_usd=Decimal("0.01"),
        revenue_per_sms_credit_usd=Decimal("0.02"),
        price_change_pct=Decimal("7.5"),
        price_change_cycle=9,
    )


@pytest.mark.parametrize(
    "current", ["auto_upgrade", "flex_auto_downgrade", "auto_upgrade_manual_downgrade"]
)
@pytest.mark.parametrize("name", list(CALENDARS))
def test_collapsed_ranges_give_the_calendars_single_path_simulate_figures(sample, current, name):
    whatif = calendar_whatif(sample, current)
    actions = CALENDARS[name]
    got = calendar_ranges(sample, whatif, collapsed(whatif.growth), actions, paths=4, seed=3, book=BOOK)
    _, scenario = scenario_for(sample, whatif)
    own = SETTINGS[current].setting
    setting = Setting(email=own.email, sms=own.sms, auto_downgrade=own.auto_downgrade, actions=actions)
    want = simulate(with_setting(scenario, setting), BOOK)
    named = {k: simulate(with_setting(scenario, n.setting), BOOK) for k, n in SETTINGS.items()}

    def with_lost(r):
        return r.total_usd + r.lost_revenue_usd

    assert (got.paths, got.seed, got.percentiles, got.current) == (4, 3, (10, 50, 90), current)
    assert set(got.actions) == set(actions)  # in date order (calendar_start)
    assert got.calendar.bill_usd == (want.total_usd,) * 3
    assert got.calendar.with_lost_usd == (with_lost(want),) * 3
    assert [r.key for r in got.settings] == list(SETTINGS)
    for row in got.settings:
        assert row.bill_usd == (named[row.key].total_usd,) * 3
        assert row.with_lost_usd == (with_lost(named[row.key]),) * 3
    saving = with_lost(named[current]) - with_lost(want)
    best = min(with_lost(r) for r in named.values())
    assert got.saving_usd == (saving,) * 3
    assert got.saving_vs_best_usd == (best - with_lost(want),) * 3
    assert got.p_no_dearer_than_current == (1.0 if saving >= 0 else 0.0)
    assert got.p_no_dearer_than_best == (1.0 if with_lost(want) <= best else 0.0)
    cumulative = tuple(accumulate(b.total_usd for b in want.cycles))
    assert got.fan.p10 == got.fan.p50 == got.fan.p90 == cumulative
    assert f"${abs(saving):,.2f} " in got.summary or saving == 0
    assert "(P10 to P90, bill + lost revenue)" in got.summary
    if name == "no action":  # the current setting's preferences, its own downgrades left out
        assert setting.actions == ()
        assert want == simulate(
            with_setting(scenario, own.model_copy(update={"manual_downgrade": False})), BOOK
        )


def pct(cents: np.ndarray) -> tuple[Decimal, ...]:
    """P10, P50, P90 of cents as dollars, each an observed value."""
    return tuple(
        Decimal(int(x)) / 100 for x in np.percentile(cents, (10, 50, 90), method="inverted_cdf")
    )


def test_the_calendar_is_billed_on_run_uncertaintys_futures_as_the_scalar_engine(sample):
    whatif = calendar_whatif(sample, "auto_upgrade")
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    wide = ranges.model_copy(update={"profile_growth_pct": Band(low=-3, likely=2.5, high=9)})
    actions = CALENDARS["peak by hand"]
    got = calendar_ranges(sample, whatif, wide, actions, paths=30, seed=8, book=BOOK)
    # the same futures as run_uncertainty for the same seed: the named settings' figures agree
    same = run_uncertainty(sample, BOOK, whatif, wide, paths=30, seed=8)
    for mine, theirs in zip(got.settings, same.settings, strict=True):
        assert (mine.key, mine.bill_usd, mine.with_lost_usd) == (
            theirs.key,
            theirs.bill_usd,
            theirs.with_lost_usd,
        )
    other = calendar_ranges(sample, whatif, wide, actions, paths=30, seed=9, book=BOOK)
    assert other.calendar != got.calendar or other.settings != got.settings
    # the calendar's column, recomputed path by path with the scalar simulate()
    usage = project_paths(sample, whatif.growth, sample_drivers(wide, 30, 8))
    likely = whatif.model_copy(
        update={"growth": whatif.growth.model_copy(update={n: getattr(wide, n).likely for n in DRIVERS})}
    )
    _, scenario = scenario_for(sample, likely)
    setting = Setting(email="auto_upgrade", sms="auto_upgrade", actions=actions)
    scalar = bill_paths_scalar(
        scenario,
        BOOK,
        usage,
        [("calendar", setting), ("auto_upgrade", SETTINGS["auto_upgrade"].setting)],
    )
    mine = scalar.total_cents[:, 0] + scalar.lost_cents[:, 0]
    theirs = scalar.total_cents[:, 1] + scalar.lost_cents[:, 1]
    assert got.calendar.bill_usd == pct(scalar.total_cents[:, 0])
    assert got.calendar.with_lost_usd == pct(mine)
    assert got.saving_usd == pct(theirs - mine)
    assert got.p_no_dearer_than_current == float((mine <= theirs).mean())
    assert got.saving_usd[0] < got.saving_usd[2]  # the futures differ: a range, not a point
    assert got.fan.p50[-1] <= got.fan.p90[-1]


def test_the_calendars_sentence_uses_the_results_numbers(sample):
    whatif = calendar_whatif(sample, "auto_upgrade")
    ranges, _ = fit_ranges(sample, fit(sample, 12))
    got = calendar_ranges(sample, whatif, ranges, CALENDARS["peak by hand"], paths=40, seed=2, book=BOOK)
    low, _, high = got.saving_usd
    assert low > 0 and low < high
    assert got.summary == (
        f"Over 40 simulated futures the calendar (3 actions) saves ${low:,.2f} to ${high:,.2f} "
        f"(P10 to P90, bill + lost revenue) against your setting, Auto-upgrade, and is no dearer "
        f"than it in {_share(got.p_no_dearer_than_current)} of them; it is no dearer than the best "
        f"named setting in {_share(got.p_no_dearer_than_best)}."
    )


def test_the_saving_is_worded_by_its_sign():
    d = Decimal
    assert _saving_words(d("1100"), d("1600")) == ("saves $1,100.00 to $1,600.00", "against")
    assert _saving_words(d("-30.5"), d("-2")) == ("costs $2.00 to $30.50 more", "than")
    assert _saving_words(d("-3"), d("12")) == ("ranges from $3.00 dearer to $12.00 cheaper", "than")
    assert _saving_words(d("5"), d("5")) == ("saves $5.00", "against")
    assert _saving_words(d("-5"), d("-5")) == ("costs $5.00 more", "than")
    assert _saving_words(d("0"), d("0")) == ("costs the same", "as")


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ((act(13, "email", "upgrade", plan=40_000),), "actions[0].cycle: cycle 13 is beyond the usage horizon (12 cycles)"),
        ((act(2, "sms", "upgrade", plan=5), act(12, "email", "downgrade", plan=1)), "actions[1].cycle: cycle 12 is beyond the usage horizon (12 cycles) (a downgrade takes effect"),
    ],
)  # fmt: skip
def test_a_calendar_beyond_the_horizon_is_refused(sample, actions, message):
    whatif = calendar_whatif(sample, "flex")
    with pytest.raises(ValueError, match=re.escape(message)):
        calendar_ranges(sample, whatif, collapsed(whatif.growth), actions, paths=2, book=BOOK)


def test_the_calendar_needs_a_named_current_setting(sample):
    whatif = calendar_whatif(sample, "flex").model_copy(update={"current_setting": "never"})
    with pytest.raises(ValueError, match=r"whatif\.current_setting: must be one of stop, flex"):
        calendar_ranges(sample, whatif, collapsed(whatif.growth), (), paths=2, book=BOOK)


def test_cli_carries_the_calendar_when_actions_are_given():
    growth = Growth(horizon=4, emails_per_profile=12.0, november_peak_pct=80.0)
    body = {
        "history": HISTORY,
        "whatif": {"growth": growth.model_dump(), "current_setting": "auto_upgrade"},
        "ranges": collapsed(growth).model_dump(),
        "paths": 3,
    }
    done = cli(json.dumps(body))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["calendar"] is None
    actions = [
        {"cycle": 1, "channel": "email", "action": "preference", "preference": "flex"},
        {"cycle": 2, "channel": "email", "action": "upgrade", "plan": 2500},
    ]
    done = cli(json.dumps({**body, "actions": actions}))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    history = UsageHistory.model_validate(HISTORY)
    whatif = WhatIf(growth=growth, current_setting="auto_upgrade")
    want = calendar_ranges(
        history,
        whatif,
        collapsed(growth),
        tuple(Action.model_validate(a) for a in actions),
        paths=3,
        book=load_price_book(),
    )
    assert out["calendar"] == want.model_dump(mode="json")
    assert out["calendar"]["actions"][1]["plan"] == 2500
    assert [r["with_lost_usd"] for r in out["calendar"]["settings"]] == [
        r["with_lost_usd"] for r in out["settings"]
    ]


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ([{"cycle": 5, "channel": "email", "action": "upgrade", "plan": 2500}], "actions[0].cycle: cycle 5 is beyond the usage horizon (4 cycles)"),
        ([{"cycle": 1, "channel": "email", "action": "upgrade", "plan": 2500}] * 2, "actions: the email upgrade at cycle 1 is given twice"),
        ([{"cycle": 1, "channel": "email", "action": "upgrade"}], "actions[0].plan: an upgrade action names a plan and no preference"),
        ([{"cycle": 1, "channel": "fax", "action": "upgrade", "plan": 1}], "actions[0].channel:"),
        ([{"cycle": "1", "channel": "email", "action": "upgrade", "plan": 1}], "actions[0].cycle: must be a whole number"),
    ],
)  # fmt: skip
def test_cli_bad_actions_are_one_line_naming_the_field(actions, message):
    body = {"history": HISTORY, "whatif": {"growth": {"horizon": 4}}, "paths": 2, "actions": actions}
    done = cli(json.dumps(body))
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1
