"""`simulate()`: a fold of `step()` over the billing cycles (docs/billing-rules.md sections 3, 4).

`step()` applies the rules of engine/rules.py in the order of section 3: card window, renewal of
the email plan (3.1), renewal of the SMS plan (3.2), email sending (3.3), SMS sending and
rollover (3.4), notices (3.5), totals (3.6). What one cycle hands the next is the small frozen
`State`; what stays the same for the whole run (ladders, setting, assumptions, start plans,
revenues) is the `Run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from engine.models import (
    Assumptions,
    Channel,
    CycleBill,
    Event,
    EventKind,
    Preference,
    PriceBook,
    Scenario,
    Setting,
    SimulationResult,
    UsageCycle,
)
from engine.rules import (
    ZERO,
    Demand,
    EmailRenewal,
    Ladder,
    Sending,
    build_ladders,
    card_window,
    cover,
    cycle_total,
    downgrade_due,
    downgrade_floor,
    effective,
    lost_revenue,
    manual_upgrade,
    notices,
    renew_email,
    renew_sms,
    rollover,
    send,
)

__all__ = ["Run", "State", "cover", "simulate", "start", "step"]


@dataclass(frozen=True, slots=True)
class Run:
    """What every cycle of one simulation shares."""

    email: Ladder
    sms: Ladder
    setting: Setting
    assumptions: Assumptions
    start_plan: int  # email tier of the start plan
    start_sms: int  # SMS tier of the start plan
    per_email: Decimal  # revenue per blocked email
    per_credit: Decimal  # revenue per blocked SMS credit


class State(NamedTuple):
    """What one cycle hands the next: the plans, rolled-over credits, the profile count at the
    cycle's end, and each channel's last auto-upgrade of the cycle (it cancels a downgrade
    requested at that cycle's start, section 3.1)."""

    email_tier: int
    sms_tier: int
    carried: int
    profiles: int
    email_upgrade: Event | None = None
    sms_upgrade: Event | None = None


def start(scenario: Scenario, book: PriceBook) -> tuple[Run, State]:
    """The run's constants and the state before cycle 1 (section 2: the start plans)."""
    email, sms = build_ladders(book, scenario.price_change)
    s = scenario.start
    plan = s.email_plan_profiles if s.email_plan_profiles is not None else s.active_profiles
    run = Run(
        email=email,
        sms=sms,
        setting=scenario.policy.setting,
        assumptions=scenario.policy.assumptions,
        start_plan=email.cover(plan)[0],
        start_sms=sms.cover(s.sms_plan_credits)[0],
        per_email=scenario.revenue_per_email_usd,
        per_credit=scenario.revenue_per_sms_credit_usd,
    )
    return run, State(run.start_plan, run.start_sms, 0, s.active_profiles)


def simulate(scenario: Scenario, book: PriceBook) -> SimulationResult:
    """Run every cycle of the scenario on `book` and add up the bill (sections 3 and 4)."""
    run, state = start(scenario, book)
    cycles = []
    for cycle, use in enumerate(scenario.usage, start=1):
        state, bill = step(run, state, use, cycle)
        cycles.append(bill)
    return result_of(cycles)


def result_of(cycles: list[CycleBill]) -> SimulationResult:
    """The run's totals over its cycle bills (section 4): one place for both engines."""
    return SimulationResult(
        total_usd=sum((b.total_usd for b in cycles), ZERO),
        lost_revenue_usd=sum((b.lost_revenue_usd for b in cycles), ZERO),
        emails_blocked=sum(b.emails_blocked for b in cycles),
        sms_credits_blocked=sum(b.sms_credits_blocked for b in cycles),
        emails_above_top=sum(b.emails_above_top for b in cycles),
        sms_credits_above_top=sum(b.sms_credits_above_top for b in cycles),
        custom_quote_cycles=sum(1 for b in cycles if b.custom_quote),
        cycles=tuple(cycles),
    )


def step(run: Run, state: State, use: UsageCycle, cycle: int) -> tuple[State, CycleBill]:
    """One cycle of section 3, in order; returns the state for the next cycle and this bill."""
    events: list[Event] = []
    setting, email, sms = run.setting, run.email, run.sms
    active = card_window(run.assumptions, cycle, events)
    email_pref, sms_pref, auto_downgrades = (
        setting.preferences(cycle)
        if setting.actions
        else (setting.email, setting.sms, setting.auto_downgrade)
    )
    # 3.1 and 3.2: renewals
    auto = auto_downgrades and active and email_pref is Preference.FLEX
    due = downgrade_due(setting, cycle, Channel.EMAIL, state.email_upgrade, events)
    floor = downgrade_floor(setting, email, cycle, run.start_plan)
    renewal = renew_email(email, state.email_tier, floor, state.profiles, due, auto, events)
    due = downgrade_due(setting, cycle, Channel.SMS, state.sms_upgrade, events)
    s = renew_sms(sms, state.sms_tier, downgrade_floor(setting, sms, cycle, run.start_sms), due, events)
    carried = state.carried if s == state.sms_tier else 0  # a downgrade loses rolled-over credits
    # A calendar's upgrades by hand, on the cycle's first day
    email_tier, email_hand = manual_upgrade(setting, email, renewal.tier, cycle, events)
    sms_tier, sms_hand = manual_upgrade(setting, sms, s, cycle, events)
    # 3.3 and 3.4: sending, each channel at its limit
    basis = run.assumptions.flex_fee_basis
    to_mail = Demand(email, email_tier, use.email_sends, 0, cycle, basis)
    mail = _channel(to_mail, email_pref, active, email.price(email_tier, cycle), events)
    mail.upgrade_usd += email_hand
    to_text = Demand(sms, sms_tier, use.sms_credits, carried, cycle, basis)
    text = _channel(to_text, sms_pref, active, sms.price(sms_tier, cycle), events)
    text.upgrade_usd += sms_hand
    carried_out = rollover(sms, text.tier, carried, text.sent, run.assumptions.sms_rollover)
    sms_renewal = SmsRenewal(s, carried, s != state.sms_tier, carried_out)
    by_hand = (email_tier > renewal.tier, sms_tier > s)
    bill = _cycle_bill(run, cycle, use, active, renewal, sms_renewal, by_hand, mail, text, events)
    watch = bool(setting.manual_downgrades)  # only a schedule can be cancelled
    return State(
        email_tier=mail.tier,
        sms_tier=text.tier,
        carried=carried_out,
        profiles=use.active_profiles,
        email_upgrade=_last_upgrade(events, Channel.EMAIL) if watch and mail.upgrades else None,
        sms_upgrade=_last_upgrade(events, Channel.SMS) if watch and text.upgrades else None,
    ), bill


class SmsRenewal(NamedTuple):
    tier: int  # the SMS plan after renewal
    carried: int  # credits carried in (lost by a manual downgrade)
    manual: bool  # a manual downgrade took effect
    carried_out: int  # credits carried into the next cycle


def _channel(d: Demand, preference: Preference, active: bool, base: Decimal, events: list) -> Sending:
    """Notices on the cycle's base limit (3.5), then sending under the effective preference."""
    pref = effective(preference, active, base)
    notices(d.ladder.channel, d.demand, d.limit(d.tier), pref is Preference.AUTO_UPGRADE, events)
    return send(d, pref, events)


def _cycle_bill(
    run: Run,
    cycle: int,
    use: UsageCycle,
    active: bool,
    renewal: EmailRenewal,
    sms_renewal: SmsRenewal,
    by_hand: tuple[bool, bool],
    mail: Sending,
    text: Sending,
    events: list[Event],
) -> CycleBill:
    """The cycle's bill: section 3.6's totals and the contract's keys of section 4, in the
    model's order (`CycleBill.computed` keeps it)."""
    email_base, sms_base = run.email.price(renewal.tier, cycle), run.sms.price(sms_renewal.tier, cycle)
    values = {
        "cycle": cycle,
        "email_plan_profiles": run.email.caps[mail.tier],
        **_sending_fields(_EMAIL_KEYS, email_base, mail),
        "sms_plan_credits": run.sms.caps[text.tier],
        **_sending_fields(_SMS_KEYS, sms_base, text),
        "sms_credits_carried_out": sms_renewal.carried_out,
        "total_usd": cycle_total(email_base, mail, sms_base, text),
        "lost_revenue_usd": lost_revenue(mail, text, run.per_email, run.per_credit),
        "custom_quote": renewal.over_top or mail.custom_quote or text.custom_quote,
        "events": tuple(events),
        "active_profiles": use.active_profiles,
        "email_sends_demand": use.email_sends,
        "email_plan_profiles_at_renewal": run.email.caps[renewal.tier],
        "email_send_limit": mail.limit,
        "email_profile_upgrades": renewal.profile_upgrades,
        "sms_credits_demand": use.sms_credits,
        "sms_credits_available": run.sms.sends[sms_renewal.tier] + sms_renewal.carried,
        "preferences_active": active,
        "email_manual_downgrade": renewal.manual,
        "sms_manual_downgrade": sms_renewal.manual,
        "email_auto_downgrade": renewal.auto,
        "email_manual_upgrade": by_hand[0],
        "sms_manual_upgrade": by_hand[1],
        "emails_above_top": mail.above_top,
        "sms_credits_above_top": text.above_top,
    }
    return CycleBill.computed(values)


# The contract's keys of one channel's charges and counts (section 4), in the model's order.
_EMAIL_KEYS = ("email_base_usd", "email_upgrade_usd", "email_flex_usd", "email_upgrades", "email_flexes", "emails_sent", "emails_blocked")  # fmt: skip
_SMS_KEYS = ("sms_base_usd", "sms_upgrade_usd", "sms_flex_usd", "sms_upgrades", "sms_flexes", "sms_credits_used", "sms_credits_blocked")  # fmt: skip


def _sending_fields(keys: tuple[str, ...], base: Decimal, out: Sending) -> dict:
    """One channel's charges and counts under the contract's keys."""
    values = (base, out.upgrade_usd, out.flex_usd, out.upgrades, out.flexes, out.sent, out.blocked)
    return dict(zip(keys, values, strict=True))


def _last_upgrade(events: list[Event], channel: Channel) -> Event | None:
    """The cycle's last auto-upgrade on `channel`, if any."""
    ups = [e for e in events if e.kind is EventKind.AUTO_UPGRADE and e.channel is channel]
    return ups[-1] if ups else None
