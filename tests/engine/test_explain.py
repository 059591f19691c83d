"""Why this cycle's bill differs from the last (issue 12, item 4): the lines add up to the change
exactly for every setting and cycle pair; the worked example of section 5 explained; reasons for
a price change, a profile-compliance move, a downgrade by hand, an upgrade carried over."""

from decimal import Decimal

import pytest
from hypothesis import given

from engine.explain import PARTS, explain_change
from engine.models import Policy, PriceChange, Scenario, Start, UsageCycle
from engine.settings import SETTINGS, with_setting
from engine.simulate import simulate
from tests.engine.helpers import BOOK
from tests.engine.test_properties import PROPERTY, scenarios


@PROPERTY
@given(scenarios())
def test_the_lines_add_up_to_the_change_for_every_setting_and_cycle_pair(scenario):
    runs = [scenario] + [with_setting(scenario, s.setting) for s in SETTINGS.values()]
    for sc in runs:
        result = simulate(sc, BOOK)
        for cycle in range(2, len(result.cycles) + 1):
            before, after = result.cycles[cycle - 2], result.cycles[cycle - 1]
            change = explain_change(sc, BOOK, result, cycle)
            assert change.change_usd == after.total_usd - before.total_usd
            assert (change.before_usd, change.after_usd) == (before.total_usd, after.total_usd)
            assert sum((line.change_usd for line in change.lines), Decimal(0)) == change.change_usd
            fields = dict((item, field) for field, item in PARTS)
            for line in change.lines:
                field = fields[line.item]
                assert (line.before_usd, line.after_usd) == (
                    getattr(before, field),
                    getattr(after, field),
                )
                assert line.change_usd != 0 and line.reason
            changed = [item for field, item in PARTS if getattr(before, field) != getattr(after, field)]
            assert [line.item for line in change.lines] == changed
            assert change.summary


# Section 5's worked example, with a fourth cycle like the third (its 10,400 profiles count then).
START = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
USAGE = [(9400, 90000, 1000), (9800, 160000, 3000), (10400, 95000, 1100), (10400, 95000, 1100)]


def worked(change: PriceChange | None = None, **policy) -> Scenario:
    return Scenario(
        start=START,
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in USAGE],
        policy=Policy(**policy),
        price_change=change,
        revenue_per_email_usd=Decimal("0.05"),
    )


def explained(scenario: Scenario, cycle: int):
    change = explain_change(scenario, BOOK, simulate(scenario, BOOK), cycle)
    return change, {line.item: line for line in change.lines}


def test_auto_upgrade_cycle_2_to_3_the_upgrade_carries_over():
    """Section 5, auto_upgrade: cycle 2 $431.00 ($225 + $41 upgrades), cycle 3 $431.00 on the
    20,000 / 5,000 plans: the same total, four lines that cancel."""
    change, lines = explained(worked(email="auto_upgrade", sms="auto_upgrade"), 3)
    assert change.change_usd == 0
    assert [(k, v.before_usd, v.after_usd) for k, v in lines.items()] == [
        ("Email plan", Decimal("150"), Decimal("375")),
        ("Email upgrade charge", Decimal("225"), Decimal("0")),
        ("SMS plan", Decimal("15"), Decimal("56")),
        ("SMS upgrade charge", Decimal("41"), Decimal("0")),
    ]
    assert lines["Email plan"].reason == (
        "The auto-upgrade to the 20,000 plan in cycle 2 carried over (the plan stays until a downgrade)"
    )
    assert lines["SMS plan"].reason.startswith(
        "The SMS auto-upgrade to 5,000 credits in cycle 2 carried over"
    )
    assert lines["Email upgrade charge"].reason == (
        "No upgrade in cycle 3; auto-upgrade, 9 tier steps to the 20,000 profiles plan in cycle 2"
    )
    assert change.summary == (
        "Cycle 3's bill is $431.00, unchanged overall from cycle 2's $431.00; "
        "the largest change: Email plan (+$225.00)."
    )


def test_flex_cycle_1_to_2_counts_the_flexes():
    change, lines = explained(worked(email="flex", sms="flex"), 2)
    assert change.change_usd == Decimal("195.00")  # $165.00 -> $360.00
    assert lines["Email flex fees"].change_usd == Decimal("150.00")
    assert lines["Email flex fees"].reason.startswith("9 flexes in cycle 2 (160,000 emails wanted)")
    assert lines["SMS flex fees"].reason.startswith("2 flexes in cycle 2 (3,000 credits wanted)")


def test_a_downgrade_by_hand_is_the_reason_the_upgrade_charge_goes():
    change, lines = explained(worked(email="auto_upgrade", sms="auto_upgrade", manual_downgrade=True), 3)
    assert change.change_usd == Decimal("-266.00")  # $431.00 -> $165.00
    assert set(lines) == {"Email upgrade charge", "SMS upgrade charge"}
    assert "downgraded by hand at renewal from 20,000 to 10,000" in lines["Email upgrade charge"].reason


def test_profile_compliance_and_a_price_change_are_the_reasons():
    scenario = worked(PriceChange(pct=Decimal("10"), from_cycle=4), email="flex", sms="flex")
    change, lines = explained(scenario, 4)
    # 10,400 profiles at the end of cycle 3 need the 10,500 plan ($175, +10% = $192.50)
    assert (lines["Email plan"].before_usd, lines["Email plan"].after_usd) == (
        Decimal("150"),
        Decimal("192.50"),
    )
    assert lines["Email plan"].reason == (
        "9,800 → 10,400 active profiles needed the 10,500 plan (profile compliance at renewal; it "
        "cannot be switched off); every price changed by +10% from cycle 4"
    )
    assert lines["SMS plan"].reason == "Every price changed by +10% from cycle 4"
    assert change.change_usd == Decimal("44.00")


def test_a_bill_that_does_not_change_has_no_lines():
    change, lines = explained(worked(), 3)  # stop sending: $165.00 in cycles 2 and 3
    assert lines == {} and change.change_usd == 0
    assert change.summary == "Cycle 3's bill is the same as cycle 2's: $165.00."


@pytest.mark.parametrize("cycle", [1, 0, 5, -1, True])
def test_cycle_1_or_out_of_range_is_a_clear_error(cycle):
    scenario = worked(email="flex", sms="flex")
    with pytest.raises(ValueError, match=r"^cycle: must be 2 to 4 \(the later of two consecutive"):
        explain_change(scenario, BOOK, simulate(scenario, BOOK), cycle)


def test_with_months_the_words_name_months_not_cycles():
    """On a page with dates, the reasons and the summary say "Dec 2026", never "cycle 2"."""
    from datetime import date

    scenario = worked(email="auto_upgrade", sms="auto_upgrade")
    result = simulate(scenario, BOOK)
    months = (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1))
    plain = explain_change(scenario, BOOK, result, 3)
    dated = explain_change(scenario, BOOK, result, 3, months)
    assert "cycle 2" in " ".join(x.reason for x in plain.lines)
    assert dated.summary.startswith("Jan 2027's bill") and "from Dec 2026's" in dated.summary
    words = " ".join([dated.summary, *(x.reason for x in dated.lines)])
    assert "cycle 2" not in words.lower() and "Dec 2026" in words
    assert [x.change_usd for x in dated.lines] == [x.change_usd for x in plain.lines]
