"""The plan calendar (engine/plan_calendar.py, docs/billing-rules.md section 7, "The plan calendar").

The DP's optimum, and its best with at most K actions for every K, are checked against EVERY
schedule of the action space on small ladders: every preference per channel per cycle, every
upgrade target, every downgrade target below the plan in force when it is requested. Each
schedule is billed by the engine's own `step` (the fold `simulate()` runs), cycle by cycle, the
schedules sharing their common beginnings so that tens of thousands of them stay fast.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Policy, PriceBook, Scenario, Start, UsageCycle, simulate
from engine.models import (
    Action,
    ActionKind,
    EmailTier,
    PriceChange,
    Setting,
    SmsTier,
)
from engine.plan_calendar import (
    action_words,
    calendar_setting,
    plan_calendar,
    replay,
    saving_summary,
    step_words,
)
from engine.settings import CURRENT_KEY, SETTINGS, with_setting
from engine.simulate import start as simulate_start
from engine.simulate import step

EMAIL_PREFS = (("none", False), ("flex", False), ("flex", True), ("auto_upgrade", False))
SMS_PREFS = (("none", False), ("flex", False), ("auto_upgrade", False))
FREE_EMAIL = (EmailTier(max_profiles=250, monthly_price_usd=Decimal(0), monthly_email_sends=500),)


# ---------------------------------------------------------------- every schedule


def every_schedule(scenario: Scenario, book: PriceBook, email_moves=True, sms_moves=True):
    """{k: lexicographic min of (bill + lost, bill) over every schedule with exactly k actions}.

    A channel whose moves are off has a one-row ladder priced $0 (the test makes it so): no
    action on it can change anything, so only its no-action schedule is enumerated."""
    policy = scenario.policy
    base = Setting(email=policy.email, sms=policy.sms, auto_downgrade=policy.auto_downgrade)
    run0, state0 = simulate_start(with_setting(scenario, base), book)
    n = len(scenario.usage)
    e_caps, s_caps = run0.email.caps, run0.sms.caps
    best: dict[int, tuple[Decimal, Decimal]] = {}
    e_start = (policy.email.value, policy.auto_downgrade)
    s_start = (policy.sms.value, False)

    def pref_actions(cycle, channel, now, new):
        if now == new:
            return []
        return [
            Action(
                cycle=cycle,
                channel=channel,
                action="preference",
                preference=new[0],
                auto_downgrade=new[1],
            )
        ]

    def go(cycle, state, acts, e_pref, s_pref, total, bill):
        if cycle > n:
            k = len(acts)
            if k not in best or (total, bill) < best[k]:
                best[k] = (total, bill)
            return
        for ep in EMAIL_PREFS if email_moves else (e_pref,):
            for sp in SMS_PREFS if sms_moves else (s_pref,):
                prefs = pref_actions(cycle, "email", e_pref, ep) + pref_actions(cycle, "sms", s_pref, sp)
                e_ups = [None, *e_caps[1:]] if email_moves else [None]
                s_ups = [None, *s_caps[1:]] if sms_moves else [None]
                for eu in e_ups:
                    for su in s_ups:
                        ups = [
                            Action(cycle=cycle, channel=ch, action="upgrade", plan=p)
                            for ch, p in (("email", eu), ("sms", su))
                            if p is not None
                        ]
                        now = acts + prefs + ups
                        setting = base.model_copy(update={"actions": tuple(now)})
                        new_state, b = step(
                            replace(run0, setting=setting), state, scenario.usage[cycle - 1], cycle
                        )
                        t2, b2 = total + b.total_usd + b.lost_revenue_usd, bill + b.total_usd
                        e_downs = [None]
                        s_downs = [None]
                        if cycle < n:
                            if email_moves:
                                e_downs += list(e_caps[: new_state.email_tier])
                            if sms_moves:
                                s_downs += list(s_caps[: new_state.sms_tier])
                        for ed in e_downs:
                            for sd in s_downs:
                                downs = [
                                    Action(cycle=cycle, channel=ch, action="downgrade", plan=p)
                                    for ch, p in (("email", ed), ("sms", sd))
                                    if p is not None
                                ]
                                go(cycle + 1, new_state, now + downs, ep, sp, t2, b2)

    go(1, state0, [], e_start, s_start, Decimal(0), Decimal(0))
    return best


def at_most(best: dict[int, tuple[Decimal, Decimal]], k: int) -> tuple[Decimal, Decimal]:
    return min(v for kk, v in best.items() if kk <= k)


def check_against_every_schedule(scenario, book, **moves):
    brute = every_schedule(scenario, book, **moves)
    calendar = plan_calendar(scenario, book)
    optimum = min(brute.values())
    fewest = min(k for k, v in brute.items() if v == optimum)
    assert len(calendar.steps) == fewest + 1
    assert (calendar.best.total_with_lost_usd, calendar.best.total_usd) == optimum
    assert len(calendar.best.actions) == fewest
    for K, s in enumerate(calendar.steps):
        assert s.max_actions == K and len(s.actions) <= K
        assert (s.total_with_lost_usd, s.total_usd) == at_most(brute, K), f"K={K}"
        result = replay(scenario, book, s.actions)  # the schedule itself bills what it says
        assert (result.total_usd, result.lost_revenue_usd) == (s.total_usd, s.lost_revenue_usd)
    for row in calendar.settings:
        assert row.above_floor_usd >= 0, row.key
    return calendar


# ---------------------------------------------------------------- small random scenarios


@st.composite
def email_ladder(draw, tiers):
    free = draw(st.booleans())
    caps, sends, prices = [], [], []
    cap, send, price = 0, 0, 0
    for i in range(tiers):
        cap += draw(st.integers(1, 4)) * 100
        send += draw(st.integers(1, 4)) * 1000
        price += 0 if (free and i == 0) else draw(st.integers(1, 6000))
        caps.append(cap), sends.append(send), prices.append(Decimal(price) / 100)
    return tuple(
        EmailTier(max_profiles=c, monthly_price_usd=p, monthly_email_sends=s)
        for c, s, p in zip(caps, sends, prices, strict=True)
    )


@st.composite
def sms_ladder(draw, tiers):
    rows, credits, price = [], 0, 0
    for _ in range(tiers - 1):
        credits += draw(st.integers(1, 4)) * 500
        price += draw(st.integers(1, 4000))
        rows.append(SmsTier(monthly_credits=credits, monthly_price_usd=Decimal(price) / 100))
    return tuple(rows)


REVENUE = st.one_of(
    st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("0.05"), Decimal("0.10")]),
    st.integers(1, 99_999).map(lambda m: Decimal(m) / 1_000_000),  # six decimals
)


@st.composite
def scenarios(draw, email_tiers, sms_tiers, horizon):
    e = draw(email_ladder(email_tiers)) if email_tiers > 1 else FREE_EMAIL
    s = draw(sms_ladder(sms_tiers))
    book = PriceBook(email_tiers=e, sms_tiers=s)
    top_p, top_e = e[-1].max_profiles, e[-1].monthly_email_sends
    top_c = s[-1].monthly_credits if s else 0
    usage = [
        UsageCycle(
            active_profiles=draw(st.integers(0, top_p + 50)),
            email_sends=draw(st.integers(0, top_e + 1500)) if email_tiers > 1 else 0,
            sms_credits=draw(st.integers(0, top_c + 800)) if sms_tiers > 1 else 0,
        )
        for _ in range(horizon)
    ]
    failure = draw(st.one_of(st.none(), st.integers(1, horizon)))
    fixed = draw(st.one_of(st.none(), st.integers(failure + 1, horizon + 1))) if failure else None
    email = draw(st.sampled_from(EMAIL_PREFS)) if email_tiers > 1 else ("none", False)
    sms = draw(st.sampled_from(SMS_PREFS)) if sms_tiers > 1 else ("none", False)
    policy = Policy(
        email=email[0],
        auto_downgrade=email[1],
        sms=sms[0],
        flex_fee_basis=draw(st.sampled_from(["extra", "whole", "difference"])),
        sms_rollover=draw(st.booleans()),
        card_failure_cycle=failure,
        card_fixed_cycle=fixed,
    )
    change = draw(
        st.one_of(
            st.none(),
            st.builds(
                PriceChange,
                pct=st.sampled_from([Decimal("-20"), Decimal("15.5"), Decimal("33.3333")]),
                from_cycle=st.integers(1, horizon),
            ),
        )
    )
    start = Start(
        active_profiles=draw(st.integers(0, top_p)),
        email_plan_profiles=draw(st.sampled_from([None, *(t.max_profiles for t in e)])),
        sms_plan_credits=draw(st.sampled_from([0, *(t.monthly_credits for t in s)])),
    )
    scenario = Scenario(
        start=start,
        usage=usage,
        policy=policy,
        price_change=change,
        revenue_per_email_usd=draw(REVENUE) if email_tiers > 1 else Decimal(0),
        revenue_per_sms_credit_usd=draw(REVENUE) if sms_tiers > 1 else Decimal(0),
    )
    return scenario, book


def slow(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
    )


@slow(12)
@given(st.sampled_from([(3, 2), (3, 3), (4, 2)]).flatmap(lambda nh: scenarios(nh[0], 1, nh[1])))
def test_email_calendar_is_the_cheapest_of_every_schedule(case):
    """Email only (3-4 tiers, 2-3 cycles): SMS has no plan to move."""
    scenario, book = case
    check_against_every_schedule(scenario, book, sms_moves=False)


@slow(12)
@given(
    st.sampled_from([(2, 2), (2, 3), (2, 4), (3, 2), (3, 3)]).flatmap(
        lambda nh: scenarios(1, nh[0], nh[1])
    )
)
def test_sms_calendar_is_the_cheapest_of_every_schedule(case):
    """SMS only (2-3 tiers with the no-plan row, 2-4 cycles, rollover on or off): the email
    ladder is one free tier, where no action changes anything."""
    scenario, book = case
    check_against_every_schedule(scenario, book, email_moves=False)


SIX_DECIMALS = st.integers(1, 99_999).map(lambda m: Decimal(m) / 1_000_000)
WHOLE_CENTS = st.integers(0, 10).map(lambda c: Decimal(c) / 100)


@slow(5)
@given(scenarios(3, 2, 2), SIX_DECIMALS, SIX_DECIMALS)
def test_both_channels_calendar_is_the_cheapest_of_every_schedule_six_decimal_revenues(case, e, s):
    """Both channels at once (email 3 tiers, SMS 2, 2 cycles): the shared action budget and
    lost revenue rounded once per cycle over both channels (the joint DP)."""
    scenario, book = case
    scenario = scenario.model_copy(update={"revenue_per_email_usd": e, "revenue_per_sms_credit_usd": s})
    check_against_every_schedule(scenario, book)


@slow(5)
@given(scenarios(3, 2, 2), WHOLE_CENTS, WHOLE_CENTS)
def test_both_channels_calendar_is_the_cheapest_of_every_schedule_whole_cent_revenues(case, e, s):
    """The same with revenues in whole cents: the per-channel DPs combined by min-plus."""
    scenario, book = case
    scenario = scenario.model_copy(update={"revenue_per_email_usd": e, "revenue_per_sms_credit_usd": s})
    check_against_every_schedule(scenario, book)


def test_six_decimal_revenues_on_both_channels_round_lost_revenue_once_per_cycle():
    """Per channel, 0.5 cent rounds up each time; over both channels once: $0.01 not $0.02.
    The joint DP must see the cycle's total, as simulate does."""
    book = PriceBook(
        email_tiers=(
            EmailTier(max_profiles=250, monthly_price_usd=Decimal(0), monthly_email_sends=500),
            EmailTier(max_profiles=500, monthly_price_usd=Decimal("0.01"), monthly_email_sends=5000),
        ),
        sms_tiers=(SmsTier(monthly_credits=1000, monthly_price_usd=Decimal("0.01")),),
    )
    scenario = Scenario(
        start=Start(active_profiles=100),
        usage=[UsageCycle(active_profiles=100, email_sends=501, sms_credits=1)] * 2,
        revenue_per_email_usd=Decimal("0.004"),
        revenue_per_sms_credit_usd=Decimal("0.004"),
    )
    # Doing nothing: 1 email and 1 credit blocked per cycle: $0.008 -> $0.01 a cycle.
    assert simulate(scenario, book).lost_revenue_usd == Decimal("0.02")
    calendar = check_against_every_schedule(scenario, book)
    assert calendar.steps[0].total_with_lost_usd == Decimal("0.02")
    assert calendar.best.total_with_lost_usd == Decimal("0.02")  # nothing is cheaper than $0.01


def test_the_joint_rounding_finds_a_saving_the_per_channel_rounding_cannot_see():
    """Rounded per channel, blocking 1 email and 1 credit at $0.0049 each is free; rounded once
    over both channels (section 3.6), it is $0.01 a cycle. Prices halve from cycle 2, so both
    email tiers then cost $0.01 and an upgrade by hand is free: it saves a cent that rounding
    per channel cannot see (both schedules cost $0.02 that way)."""
    book = PriceBook(
        email_tiers=(
            EmailTier(max_profiles=250, monthly_price_usd=Decimal("0.01"), monthly_email_sends=500),
            EmailTier(max_profiles=500, monthly_price_usd=Decimal("0.02"), monthly_email_sends=5000),
        ),
        sms_tiers=(SmsTier(monthly_credits=1000, monthly_price_usd=Decimal("0.01")),),
    )
    scenario = Scenario(
        start=Start(active_profiles=100),
        usage=[UsageCycle(active_profiles=100, email_sends=501, sms_credits=1)] * 2,
        price_change=PriceChange(pct=Decimal("-50"), from_cycle=2),
        revenue_per_email_usd=Decimal("0.0049"),
        revenue_per_sms_credit_usd=Decimal("0.0049"),
    )
    calendar = check_against_every_schedule(scenario, book)
    assert calendar.steps[0].total_with_lost_usd == Decimal("0.04")
    assert calendar.best.total_with_lost_usd == Decimal("0.03")
    # ties on bill + lost go to the lower bill: the upgrade waits for cycle 2's lower prices
    assert calendar.best.actions == (Action(cycle=2, channel="email", action="upgrade", plan=500),)
    assert (calendar.best.total_usd, calendar.best.lost_revenue_usd) == (
        Decimal("0.02"),
        Decimal("0.01"),
    )


# ---------------------------------------------------------------- the sample account


def sample(horizon):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from engine_bench import scenario_for

    return scenario_for(horizon)


def test_the_sample_accounts_floor_is_below_every_setting_and_its_actions_read_well():
    from engine import load_price_book

    book = load_price_book()
    scenario = sample(12)
    months = tuple(date(2026 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(12))
    calendar = plan_calendar(scenario, book, months=months)
    floor = calendar.best.total_with_lost_usd
    assert {r.key for r in calendar.settings} == set(SETTINGS)
    for row in calendar.settings:
        assert (
            row.total_with_lost_usd >= floor and row.above_floor_usd == row.total_with_lost_usd - floor
        )
    assert calendar.steps[0].total_with_lost_usd > floor  # the sample has something to gain
    words = step_words(scenario, book, calendar.best, months)
    print("\n".join(words), "\n", saving_summary(calendar))
    assert len(words) == len(calendar.best.actions) >= 1
    for sentence, action in zip(words, calendar.best.actions, strict=True):
        assert months[action.cycle - 1].strftime("%b %Y") in sentence
    result = replay(scenario, book, calendar.best.actions)
    assert result.total_usd == calendar.best.total_usd


def test_the_users_own_setting_is_a_row_when_it_is_not_named():
    from engine import load_price_book

    scenario = sample(6)
    odd = with_setting(scenario, Setting(email="flex", sms="none"))
    calendar = plan_calendar(odd, load_price_book())
    assert calendar.settings[-1].key == CURRENT_KEY
    assert all(r.above_floor_usd >= 0 for r in calendar.settings)
    assert calendar.start == Setting(email="flex", sms="none")


def test_a_cap_on_actions_chooses_that_steps_schedule():
    from engine import load_price_book

    book, scenario = load_price_book(), sample(12)
    full = plan_calendar(scenario, book)
    capped = plan_calendar(scenario, book, max_actions=1)
    assert capped.chosen == full.steps[1] and len(capped.chosen.actions) <= 1
    above = plan_calendar(scenario, book, max_actions=99)
    assert above.chosen.total_with_lost_usd == full.best.total_with_lost_usd


# ---------------------------------------------------------------- words


def test_action_words_date_each_kind_of_action():
    months = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
    pref = Action(cycle=3, channel="email", action="preference", preference="flex")
    up = Action(cycle=3, channel="email", action=ActionKind.UPGRADE, plan=20000)
    down = Action(cycle=4, channel="sms", action=ActionKind.DOWNGRADE, plan=1250)
    assert action_words(pref, months) == "From Nov 2026: switch email to flexible sending"
    assert (
        action_words(up, months, Decimal("225"))
        == "On 1 Nov 2026 (cycle 3): upgrade the email plan by hand to 20,000 profiles (+$225.00 that month)"
    )
    assert action_words(down, months) == (
        "During Dec 2026, after its last send: request the SMS plan down to 1,250 credits "
        "(takes effect at the renewal of cycle 5)"
    )
    down_earlier = down.model_copy(update={"cycle": 3})
    assert action_words(down_earlier, months).endswith("(takes effect 1 Dec 2026)")
    assert action_words(pref) == "From cycle 3: switch email to flexible sending"
    # cycles that start on the 15th: each line is dated from the cycle's own start
    assert (
        action_words(pref, months, cycle_start_day=15)
        == "From 15 Nov 2026: switch email to flexible sending"
    )
    assert action_words(down_earlier, months, cycle_start_day=15) == (
        "During the cycle from 15 Nov 2026, after its last send: request the SMS plan down to "
        "1,250 credits (takes effect 15 Dec 2026)"
    )


def test_calendar_setting_keeps_the_preferences_and_drops_the_scenarios_downgrades():
    scenario = sample(3)
    manual = with_setting(scenario, SETTINGS["auto_upgrade_manual_downgrade"].setting)
    acts = (Action(cycle=1, channel="email", action="downgrade", plan=250),)
    setting = calendar_setting(manual, acts)
    assert (setting.email, setting.sms, setting.manual_downgrade) == (
        "auto_upgrade",
        "auto_upgrade",
        False,
    )
    assert setting.actions == acts


# ---------------------------------------------------------------- every setting is a calendar


def as_calendar(scenario: Scenario, book: PriceBook, setting: Setting) -> tuple[Action, ...]:
    """A named setting written as dated actions from the scenario's preferences: its preferences
    at cycle 1, and (with `manual_downgrade`) a downgrade back to the start plan requested in
    every cycle whose plan ends above it (section 3.1 step 1, section 3.2)."""
    policy = scenario.policy
    out = []
    if (setting.email, setting.auto_downgrade) != (policy.email, policy.auto_downgrade):
        out.append(
            Action(
                cycle=1, channel="email", action="preference", preference=setting.email,
                auto_downgrade=setting.auto_downgrade,
            )
        )  # fmt: skip
    if setting.sms != policy.sms:
        out.append(Action(cycle=1, channel="sms", action="preference", preference=setting.sms))
    if setting.manual_downgrade:
        run0, _ = simulate_start(scenario, book)
        bills = simulate(with_setting(scenario, setting), book).cycles
        e_start, s_start = run0.email.caps[run0.start_plan], run0.sms.caps[run0.start_sms]
        for b in bills[:-1]:
            if b.email_plan_profiles > e_start:
                out.append(Action(cycle=b.cycle, channel="email", action="downgrade", plan=e_start))
            if b.sms_plan_credits > s_start:
                out.append(Action(cycle=b.cycle, channel="sms", action="downgrade", plan=s_start))
    return tuple(out)


@st.composite
def bundled_scenarios(draw):
    """Random paths on the pinned test book (its whole ladders), 1 to 6 cycles."""
    from tests.engine.helpers import BOOK

    n = draw(st.integers(1, 6))
    profiles = st.integers(0, 40_000)
    usage = [
        UsageCycle(
            active_profiles=draw(profiles),
            email_sends=draw(st.integers(0, 450_000)),
            sms_credits=draw(st.integers(0, 12_000)),
        )
        for _ in range(n)
    ]
    named = draw(st.sampled_from(sorted(SETTINGS)))
    policy = Policy.compose(
        SETTINGS[named].setting,
        Policy(
            flex_fee_basis=draw(st.sampled_from(["extra", "whole", "difference"])),
            sms_rollover=draw(st.booleans()),
            card_failure_cycle=draw(st.one_of(st.none(), st.integers(1, n))),
        ).assumptions,
    )
    scenario = Scenario(
        start=Start(
            active_profiles=draw(profiles),
            sms_plan_credits=draw(st.sampled_from([0, 1250, 5000])),
        ),
        usage=usage,
        policy=policy,
        revenue_per_email_usd=draw(REVENUE),
        revenue_per_sms_credit_usd=draw(REVENUE),
    )
    return scenario, BOOK


@slow(100)
@given(bundled_scenarios())
def test_every_named_setting_is_a_calendar_so_the_floor_is_never_above_it(case):
    """Each named setting replays as a calendar (the same bill and lost revenue through
    simulate), so the calendar's optimum can never be above it: above_floor_usd >= 0."""
    scenario, book = case
    calendar = plan_calendar(scenario, book)
    floor = calendar.best.total_with_lost_usd
    rows = {r.key: r for r in calendar.settings}
    for key, named in SETTINGS.items():
        own = simulate(with_setting(scenario, named.setting), book)
        actions = as_calendar(scenario, book, named.setting)
        mine = replay(scenario, book, actions)
        assert (mine.total_usd, mine.lost_revenue_usd) == (own.total_usd, own.lost_revenue_usd), key
        assert rows[key].total_with_lost_usd == own.total_usd + own.lost_revenue_usd
        assert rows[key].above_floor_usd >= 0 and floor <= own.total_usd + own.lost_revenue_usd
        # and the budgeted best with that many actions is no worse than the setting
        k = min(len(actions), len(calendar.steps) - 1)
        assert calendar.steps[k].total_with_lost_usd <= own.total_usd + own.lost_revenue_usd, key


def test_a_calendar_beyond_the_work_budget_is_refused_in_plain_words(monkeypatch, capsys, tmp_path):
    """A price book with many tiers in reach over 36 months would hold a shared worker for
    many seconds: the search stops at MAX_WORK with a message saying what to shorten, the CLI
    exits 2 with that one line, and the sample account stays well within the budget."""
    import json

    import engine.plan_calendar as plan
    from engine import load_price_book
    from engine.cli import main
    from engine.contract import ScenarioError, scenario_json

    scenario, book = sample(36), load_price_book()
    plan.plan_calendar(scenario, book)  # the bundled book on 36 months: within the budget
    monkeypatch.setattr(plan, "MAX_WORK", 10_000)
    try:
        plan.plan_calendar(scenario, book)
    except plan.CalendarTooLarge as e:
        said = str(e)
        assert isinstance(e, ScenarioError)
    else:
        raise AssertionError("a search beyond MAX_WORK was not stopped")
    assert said.startswith("input: the plan calendar would take more than 10,000 steps")
    assert "shorten the horizon or use a price book with fewer tiers" in said
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario_json(scenario)))
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "steps of work" in err
