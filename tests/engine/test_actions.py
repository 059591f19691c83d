"""simulate()'s dated actions (Setting.actions), one rule at a time, on the pinned test book.

Start: 9,000 profiles on the 10,000-profile plan ($150, 100,000 sends), SMS 1,250 credits ($15).
The 20,000 plan costs $375 (200,000 sends), 12,000 costs $250, 5,500 costs $110; SMS 2,500
credits cost $29.
"""

import json

import pytest

from engine import EventKind, Policy, Start
from engine.contract import ScenarioError, parse_scenario
from engine.models import Action, PriceChange
from tests.engine.helpers import run, usd

START = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
PEAK = (9000, 160_000, 1000)


def acts(*actions, **policy) -> Policy:
    return Policy(actions=actions, **policy)


def pref(cycle, preference, channel="email", auto_downgrade=False) -> Action:
    return Action(
        cycle=cycle,
        channel=channel,
        action="preference",
        preference=preference,
        auto_downgrade=auto_downgrade,
    )


def up(cycle, plan, channel="email") -> Action:
    return Action(cycle=cycle, channel=channel, action="upgrade", plan=plan)


def down(cycle, plan, channel="email") -> Action:
    return Action(cycle=cycle, channel=channel, action="downgrade", plan=plan)


def test_a_preference_holds_from_its_cycle_on():
    bills = run([PEAK] * 3, policy=acts(pref(2, "auto_upgrade")), start=START).cycles
    assert bills[0].emails_blocked == 60_000 and bills[0].email_upgrade_usd == 0
    assert bills[1].emails_blocked == 0 and bills[1].email_upgrade_usd == usd("225")
    assert [b.email_plan_profiles for b in bills] == [10000, 20000, 20000]
    assert bills[2].email_base_usd == usd("375")


def test_an_upgrade_by_hand_is_charged_the_difference_at_that_cycles_prices():
    change = PriceChange(pct=10, from_cycle=2)
    bills = run([PEAK] * 3, policy=acts(up(2, 20000)), start=START, price_change=change).cycles
    # from cycle 2: $150 -> $165.00, $375 -> $412.50; the upgrade costs the difference that month
    assert bills[0].email_plan_profiles == 10000 and not bills[0].email_manual_upgrade
    assert bills[1].email_manual_upgrade and bills[1].email_plan_profiles == 20000
    assert (bills[1].email_base_usd, bills[1].email_upgrade_usd) == (usd("165.00"), usd("247.50"))
    assert bills[1].emails_blocked == 0 and bills[1].email_upgrades == 0  # not an auto-upgrade
    event = next(e for e in bills[1].events if e.kind is EventKind.MANUAL_UPGRADE)
    assert (event.day, event.amount_usd) == (1, usd("247.50"))
    assert bills[2].email_base_usd == usd("412.50") and bills[2].email_upgrade_usd == 0


def test_an_upgrade_by_hand_to_a_plan_not_above_the_current_one_changes_nothing():
    bills = run([PEAK] * 2, policy=acts(up(1, 5000)), start=START).cycles
    assert bills[0].email_plan_profiles == 10000 and bills[0].email_upgrade_usd == 0
    assert not bills[0].email_manual_upgrade


def test_a_downgrade_moves_to_the_named_plan_at_the_next_renewal():
    start = Start(active_profiles=9000, email_plan_profiles=20000)
    calm = (9000, 50_000, 0)
    bills = run([calm] * 3, policy=acts(down(1, 12000)), start=start).cycles
    assert [b.email_plan_profiles for b in bills] == [20000, 12000, 12000]
    assert [b.email_manual_downgrade for b in bills] == [False, True, False]
    assert bills[1].email_base_usd == usd("250")


def test_compliance_lifts_a_downgrade_below_what_the_profiles_need():
    start = Start(active_profiles=9000, email_plan_profiles=20000)
    bills = run(
        [(11_800, 50_000, 0), (11_800, 50_000, 0)], policy=acts(down(1, 5500)), start=start
    ).cycles
    assert bills[1].email_plan_profiles == 12000  # 11,800 profiles need 12,000, not 5,500
    assert bills[1].email_manual_downgrade and bills[1].email_base_usd == usd("250")


def test_an_sms_downgrade_loses_the_carried_credits():
    start = Start(active_profiles=9000, sms_plan_credits=2500)
    use = [(9000, 0, 500), (9000, 0, 2000)]
    kept = run(use, policy=acts(sms_rollover=True), start=start).cycles
    assert kept[1].sms_credits_available == 2500 + 2000
    bills = run(use, policy=acts(down(1, 1250, "sms"), sms_rollover=True), start=start).cycles
    assert bills[0].sms_credits_carried_out == 2000
    assert bills[1].sms_manual_downgrade and bills[1].sms_plan_credits == 1250
    assert bills[1].sms_credits_available == 1250 and bills[1].sms_credits_blocked == 750


def test_a_failed_card_turns_preferences_off_but_not_actions():
    policy = acts(pref(2, "flex"), up(3, 20000), card_failure_cycle=2)
    bills = run([PEAK] * 3, policy=policy, start=START).cycles
    assert not bills[1].preferences_active
    assert bills[1].emails_blocked == 60_000 and bills[1].email_flexes == 0  # flex is off
    assert bills[2].email_manual_upgrade and bills[2].email_upgrade_usd == usd("225")
    assert bills[2].emails_blocked == 0  # the bigger plan carries the peak


def test_a_downgrade_is_dated_in_the_cycle_it_is_requested_and_never_cancelled():
    # Auto-upgrade in cycle 2 moves to 20,000; the downgrade requested in cycle 2 (after its
    # last upgrade) still applies at the renewal of cycle 3.
    calm = (9000, 50_000, 0)
    policy = acts(down(2, 10000), email="auto_upgrade")
    bills = run([calm, PEAK, calm], policy=policy, start=START).cycles
    assert [b.email_plan_profiles for b in bills] == [10000, 20000, 10000]
    assert not any(e.kind is EventKind.DOWNGRADE_CANCELLED for b in bills for e in b.events)


# ---------------------------------------------------------------- validation, naming the field


def scenario_text(actions, cycles=3, **policy) -> str:
    return json.dumps(
        {
            "start": {"active_profiles": 9000},
            "usage": [{"active_profiles": 9000, "email_sends": 1000, "sms_credits": 0}] * cycles,
            "policy": {"actions": actions, **policy},
        }
    )


UPGRADE = {"cycle": 2, "channel": "email", "action": "upgrade", "plan": 20000}


@pytest.mark.parametrize(
    ("actions", "policy", "message"),
    [
        ([UPGRADE, UPGRADE], {}, "policy.actions: the email upgrade at cycle 2 is given twice"),
        (
            [{"cycle": 3, "channel": "email", "action": "downgrade", "plan": 250}],
            {},
            "policy.actions[0].cycle: cycle 3 is beyond the usage horizon (3 cycles) "
            "(a downgrade takes effect at the next renewal)",
        ),
        (
            [{**UPGRADE, "cycle": 4}],
            {},
            "policy.actions[0].cycle: cycle 4 is beyond the usage horizon (3 cycles)",
        ),
        (
            [{"cycle": 1, "channel": "sms", "action": "preference"}],
            {},
            "preference: a preference action names a preference and no plan",
        ),
        (
            [
                {
                    "cycle": 1,
                    "channel": "sms",
                    "action": "preference",
                    "preference": "flex",
                    "auto_downgrade": True,
                }
            ],
            {},
            "auto_downgrade: Klaviyo offers auto-downgrade only with flexible sending on email",
        ),
        (
            [{"cycle": 1, "channel": "email", "action": "downgrade", "plan": 250}],
            {"manual_downgrade": True},
            "policy.actions: a calendar's downgrades cannot be combined with manual_downgrade",
        ),
    ],
    ids=[
        "duplicate",
        "downgrade-last-cycle",
        "beyond-horizon",
        "no-preference",
        "auto-downgrade-sms",
        "with-manual",
    ],
)
def test_bad_actions_are_refused_naming_the_field(actions, policy, message):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario_text(actions, **policy))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
