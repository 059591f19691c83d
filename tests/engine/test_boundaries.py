"""Named boundary tests: each tier edge at the edge and one past it (Lago's spec groups)."""

from decimal import Decimal

from engine import EventKind, Policy, Start, load_price_book
from engine.models import Preference
from tests.engine.helpers import BOOK, run, usd

FLEX = Policy(email="flex", sms="flex")
AUTO = Policy(email="auto_upgrade", sms="auto_upgrade")
PLAN_10K = Start(active_profiles=9000, email_plan_profiles=10000)


def test_profiles_at_a_bands_max_stay_in_the_band():
    bill = run([(10000, 0, 0), (10000, 0, 0)], start=PLAN_10K).cycles[1]
    assert (bill.email_plan_profiles, bill.email_base_usd) == (10000, usd("150"))
    assert bill.email_profile_upgrades == 0


def test_profiles_at_a_bands_max_plus_one_move_up_at_the_next_renewal():
    bills = run([(10001, 0, 0), (10001, 0, 0)], start=PLAN_10K).cycles
    assert bills[0].email_plan_profiles == 10000  # cycle 1 renews on the start count (9,000)
    assert (bills[1].email_plan_profiles, bills[1].email_base_usd) == (10500, usd("175"))
    assert bills[1].email_profile_upgrades == 1


def test_profile_compliance_can_jump_several_tiers_whatever_the_preference():
    for policy in (Policy(), FLEX, AUTO):
        bill = run([(40000, 0, 0), (40000, 0, 0)], policy=policy, start=PLAN_10K).cycles[1]
        assert bill.email_plan_profiles == 40000
        assert bill.email_profile_upgrades > 1


def test_demand_at_the_limit_is_all_sent_with_no_fee():
    for policy in (Policy(), FLEX, AUTO):
        bill = run([(9000, 100000, 0)], policy=policy, start=PLAN_10K).cycles[0]
        assert (bill.emails_sent, bill.emails_blocked) == (100000, 0)
        assert bill.total_usd == usd("150")


def test_demand_at_the_limit_plus_one_blocks_one_flexes_once_or_upgrades_once():
    none, flex, auto = (
        run([(9000, 100001, 0)], policy=p, start=PLAN_10K).cycles[0] for p in (Policy(), FLEX, AUTO)
    )
    assert (none.emails_sent, none.emails_blocked) == (100000, 1)
    assert (flex.email_flexes, flex.email_flex_usd, flex.email_send_limit) == (1, usd("7.50"), 105000)
    assert (auto.email_upgrades, auto.email_upgrade_usd, auto.email_plan_profiles) == (
        1,
        usd("25"),
        10500,
    )


def test_several_flexes_in_one_cycle_each_rounded_to_cents():
    # 13,500 plan: $325 / 135,000 sends = $0.0024074.. an email; 135k -> 150k -> 200k
    bill = run([(13300, 160000, 0)], policy=FLEX, start=Start(active_profiles=13300)).cycles[0]
    fees = [e.amount_usd for e in bill.events if e.kind is EventKind.FLEX]
    assert fees == [usd("36.11"), usd("120.37")]  # 15,000 x rate and 50,000 x rate, each rounded
    assert bill.email_flex_usd == usd("156.48")
    assert bill.email_plan_profiles == 13500


def test_next_cycle_starts_on_the_unflexed_plan():
    bills = run([(9000, 160000, 0), (9000, 50000, 0)], policy=FLEX, start=PLAN_10K).cycles
    assert bills[1].email_send_limit == 100000
    assert bills[1].total_usd == usd("150")


def test_top_of_the_ladder_demand_above_it_is_by_quote_under_every_setting():
    start = Start(active_profiles=240000)
    for policy in (Policy(), FLEX, AUTO):
        result = run([(240000, 2600000, 0)], policy=policy, start=start, revenue_per_email_usd="1")
        bill = result.cycles[0]
        assert (bill.emails_blocked, bill.emails_above_top) == (100000, 100000)
        assert bill.custom_quote and result.custom_quote_cycles == 1
        assert any(e.kind is EventKind.CUSTOM_QUOTE for e in bill.events)
        assert bill.lost_revenue_usd == 0  # priced by quote, not lost
        assert (result.emails_above_top, result.lost_revenue_usd) == (100000, 0)


def test_stop_sending_below_the_top_loses_only_the_part_up_to_the_top_tier():
    # 10,000 plan (100,000 sends), no upgrades: 2,600,000 emails, the top tier carries 2,500,000
    result = run([(9000, 2600000, 0)], start=PLAN_10K, revenue_per_email_usd="0.01")
    bill = result.cycles[0]
    assert (bill.emails_blocked, bill.emails_above_top) == (2500000, 100000)
    assert bill.lost_revenue_usd == usd("24000.00")  # 2,400,000 x $0.01
    assert bill.custom_quote


def test_sms_above_the_top_tier_counts_carried_in_credits():
    top = BOOK.sms_tiers[-1].monthly_credits
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=top)
    policy = Policy(sms="auto_upgrade", sms_rollover=True)
    usage = [(9000, 0, top - 1000), (9000, 0, top + 1500)]  # 1,000 credits roll into cycle 2
    result = run(usage, policy=policy, start=start, revenue_per_sms_credit_usd="0.01")
    bill = result.cycles[1]
    assert (bill.sms_credits_blocked, bill.sms_credits_above_top) == (500, 500)
    assert bill.custom_quote and bill.lost_revenue_usd == 0
    assert result.sms_credits_above_top == 500 and result.custom_quote_cycles == 1


def test_profiles_above_the_top_tier_use_the_top_price_and_flag_custom_quote():
    bill = run([(300000, 0, 0)], start=Start(active_profiles=300000)).cycles[0]
    assert (bill.email_plan_profiles, bill.email_base_usd, bill.custom_quote) == (
        250000,
        usd("2300"),
        True,
    )


def test_free_tier_always_behaves_as_stop_sending():
    for policy in (Policy(), FLEX, AUTO):
        bill = run([(200, 800, 0)], policy=policy, start=Start(active_profiles=200)).cycles[0]
        assert (bill.email_plan_profiles, bill.total_usd) == (250, usd("0"))
        assert (bill.emails_sent, bill.emails_blocked) == (500, 300)
        assert bill.email_upgrades == bill.email_flexes == 0


def test_free_tier_at_251_profiles_moves_to_the_500_plan():
    bill = run([(251, 0, 0), (251, 0, 0)], start=Start(active_profiles=250)).cycles[1]
    assert (bill.email_plan_profiles, bill.email_base_usd) == (500, usd("20"))


def test_no_sms_plan_blocks_every_credit_whatever_the_preference():
    for policy in (Policy(), FLEX, AUTO):
        bill = run([(9000, 0, 400)], policy=policy, start=PLAN_10K).cycles[0]
        assert (bill.sms_plan_credits, bill.sms_base_usd) == (0, usd("0"))
        assert (bill.sms_credits_used, bill.sms_credits_blocked) == (0, 400)
        assert bill.sms_flexes == bill.sms_upgrades == 0


def test_sms_at_the_limit_and_one_past_it():
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    at = run([(9000, 0, 1250)], policy=FLEX, start=start).cycles[0]
    past = run([(9000, 0, 1251)], policy=FLEX, start=start).cycles[0]
    assert (at.sms_flexes, at.sms_flex_usd) == (0, usd("0"))
    assert (past.sms_flexes, past.sms_flex_usd) == (1, usd("15.00"))  # 1,250 more credits at $0.012


def test_a_given_plan_value_maps_to_the_row_that_covers_it():
    start = Start(active_profiles=9000, email_plan_profiles=9001, sms_plan_credits=1)
    bill = run([(9000, 0, 0)], start=start).cycles[0]
    assert (bill.email_plan_profiles, bill.sms_plan_credits) == (10000, 1250)


def test_auto_downgrade_moves_one_tier_down_per_renewal():
    policy = Policy(email="flex", auto_downgrade=True)
    start = Start(active_profiles=9000, email_plan_profiles=12000)
    bills = run([(9000, 0, 0)] * 3, policy=policy, start=start).cycles
    assert [b.email_plan_profiles for b in bills] == [11500, 11000, 10500]
    assert all(any(e.kind is EventKind.DOWNGRADE for e in b.events) for b in bills)


def test_auto_downgrade_is_off_while_the_card_has_failed():
    policy = Policy(email="flex", auto_downgrade=True, card_failure_cycle=1, card_fixed_cycle=3)
    start = Start(active_profiles=9000, email_plan_profiles=12000)
    bills = run([(9000, 0, 0)] * 3, policy=policy, start=start).cycles
    assert [b.email_plan_profiles for b in bills] == [12000, 12000, 11500]


def test_card_failure_turns_flex_and_auto_upgrade_off_until_fixed():
    policy = Policy(email="flex", sms="auto_upgrade", card_failure_cycle=2, card_fixed_cycle=3)
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    usage = [(9000, 120000, 2000), (9000, 120000, 3000), (9000, 120000, 3000)]
    bills = run(usage, policy=policy, start=start).cycles
    assert [b.preferences_active for b in bills] == [True, False, True]
    assert bills[0].sms_plan_credits == 2500  # upgraded while the card was fine, and it stays
    assert bills[1].emails_blocked == 20000 and bills[1].email_flexes == 0
    assert bills[1].sms_upgrades == 0 and bills[1].sms_credits_blocked == 500
    assert any(e.kind is EventKind.CARD_FAILURE for e in bills[1].events)
    assert any(e.kind is EventKind.CARD_FIXED for e in bills[2].events)
    assert bills[2].email_flexes == 4 and bills[2].sms_plan_credits == 5000


def test_card_never_fixed_keeps_preferences_off():
    policy = Policy(email="flex", card_failure_cycle=1)
    bills = run([(9000, 120000, 0)] * 2, policy=policy, start=PLAN_10K).cycles
    assert [b.preferences_active for b in bills] == [False, False]


def test_price_change_from_a_cycle_rounds_half_up_to_cents():
    # $175 x 1.033 = 180.775 -> 180.78
    extra = {"price_change": {"pct": "3.3", "from_cycle": 2}}
    bills = run([(10200, 0, 0)] * 3, start=Start(active_profiles=10200), **extra).cycles
    assert [b.email_base_usd for b in bills] == [usd("175"), usd("180.78"), usd("180.78")]


def test_price_change_applies_to_upgrade_differences_and_flex_rates():
    extra = {"price_change": {"pct": "10", "from_cycle": 1}}
    auto = run([(9000, 100001, 0)], policy=AUTO, start=PLAN_10K, **extra).cycles[0]
    assert auto.email_upgrade_usd == usd("27.50")  # 192.50 - 165.00
    flex = run([(9000, 100001, 0)], policy=FLEX, start=PLAN_10K, **extra).cycles[0]
    assert flex.email_flex_usd == usd("8.25")  # 165 / 100,000 x 5,000


def test_sms_rollover_carries_unused_credits_and_loses_them_on_a_manual_downgrade():
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    policy = Policy(sms="none", sms_rollover=True)
    bills = run([(9000, 0, 1000), (9000, 0, 1400), (9000, 0, 0)], policy=policy, start=start).cycles
    assert [b.sms_credits_carried_out for b in bills] == [250, 100, 1350]
    assert bills[1].sms_credits_available == 1500 and bills[1].sms_credits_blocked == 0

    manual = Policy(sms="auto_upgrade", manual_downgrade=True, sms_rollover=True)
    bills = run([(9000, 0, 2000), (9000, 0, 0)], policy=manual, start=start).cycles
    assert (bills[0].sms_plan_credits, bills[0].sms_credits_carried_out) == (2500, 500)
    assert bills[1].sms_plan_credits == 1250
    assert bills[1].sms_credits_available == 1250  # the 500 rolled credits went with the downgrade


def test_flexed_credits_never_carry():
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    policy = Policy(sms="flex", sms_rollover=True)
    bill = run([(9000, 0, 1300)], policy=policy, start=start).cycles[0]
    assert (bill.sms_flexes, bill.sms_credits_carried_out) == (1, 0)


def test_rollover_off_by_default():
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    bill = run([(9000, 0, 100)], start=start).cycles[0]
    assert bill.sms_credits_carried_out == 0


def test_notifications_at_75_and_90_and_95_under_auto_upgrade():
    kinds = lambda bill: [e.kind for e in bill.events if e.channel == "email"]  # noqa: E731
    auto = run([(9000, 95000, 0)], policy=AUTO, start=PLAN_10K).cycles[0]
    none = run([(9000, 95000, 0)], start=PLAN_10K).cycles[0]
    below = run([(9000, 74999, 0)], policy=AUTO, start=PLAN_10K).cycles[0]
    assert kinds(auto) == [EventKind.NOTICE_75, EventKind.NOTICE_90, EventKind.NOTICE_95]
    assert kinds(none) == [EventKind.NOTICE_75, EventKind.NOTICE_90]
    assert kinds(below) == []


def test_notification_day_assumes_even_sending_over_30_days():
    bill = run([(9000, 200000, 0)], start=PLAN_10K).cycles[0]
    days = {e.kind: e.day for e in bill.events}
    # 75,000 of 200,000 sent by day 11.25 -> day 12; the limit (100,000) on day 15
    assert days[EventKind.NOTICE_75] == 12
    assert days[EventKind.BLOCK] == 15


def test_lost_revenue_is_rounded_to_cents_per_cycle():
    extra = {"revenue_per_email_usd": "0.003", "revenue_per_sms_credit_usd": "0.011"}
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    bill = run([(9000, 100005, 1251)], start=start, **extra).cycles[0]
    assert bill.lost_revenue_usd == usd("0.03")  # 5 x 0.003 + 1 x 0.011 = 0.026


def test_same_preference_on_email_does_not_leak_into_sms():
    policy = Policy(email="auto_upgrade", sms="none")
    start = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
    bill = run([(9000, 120000, 2000)], policy=policy, start=start).cycles[0]
    assert bill.email_upgrades > 0 and bill.sms_upgrades == 0 and bill.sms_credits_blocked == 750
    assert policy.sms is Preference.NONE


def test_the_bundled_book_has_52_email_bands_and_the_no_plan_sms_row():
    bundled = load_price_book()  # about data/pricing/ itself, not the pinned test book
    assert len(bundled.email_tiers) == 52
    no_plan = bundled.sms_tiers[0]
    assert (no_plan.monthly_credits, no_plan.monthly_price_usd) == (0, Decimal(0))
