"""Boundary tests on single rules of engine/rules.py, called directly (no simulate around them).

The ladders are small and written here, so each figure can be checked by hand.
"""

from decimal import Decimal

import pytest

from engine import Assumptions, Event, EventKind, FlexFeeBasis, Policy, Preference, Setting
from engine.models import Channel, ManualDowngrade
from engine.rules import (
    AT_LIMIT,
    Demand,
    Ladder,
    auto_downgrade,
    card_window,
    cover,
    downgrade_due,
    effective,
    flex_fee,
    manual_email_downgrade,
    notices,
    profile_compliance,
    renew_email,
    renew_sms,
    rollover,
    send,
)
from engine.settings import CURRENT_KEY, READINGS, SETTINGS, key_of, named, other_readings

D = Decimal
# caps / sends / prices: 3,000 sends at $5.05, then 5,100 at $8, then 10,000 at $20.
EMAIL = Ladder(Channel.EMAIL, (250, 500, 1000), (3000, 5100, 10000), (D("5.05"), D(8), D(20)), (D("5.05"), D(8), D(20)), 10**9)  # fmt: skip
SMS = Ladder(Channel.SMS, (0, 1250, 2500), (0, 1250, 2500), (D(0), D(15), D(29)), (D(0), D(15), D(29)), 10**9)  # fmt: skip


def demand(n, ladder=EMAIL, tier=0, carried=0, basis=FlexFeeBasis.EXTRA):
    return Demand(ladder, tier, n, carried, 1, basis)


def test_cover_at_a_cap_and_one_past_it():
    assert cover((250, 500), 250) == (0, False)
    assert cover((250, 500), 251) == (1, False)
    assert cover((250, 500), 501) == (1, True)  # above the top: top tier, custom quote


@pytest.mark.parametrize(
    ("basis", "fee"),
    [
        (FlexFeeBasis.EXTRA, D("3.54")),
        (FlexFeeBasis.WHOLE, D("8.59")),
        (FlexFeeBasis.DIFFERENCE, D("2.95")),
    ],
)
def test_flex_fee_of_each_basis_rounds_an_exact_half_cent_up(basis, fee):
    # $5.05 x 2,100 / 3,000 = $3.535; x 5,100 / 3,000 = $8.585; $8 - $5.05 = $2.95
    assert flex_fee(EMAIL, 0, 0, basis, 1) == fee


def test_at_limit_is_a_table_keyed_by_preference():
    assert set(AT_LIMIT) == set(Preference)


def test_demand_at_the_limit_sends_everything_under_every_preference():
    for preference in Preference:
        events = []
        out = send(demand(3000), preference, events)
        assert (out.sent, out.blocked, out.flex_usd, out.upgrade_usd, events) == (3000, 0, 0, 0, [])


def test_one_past_the_limit():
    stop = send(demand(3001), Preference.NONE, events := [])
    assert (stop.sent, stop.blocked, [e.kind for e in events]) == (3000, 1, [EventKind.BLOCK])
    flex = send(demand(3001), Preference.FLEX, [])
    assert (flex.tier, flex.flexes, flex.flex_usd, flex.limit) == (0, 1, D("3.54"), 5100)
    up = send(demand(3001), Preference.AUTO_UPGRADE, [])
    assert (up.tier, up.upgrades, up.upgrade_usd) == (1, 1, D("2.95"))


def test_demand_above_the_top_is_a_quote_not_a_block_of_lost_sends():
    out = send(demand(10_001), Preference.FLEX, events := [])
    assert (out.blocked, out.above_top, out.custom_quote) == (1, 1, True)
    assert EventKind.CUSTOM_QUOTE in [e.kind for e in events]
    below = send(demand(3001), Preference.NONE, [])
    assert (below.above_top, below.custom_quote) == (0, False)


def test_carried_in_credits_add_to_the_limit():
    out = send(demand(1300, SMS, tier=1, carried=50), Preference.NONE, [])
    assert (out.sent, out.blocked, out.limit) == (1300, 0, 1300)


def test_a_free_tier_or_a_failed_card_behaves_as_stop():
    assert effective(Preference.FLEX, True, D(0)) is Preference.NONE
    assert effective(Preference.AUTO_UPGRADE, False, D(15)) is Preference.NONE
    assert effective(Preference.FLEX, True, D("0.01")) is Preference.FLEX


def test_card_window_from_failure_until_fixed():
    a = Assumptions(card_failure_cycle=2, card_fixed_cycle=4)
    assert [card_window(a, c, []) for c in (1, 2, 3, 4)] == [True, False, False, True]
    events = []
    card_window(a, 2, events)
    assert [e.kind for e in events] == [EventKind.CARD_FAILURE]


def test_downgrades_and_profile_compliance_at_renewal():
    assert manual_email_downgrade(2, 0, 1) == 1  # back to what the profiles need
    assert manual_email_downgrade(2, 1, 0) == 1  # never below the start plan
    assert auto_downgrade(2, 0) == 1  # one tier only
    assert auto_downgrade(1, 1) == 1
    assert profile_compliance(EMAIL, 0, 2, 900, events := []) == 2  # several tiers at once
    assert [e.kind for e in events] == [EventKind.PROFILE_UPGRADE]


def test_renew_email_compliance_follows_a_downgrade():
    r = renew_email(EMAIL, 2, 0, 600, manual_due=True, auto=False, events=[])
    assert (r.tier, r.manual, r.profile_upgrades) == (2, False, 0)  # 600 profiles need tier 2
    r = renew_email(EMAIL, 2, 0, 300, manual_due=True, auto=False, events=[])
    assert (r.tier, r.manual) == (1, True)


def test_renew_sms_goes_back_to_the_start_plan_only_by_hand():
    assert renew_sms(SMS, 2, 1, True, []) == 1
    assert renew_sms(SMS, 2, 1, False, []) == 2
    assert renew_sms(SMS, 1, 1, True, events := []) == 1 and events == []


def test_a_cycle_start_downgrade_is_cancelled_by_that_cycles_upgrade():
    schedule = (ManualDowngrade(cycle=3, channel="email", requested="cycle_start"),)
    setting = Setting(email="auto_upgrade", manual_downgrades=schedule)
    up = send(demand(3001), Preference.AUTO_UPGRADE, ups := [])
    assert up.upgrades == 1
    events = []
    assert not downgrade_due(setting, 3, Channel.EMAIL, ups[-1], events)
    assert [e.kind for e in events] == [EventKind.DOWNGRADE_CANCELLED]
    assert downgrade_due(setting, 3, Channel.EMAIL, None, [])
    assert not downgrade_due(setting, 2, Channel.EMAIL, None, [])


def test_rollover_keeps_unused_plan_credits_only_when_on():
    assert rollover(SMS, 1, 100, 1000, on=True) == 350
    assert rollover(SMS, 1, 100, 2000, on=True) == 0  # flexed credits never carry
    assert rollover(SMS, 1, 100, 1000, on=False) == 0


def test_notices_at_75_and_90_and_95_under_auto_upgrade_only():
    def kinds(auto: bool) -> list[EventKind]:
        events = []
        notices(Channel.EMAIL, 2850, 3000, auto, events)  # 95% of 3,000
        return [e.kind for e in events]

    assert kinds(False) == [EventKind.NOTICE_75, EventKind.NOTICE_90]
    assert kinds(True) == [EventKind.NOTICE_75, EventKind.NOTICE_90, EventKind.NOTICE_95]
    notices(Channel.SMS, 100, 0, True, events := [])
    assert events == []  # no SMS plan: no percentage notices


# ---------------------------------------------------------------- settings and assumptions


def test_a_policy_is_a_setting_and_assumptions():
    p = Policy(
        email="flex", sms="none", auto_downgrade=True, flex_fee_basis="whole", card_failure_cycle=2
    )
    assert p.setting == Setting(email="flex", auto_downgrade=True)
    assert p.assumptions == Assumptions(flex_fee_basis="whole", card_failure_cycle=2)
    assert Policy.compose(p.setting, p.assumptions) == p
    assert Policy.compose(p.setting, p.assumptions).model_dump_json() == p.model_dump_json()


def test_setting_and_assumptions_keep_the_policys_validation():
    with pytest.raises(ValueError, match="auto_downgrade: Klaviyo offers"):
        Setting(email="auto_upgrade", auto_downgrade=True)
    with pytest.raises(ValueError, match="card_fixed_cycle: must be after"):
        Assumptions(card_failure_cycle=3, card_fixed_cycle=3)


def test_a_named_setting_is_found_by_its_key_and_an_other_one_is_yours():
    assert key_of(SETTINGS["flex"].setting) == "flex"
    mine = Setting(email="flex")
    assert key_of(mine) == CURRENT_KEY
    assert named(CURRENT_KEY, mine).label == "Your setting (email flex, SMS none)"


def test_readings_are_the_other_fee_bases_and_rollover_flipped():
    assert len(READINGS) == 5
    others = other_readings(Assumptions(flex_fee_basis="whole", sms_rollover=True))
    assert [(r.switch, r.value) for r in others] == [
        ("flex_fee_basis", "extra"),
        ("flex_fee_basis", "difference"),
        ("sms_rollover", "false"),
    ]


def test_a_computed_bill_and_its_events_are_what_validation_gives():
    from engine.models import CycleBill
    from tests.engine.helpers import run

    for bill in run([(9000, 120_000, 3000), (12_000, 150_000, 0)]).cycles:
        assert set(bill.__dict__) == set(CycleBill.model_fields)  # every field, none left out
        checked = CycleBill.model_validate(bill.model_dump())
        assert checked == bill
        assert checked.model_dump_json() == bill.model_dump_json()
        with pytest.raises(ValueError, match="frozen"):
            bill.cycle = 2
        assert bill.events, "the path raises events"
        for e in bill.events:
            assert set(e.__dict__) == set(Event.model_fields)
            assert Event.model_validate(e.model_dump()).model_dump_json() == e.model_dump_json()
