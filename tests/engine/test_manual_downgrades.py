"""Manual downgrade schedule and the cancel rule (docs/billing-rules.md section 3.1)."""

from engine import EventKind, Policy, Start
from engine.models import ManualDowngrade
from tests.engine.helpers import run, usd

START = Start(active_profiles=9000, email_plan_profiles=10000, sms_plan_credits=1250)
PEAK, CALM = (9000, 160000, 3000), (9000, 50000, 500)  # cycle 2's peak moves to 20,000 / 5,000


def auto(*downgrades, **extra) -> Policy:
    return Policy(email="auto_upgrade", sms="auto_upgrade", manual_downgrades=downgrades, **extra)


def down(cycle, channel="email", requested="after_upgrades") -> ManualDowngrade:
    return ManualDowngrade(cycle=cycle, channel=channel, requested=requested)


def kinds(bill, channel="email"):
    return [e.kind for e in bill.events if e.channel == channel]


def test_a_scheduled_downgrade_moves_the_plan_back_at_that_renewal_only():
    bills = run([CALM, PEAK, CALM, CALM], policy=auto(down(3)), start=START).cycles
    assert [b.email_plan_profiles for b in bills] == [10000, 20000, 10000, 10000]
    assert [b.email_manual_downgrade for b in bills] == [False, False, True, False]
    assert bills[2].email_base_usd == usd("150") and EventKind.DOWNGRADE in kinds(bills[2])
    assert bills[2].sms_plan_credits == 5000  # no SMS downgrade was scheduled


def test_the_sms_downgrade_goes_back_to_the_start_plan_and_loses_rolled_credits():
    policy = auto(down(3, "sms"), sms_rollover=True)
    bills = run([CALM, PEAK, CALM], policy=policy, start=START).cycles
    # 1,250 + 750 rolled from cycle 1 cannot carry 3,000: up to 2,500, leaving 250 to roll over
    assert (bills[1].sms_plan_credits, bills[1].sms_credits_carried_out) == (2500, 250)
    assert (bills[2].sms_plan_credits, bills[2].sms_credits_available) == (1250, 1250)
    assert bills[2].sms_manual_downgrade and not bills[2].email_manual_downgrade


def test_a_downgrade_requested_at_the_cycle_start_is_cancelled_by_that_cycles_upgrade():
    bills = run([CALM, PEAK, CALM], policy=auto(down(3, requested="cycle_start")), start=START).cycles
    assert bills[2].email_plan_profiles == 20000 and not bills[2].email_manual_downgrade
    cancelled = [e for e in bills[2].events if e.kind is EventKind.DOWNGRADE_CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].channel == "email"
    assert "auto-upgraded to 20,000" in cancelled[0].message  # names the upgrade that cancelled it
    assert "cycle 2" in cancelled[0].message


def test_only_an_upgrade_in_the_cycle_just_before_cancels():
    # The upgrade is in cycle 2; the request at the start of cycle 3 comes after it.
    bills = run(
        [CALM, PEAK, CALM, CALM], policy=auto(down(4, requested="cycle_start")), start=START
    ).cycles
    assert bills[3].email_manual_downgrade and bills[3].email_plan_profiles == 10000
    assert not any(e.kind is EventKind.DOWNGRADE_CANCELLED for b in bills for e in b.events)


def test_an_sms_upgrade_cancels_only_the_sms_request():
    policy = auto(down(3, "email", "cycle_start"), down(3, "sms", "cycle_start"))
    sms_peak = (9000, 50000, 3000)  # SMS upgrades in cycle 2, email does not
    bills = run([CALM, sms_peak, CALM], policy=policy, start=START).cycles
    assert kinds(bills[2], "sms") == [EventKind.DOWNGRADE_CANCELLED]
    assert bills[2].sms_plan_credits == 5000
    assert EventKind.DOWNGRADE_CANCELLED not in kinds(bills[2])  # email: nothing to move, no event


def test_nothing_cancels_a_downgrade_at_the_first_renewal():
    # No cycle comes before the first renewal, so nothing can cancel a request for it; the
    # floor of a manual downgrade is the start plan, so here it is a no-op without an event.
    bills = run([PEAK], policy=auto(down(1, requested="cycle_start")), start=START).cycles
    assert EventKind.DOWNGRADE_CANCELLED not in kinds(bills[0])
    assert EventKind.DOWNGRADE not in kinds(bills[0])


def test_a_downgrade_that_would_not_move_the_plan_is_a_no_op_without_event():
    bills = run([CALM, CALM, CALM], policy=auto(down(2), down(3, "sms")), start=START).cycles
    assert not any(b.email_manual_downgrade or b.sms_manual_downgrade for b in bills)
    assert not any(e.kind is EventKind.DOWNGRADE for b in bills for e in b.events)


def test_the_downgrade_stops_at_the_plan_the_profiles_need():
    grown = (12200, 50000, 0)  # 12,200 profiles need the 12,500 plan at the next renewal
    bills = run([CALM, PEAK, grown, CALM], policy=auto(down(4)), start=START).cycles
    assert bills[3].email_plan_profiles == 12500 and bills[3].email_manual_downgrade


def test_manual_downgrade_flag_is_the_same_as_a_downgrade_at_every_renewal():
    usage = [CALM, PEAK, CALM, PEAK, PEAK, CALM]
    every = tuple(down(t, ch) for t in range(1, 7) for ch in ("email", "sms"))
    flag = run(
        usage,
        policy=Policy(email="auto_upgrade", sms="auto_upgrade", manual_downgrade=True),
        start=START,
    )
    schedule = run(usage, policy=auto(*every), start=START)
    assert flag == schedule
    assert [b.email_manual_downgrade for b in flag.cycles] == [False, False, True, False, True, True]


def test_auto_downgrade_is_flagged_at_its_renewal():
    policy = Policy(email="flex", auto_downgrade=True)
    bills = run(
        [(9000, 0, 0), (9000, 0, 0)],
        policy=policy,
        start=Start(active_profiles=9000, email_plan_profiles=11000),
    ).cycles
    assert [b.email_plan_profiles for b in bills] == [10500, 10000]  # one tier per renewal
    assert [b.email_auto_downgrade for b in bills] == [True, True]
    assert not any(b.email_manual_downgrade for b in bills)
