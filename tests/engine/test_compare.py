"""The named policy comparison (section 6): ranking, counts, the manual downgrade schedule,
sensitivity, and the words of engine/advice.py checked number by number against the results."""

import re
from datetime import date
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import (
    SETTINGS,
    Assumptions,
    Policy,
    Scenario,
    Start,
    UsageCycle,
    advice,
    compare,
    sensitivity,
)
from engine.compare import minimal_schedule
from engine.growth import fit
from engine.history import add_months
from engine.models import FlexFeeBasis, ManualDowngrade, Preference
from engine.settings import CURRENT_KEY
from engine.simulate import cover, simulate
from engine.whatif import WhatIf, run_whatif
from ingest.usage_csv import read_usage_file
from tests.engine.helpers import BOOK, run

ROOT = Path(__file__).resolve().parents[2]
NOV = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]


def scenario(policy=None, revenue="0.05", usage=None):
    rows = usage or [(9400, 90000, 1000), (9800, 160000, 3000), (10400, 95000, 1100)]
    return Scenario(
        start=Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=policy or Policy(email="auto_upgrade", sms="auto_upgrade"),
        revenue_per_email_usd=revenue,
    )


def test_the_named_set_is_section_6():
    assert [p.label for p in SETTINGS.values()] == [
        "Stop sending",
        "Flexible sending",
        "Flexible sending + auto-downgrade",
        "Auto-upgrade",
        "Auto-upgrade, then downgrade by hand",
    ]


def test_ranks_by_bill_and_by_bill_plus_lost_revenue():
    c = compare(scenario(), BOOK, months=NOV)
    ranks = {o.key: (o.rank_bill, o.rank_with_lost) for o in c.outcomes}
    assert ranks == {
        "stop": (1, 5),
        "flex": (2, 1),
        "flex_auto_downgrade": (2, 1),
        "auto_upgrade": (5, 4),
        "auto_upgrade_manual_downgrade": (4, 3),
    }
    assert (c.cheapest_bill, c.cheapest_with_lost, c.current) == ("stop", "flex", "auto_upgrade")
    assert c.saving_vs_current_usd == Decimal("337.00")
    flex = c.outcome("flex")
    assert (flex.flexes, flex.flex_usd, flex.months_blocked) == (11, Decimal("195.00"), 0)
    assert c.outcome("stop").months_blocked == 1


def test_moves_are_counted_by_kind_not_added_up():
    c = compare(scenario(), BOOK, months=NOV)
    auto = c.outcome("auto_upgrade")
    # Section 5: cycle 2 steps email 10,000 -> 20,000 (tier steps) and SMS 1,250 -> 5,000.
    assert auto.email_upgrades == auto.result.cycles[1].email_upgrades > 0
    assert auto.sms_upgrades == auto.result.cycles[1].sms_upgrades > 0
    assert (auto.renewal_moves, auto.manual_downgrades, auto.auto_downgrades) == (0, 0, 0)
    manual = c.outcome("auto_upgrade_manual_downgrade")
    assert manual.manual_downgrades == 2  # email and SMS back down at the renewal of cycle 3
    assert manual.schedule == (
        ManualDowngrade(cycle=3, channel="email"),
        ManualDowngrade(cycle=3, channel="sms"),
    )


def test_recommendation_in_plain_words_names_the_figures_and_the_saving():
    c = compare(scenario(), BOOK, months=NOV)
    text = advice.recommendation(c)
    assert text.startswith(
        "Flexible sending costs least over 3 months by bill + lost revenue: "
        "$690.00 billed + $0.00 lost revenue = $690.00."
    )
    assert "Flexible sending + auto-downgrade costs the same here." in text
    assert (
        "Your current setting, Auto-upgrade: $1,027.00 billed + $0.00 lost revenue = $1,027.00, "
        "$337.00 more." in text
    )
    assert "On the bill alone Stop sending is cheapest ($495.00), but it does not send " in text
    assert "60,000 emails and 1,750 SMS credits." in text


def test_the_description_lists_every_plan_with_its_months():
    c = compare(scenario(), BOOK, months=NOV)
    names = advice.labels(c)
    auto = advice.describe(c.outcome("auto_upgrade"), names)
    assert auto.startswith(
        "email plan 10,000 profiles (Oct 2026 – Nov 2026) → 20,000 profiles (Nov 2026 – Dec 2026)"
    )
    assert "stays there" not in auto
    flex = advice.describe(c.outcome("flex"), names)
    assert "flexible sending in Nov 2026: 11 flexes, $195.00 in fees" in flex


def test_an_sms_only_upgrade_names_no_email_plan_move():
    c = compare(scenario(usage=[(9400, 90000, 1000), (9400, 90000, 3000)]), BOOK, months=NOV[:2])
    text = advice.describe(c.outcome("auto_upgrade"), advice.labels(c))
    assert "email auto-upgrades" not in text and "SMS auto-upgrades in Nov 2026" in text
    assert text.startswith("email plan 10,000 profiles (Oct 2026 – Nov 2026);")


def test_an_email_only_account_is_described_without_sms():
    rows = [(9400, 90000, 0), (9800, 160000, 0), (10400, 95000, 0)]
    s = scenario(usage=rows).model_copy(update={"start": Start(active_profiles=9000)})
    c = compare(s, BOOK, months=NOV)
    for o in c.outcomes:
        assert "SMS" not in advice.describe(o, advice.labels(c))
    assert "SMS" not in advice.recommendation(c)


def test_blocked_sends_priced_at_zero_are_called_out():
    c = compare(scenario(revenue="0"), BOOK)
    assert c.cheapest_with_lost == "stop"
    assert "blocked sends are priced at nothing" in advice.recommendation(c)


def test_current_setting_outside_the_named_set_gets_its_own_row():
    c = compare(scenario(Policy(email="flex", sms="none")), BOOK)
    assert c.current == CURRENT_KEY
    mine = c.outcome(CURRENT_KEY)
    assert mine.label == "Your setting (email flex, SMS none)"
    assert (
        mine.total_usd
        == run(
            [(9400, 90000, 1000), (9800, 160000, 3000), (10400, 95000, 1100)],
            policy=Policy(email="flex", sms="none"),
            start=Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250),
            revenue_per_email_usd="0.05",
        ).total_usd
    )


def test_the_current_setting_is_given_by_key_and_kept_by_the_sensitivity():
    s = scenario(Policy.compose(SETTINGS["flex"].setting, Assumptions(flex_fee_basis="whole")))
    c = compare(s, BOOK, current="flex")
    assert c.current == "flex" and len(c.outcomes) == len(SETTINGS)
    assert c.outcome("flex").policy.flex_fee_basis == "whole"  # the user's assumptions, every row
    for alt in sensitivity(s, BOOK, c):
        assert set(alt.totals_usd) == set(SETTINGS)


def test_current_setting_that_wins_says_nothing_to_change():
    c = compare(scenario(Policy(email="flex", sms="flex")), BOOK)
    assert c.saving_vs_current_usd == 0
    assert "nothing to change" in advice.recommendation(c)


def test_switches_of_the_base_policy_carry_into_every_named_setting():
    base = Policy(email="none", sms="none", flex_fee_basis="whole", card_failure_cycle=2)
    c = compare(scenario(base), BOOK)
    for o in c.outcomes:
        assert (o.policy.flex_fee_basis, o.policy.card_failure_cycle) == ("whole", 2)


def test_sensitivity_shows_all_three_fee_readings_and_rollover():
    s = scenario()
    base = compare(s, BOOK)
    whole, difference, rollover = sensitivity(s, BOOK, base)
    assert [(x.switch, x.value) for x in (whole, difference, rollover)] == [
        ("flex_fee_basis", "whole"),
        ("flex_fee_basis", "difference"),
        ("sms_rollover", "true"),
    ]
    assert whole.totals_usd["flex"] == Decimal("2370.00")
    assert whole.totals_usd["stop"] == base.outcome("stop").total_usd
    assert whole.totals_usd["auto_upgrade"] == base.outcome("auto_upgrade").total_usd
    assert whole.changes_answer and whole.cheapest_with_lost == "auto_upgrade_manual_downgrade"
    assert "the cheapest becomes Auto-upgrade, then downgrade by hand" in advice.sensitivity_summary(
        whole, base
    )
    for reading in (whole, difference, rollover):  # each reading equals a direct run
        value = reading.value == "true" if reading.switch == "sms_rollover" else reading.value
        policy = Policy(email="flex", sms="flex", **{reading.switch: value})
        assert (
            reading.totals_usd["flex"]
            == simulate(s.model_copy(update={"policy": policy}), BOOK).total_usd
        )
    assert not rollover.changes_answer
    assert advice.sensitivity_summary(rollover, base).startswith(
        "No difference if unused SMS credits roll over"
    )


def test_more_profiles_can_make_flexible_sending_cheaper():
    """A finding, not a bug: the 13,500 plan's unit rate is above the 15,000 plan's ($0.00241 vs
    $0.00233), so being forced up by profiles can cut the flex fees by more than the $25 step."""
    flex = Policy(email="flex")
    fewer = run([(13300, 200000, 0)], policy=flex, start=Start(active_profiles=13300))
    more = run([(14000, 200000, 0)], policy=flex, start=Start(active_profiles=14000))
    assert fewer.total_usd == Decimal("481.48")  # $325 + 36.11 + 120.37
    assert more.total_usd == Decimal("466.67")  # $350 + 116.67
    assert more.total_usd < fewer.total_usd


# ---------------------------------------------------------------- the manual schedule


SAMPLE = read_usage_file(ROOT / "data" / "sample" / "usage.csv").history


def sample_run(**update):
    g = fit(SAMPLE).growth
    whatif = WhatIf(
        growth=g.model_copy(update=update),
        sms_plan_credits=7500,
        revenue_per_email_usd=Decimal("0.05"),
    )
    return run_whatif(SAMPLE, BOOK, whatif)


def test_the_sample_needs_four_manual_actions_not_eleven():
    comparison = sample_run().comparison
    manual = comparison.outcome("auto_upgrade_manual_downgrade")
    text = advice.schedule_text(manual.schedule, comparison)
    assert text == (
        "step the email plan down at the renewals of 1 Dec 2026 and 1 Jan 2027 and step the SMS "
        "plan down at the renewals of 1 Dec 2026 and 1 Jan 2027; request each in the month "
        "before, after that month's last upgrade: 4 actions"
    )
    every = manual.policy.model_copy(update={"manual_downgrade": True, "manual_downgrades": ()})
    once = simulate(comparison_scenario(every), BOOK)
    assert manual.total_usd == once.total_usd and manual.lost_revenue_usd == once.lost_revenue_usd
    assert sum(b.email_manual_downgrade + b.sms_manual_downgrade for b in once.cycles) == 11


def comparison_scenario(policy):
    g = fit(SAMPLE).growth
    whatif = WhatIf(growth=g, sms_plan_credits=7500, revenue_per_email_usd=Decimal("0.05"))
    from engine.whatif import scenario_for

    return scenario_for(SAMPLE, whatif)[1].model_copy(update={"policy": policy})


def _total(result):
    return (result.total_usd, result.lost_revenue_usd)


small_rows = st.lists(
    st.tuples(st.integers(500, 30_000), st.integers(0, 400_000), st.integers(0, 30_000)),
    min_size=2,
    max_size=5,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # with rollover, two SMS downgrades cost nothing only together
    rows=[(500, 0, 2501), (500, 0, 1251), (500, 0, 5001)],
    start=500,
    sms_start=1250,
    rollover=True,
    failure=None,
)
@given(
    rows=small_rows,
    start=st.integers(500, 30_000),
    sms_start=st.sampled_from([0, 1250, 5000]),
    rollover=st.booleans(),
    failure=st.none() | st.integers(1, 5),
)
def test_no_smaller_schedule_gives_the_same_total(rows, start, sms_start, rollover, failure):
    """Brute force over every subset of renewals and channels: the schedule is the smallest
    that gives the every-renewal total, and it gives exactly that total."""
    policy = Policy(
        email="auto_upgrade",
        sms="auto_upgrade",
        manual_downgrade=True,
        sms_rollover=rollover,
        card_failure_cycle=failure,
    )
    s = Scenario(
        start=Start(active_profiles=start, sms_plan_credits=sms_start),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=policy,
        revenue_per_email_usd="0.01",
        revenue_per_sms_credit_usd="0.02",
    )
    once = simulate(s, BOOK)
    schedule, result = minimal_schedule(s, BOOK, once)
    assert _total(result) == _total(once)
    plain = policy.model_copy(update={"manual_downgrade": False})

    def total(subset):
        p = plain.model_copy(update={"manual_downgrades": tuple(subset)})
        return _total(simulate(s.model_copy(update={"policy": p}), BOOK))

    assert total(schedule) == _total(once)
    every = [
        ManualDowngrade(cycle=c, channel=ch) for c in range(2, len(rows) + 1) for ch in ("email", "sms")
    ]
    for size in range(len(schedule)):
        for subset in combinations(every, size):
            assert total(subset) != _total(once), (subset, schedule)


# ---------------------------------------------------------------- every figure in the words


MONEY = r"\$([\d,]+\.\d\d)"


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def count(text: str) -> int:
    return int(text.replace(",", ""))


def parse_months(text: str, names: list[str]) -> set[int]:
    """'Oct 2026, Nov 2026 – Jan 2027 and Mar 2027' back to cycle numbers (1-based)."""
    cycles: set[int] = set()
    for part in text.replace(" and ", ", ").split(", "):
        ends = part.split(" – ")
        first, last = names.index(ends[0]) + 1, names.index(ends[-1]) + 1
        assert first <= last, text
        cycles |= set(range(first, last + 1))
    return cycles


def parse_messages(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(?:([\d,]+) emails)?(?: and )?(?:([\d,]+) SMS credits)?", text)
    assert m and (m[1] or m[2]), text
    return (count(m[1]) if m[1] else 0, count(m[2]) if m[2] else 0)


def held_plans(bills, renewal, end) -> set[tuple[int, int]]:
    return {(renewal(b), b.cycle) for b in bills} | {(end(b), b.cycle) for b in bills}


def parse_path(text: str, unit: str, names: list[str]) -> set[tuple[int, int]]:
    pairs, previous = set(), None
    for segment in text.split(" → "):
        m = re.fullmatch(rf"(?:([\d,]+) {unit}|(no SMS plan)) \((.+)\)", segment)
        assert m, segment
        plan = 0 if m[2] else count(m[1])
        assert plan != previous, text  # a segment is a move
        previous = plan
        pairs |= {(plan, c) for c in parse_months(m[3], names)}
    return pairs


def sms_renewal(scenario: Scenario, bills) -> dict[int, int]:
    """The SMS plan at each renewal: the previous end plan, or the start plan after a manual
    downgrade (section 3.2); cycle 1 starts on the start plan."""
    credits = [t.monthly_credits for t in BOOK.sms_tiers]
    start = credits[cover(credits, scenario.start.sms_plan_credits)[0]]
    out, plan = {}, start
    for b in bills:
        out[b.cycle] = start if b.sms_manual_downgrade else plan
        plan = b.sms_plan_credits
    return out


def check_description(text: str, o, scenario: Scenario, names: list[str]) -> None:
    """Every clause of a description parsed back, each number checked against the result."""
    bills = o.result.cycles
    seen = set()
    for clause in text.split("; "):
        if m := re.fullmatch(r"email plan (.+)", clause):
            assert parse_path(m[1], "profiles", names) == held_plans(
                bills, lambda b: b.email_plan_profiles_at_renewal, lambda b: b.email_plan_profiles
            )
            kind = "email plan"
        elif m := re.fullmatch(r"moved up at renewal for profile growth in (.+)", clause):
            assert parse_months(m[1], names) == {b.cycle for b in bills if b.email_profile_upgrades}
            kind = "renewal"
        elif m := re.fullmatch(
            rf"(email|SMS) auto-upgrades in (.+): (\d+) tier steps?, {MONEY}", clause
        ):
            ch = m[1].lower()
            steps = {b.cycle: getattr(b, f"{ch}_upgrades") for b in bills}
            assert parse_months(m[2], names) == {c for c, n in steps.items() if n}
            assert int(m[3]) == sum(steps.values()) == getattr(o, f"{ch}_upgrades")
            assert money(m[4]) == sum(getattr(b, f"{ch}_upgrade_usd") for b in bills)
            kind = f"{ch} up"
        elif m := re.fullmatch(r"(email|SMS) downgraded by hand at the renewal of (.+)", clause):
            ch = m[1].lower()
            assert parse_months(m[2], names) == {
                b.cycle for b in bills if getattr(b, f"{ch}_manual_downgrade")
            }
            kind = f"{ch} manual"
        elif m := re.fullmatch(r"auto-downgraded one tier at the renewal of (.+)", clause):
            assert parse_months(m[1], names) == {b.cycle for b in bills if b.email_auto_downgrade}
            kind = "auto down"
        elif m := re.fullmatch(r"SMS plan (.+)", clause):
            renewal = sms_renewal(scenario, bills)
            assert parse_path(m[1], "credits", names) == held_plans(
                bills, lambda b, r=renewal: r[b.cycle], lambda b: b.sms_plan_credits
            )
            kind = "sms plan"
        elif m := re.fullmatch(rf"flexible sending in (.+): (\d+) flex(?:es)?, {MONEY} in fees", clause):
            assert parse_months(m[1], names) == {
                b.cycle for b in bills if b.email_flexes or b.sms_flexes
            }
            assert int(m[2]) == sum(b.email_flexes + b.sms_flexes for b in bills) == o.flexes
            assert money(m[3]) == sum(b.email_flex_usd + b.sms_flex_usd for b in bills) == o.flex_usd
            kind = "flex"
        elif m := re.fullmatch(r"sending stops at the limit in (.+): (.+) not sent", clause):
            stopped = {
                b.cycle
                for b in bills
                if b.emails_blocked > b.emails_above_top
                or b.sms_credits_blocked > b.sms_credits_above_top
            }
            assert parse_months(m[1], names) == stopped
            assert parse_messages(m[2]) == (
                sum(b.emails_blocked - b.emails_above_top for b in bills),
                sum(b.sms_credits_blocked - b.sms_credits_above_top for b in bills),
            )
            kind = "blocked"
        elif m := re.fullmatch(
            r"above the top published tier in (.+), which Klaviyo prices by quote"
            r"(?:: (.+) above what the top tier carries)?",
            clause,
        ):
            assert parse_months(m[1], names) == {b.cycle for b in bills if b.custom_quote}
            above = (sum(b.emails_above_top for b in bills), sum(b.sms_credits_above_top for b in bills))
            assert (parse_messages(m[2]) if m[2] else (0, 0)) == above
            kind = "quote"
        else:
            raise AssertionError(f"a clause the test cannot check: {clause!r}")
        assert kind not in seen, text
        seen.add(kind)
    assert "email plan" in seen
    has_sms = any(b.sms_plan_credits or b.sms_credits_demand for b in bills)
    assert ("SMS" in text) == has_sms, text


def check_recommendation(c, scenario: Scenario) -> None:
    text = advice.recommendation(c)
    by_label = {o.label: o for o in c.outcomes}
    lowest = min(o.total_with_lost_usd for o in c.outcomes)
    best = c.outcome(c.cheapest_with_lost)
    sentences = re.split(r"\.(?: (?=[A-Z])|$)", text)
    for sentence in filter(None, sentences):
        if m := re.fullmatch(
            rf"(.+) costs least over (\d+) months? by bill \+ lost revenue: {MONEY} billed \+ {MONEY} lost revenue = {MONEY}",
            sentence,
        ):
            o = by_label[m[1]]
            assert o is best and int(m[2]) == len(scenario.usage)
            assert (money(m[3]), money(m[4]), money(m[5])) == (
                o.result.total_usd,
                o.result.lost_revenue_usd,
                o.result.total_usd + o.result.lost_revenue_usd,
            )
            assert money(m[5]) == lowest
        elif m := re.fullmatch(
            rf"Klaviyo prices (\d+) of these months? by quote: the bill is at least {MONEY}, the published top-tier price",
            sentence,
        ):
            assert int(m[1]) == sum(1 for b in best.result.cycles if b.custom_quote) > 0
            assert money(m[2]) == best.result.total_usd
        elif m := re.fullmatch(r"To follow it: (.+)", sentence):
            check_schedule(m[1], best, c)
        elif m := re.fullmatch(r"(.+) costs? the same here", sentence):
            for label in m[1].split(" and "):
                assert by_label[label].total_with_lost_usd == lowest
        elif sentence == "That is your current setting or costs the same: nothing to change":
            assert c.outcome(c.current).total_with_lost_usd == lowest
        elif m := re.fullmatch(
            rf"Your current setting, (.+): {MONEY} billed \+ {MONEY} lost revenue = {MONEY}, {MONEY} more",
            sentence,
        ):
            o = by_label[m[1]]
            assert o.key == c.current
            assert (money(m[2]), money(m[3]), money(m[4])) == (
                o.result.total_usd,
                o.result.lost_revenue_usd,
                o.result.total_usd + o.result.lost_revenue_usd,
            )
            assert money(m[5]) == money(m[4]) - lowest > 0
        elif m := re.fullmatch(rf"Next best: (.+), {MONEY}, {MONEY} more", sentence):
            o = by_label[m[1]]
            others = [x for x in c.outcomes if x.key not in {best.key, c.current}]
            assert money(m[2]) == o.total_with_lost_usd == min(x.total_with_lost_usd for x in others)
            assert money(m[3]) == money(m[2]) - lowest > 0
        elif m := re.fullmatch(
            rf"On the bill alone (.+) is cheapest \({MONEY}\), but it does not send (.+)", sentence
        ):
            o = by_label[m[1]]
            assert money(m[2]) == o.result.total_usd == min(x.result.total_usd for x in c.outcomes)
            assert parse_messages(m[3]) == (o.emails_blocked, o.sms_credits_blocked)
        elif sentence in (
            "Careful: it is cheapest because sends are blocked, and blocked sends are priced at nothing",
            "Set a revenue per email and per SMS credit to weigh them",
        ):
            assert not any(ch.isdigit() for ch in sentence)
        else:
            raise AssertionError(f"a sentence the test cannot check: {sentence!r}")


def check_schedule(text: str, o, c) -> None:
    m = re.fullmatch(
        r"(.+); request each in the month before, after that month's last upgrade: (\d+) actions?",
        text,
    )
    assert m, text
    dates = {f"{d.day} {d:%b %Y}": i for i, d in enumerate(c.months or [], start=1)}
    dates |= {f"cycle {i}": i for i in range(1, c.horizon + 1)}
    planned = {"email": set(), "SMS": set()}
    for step in m[1].split(" and step "):
        s = re.fullmatch(r"(?:step )?the (email|SMS) plan down at the renewals? of (.+)", step)
        assert s, step
        planned[s[1]] = {dates[d] for d in s[2].replace(" and ", ", ").split(", ")}
    bills = o.result.cycles
    assert planned["email"] == {b.cycle for b in bills if b.email_manual_downgrade}
    assert planned["SMS"] == {b.cycle for b in bills if b.sms_manual_downgrade}
    assert int(m[2]) == len(o.schedule) == len(planned["email"]) + len(planned["SMS"])


def check_words(c, scenario: Scenario) -> None:
    names = advice.labels(c)
    for o in c.outcomes:
        check_description(advice.describe(o, names), o, scenario, names)
        if o.schedule:
            check_schedule(advice.schedule_text(o.schedule, c), o, c)
    check_recommendation(c, scenario)


def test_every_figure_in_the_sample_words_is_the_results():
    run = sample_run()
    check_words(run.comparison, run.scenario)


@st.composite
def word_scenarios(draw):
    n = draw(st.integers(1, 14))
    tiers = [t.max_profiles for t in BOOK.email_tiers]
    profile = st.sampled_from(tiers) | st.integers(0, 300_000)
    rows = draw(
        st.lists(
            st.tuples(profile, st.integers(0, 3_500_000), st.integers(0, 300_000)),
            min_size=n,
            max_size=n,
        )
    )
    setting = draw(st.sampled_from([*SETTINGS, "mine"]))
    basis = draw(st.sampled_from(list(FlexFeeBasis)))
    failure = draw(st.none() | st.integers(1, n))
    switches = dict(
        flex_fee_basis=basis,
        sms_rollover=draw(st.booleans()),
        card_failure_cycle=failure,
        card_fixed_cycle=None if failure is None else draw(st.none() | st.integers(failure + 1, n + 1)),
    )
    if setting == "mine":
        policy = Policy(
            email=draw(st.sampled_from(list(Preference))),
            sms=draw(st.sampled_from(list(Preference))),
            **switches,
        )
    else:
        policy = Policy.compose(SETTINGS[setting].setting, Assumptions(**switches))
    return Scenario(
        start=Start(
            active_profiles=draw(profile),
            email_plan_profiles=draw(st.none() | profile),
            sms_plan_credits=draw(st.sampled_from([0, 1250, 5000, 100_000])),
        ),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=s) for p, e, s in rows],
        policy=policy,
        revenue_per_email_usd=draw(st.sampled_from(["0", "0.01", "0.05"])),
        revenue_per_sms_credit_usd=draw(st.sampled_from(["0", "0.02"])),
    ), draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=word_scenarios())
def test_every_figure_in_every_sentence_is_the_results(case):
    s, dated = case
    months = [add_months(date(2026, 3, 1), i) for i in range(len(s.usage))] if dated else None
    check_words(compare(s, BOOK, months=months), s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    growth=st.floats(-10, 20),
    epp=st.floats(0, 40),
    nov=st.integers(-50, 300),
    sms=st.integers(0, 40_000),
    horizon=st.sampled_from([12, 24, 36]),
    setting=st.sampled_from(list(SETTINGS)),
)
def test_every_figure_is_the_results_for_random_whatifs(growth, epp, nov, sms, horizon, setting):
    g = fit(SAMPLE).growth.model_copy(
        update=dict(
            profile_growth_pct=growth, emails_per_profile=epp, november_peak_pct=nov,
            sms_base_credits=sms, horizon=horizon,
        )
    )  # fmt: skip
    whatif = WhatIf(growth=g, current_setting=setting, revenue_per_email_usd=Decimal("0.02"))
    run = run_whatif(SAMPLE, BOOK, whatif)
    check_words(run.comparison, run.scenario)


@pytest.mark.parametrize("profiles", [260_000, 400_000])
def test_above_the_top_tier_the_words_say_quote_and_floor(profiles):
    rows = [(profiles, 10 * profiles, 0)] * 2
    s = Scenario(
        start=Start(active_profiles=profiles),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=Policy(email="auto_upgrade", sms="auto_upgrade"),
        revenue_per_email_usd="0.05",
    )
    c = compare(s, BOOK, months=NOV[:2])
    text = advice.recommendation(c)
    best = c.outcome(c.cheapest_with_lost)
    assert (
        f"Klaviyo prices 2 of these months by quote: the bill is at least ${best.total_usd:,.2f}" in text
    )
    assert all(o.lost_revenue_usd == 0 for o in c.outcomes)  # quote months are not lost sales
    check_words(c, s)
