"""Property tests (hypothesis): invariants that must hold for any usage path and policy."""

from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Policy, Scenario, Start, UsageCycle, simulate
from engine.models import FlexFeeBasis, Preference
from tests.engine.helpers import BOOK

PROFILES = st.integers(min_value=0, max_value=300_000)
usage_rows = st.lists(
    st.tuples(PROFILES, st.integers(0, 3_000_000), st.integers(0, 500_000)), min_size=1, max_size=36
)


@st.composite
def policies(draw):
    email = draw(st.sampled_from(list(Preference)))
    auto_down = email is Preference.FLEX and draw(st.booleans())
    manual = not auto_down and draw(st.booleans())
    failure = draw(st.none() | st.integers(1, 36))
    fixed = None if failure is None else draw(st.none() | st.integers(failure + 1, 40))
    return Policy(
        email=email,
        sms=draw(st.sampled_from(list(Preference))),
        auto_downgrade=auto_down,
        manual_downgrade=manual,
        flex_fee_basis=draw(st.sampled_from(list(FlexFeeBasis))),
        sms_rollover=draw(st.booleans()),
        card_failure_cycle=failure,
        card_fixed_cycle=fixed,
    )


@st.composite
def scenarios(draw, policy=None):
    rows = draw(usage_rows)
    start = Start(
        active_profiles=draw(PROFILES),
        email_plan_profiles=draw(st.none() | PROFILES),
        sms_plan_credits=draw(st.integers(0, 500_000)),
    )
    change = draw(
        st.none()
        | st.fixed_dictionaries(
            {"pct": st.decimals(-50, 50, places=1), "from_cycle": st.integers(1, 36)}
        )
    )
    return Scenario(
        start=start,
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=policy or draw(policies()),
        price_change=change,
        revenue_per_email_usd=draw(st.decimals(0, 1, places=3)),
        revenue_per_sms_credit_usd=draw(st.decimals(0, 1, places=3)),
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONEY_FIELDS = (
    "email_base_usd",
    "email_upgrade_usd",
    "email_flex_usd",
    "sms_base_usd",
    "sms_upgrade_usd",
    "sms_flex_usd",
)


@FAST
@given(scenarios())
def test_totals_reconcile_with_their_lines(scenario):
    result = simulate(scenario, BOOK)
    for bill in result.cycles:
        assert bill.total_usd == sum(getattr(bill, f) for f in MONEY_FIELDS)
        assert bill.emails_sent + bill.emails_blocked == bill.email_sends_demand
        assert bill.sms_credits_used + bill.sms_credits_blocked == bill.sms_credits_demand
        flex_events = [e for e in bill.events if e.kind == "flex" and e.channel == "email"]
        assert sum((e.amount_usd for e in flex_events), Decimal(0)) == bill.email_flex_usd
    assert result.total_usd == sum(b.total_usd for b in result.cycles)
    assert result.lost_revenue_usd == sum(b.lost_revenue_usd for b in result.cycles)
    assert result.emails_blocked == sum(b.emails_blocked for b in result.cycles)


@FAST
@given(scenarios())
def test_no_negative_amounts(scenario):
    for bill in simulate(scenario, BOOK).cycles:
        for f in (*MONEY_FIELDS, "total_usd", "lost_revenue_usd"):
            assert getattr(bill, f) >= 0, f
        assert min(bill.emails_sent, bill.emails_blocked, bill.sms_credits_used) >= 0
        assert bill.sms_credits_carried_out >= 0


@FAST
@given(scenarios(), st.data())
def test_more_demand_never_lowers_the_bill_under_a_fixed_policy(scenario, data):
    """Raise one cycle's email sends or SMS credits: the total bill never falls."""
    i = data.draw(st.integers(0, len(scenario.usage) - 1))
    field = data.draw(st.sampled_from(["email_sends", "sms_credits"]))
    more = data.draw(st.integers(1, 1_000_000))
    usage = list(scenario.usage)
    usage[i] = usage[i].model_copy(update={field: getattr(usage[i], field) + more})
    higher = scenario.model_copy(update={"usage": tuple(usage)})
    assert simulate(higher, BOOK).total_usd >= simulate(scenario, BOOK).total_usd


@FAST
@given(scenarios(), st.data())
def test_more_profiles_never_lower_the_bill_without_flex(scenario, data):
    """Without flex. With flex, more profiles can be cheaper: see test_compare's named case."""
    policy = scenario.policy.model_copy(
        update={
            "email": data.draw(st.sampled_from([Preference.NONE, Preference.AUTO_UPGRADE])),
            "auto_downgrade": False,
        }
    )
    scenario = scenario.model_copy(update={"policy": policy})
    i = data.draw(st.integers(0, len(scenario.usage) - 1))
    usage = list(scenario.usage)
    usage[i] = usage[i].model_copy(update={"active_profiles": usage[i].active_profiles + 5000})
    higher = scenario.model_copy(update={"usage": tuple(usage)})
    assert simulate(higher, BOOK).total_usd >= simulate(scenario, BOOK).total_usd


@FAST
@given(scenarios())
def test_the_same_input_gives_the_same_output(scenario):
    first = simulate(scenario, BOOK)
    again = simulate(Scenario.model_validate_json(scenario.model_dump_json()), BOOK)
    assert first == again
    assert first.model_dump_json() == again.model_dump_json()


@FAST
@given(scenarios(), st.booleans())
def test_flex_never_changes_the_plan(scenario, rollover):
    """Under flex the plan follows profiles exactly as it would if sending simply stopped."""

    def run(pref):
        policy = Policy(email=pref, sms=pref, sms_rollover=rollover)
        return simulate(scenario.model_copy(update={"policy": policy}), BOOK).cycles

    for flexed, stopped in zip(run(Preference.FLEX), run(Preference.NONE), strict=True):
        assert flexed.email_plan_profiles == stopped.email_plan_profiles
        assert flexed.sms_plan_credits == stopped.sms_plan_credits
        assert flexed.email_upgrades == flexed.sms_upgrades == 0


@FAST
@given(scenarios())
def test_auto_upgrade_never_lowers_the_plan(scenario):
    policy = Policy(email="auto_upgrade", sms="auto_upgrade")
    auto = simulate(scenario.model_copy(update={"policy": policy}), BOOK).cycles
    none = simulate(scenario.model_copy(update={"policy": Policy()}), BOOK).cycles
    for before, after in pairwise(auto):
        assert after.email_plan_profiles >= before.email_plan_profiles
        assert after.sms_plan_credits >= before.sms_plan_credits
    for a, n in zip(auto, none, strict=True):
        assert a.email_plan_profiles >= n.email_plan_profiles
        assert a.emails_blocked <= n.emails_blocked
