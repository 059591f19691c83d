"""Warnings before a breach (issue 12, item 3): dated at the spec's day assumption (section 3.5:
a 30-day cycle, even sending, day ceil(30 x level / demand); day d = cycle start + d - 1 days),
costs equal to simulate's figures, the profile warning's suppress count and deadline, `due`,
and the CLI's exit codes."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.contract import ScenarioError
from engine.growth import Growth
from engine.history import HistoryMonth, UsageHistory
from engine.models import FlexFeeBasis, UsageCycle
from engine.settings import SETTINGS
from engine.simulate import simulate
from engine.warnings_ahead import (
    AT_LIMIT,
    Base,
    count_deadline,
    parse_warnings_request,
    warnings_ahead,
    warnings_json,
    ways_out,
    with_actions,
)
from engine.whatif import WhatIf, scenario_for
from tests.conftest import run_cli
from tests.engine.helpers import BOOK, book_json
from tests.engine.test_properties import PROPERTY

OCT = dt.date(2026, 10, 1)
PRICE = {t.max_profiles: t.monthly_price_usd for t in BOOK.email_tiers}


def history(profiles: int = 10_000) -> UsageHistory:
    """One month of history, October 2026: the projection's cycle 1 is November 2026."""
    month = HistoryMonth(month=OCT, active_profiles=profiles, email_sends=0, sms_credits=0)
    return UsageHistory(months=(month,))


def whatif(setting: str = "stop", horizon: int = 1, **growth) -> WhatIf:
    return WhatIf(
        growth=Growth(horizon=horizon, **growth),
        current_setting=setting,
        revenue_per_email_usd=Decimal("0.05"),
        revenue_per_sms_credit_usd=Decimal("0.01"),
        sms_plan_credits=1250,
    )


def by_kind(answer, channel: str = "email", cycle: int = 1) -> dict:
    return {w.kind: w for w in answer.warnings if w.channel == channel and w.cycle == cycle}


# 10,000 profiles on the 10,000 plan (100,000 sends), 12 emails each: 120,000 emails in cycle 1.
DEMAND_120K = {"emails_per_profile": 12.0}


def test_usage_warnings_are_dated_at_the_spec_day_assumption():
    answer = warnings_ahead(history(), BOOK, whatif(**DEMAND_120K), today=OCT)
    w = by_kind(answer)
    assert set(w) == {"usage_75", "usage_90", "usage_100"}
    # 75%: day ceil(30 x 75,000 / 120,000) = ceil(18.75) = 19, so 1 Nov + 18 days
    assert w["usage_75"].date == dt.date(2026, 11, 19)
    # 90%: ceil(30 x 90,000 / 120,000) = ceil(22.5) = 23; 100%: ceil(30 x 100,000 / 120,000) = 25
    assert w["usage_90"].date == dt.date(2026, 11, 23)
    assert w["usage_100"].date == dt.date(2026, 11, 25)
    assert {x.limit for x in w.values()} == {100_000}
    assert {x.projected for x in w.values()} == {120_000}
    assert answer.first_cycle_starts == dt.date(2026, 11, 1)
    assert [x.date for x in answer.warnings] == sorted(x.date for x in answer.warnings)
    assert w["usage_75"].days_away == (dt.date(2026, 11, 19) - OCT).days == 49
    assert "19 Nov 2026 (day 19 of 30" in w["usage_75"].message
    assert {x.act_by for x in w.values()} == {dt.date(2026, 11, 25)}  # the way out by the 100% day


def test_a_cycle_start_day_of_15_shifts_every_date():
    answer = warnings_ahead(history(), BOOK, whatif(**DEMAND_120K), today=OCT, cycle_start_day=15)
    w = by_kind(answer)
    assert answer.first_cycle_starts == dt.date(2026, 11, 15)
    assert w["usage_75"].date == dt.date(2026, 12, 3)  # 15 Nov + 18 days
    assert w["usage_90"].date == dt.date(2026, 12, 7)  # 15 Nov + 22 days
    assert w["usage_100"].date == dt.date(2026, 12, 9)  # 15 Nov + 24 days
    assert {x.month for x in w.values()} == {dt.date(2026, 11, 1)}


def test_sms_limits_count_the_carried_in_credits():
    """Rollover on, the 1,250-credit plan: November uses 1,000 (250 carry in), December wants
    2,000 against 1,500 available: 75% = 1,125 on day ceil(30 x 1,125 / 2,000) = 17, 90% = 1,350
    on day ceil(20.25) = 21, 100% = 1,500 on day ceil(22.5) = 23. Without the carried-in
    credits the 75% day would be ceil(30 x 938 / 2,000) = 15."""
    w = WhatIf(
        growth=Growth(
            horizon=2, emails_per_profile=1.0, sms_base_credits=1000, sms_december_peak_pct=100
        ),
        current_setting="stop",
        sms_plan_credits=1250,
        sms_rollover=True,
        revenue_per_sms_credit_usd=Decimal("0.01"),
    )
    answer = warnings_ahead(history(), BOOK, w, today=OCT)
    dec = by_kind(answer, "sms", cycle=2)
    assert {k: x.date for k, x in dec.items()} == {
        "usage_75": dt.date(2026, 12, 17),
        "usage_90": dt.date(2026, 12, 21),
        "usage_100": dt.date(2026, 12, 23),
    }
    assert {x.limit for x in dec.values()} == {1500}
    assert dec["usage_100"].avoid_amount == 500
    # 500 credits blocked x $0.01 = $5.00, simulate's lost revenue of the cycle
    _, scenario = scenario_for(history(), w)
    bill = simulate(scenario, BOOK).cycles[1]
    assert dec["usage_100"].cost_usd == bill.lost_revenue_usd == Decimal("5.00")
    nov = by_kind(answer, "sms", cycle=1)  # 1,000 of 1,250 is 80%: a 75% notice, no cost
    assert set(nov) == {"usage_75"}
    assert nov["usage_75"].cost_usd == 0 and "stays under the limit" in nov["usage_75"].avoid
    assert nov["usage_75"].act_by is None


def test_sms_without_a_plan_is_blocked_from_day_1_with_no_percentage_warning():
    w = WhatIf(
        growth=Growth(horizon=1, emails_per_profile=1.0, sms_base_credits=1800),
        current_setting="auto_upgrade",
        revenue_per_sms_credit_usd=Decimal("0.01"),
    )
    answer = warnings_ahead(history(), BOOK, w, today=OCT)
    (x,) = answer.warnings
    assert (x.channel, x.kind, x.date, x.limit, x.avoid_amount) == (
        "sms",
        "usage_100",
        dt.date(2026, 11, 1),
        0,
        1800,
    )
    assert x.cost_usd == Decimal("18.00")  # a $0 tier behaves as stop sending: 1,800 x $0.01
    assert x.message.startswith(
        "Cycle 1 (Nov 2026): no SMS plan, so the 1,800 SMS credits projected are blocked"
    )
    # buying the 2,500-credit plan by hand for the cycle ($29.00) costs more than $18.00 blocked
    assert x.avoid.startswith("Your setting is already the cheapest way through")


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_costs_are_simulates_figures(setting):
    w = whatif(setting, horizon=3, **DEMAND_120K, profile_growth_pct=2.0)
    answer = warnings_ahead(history(), BOOK, w, today=OCT)
    _, scenario = scenario_for(history(), w)
    result = simulate(scenario, BOOK)
    hundreds = [x for x in answer.warnings if x.kind == "usage_100" and x.channel == "email"]
    assert hundreds  # every setting passes the limit in cycle 1
    for x in hundreds:
        bill = result.cycles[x.cycle - 1]
        assert x.cost_usd == bill.email_upgrade_usd + bill.email_flex_usd + bill.lost_revenue_usd
        for level in ("usage_75", "usage_90"):  # what the cycle costs at the limit
            assert by_kind(answer, cycle=x.cycle)[level].cost_usd == x.cost_usd
    for x in answer.warnings:
        if x.kind == "profiles":
            bill = result.cycles[x.cycle - 1]
            ended_on = result.cycles[x.cycle - 2].email_plan_profiles  # the plan it replaces
            assert bill.email_profile_upgrades > 0
            assert x.cost_usd == bill.email_base_usd - PRICE[ended_on]


def test_one_warning_per_cycle_channel_and_level():
    w = whatif("flex", horizon=12, emails_per_profile=14.0, profile_growth_pct=3.0, sms_base_credits=1200,
               november_peak_pct=80, sms_november_peak_pct=150)  # fmt: skip
    answer = warnings_ahead(history(), BOOK, w, today=OCT)
    keys = [(x.cycle, x.channel, x.kind) for x in answer.warnings]
    assert len(keys) == len(set(keys)) > 10


def test_the_profile_warning_says_how_many_to_suppress_and_by_when():
    """10,000 profiles on the 10,000 plan growing 11.5% a month: cycle 1 ends with 11,150, so the
    renewal of cycle 2 (1 Dec 2026) needs the 11,500 plan ($225 against $150). Suppressing
    11,150 - 10,000 = 1,150 before 29 Nov (the cycle ends 30 Nov; the count is 24 hours before)
    avoids it."""
    w = whatif("flex", horizon=2, emails_per_profile=1.0, profile_growth_pct=11.5)
    answer = warnings_ahead(history(), BOOK, w, today=OCT)
    (p,) = [x for x in answer.warnings if x.kind == "profiles"]
    assert (p.cycle, p.date, p.limit, p.projected) == (2, dt.date(2026, 12, 1), 10_000, 11_150)
    assert p.avoid_amount == 1150
    assert p.act_by == dt.date(2026, 11, 29)
    assert p.avoid == (
        "Suppress 1,150 profiles before 29 Nov 2026 (the count is taken 24 hours before the cycle ends)."
    )
    assert p.cost_usd == Decimal("75.00")
    assert "11,500 plan" in p.message
    # The count really is what forces it: 1,150 fewer profiles keep the plan, 1,149 do not.
    _, scenario = scenario_for(history(), w)

    def forced(suppressed: int) -> int:
        first = scenario.usage[0]
        row = UsageCycle(
            active_profiles=first.active_profiles - suppressed,
            email_sends=first.email_sends,
            sms_credits=first.sms_credits,
        )
        changed = scenario.model_copy(update={"usage": (row, *scenario.usage[1:])})
        return simulate(changed, BOOK).cycles[1].email_profile_upgrades

    assert forced(1150) == 0 and forced(1149) > 0


def test_the_deadline_follows_the_cycle_start_day_and_says_when_it_is_too_late():
    w = whatif("flex", horizon=2, emails_per_profile=1.0, profile_growth_pct=11.5)
    answer = warnings_ahead(history(), BOOK, w, today=dt.date(2026, 12, 14), cycle_start_day=15)
    (p,) = [x for x in answer.warnings if x.kind == "profiles"]
    assert p.date == dt.date(2026, 12, 15) and p.act_by == dt.date(2026, 12, 13)
    assert p.days_away == 1
    assert p.avoid.startswith("Too late for this renewal: 1,150 profiles")
    assert count_deadline(dt.date(2027, 3, 1)) == dt.date(2027, 2, 27)


def test_due_counts_the_warnings_within_n_days():
    today = dt.date(2026, 11, 10)  # 75% on 19 Nov (9 days), 90% on 23 Nov (13), 100% on 25 Nov (15)
    due = {
        n: warnings_ahead(history(), BOOK, whatif(**DEMAND_120K), today, within_days=n).due
        for n in (None, 0, 8, 9, 13, 15, 400)
    }
    assert due == {None: 0, 0: 0, 8: 0, 9: 1, 13: 2, 15: 3, 400: 3}
    later = warnings_ahead(history(), BOOK, whatif(**DEMAND_120K), dt.date(2026, 11, 24), within_days=30)
    assert [x.days_away for x in later.warnings] == [-5, -1, 1]
    assert later.due == 1  # a warning already past is not due


def test_a_store_with_no_breach_has_no_warning():
    answer = warnings_ahead(
        history(), BOOK, whatif("auto_upgrade", horizon=12, emails_per_profile=5.0), OCT, 400
    )
    assert answer.warnings == () and answer.due == 0


def test_the_cheapest_way_out_is_named_with_its_saving():
    stop = warnings_ahead(history(), BOOK, whatif("stop", **DEMAND_120K), today=OCT)
    hold = by_kind(stop)["usage_100"]
    assert hold.cost_usd == Decimal("1000.00")  # 20,000 blocked x $0.05
    assert hold.avoid_amount == 20_000
    found = re.match(
        r"Before 25 Nov 2026, when the limit is passed: (.*)\. Cheapest way through: it saves \$([\d,.]+)",
        hold.avoid,
    )
    assert found, hold.avoid
    # flexible sending: 4 flexes of 5,000 sends at $0.0015 = $30.00 instead of $1,000 blocked
    assert found.group(1) == "switch email to flexible sending for that cycle only"
    assert found.group(2) == "970.00"
    flex = by_kind(warnings_ahead(history(), BOOK, whatif("flex", **DEMAND_120K), today=OCT))
    assert flex["usage_100"].avoid.startswith("Your setting is already the cheapest way through")


def _request(**extra) -> str:
    body = {
        "history": {"months": [{"month": "2026-10-01", "active_profiles": 10000, "email_sends": 0, "sms_credits": 0}]},
        "whatif": {"growth": {"horizon": 1, "emails_per_profile": 12.0}, "current_setting": "stop"},
        "price_book": book_json(),
        **extra,
    }  # fmt: skip
    return json.dumps(body)


def test_the_json_answer_is_the_models():
    out = warnings_json(parse_warnings_request(_request()), dt.date(2026, 11, 10), 9)
    assert out["due"] == 1 and out["within_days"] == 9
    assert [w["date"] for w in out["warnings"]] == ["2026-11-19", "2026-11-23", "2026-11-25"]
    assert out["warnings"][0]["cost_usd"] == "0.00"  # no revenue per email given: blocked is $0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "input: must be a JSON object with history and whatif"),
        (_request(cycle_start_day=29), "cycle_start_day: input should be less than or equal to 28"),
        (_request(cycle_start_day="1"), "cycle_start_day: must be a whole number"),
        (
            _request(whatif={"growth": {}, "current_setting": "x"}),
            "whatif.current_setting: must be one of",
        ),
        (_request(history={"months": []}), "history.months:"),
    ],
)
def test_bad_requests_are_one_line_naming_the_field(text, message):
    with pytest.raises(ScenarioError) as e:
        parse_warnings_request(text)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_cli_exits_1_when_a_warning_is_within_n_days(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(_request())
    due = run_cli("warnings", str(path), "--within-days", "9", "--today", "2026-11-10")
    assert due.returncode == 1, due.stderr
    assert json.loads(due.stdout)["due"] == 1
    quiet = run_cli("warnings", str(path), "--within-days", "8", "--today", "2026-11-10")
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["due"] == 0
    no_alert = run_cli("warnings", str(path), "--today", "2026-11-10")
    assert no_alert.returncode == 0 and json.loads(no_alert.stdout)["within_days"] is None


def test_cli_exits_2_with_one_line_on_bad_input():
    done = run_cli("warnings", "-", "--within-days", "9", stdin=_request(cycle_start_day=0))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: cycle_start_day: input should be greater than or equal to 1")
    assert done.stderr.count("\n") == 1


# ---------------------------------------------------------------- properties

growths = st.builds(
    Growth,
    horizon=st.integers(1, 12),
    profile_growth_pct=st.floats(-5, 12),
    emails_per_profile=st.floats(0, 25),
    november_peak_pct=st.floats(0, 150),
    sms_base_credits=st.sampled_from([0.0, 900.0, 1300.0, 2600.0, 8000.0]),
    sms_growth_pct=st.floats(-5, 15),
    sms_december_peak_pct=st.floats(0, 150),
)


@st.composite
def requests(draw):
    failure = draw(st.none() | st.integers(1, 12))
    w = WhatIf(
        growth=draw(growths),
        current_setting=draw(st.sampled_from(list(SETTINGS))),
        sms_plan_credits=draw(st.sampled_from([0, 1250, 2500, 5000])),
        email_plan_profiles=draw(st.none() | st.sampled_from([5000, 10000, 15000])),
        flex_fee_basis=draw(st.sampled_from(list(FlexFeeBasis))),
        sms_rollover=draw(st.booleans()),
        card_failure_cycle=failure,
        price_change_pct=draw(st.sampled_from([Decimal(0), Decimal(10)])),
        price_change_cycle=draw(st.integers(1, 12)),
        revenue_per_email_usd=draw(st.sampled_from([Decimal(0), Decimal("0.013")])),
        revenue_per_sms_credit_usd=draw(st.sampled_from([Decimal(0), Decimal("0.021")])),
    )
    profiles = draw(st.sampled_from([4_900, 9_800, 10_000, 14_000]))
    return history(profiles), w, draw(st.integers(1, 28)), draw(st.integers(0, 400))


@PROPERTY
@given(requests())
def test_every_warning_lies_in_its_cycle_and_costs_what_simulate_bills(request):
    hist, w, start_day, offset = request
    today = OCT + dt.timedelta(days=offset)
    answer = warnings_ahead(hist, BOOK, w, today, within_days=30, cycle_start_day=start_day)
    projection, scenario = scenario_for(hist, w)
    base = Base.of(scenario, BOOK)
    assert base.result == simulate(scenario, BOOK)
    keys = [(x.cycle, x.channel, x.kind) for x in answer.warnings]
    assert len(keys) == len(set(keys))
    assert [x.date for x in answer.warnings] == sorted(x.date for x in answer.warnings)
    assert answer.due == sum(1 for x in answer.warnings if 0 <= (x.date - today).days <= 30)
    for x in answer.warnings:
        start = projection.months[x.cycle - 1].replace(day=start_day)
        assert start <= x.date <= start + dt.timedelta(days=29)
        assert x.days_away == (x.date - today).days
        bill = base.result.cycles[x.cycle - 1]
        if x.kind == "profiles":
            assert x.date == start and bill.email_profile_upgrades > 0
            continue
        levels = by_kind(answer, x.channel, x.cycle)
        dates = [levels[k].date for k in ("usage_75", "usage_90", "usage_100") if k in levels]
        assert dates == sorted(dates)
    for bill in base.result.cycles:  # the two channels' costs at the limit add up to the bill's
        got = by_kind(answer, "email", bill.cycle), by_kind(answer, "sms", bill.cycle)
        paid = sum((g["usage_100"].cost_usd for g in got if "usage_100" in g), Decimal(0))
        extra = bill.email_upgrade_usd + bill.email_flex_usd + bill.sms_upgrade_usd + bill.sms_flex_usd
        assert paid == extra + bill.lost_revenue_usd


@PROPERTY
@given(requests())
def test_each_way_out_costs_what_simulating_it_costs(request):
    hist, w, _, _ = request
    _, scenario = scenario_for(hist, w)
    base = Base.of(scenario, BOOK)
    worth = base.result.total_usd + base.result.lost_revenue_usd
    for bill in base.result.cycles:
        for channel in ("email", "sms"):
            if not any(e.kind in AT_LIMIT and e.channel.value == channel for e in bill.events):
                continue  # demand stays within the cycle's base limit
            for way in ways_out(base, bill, channel):
                alt = (
                    simulate(with_actions(scenario, list(way.actions)), BOOK)
                    if way.actions
                    else base.result
                )
                assert way.change_usd == alt.total_usd + alt.lost_revenue_usd - worth, way.words
