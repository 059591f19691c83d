"""The vectorised engine (engine/vector.py) against the scalar reference, field by field.

The property test draws random small books (free tiers, no-SMS rows, equal prices), price
changes with 4-decimal percentages, revenues with 6 decimals, card windows, rollover, manual
schedules, every preference and all three flex readings, random calendars of dated actions
(preferences per cycle, upgrades by hand and downgrades to random plans), with counts near the
books' edges, and compares every numeric field of every cycle. Examples: VECTOR_PROPERTY_EXAMPLES (default 300,
a few seconds); set it to thousands for a thorough run.
"""

import json
import os
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import main
from engine.contract import book_for, parse_scenario, result_json
from engine.models import (
    Action,
    ActionKind,
    DowngradeRequest,
    EmailTier,
    FlexFeeBasis,
    ManualDowngrade,
    Policy,
    Preference,
    PriceBook,
    Scenario,
    SmsTier,
    Start,
    UsageCycle,
)
from engine.settings import SETTINGS, with_setting
from engine.simulate import simulate
from engine.vector import bill_paths, simulate_vector
from tests.engine.test_properties import policies
from tests.golden.test_golden import CASES, scenario_text

EXAMPLES = int(os.environ.get("VECTOR_PROPERTY_EXAMPLES", "300"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def increasing(draw, n: int, low: int, step: int) -> list[int]:
    out, v = [], low
    for _ in range(n):
        v += draw(st.integers(1, step))
        out.append(v)
    return out


def prices(draw, n: int, free_first: bool) -> list[Decimal]:
    out, v = [], 0
    for i in range(n):
        v += 0 if (i == 0 and free_first) else draw(st.integers(0, 30_000))
        out.append(Decimal(v).scaleb(-2))
    return out


@st.composite
def books(draw) -> PriceBook:
    n = draw(st.integers(1, 6))
    free = draw(st.booleans())
    caps = increasing(draw, n, 0, 3_000)
    sends = increasing(draw, n, -1 if free else 0, 40_000)
    email = [
        EmailTier(max_profiles=c, monthly_price_usd=p, monthly_email_sends=s)
        for c, s, p in zip(caps, sends, prices(draw, n, free), strict=True)
    ]
    m = draw(st.integers(0, 4))
    credits = increasing(draw, m, 0, 5_000)
    sms = [SmsTier(monthly_credits=0, monthly_price_usd=Decimal(0))] + [
        SmsTier(monthly_credits=c, monthly_price_usd=p)
        for c, p in zip(credits, prices(draw, m, False), strict=True)
    ]
    return PriceBook(email_tiers=email, sms_tiers=sms)


def near(edges: list[int], spread: int) -> st.SearchStrategy[int]:
    """A count: 0, near an edge of the ladder, or anywhere up to 20% above its top."""
    top = int(max(edges, default=0) * 1.2) + 10
    return st.one_of(
        st.just(0),
        st.builds(lambda v, d: max(0, v + d), st.sampled_from(edges), st.integers(-spread, spread)),
        st.integers(0, top),
    )


@st.composite
def cancelling(draw, horizon: int) -> Policy:
    """Auto-upgrade with downgrades requested at cycle starts: the cancel rule of section 3.1
    (an upgrade in the cycle of the request cancels it), rare under `policies`."""
    cycles = (
        draw(st.lists(st.integers(2, horizon), max_size=horizon, unique=True)) if horizon > 1 else []
    )
    schedule = [
        ManualDowngrade(cycle=c, channel=ch, requested=draw(st.sampled_from(list(DowngradeRequest))))
        for c in cycles
        for ch in ("email", "sms")
    ]
    return Policy(
        email=draw(st.sampled_from(list(Preference))),
        sms=Preference.AUTO_UPGRADE,
        manual_downgrades=schedule,
        sms_rollover=draw(st.booleans()),
    )


@st.composite
def calendars(draw, horizon: int, plans: dict[str, st.SearchStrategy[int]], downgrades: bool):
    """A random calendar of dated actions (engine.models.Action): preferences per cycle (with
    auto-downgrade on email flex), upgrades by hand and downgrade requests to random plans
    (near the ladder's edges, below the plan, above the top), each (cycle, channel, kind) once,
    in cycle order."""
    kinds = list(ActionKind) if downgrades else [ActionKind.PREFERENCE, ActionKind.UPGRADE]
    keys = st.tuples(st.integers(1, horizon), st.sampled_from(["email", "sms"]), st.sampled_from(kinds))
    actions = []
    for cycle, channel, kind in draw(st.lists(keys, max_size=3 * horizon, unique=True)):
        if kind is ActionKind.PREFERENCE:
            preference = draw(st.sampled_from(list(Preference)))
            auto = channel == "email" and preference is Preference.FLEX and draw(st.booleans())
            actions.append(
                Action(
                    cycle=cycle, channel=channel, action=kind, preference=preference, auto_downgrade=auto
                )
            )
        elif kind is ActionKind.UPGRADE or cycle < horizon:
            actions.append(Action(cycle=cycle, channel=channel, action=kind, plan=draw(plans[channel])))
    return tuple(sorted(actions, key=lambda a: a.cycle))


@st.composite
def cases(draw, cancel: bool = False, calendar: bool = False) -> tuple[Scenario, PriceBook]:
    book = draw(books())
    caps = [t.max_profiles for t in book.email_tiers]
    sends = [t.monthly_email_sends for t in book.email_tiers]
    credits = [t.monthly_credits for t in book.sms_tiers]
    profiles, emails, texts = near(caps, 300), near(sends, 3_000), near(credits, 2_000)
    rows = draw(st.lists(st.tuples(profiles, emails, texts), min_size=1, max_size=14))
    policy = draw(cancelling(len(rows)) if cancel else policies(len(rows)))
    if calendar:
        plans = {"email": near(caps, 300), "sms": near(credits, 2_000)}
        actions = draw(calendars(len(rows), plans, not policy.manual_downgrade))
        # a calendar states its own downgrades: never beside a schedule of manual_downgrades
        policy = Policy(**{**dict(policy), "manual_downgrades": (), "actions": actions})
    change = draw(
        st.none()
        | st.fixed_dictionaries(
            {"pct": st.decimals(-99, 60, places=4), "from_cycle": st.integers(1, 16)}
        )
    )
    scenario = Scenario(
        start=Start(
            active_profiles=draw(profiles),
            email_plan_profiles=draw(st.none() | profiles),
            sms_plan_credits=draw(st.sampled_from(credits) | texts),
        ),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in rows],
        policy=policy,
        price_change=change,
        revenue_per_email_usd=draw(st.decimals(0, 2, places=6)),
        revenue_per_sms_credit_usd=draw(st.decimals(0, 2, places=6)),
    )
    return scenario, book


def numbers(result) -> dict:
    """The result's JSON with the events left out (the vector engine gives none)."""
    out = result_json(result)
    for cycle in out["cycles"]:
        cycle.pop("events")
    return out


def assert_same_numbers(scenario: Scenario, book: PriceBook) -> None:
    """Every numeric field of every cycle, scalar against vector (the differing keys shown)."""
    want, got = numbers(simulate(scenario, book)), numbers(simulate_vector(scenario, book))
    for a, b in zip(want["cycles"], got["cycles"], strict=True):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert want == got


@PROPERTY
@given(cases() | cases(cancel=True) | cases(calendar=True))
def test_vector_equals_scalar_on_every_field_of_every_cycle(case):
    assert_same_numbers(*case)


@PROPERTY
@given(cases(calendar=True))
def test_vector_bills_a_calendar_of_actions_as_the_scalar_engine(case):
    """Calendars only: preferences per cycle, upgrades by hand (flag and charge) and downgrades
    to a named plan, on every field of every cycle."""
    assert_same_numbers(*case)


@PROPERTY
@given(cases() | cases(calendar=True), st.data())
def test_bill_paths_equal_looping_simulate_under_every_named_setting(case, data):
    scenario, book = case
    h = len(scenario.usage)
    p = data.draw(st.integers(1, 4))
    caps = [t.max_profiles for t in book.email_tiers]
    sends = [t.monthly_email_sends for t in book.email_tiers]
    credits = [t.monthly_credits for t in book.sms_tiers]
    row = st.tuples(near(caps, 300), near(sends, 3_000), near(credits, 2_000))
    usage = np.array(data.draw(st.lists(st.lists(row, min_size=h, max_size=h), min_size=p, max_size=p)))
    named = [(k, s.setting) for k, s in SETTINGS.items()]
    named.append(("own", scenario.policy.setting))
    bills = bill_paths(scenario, book, usage, named)
    assert bills.keys == tuple(k for k, _ in named)
    assert bills.total_cents.shape == (p, len(named))
    assert bills.cumulative_cents.shape == (p, len(named), h)
    for i in range(p):
        rows = [UsageCycle(active_profiles=int(a), email_sends=int(e), sms_credits=int(c)) for a, e, c in usage[i]]  # fmt: skip
        path = scenario.model_copy(update={"usage": tuple(rows)})
        for j, (_, setting) in enumerate(named):
            result = simulate(with_setting(path, setting), book)
            assert bills.total_cents[i, j] == result.total_usd * 100
            assert bills.lost_cents[i, j] == result.lost_revenue_usd * 100
            running = np.cumsum([int(b.total_usd * 100) for b in result.cycles])
            assert bills.cumulative_cents[i, j].tolist() == running.tolist()


def test_every_golden_case_through_the_vector_engine():
    assert len(CASES) >= 13
    for path in CASES:
        scenario = parse_scenario(scenario_text(json.loads(path.read_text())))
        book = book_for(scenario)
        assert numbers(simulate_vector(scenario, book)) == numbers(simulate(scenario, book)), path.stem
        assert all(not c.events for c in simulate_vector(scenario, book).cycles)


def test_golden_cases_cover_all_three_flex_readings():
    bases = {
        parse_scenario(scenario_text(json.loads(p.read_text()))).policy.flex_fee_basis for p in CASES
    }
    assert bases == set(FlexFeeBasis)


def test_the_command_line_prints_the_scalar_json_without_events(tmp_path, capsys):
    path = next(p for p in CASES if p.stem == "worked-example-flex-extra")
    file = tmp_path / "scenario.json"
    file.write_text(scenario_text(json.loads(path.read_text())))
    assert main(["simulate", str(file)]) == 0
    scalar = json.loads(capsys.readouterr().out)
    assert main(["simulate", "--engine", "vector", str(file)]) == 0
    vector = json.loads(capsys.readouterr().out)
    assert any(c["events"] for c in scalar["cycles"])
    for cycle in scalar["cycles"]:
        cycle["events"] = []
    assert vector == scalar


def test_lost_revenue_beyond_int64_is_still_exact():
    """10 billion blocked emails at $999.999999 each is 10**19 micro-dollars, past int64: the
    vector engine switches to exact integers there."""
    book = PriceBook(
        email_tiers=[
            EmailTier(max_profiles=10, monthly_price_usd=Decimal("10"), monthly_email_sends=100),
            EmailTier(
                max_profiles=20, monthly_price_usd=Decimal("20"), monthly_email_sends=10_000_000_000
            ),
        ]
    )
    scenario = Scenario(
        start=Start(active_profiles=10),
        usage=[UsageCycle(active_profiles=10, email_sends=10_000_000_000, sms_credits=0)],
        revenue_per_email_usd=Decimal("999.999999"),
    )
    want = simulate(scenario, book)
    assert want.lost_revenue_usd > Decimal(10**11)
    assert numbers(simulate_vector(scenario, book)) == numbers(want)


def test_a_calendar_given_out_of_order_is_billed_in_the_order_of_its_cycles():
    """Preference actions hold from their cycle until a later one on the channel, whatever
    their order in the list: both engines read them by cycle (a list-order bug found in review)."""
    usage = [{"active_profiles": 9000, "email_sends": 150_000, "sms_credits": 0}] * 4
    later_first = [
        {"cycle": 3, "channel": "email", "action": "preference", "preference": "flex"},
        {"cycle": 1, "channel": "email", "action": "preference", "preference": "none"},
    ]
    text = json.dumps(
        {
            "start": {"active_profiles": 9000, "email_plan_profiles": 10000},
            "usage": usage,
            "policy": {"email": "auto_upgrade", "actions": later_first},
        }
    )
    scenario = parse_scenario(text)
    scalar = simulate(scenario, book_for(scenario))
    assert [c.email_flexes > 0 for c in scalar.cycles] == [False, False, True, True]
    assert [c.emails_blocked > 0 for c in scalar.cycles] == [True, True, False, False]
    assert numbers(simulate_vector(scenario, book_for(scenario))) == numbers(scalar)
