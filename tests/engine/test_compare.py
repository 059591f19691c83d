"""The named policy comparison: the set of section 6, ranking, wording, sensitivity."""

from decimal import Decimal

from engine import NAMED_POLICIES, Policy, Scenario, Start, UsageCycle, compare, sensitivity
from engine.compare import CURRENT_KEY
from tests.engine.helpers import BOOK, run


def scenario(policy=None, revenue="0.05", usage=None):
    rows = usage or [(9400, 90000, 1000), (9800, 160000, 3000), (10400, 95000, 1100)]
    return Scenario(
        start=Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=policy or Policy(email="auto_upgrade", sms="auto_upgrade"),
        revenue_per_email_usd=revenue,
    )


def test_the_named_set_is_section_6():
    assert [p.label for p in NAMED_POLICIES] == [
        "Stop sending",
        "Flexible sending",
        "Flexible sending + auto-downgrade",
        "Auto-upgrade",
        "Auto-upgrade, then downgrade by hand",
    ]


def test_ranks_by_bill_and_by_bill_plus_lost_revenue():
    c = compare(scenario(), BOOK, labels=["Oct", "Nov", "Dec"])
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


def test_recommendation_in_plain_words_names_the_months_and_the_saving():
    c = compare(scenario(), BOOK, labels=["Oct", "Nov", "Dec"])
    text = c.recommendation
    assert text.startswith("Flexible sending costs least over 3 months: $690 billed.")
    assert "pays $195 in one-off flex fees in Nov and keeps the plan" in text
    assert "Your current setting, Auto-upgrade, costs $337 more" in text
    assert "moves up in Nov ($266 in upgrade charges) and stays there" in text
    assert "the 20,000-profile email plan ($431/month with SMS) for the 1 month(s) after" in text
    assert "On the bill alone Stop sending is cheapest ($495)" in text


def test_blocked_sends_priced_at_zero_are_called_out():
    c = compare(scenario(revenue="0"), BOOK)
    assert c.cheapest_with_lost == "stop"
    assert "blocked sends are priced at $0" in c.recommendation


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


def test_current_setting_that_wins_says_nothing_to_change():
    c = compare(scenario(Policy(email="flex", sms="flex")), BOOK)
    assert c.saving_vs_current_usd == 0
    assert "That is your current setting: nothing to change." in c.recommendation


def test_switches_of_the_base_policy_carry_into_every_named_setting():
    base = Policy(email="none", sms="none", flex_fee_basis="whole", card_failure_cycle=2)
    c = compare(scenario(base), BOOK)
    for o in c.outcomes:
        assert (o.policy.flex_fee_basis, o.policy.card_failure_cycle) == ("whole", 2)


def test_sensitivity_flex_fee_basis_changes_only_flex_settings_and_the_answer():
    s = scenario()
    base = compare(s, BOOK)
    fee, rollover = sensitivity(s, BOOK, base)
    assert fee.switch == "flex_fee_basis"
    assert fee.totals_usd["flex"] == Decimal("2370.00")
    assert fee.totals_usd["stop"] == base.outcome("stop").total_usd
    assert fee.totals_usd["auto_upgrade"] == base.outcome("auto_upgrade").total_usd
    assert fee.changes_answer and fee.cheapest_with_lost == "auto_upgrade_manual_downgrade"
    assert "the cheapest becomes Auto-upgrade, then downgrade by hand" in fee.summary
    assert rollover.switch == "sms_rollover" and not rollover.changes_answer
    assert rollover.summary.startswith("No difference if unused SMS credits roll over")


def test_more_profiles_can_make_flexible_sending_cheaper():
    """A finding, not a bug: the 13,500 plan's unit rate is above the 15,000 plan's ($0.00241 vs
    $0.00233), so being forced up by profiles can cut the flex fees by more than the $25 step."""
    flex = Policy(email="flex")
    fewer = run([(13300, 200000, 0)], policy=flex, start=Start(active_profiles=13300))
    more = run([(14000, 200000, 0)], policy=flex, start=Start(active_profiles=14000))
    assert fewer.total_usd == Decimal("481.48")  # $325 + 36.11 + 120.37
    assert more.total_usd == Decimal("466.67")  # $350 + 116.67
    assert more.total_usd < fewer.total_usd
