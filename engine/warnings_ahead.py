"""Warnings before a breach: the dated moments in the coming cycles when projected usage
crosses 75 / 90 / 100% of the send limit or the SMS credits, and the renewals at which the
profile count forces a higher plan, each with its cost under the current setting and what
avoids it (issue 12).

Dates follow the specification's day assumption (section 3.5): a cycle is 30 days with sends
spread evenly, so a level is reached on day ceil(30 x level / demand) (engine.rules.day).
Cycle n starts on `cycle_start_day` of the projection's n-th month; day d is start + (d - 1)
days. Every figure is `simulate()`'s: the days are those of the cycle's own events (the 75% and
90% notices, the first flex, auto-upgrade or block), the costs its CycleBill fields, and each
way out is priced by simulating it (docs/billing-rules.md section 7, "Warnings and the bill's
change"). The module is `warnings_ahead` so that it never shadows Python's own `warnings`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationError

from engine.advice import usd
from engine.contract import parse_history_request, whatif_fault
from engine.history import UsageHistory, day_label
from engine.models import (
    Action,
    ActionKind,
    CycleBill,
    EventKind,
    Frozen,
    Money,
    Policy,
    Preference,
    PriceBook,
    Scenario,
    SimulationResult,
    to_cents,
)
from engine.price_book import load_price_book
from engine.rules import Ladder
from engine.simulate import Run, State, simulate, step
from engine.simulate import start as start_run
from engine.whatif import WhatIf, scenario_for

ZERO = Decimal(0)
LEVELS: tuple[tuple[str, EventKind | None, int], ...] = (
    ("usage_75", EventKind.NOTICE_75, 75),
    ("usage_90", EventKind.NOTICE_90, 90),
    ("usage_100", None, 100),
)
# The events that mark the moment demand passes the cycle's base limit (section 3.3 / 3.4):
# the first flex, auto-upgrade step or block, whichever the setting does at the limit.
AT_LIMIT = (EventKind.FLEX, EventKind.AUTO_UPGRADE, EventKind.BLOCK)
CHANNEL_WORDS = {"email": "email", "sms": "SMS"}
PREFERENCE_WORDS = {
    Preference.NONE: "stop sending",
    Preference.FLEX: "flexible sending",
    Preference.AUTO_UPGRADE: "auto-upgrade",
}


class BreachWarning(Frozen):
    date: dt.date = Field(description="the day it happens (30-day cycle, even sending)")
    cycle: int
    month: dt.date = Field(description="the calendar month of the cycle")
    channel: Literal["email", "sms"]
    kind: Literal["usage_75", "usage_90", "usage_100", "profiles"]
    limit: int = Field(description="the send limit, the credits, or the plan's profiles")
    projected: int = Field(description="the projected sends, credits or profiles")
    cost_usd: Money = Field(description="what it costs under the current setting")
    avoid: str = Field(description="what avoids it, in plain words")
    avoid_amount: int = Field(description="profiles to suppress or messages to hold back")
    message: str
    days_away: int = Field(description="days from `today` (negative: already past)")
    act_by: dt.date | None = Field(
        default=None,
        description="profiles: suppress before this day (the count is taken 24 hours before "
        "the cycle ends); usage: the day the limit is passed (None: it stays under)",
    )


class Warnings(Frozen):
    today: dt.date
    first_cycle_starts: dt.date
    within_days: int | None
    warnings: tuple[BreachWarning, ...]
    due: int = Field(description="how many fall within within_days of today")


class WarningsRequest(Frozen):
    """`python -m engine warnings`'s input (POST /v1/warnings's body)."""

    history: UsageHistory
    whatif: WhatIf
    cycle_start_day: int = Field(default=1, ge=1, le=28, description="day of the month cycles start")
    price_book: PriceBook | None = None


def _usd(x: Decimal) -> str:
    return usd(to_cents(x))


def cycle_start(months: tuple[dt.date, ...], cycle: int, start_day: int) -> dt.date:
    """The lead's dating: cycle n starts on `start_day` of the projection's n-th month."""
    return months[cycle - 1].replace(day=start_day)


def count_deadline(renewal: dt.date) -> dt.date:
    """The day before which profiles must be suppressed to count at the renewal on `renewal`.

    The cycle before it ends when the renewal starts, so its last day is renewal - 1 day;
    Klaviyo counts 24 hours before the cycle ends, which can fall on the day before that last
    day, renewal - 2 days: suppressing before it is always in time."""
    return renewal - dt.timedelta(days=2)


def with_actions(scenario: Scenario, actions: list[dict[str, Any]]) -> Scenario | None:
    """The scenario with dated actions added to its setting, or None when they are not valid
    (a calendar's downgrade beside `manual_downgrade`, a plan above an action's bound)."""
    policy = scenario.policy
    try:
        added = tuple(Action(**a) for a in actions)
        setting = policy.setting.model_copy(update={"actions": (*policy.actions, *added)})
        setting = type(setting).model_validate(setting.model_dump())
        return scenario.model_copy(update={"policy": Policy.compose(setting, policy.assumptions)})
    except ValidationError:
        return None


class WayOut(Frozen):
    """One way through a cycle's limit, priced by simulating it."""

    words: str
    actions: tuple[dict[str, Any], ...]  # the dated actions (engine.models.Action) it takes
    change_usd: Decimal  # bill + lost revenue of the whole run, minus the current setting's


@dataclass(frozen=True)
class Base:
    """The current setting's run: its result and the state before every cycle, so that a way
    out is billed from its own cycle on with `step` (the engine's fold, nothing else)."""

    scenario: Scenario
    result: SimulationResult
    run: Run
    states: tuple[State, ...]  # states[c] = the state after cycle c (states[0]: before cycle 1)

    @classmethod
    def of(cls, scenario: Scenario, book: PriceBook) -> Base:
        run, state = start_run(scenario, book)
        states = [state]
        for cycle, use in enumerate(scenario.usage, start=1):
            state, _ = step(run, state, use, cycle)
            states.append(state)
        return cls(scenario, simulate(scenario, book), run, tuple(states))

    def change(self, actions: list[dict[str, Any]], n: int) -> Decimal | None:
        """Bill + lost revenue of the run with `actions` (dated n or n + 1) minus the current
        one's, or None when the actions are not valid. Cycles before n are the same; once the
        state after a cycle past n equals the current run's, so is everything after it."""
        alt = with_actions(self.scenario, actions)
        if alt is None:
            return None
        run = replace(self.run, setting=alt.policy.setting)
        state, delta = self.states[n - 1], ZERO
        for cycle in range(n, len(self.scenario.usage) + 1):
            state, bill = step(run, state, self.scenario.usage[cycle - 1], cycle)
            old = self.result.cycles[cycle - 1]
            delta += bill.total_usd + bill.lost_revenue_usd - old.total_usd - old.lost_revenue_usd
            if cycle > n and state == self.states[cycle]:
                break
        return delta


def ways_out(base: Base, bill: CycleBill, channel: str) -> list[WayOut]:
    """The alternatives at a 100% crossing in cycle `bill.cycle`, each billed by the engine: hold
    the messages back (stop sending that cycle), the other preferences for that cycle only, and
    an upgrade by hand on the cycle's first day to the tier whose limit covers the demand (with a
    downgrade requested that cycle, back to the plan, when the setting allows one)."""
    scenario = base.scenario
    n, horizon = bill.cycle, len(scenario.usage)
    email_pref, sms_pref, auto = scenario.policy.setting.preferences(n)
    current = email_pref if channel == "email" else sms_pref
    ladder = base.run.email if channel == "email" else base.run.sms
    unit = "emails" if channel == "email" else "credits"
    if channel == "email":
        demand, carried = bill.email_sends_demand, 0
        plan_cap = bill.email_plan_profiles_at_renewal
        over = bill.email_sends_demand - _base_limit(ladder, bill, channel)
    else:
        demand = bill.sms_credits_demand
        plan_cap = bill.sms_credits_available - _carried_in(base.result, bill)
        carried = bill.sms_credits_available - plan_cap
        over = demand - bill.sms_credits_available
    outs: list[WayOut] = []

    def add(words: str, acts: list[dict[str, Any]]) -> None:
        change = base.change(acts, n)
        if change is not None:
            outs.append(WayOut(words=words, actions=tuple(acts), change_usd=change))

    restore = []
    if n < horizon:
        keep = auto if channel == "email" and current is Preference.FLEX else False
        restore = [dict(cycle=n + 1, channel=channel, action=ActionKind.PREFERENCE, preference=current, auto_downgrade=keep)]  # fmt: skip
    for pref in Preference:
        if pref is current:
            continue
        if pref is Preference.NONE:
            words = f"hold back {over:,} {unit} in that cycle (switch to stop sending for it)"
        else:
            words = f"switch {CHANNEL_WORDS[channel]} to {PREFERENCE_WORDS[pref]} for that cycle only"
        add(words, [dict(cycle=n, channel=channel, action=ActionKind.PREFERENCE, preference=pref), *restore])  # fmt: skip
    if current is Preference.NONE:
        words = f"hold back {over:,} {unit} in that cycle (stop sending does this)"
        outs.append(WayOut(words=words, actions=(), change_usd=ZERO))
    target = next((k for k in range(ladder.top + 1) if ladder.sends[k] + carried >= demand), None)
    if target is not None and ladder.caps[target] > plan_cap:
        acts = [dict(cycle=n, channel=channel, action=ActionKind.UPGRADE, plan=ladder.caps[target])]
        back = ""
        if n < horizon and not scenario.policy.manual_downgrade:
            acts.append(dict(cycle=n, channel=channel, action=ActionKind.DOWNGRADE, plan=plan_cap))
            back = f", and request a downgrade back to {plan_cap:,} after that cycle's sends"
        credits = "" if channel == "email" else " credits"
        words = (
            f"upgrade {CHANNEL_WORDS[channel]} by hand to the {ladder.caps[target]:,}{credits} "
            f"plan (any day before the limit is passed: the difference is charged in full){back}"
        )
        add(words, acts)
    return outs


def _carried_in(result: SimulationResult, bill: CycleBill) -> int:
    """Credits carried into `bill`'s cycle: the cycle before's carried-out credits, lost when a
    downgrade moved the SMS plan at this renewal (engine/simulate.py `step`)."""
    if bill.cycle == 1 or bill.sms_manual_downgrade:
        return 0
    return result.cycles[bill.cycle - 2].sms_credits_carried_out


def _base_limit(email_ladder: Ladder, bill: CycleBill, channel: str) -> int:
    """The cycle's base limit: the sends of the email plan at renewal, or the SMS credits
    available (plan + carried-in)."""
    if channel == "sms":
        return bill.sms_credits_available
    return email_ladder.sends[email_ladder.cover(bill.email_plan_profiles_at_renewal)[0]]


def _channel_cost(bill: CycleBill, channel: str, per_email: Decimal) -> tuple[Decimal, Decimal]:
    """A channel's charges beyond its base in the cycle (upgrade + flex) and its share of the
    cycle's lost revenue: email's blocked emails x revenue per email rounded to cents, SMS the
    rest of the cycle's lost_revenue_usd, so the two shares add up to simulate's figure."""
    email_lost = to_cents((bill.emails_blocked - bill.emails_above_top) * per_email)
    if channel == "email":
        return bill.email_upgrade_usd + bill.email_flex_usd, email_lost
    return bill.sms_upgrade_usd + bill.sms_flex_usd, bill.lost_revenue_usd - email_lost


def warnings_ahead(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    today: dt.date,
    within_days: int | None = None,
    cycle_start_day: int = 1,
) -> Warnings:
    """Every warning of the what-if's projection under the user's current setting, by date;
    `due` counts those 0 to `within_days` days from `today` (none when it is None)."""
    projection, scenario = scenario_for(history, whatif)
    base = Base.of(scenario, book)
    result = base.result
    months = projection.months
    found: list[BreachWarning] = []
    for bill in result.cycles:
        start = cycle_start(months, bill.cycle, cycle_start_day)
        for channel in ("email", "sms"):
            found.extend(_usage_warnings(base, bill, channel, start, months))
        profile = _profile_warning(base, bill, start, months, today)
        if profile is not None:
            found.append(profile)
    found.sort(key=lambda w: (w.date, w.cycle, w.channel, w.kind))
    dated = [w.model_copy(update={"days_away": (w.date - today).days}) for w in found]
    due = 0 if within_days is None else sum(1 for w in dated if 0 <= w.days_away <= within_days)
    return Warnings(
        today=today,
        first_cycle_starts=cycle_start(months, 1, cycle_start_day),
        within_days=within_days,
        warnings=tuple(dated),
        due=due,
    )


def _usage_warnings(
    base: Base,
    bill: CycleBill,
    channel: str,
    start: dt.date,
    months: tuple[dt.date, ...],
) -> list[BreachWarning]:
    """The 75%, 90% and 100% warnings of one channel in one cycle, from its events."""
    scenario = base.scenario
    limit = _base_limit(base.run.email, bill, channel)
    demand = bill.email_sends_demand if channel == "email" else bill.sms_credits_demand
    unit = "emails" if channel == "email" else "SMS credits"
    events = [e for e in bill.events if e.channel.value == channel]
    at_limit = [e.day for e in events if e.kind in AT_LIMIT and e.day is not None]
    charges, lost = _channel_cost(bill, channel, scenario.revenue_per_email_usd)
    cost_at_limit = charges + lost
    over = demand - limit
    avoid_100 = _avoid_at_limit(base, bill, channel, over, unit, start, at_limit)
    out = []
    for kind, notice, pct in LEVELS:
        if notice is None:
            days = [min(at_limit)] if at_limit else []
        else:
            days = [e.day for e in events if e.kind is notice and e.day is not None][:1]
        if not days:
            continue
        when = start + dt.timedelta(days=days[0] - 1)
        limit_day = start + dt.timedelta(days=min(at_limit) - 1) if at_limit else None
        share = f"{demand / limit:.0%}" if limit else "all"
        if at_limit:
            cost, avoid, amount = cost_at_limit, avoid_100, over
            cost_words = _cost_words(bill, channel, charges, lost)
        else:
            cost, amount = ZERO, 0
            avoid = f"Nothing to do: it stays under the limit ({demand:,} of {limit:,} {unit}, {share})."
            cost_words = "costs nothing: the cycle stays under the limit"
        reach = "passes" if pct == 100 else "reaches"
        head = f"Cycle {bill.cycle} ({months[bill.cycle - 1]:%b %Y}): "
        if limit:
            what = (
                f"{CHANNEL_WORDS[channel]} use {reach} {pct}% of the {limit:,} {unit} limit on "
                f"{day_label(when)} (day {days[0]} of 30, {demand:,} {unit} projected)"
            )
        else:  # no SMS plan: nothing can be sent (section 7, "Notifications for SMS")
            what = f"no SMS plan, so the {demand:,} {unit} projected are blocked from {day_label(when)}"
        message = f"{head}{what}; {cost_words}."
        out.append(
            BreachWarning(
                date=when, cycle=bill.cycle, month=months[bill.cycle - 1], channel=channel,
                kind=kind, limit=limit, projected=demand, cost_usd=cost, avoid=avoid,
                avoid_amount=amount, message=message, days_away=0, act_by=limit_day,
            )
        )  # fmt: skip
    return out


def _cost_words(bill: CycleBill, channel: str, charges: Decimal, lost: Decimal) -> str:
    """What the cycle's limit costs under the current setting, from its bill's fields."""
    if channel == "email":
        upgrade, flex, flexes, ups = bill.email_upgrade_usd, bill.email_flex_usd, bill.email_flexes, bill.email_upgrades  # fmt: skip
        blocked = bill.emails_blocked - bill.emails_above_top
        above, unit = bill.emails_above_top, "emails"
    else:
        upgrade, flex, flexes, ups = bill.sms_upgrade_usd, bill.sms_flex_usd, bill.sms_flexes, bill.sms_upgrades  # fmt: skip
        blocked = bill.sms_credits_blocked - bill.sms_credits_above_top
        above, unit = bill.sms_credits_above_top, "credits"
    parts = []
    if ups:
        parts.append(
            f"auto-upgrade {_usd(upgrade)} ({ups} tier{'s' if ups > 1 else ''}; the plan stays)"
        )
    if flexes:
        parts.append(f"flex fees {_usd(flex)} ({flexes} flex{'es' if flexes > 1 else ''})")
    if blocked:
        worth = (
            f"worth {_usd(lost)} by your revenue per message"
            if lost
            else "valued at $0.00: no revenue per message is set"
        )
        parts.append(f"{blocked:,} {unit} blocked, {worth}")
    if above:
        parts.append(f"{above:,} {unit} above the top tier, priced by quote")
    total = f"costs {_usd(charges + lost)} under your setting"
    return f"{total}: {', '.join(parts)}" if parts else total


def _avoid_at_limit(
    base: Base,
    bill: CycleBill,
    channel: str,
    over: int,
    unit: str,
    start: dt.date,
    at_limit: list[int],
) -> str:
    """The cheapest way through a 100% crossing, each simulated over the whole run."""
    if not at_limit:
        return ""
    outs = ways_out(base, bill, channel)
    when = day_label(start + dt.timedelta(days=min(at_limit) - 1))
    best = min(outs, key=lambda w: w.change_usd, default=None)
    if best is None or best.change_usd >= 0:
        hold = next((w for w in outs if w.words.startswith("hold back")), None)
        tail = (
            f" Holding back {over:,} {unit} instead would cost {_usd(hold.change_usd)} more "
            "(bill + lost revenue)."
            if hold is not None and hold.change_usd > 0
            else ""
        )
        return (
            f"Your setting is already the cheapest way through this cycle's limit (reached {when})."
            f"{tail}"
        )
    return (
        f"Before {when}, when the limit is passed: {best.words}. Cheapest way through: it saves "
        f"{_usd(-best.change_usd)} of bill + lost revenue over the projection."
    )


def _profile_warning(
    base: Base,
    bill: CycleBill,
    start: dt.date,
    months: tuple[dt.date, ...],
    today: dt.date,
) -> BreachWarning | None:
    """A renewal at which profile compliance (section 3.1 step 3) forces the email plan up: its
    cost this cycle is the forced plan's price minus the price of the plan it replaced, both at
    this cycle's prices; it is avoided by suppressing profiles before the count."""
    if not bill.email_profile_upgrades:
        return None
    scenario, result, email = base.scenario, base.result, base.run.email
    n = bill.cycle
    before = result.cycles[n - 2].email_plan_profiles if n > 1 else _start_plan(scenario)
    counted = scenario.usage[n - 2].active_profiles if n > 1 else scenario.start.active_profiles
    old_tier = email.cover(before)[0]
    cost = bill.email_base_usd - email.price(old_tier, n)
    suppress = counted - email.caps[old_tier]
    deadline = count_deadline(start)
    forced = bill.email_plan_profiles_at_renewal
    how = "the count is taken 24 hours before the cycle ends"
    if deadline > today:
        avoid = f"Suppress {suppress:,} profiles before {day_label(deadline)} ({how})."
    else:
        avoid = (
            f"Too late for this renewal: {suppress:,} profiles would have had to be suppressed "
            f"before {day_label(deadline)} ({how})."
        )
    message = (
        f"Cycle {n} ({months[n - 1]:%b %Y}) renews on {day_label(start)}: {counted:,} active profiles "
        f"need the {forced:,} plan (now {email.caps[old_tier]:,}), +{_usd(cost)} this cycle and "
        "each month it stays; this upgrade cannot be switched off."
    )
    return BreachWarning(
        date=start, cycle=n, month=months[n - 1], channel="email", kind="profiles",
        limit=email.caps[old_tier], projected=counted, cost_usd=cost, avoid=avoid,
        avoid_amount=suppress, message=message, days_away=0, act_by=deadline,
    )  # fmt: skip


def _start_plan(scenario: Scenario) -> int:
    s = scenario.start
    return s.email_plan_profiles if s.email_plan_profiles is not None else s.active_profiles


def parse_warnings_request(text: str) -> WarningsRequest:
    """Validate a request JSON text strictly (engine.contract.parse_history_request)."""
    return parse_history_request(text, WarningsRequest)


def warnings_json(request: WarningsRequest, today: dt.date, within_days: int | None) -> dict[str, Any]:
    """The answer to a request as JSON (money as strings with two decimals)."""
    book = request.price_book or load_price_book()
    try:
        answer = warnings_ahead(
            request.history, book, request.whatif, today, within_days, request.cycle_start_day
        )
    except ValidationError as e:  # a what-if value outside what the scenario accepts
        raise whatif_fault(e) from None
    return answer.model_dump(mode="json")
