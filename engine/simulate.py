"""`simulate()`: a fold over billing cycles that applies docs/billing-rules.md section 3 in order.

Each cycle: renew the email plan (3.1), renew the SMS plan (3.2), send email (3.3), send SMS
(3.4), raise notifications (3.5), add up (3.6). The state carried from one cycle to the next is
small: the email tier, the SMS tier, rolled-over credits and the profile count at the end of the
cycle. Everything else is derived inside the cycle, so a cycle reads like the specification.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.models import (
    Channel,
    CycleBill,
    DowngradeRequest,
    Event,
    EventKind,
    FlexFeeBasis,
    Policy,
    Preference,
    PriceBook,
    Scenario,
    SimulationResult,
    to_cents,
)

ZERO = Decimal("0")
# The engine builds events and bills from values it has already checked, so it skips pydantic's
# validation for them (a quarter of a comparison's time); the models stay frozen and typed.
_event = Event.model_construct
_bill = CycleBill.model_construct
CYCLE_DAYS = 30  # section 3.5: a day is given assuming sends spread evenly over 30 days
NOTICE_LEVELS = ((EventKind.NOTICE_75, 75), (EventKind.NOTICE_90, 90))
NOTICE_95 = (EventKind.NOTICE_95, 95)


def cover(caps: Sequence[int], n: int) -> tuple[int, bool]:
    """`cover(ladder, n)` of section 1: the index of the smallest tier whose cap is >= n, and
    whether n is above the top tier (then the top is used and the cycle is a custom quote)."""
    i = bisect_left(caps, n)
    return (i, False) if i < len(caps) else (len(caps) - 1, True)


@dataclass(frozen=True, slots=True)
class Ladder:
    """One channel's ladder as plain lists, with the prices in force before and after a price change."""

    name: str  # "email" or "sms": used in event messages
    caps: tuple[int, ...]  # profiles (email) or credits (sms): what `cover` searches
    sends: tuple[int, ...]  # the message allowance of each tier (for sms: the credits)
    prices: tuple[Decimal, ...]
    changed_prices: tuple[Decimal, ...]
    change_from: int  # first cycle of the changed prices; beyond the horizon when none

    @property
    def top(self) -> int:
        return len(self.caps) - 1

    def cover(self, n: int) -> tuple[int, bool]:
        return cover(self.caps, n)

    def price(self, tier: int, cycle: int) -> Decimal:
        return self.changed_prices[tier] if cycle >= self.change_from else self.prices[tier]


def build_ladders(book: PriceBook, scenario: Scenario) -> tuple[Ladder, Ladder]:
    """Turn the price book into the two ladders, applying the scenario's price change (section 2)."""
    change = scenario.price_change
    factor = Decimal(1) + change.pct / 100 if change else Decimal(1)
    change_from = change.from_cycle if change else 10**9

    def changed(prices: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        return tuple(to_cents(p * factor) for p in prices) if change else prices

    email_prices = tuple(t.monthly_price_usd for t in book.email_tiers)
    sms_prices = tuple(t.monthly_price_usd for t in book.sms_tiers)
    credits = tuple(t.monthly_credits for t in book.sms_tiers)
    email = Ladder(
        name="email",
        caps=tuple(t.max_profiles for t in book.email_tiers),
        sends=tuple(t.monthly_email_sends for t in book.email_tiers),
        prices=email_prices,
        changed_prices=changed(email_prices),
        change_from=change_from,
    )
    sms = Ladder("sms", credits, credits, sms_prices, changed(sms_prices), change_from)
    return email, sms


@dataclass(slots=True)
class Sending:
    """What one channel's sending step (3.3 / 3.4) produced."""

    tier: int  # the tier at the end of the cycle (moved only by auto-upgrade)
    sent: int
    blocked: int
    limit: int  # the cycle's limit after any flex or upgrade
    upgrade_usd: Decimal = ZERO
    upgrades: int = 0
    flex_usd: Decimal = ZERO
    flexes: int = 0
    custom_quote: bool = False
    above_top: int = 0  # blocked messages above the top tier's limit: by quote, not lost


def _day(level: int, demand: int) -> int:
    """The day of a 30-day cycle on which even sending reaches `level` messages."""
    return max(1, min(CYCLE_DAYS, math.ceil(CYCLE_DAYS * level / demand)))


def _flex_fee(ladder: Ladder, plan: int, k: int, basis: FlexFeeBasis, cycle: int) -> Decimal:
    """The fee of one flex from tier k to k + 1 on a cycle whose plan is `plan` (section 3.3)."""
    if basis is FlexFeeBasis.DIFFERENCE:  # a temporary upgrade: the price step, at this cycle's prices
        return ladder.price(k + 1, cycle) - ladder.price(k, cycle)
    bought = (
        ladder.sends[k + 1] - ladder.sends[k] if basis is FlexFeeBasis.EXTRA else ladder.sends[k + 1]
    )
    # The plan's unit price times what is bought: multiply first, then divide, then round per flex,
    # so an exact half cent rounds up instead of being lost to a rounded quotient.
    return to_cents(ladder.price(plan, cycle) * bought / ladder.sends[plan])


def send(
    ladder: Ladder,
    tier: int,
    demand: int,
    carried_in: int,
    preference: Preference,
    basis: FlexFeeBasis,
    cycle: int,
    events: list[Event],
) -> Sending:
    """Apply one channel's preference at its limit (sections 3.3 and 3.4).

    `carried_in` is rolled-over SMS credits (always 0 for email): they add to every tier's limit.
    """
    channel = Channel(ladder.name)
    unit = "emails" if channel is Channel.EMAIL else "credits"
    limit = ladder.sends[tier] + carried_in
    result = Sending(tier=tier, sent=min(demand, limit), blocked=0, limit=limit)

    if preference is Preference.AUTO_UPGRADE:
        while demand > ladder.sends[result.tier] + carried_in and result.tier < ladder.top:
            step = ladder.price(result.tier + 1, cycle) - ladder.price(result.tier, cycle)
            result.upgrade_usd += step
            result.upgrades += 1
            result.tier += 1
            events.append(
                _event(
                    kind=EventKind.AUTO_UPGRADE,
                    channel=channel,
                    day=_day(ladder.sends[result.tier - 1] + carried_in, demand),
                    amount_usd=step,
                    message=f"{ladder.name} plan auto-upgraded to "
                    f"{ladder.caps[result.tier]:,} (+${step:,.2f} this cycle; the plan stays)",
                )
            )
        result.limit = ladder.sends[result.tier] + carried_in
    elif preference is Preference.FLEX:
        k = tier
        while demand > ladder.sends[k] + carried_in and k < ladder.top:
            fee = _flex_fee(ladder, tier, k, basis, cycle)
            result.flex_usd += fee
            result.flexes += 1
            events.append(
                _event(
                    kind=EventKind.FLEX,
                    channel=channel,
                    day=_day(ladder.sends[k] + carried_in, demand),
                    amount_usd=fee,
                    message=f"{ladder.name} flex to {ladder.sends[k + 1]:,} {unit} "
                    f"for this cycle (${fee:,.2f}; the plan does not change)",
                )
            )
            k += 1
        result.limit = ladder.sends[k] + carried_in

    result.sent = min(demand, result.limit)
    result.blocked = demand - result.sent
    # Demand above what the top tier carries is priced by Klaviyo by quote (section 3.3, last
    # point), whatever the preference: that part is not lost, only unpriced (our decision, 7).
    result.above_top = min(result.blocked, max(0, demand - ladder.sends[ladder.top] - carried_in))
    if result.above_top:
        result.custom_quote = True
        events.append(
            _event(
                kind=EventKind.CUSTOM_QUOTE,
                channel=channel,
                message=f"{ladder.name} demand is {result.above_top:,} {unit} above what the top "
                "tier carries: Klaviyo prices this by quote",
            )
        )
    if result.blocked:
        events.append(
            _event(
                kind=EventKind.BLOCK,
                channel=channel,
                day=_day(result.limit, demand),
                message=f"{ladder.name} sending stopped at the limit: "
                f"{result.blocked:,} {unit} not sent",
            )
        )
    return result


def notices(
    channel: Channel, demand: int, base_limit: int, auto_upgrade: bool, events: list[Event]
) -> None:
    """75% and 90% warnings of the cycle's base limit, plus 95% under auto-upgrade (section 3.5)."""
    if base_limit <= 0:
        return
    levels = NOTICE_LEVELS + ((NOTICE_95,) if auto_upgrade else ())
    for kind, pct in levels:
        level = base_limit * pct / 100
        if demand >= level:
            events.append(
                _event(
                    kind=kind,
                    channel=channel,
                    day=_day(math.ceil(level), demand),
                    message=f"{channel.value} use reached {pct}% of the plan's limit",
                )
            )


def effective(preference: Preference, active: bool, base_price: Decimal) -> Preference:
    """A failed card, or a $0 tier, makes any preference behave as `none` (section 3)."""
    return preference if active and base_price > 0 else Preference.NONE


def simulate(scenario: Scenario, book: PriceBook) -> SimulationResult:
    """Run every cycle of the scenario on `book` and add up the bill (sections 3 and 4)."""
    policy: Policy = scenario.policy
    email, sms = build_ladders(book, scenario)
    start = scenario.start
    start_plan = email.cover(
        start.email_plan_profiles if start.email_plan_profiles is not None else start.active_profiles
    )[0]
    start_sms = sms.cover(start.sms_plan_credits)[0]
    c, s, carried, profiles = start_plan, start_sms, 0, start.active_profiles
    rev_email, rev_credit = scenario.revenue_per_email_usd, scenario.revenue_per_sms_credit_usd

    # The auto-upgrade event of each channel in the cycle before, if any: it cancels a manual
    # downgrade requested at that cycle's start (section 3.1).
    upgraded_last: dict[Channel, Event | None] = {Channel.EMAIL: None, Channel.SMS: None}
    cycles: list[CycleBill] = []
    for cycle, use in enumerate(scenario.usage, start=1):
        events: list[Event] = []
        active = policy.preferences_active(cycle)
        if cycle == policy.card_failure_cycle:
            events.append(
                _event(
                    kind=EventKind.CARD_FAILURE,
                    channel=Channel.ACCOUNT,
                    message="card payment failed: flexible sending and auto-upgrade are off "
                    "until the owner turns them on again",
                )
            )
        if cycle == policy.card_fixed_cycle:
            events.append(
                _event(
                    kind=EventKind.CARD_FIXED,
                    channel=Channel.ACCOUNT,
                    message="card fixed: upgrade preferences are back on",
                )
            )

        # 3.1 renewal, email plan
        needed, over_top = email.cover(profiles)
        email_manual = email_auto = False
        if _downgrade_due(policy, cycle, Channel.EMAIL, upgraded_last, events):
            target = max(start_plan, needed)
            if target < c:
                events.append(_downgrade(email, c, target, "by hand"))
                c, email_manual = target, True
        elif policy.auto_downgrade and active and policy.email is Preference.FLEX and needed < c:
            events.append(_downgrade(email, c, c - 1, "automatically (one tier)"))
            c, email_auto = c - 1, True
        profile_upgrades = 0
        if needed > c:
            profile_upgrades = needed - c
            events.append(
                _event(
                    kind=EventKind.PROFILE_UPGRADE,
                    channel=Channel.EMAIL,
                    message=f"{profiles:,} active profiles need the {email.caps[needed]:,} plan: "
                    "moved up at renewal (this cannot be switched off)",
                )
            )
            c = needed
        if over_top:
            events.append(
                _event(
                    kind=EventKind.CUSTOM_QUOTE,
                    channel=Channel.EMAIL,
                    message=f"{profiles:,} active profiles are above the top tier "
                    f"({email.caps[-1]:,}): Klaviyo prices this by quote",
                )
            )
        plan_at_renewal = c
        email_base = email.price(c, cycle)

        # 3.2 renewal, SMS plan
        sms_manual = False
        if _downgrade_due(policy, cycle, Channel.SMS, upgraded_last, events) and s > start_sms:
            events.append(_downgrade(sms, s, start_sms, "by hand"))
            s, carried, sms_manual = start_sms, 0, True
        sms_base = sms.price(s, cycle)

        # 3.3 email sending
        email_pref = effective(policy.email, active, email_base)
        notices(
            Channel.EMAIL,
            use.email_sends,
            email.sends[c],
            email_pref is Preference.AUTO_UPGRADE,
            events,
        )
        mail = send(email, c, use.email_sends, 0, email_pref, policy.flex_fee_basis, cycle, events)
        c = mail.tier

        # 3.4 SMS sending
        sms_pref = effective(policy.sms, active, sms_base)
        available = sms.sends[s] + carried
        notices(Channel.SMS, use.sms_credits, available, sms_pref is Preference.AUTO_UPGRADE, events)
        text = send(sms, s, use.sms_credits, carried, sms_pref, policy.flex_fee_basis, cycle, events)
        s = text.tier
        carried_out = 0
        if policy.sms_rollover:
            carried_out = max(0, sms.sends[s] + carried - text.sent)

        # 3.6 totals
        total = (
            email_base + mail.upgrade_usd + mail.flex_usd + sms_base + text.upgrade_usd + text.flex_usd
        )
        lost = to_cents(
            (mail.blocked - mail.above_top) * rev_email + (text.blocked - text.above_top) * rev_credit
        )
        cycles.append(
            _bill(
                cycle=cycle,
                email_plan_profiles=email.caps[c],
                email_base_usd=email_base,
                email_upgrade_usd=mail.upgrade_usd,
                email_flex_usd=mail.flex_usd,
                email_upgrades=mail.upgrades,
                email_flexes=mail.flexes,
                emails_sent=mail.sent,
                emails_blocked=mail.blocked,
                sms_plan_credits=sms.caps[s],
                sms_base_usd=sms_base,
                sms_upgrade_usd=text.upgrade_usd,
                sms_flex_usd=text.flex_usd,
                sms_upgrades=text.upgrades,
                sms_flexes=text.flexes,
                sms_credits_used=text.sent,
                sms_credits_blocked=text.blocked,
                sms_credits_carried_out=carried_out,
                total_usd=total,
                lost_revenue_usd=lost,
                custom_quote=over_top or mail.custom_quote or text.custom_quote,
                events=tuple(events),
                active_profiles=use.active_profiles,
                email_sends_demand=use.email_sends,
                email_plan_profiles_at_renewal=email.caps[plan_at_renewal],
                email_send_limit=mail.limit,
                email_profile_upgrades=profile_upgrades,
                sms_credits_demand=use.sms_credits,
                sms_credits_available=available,
                preferences_active=active,
                email_manual_downgrade=email_manual,
                sms_manual_downgrade=sms_manual,
                email_auto_downgrade=email_auto,
                emails_above_top=mail.above_top,
                sms_credits_above_top=text.above_top,
            )
        )
        carried, profiles = carried_out, use.active_profiles
        if policy.manual_downgrades:  # only a schedule can be cancelled
            upgraded_last = {
                Channel.EMAIL: _upgrade_event(events, Channel.EMAIL) if mail.upgrades else None,
                Channel.SMS: _upgrade_event(events, Channel.SMS) if text.upgrades else None,
            }

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


def _upgrade_event(events: list[Event], channel: Channel) -> Event | None:
    """The cycle's last auto-upgrade on `channel`, if any."""
    ups = [e for e in events if e.kind is EventKind.AUTO_UPGRADE and e.channel is channel]
    return ups[-1] if ups else None


def _downgrade_due(
    policy: Policy,
    cycle: int,
    channel: Channel,
    upgraded_last: dict[Channel, Event | None],
    events: list[Event],
) -> bool:
    """Whether a manual downgrade of `channel` is to be applied at this cycle's renewal.

    `manual_downgrade` asks for one at every renewal, after each cycle's upgrades. A scheduled
    one requested at the start of the cycle before is cancelled by an auto-upgrade in that cycle
    (help article 8356575957275); the cancellation is an event, the downgrade does not happen.
    """
    if policy.manual_downgrade:
        return True
    wanted = policy.scheduled_downgrade(cycle, channel.value)
    if wanted is None:
        return False
    upgrade = upgraded_last[channel]
    if wanted.requested is DowngradeRequest.CYCLE_START and upgrade is not None:
        events.append(
            _event(
                kind=EventKind.DOWNGRADE_CANCELLED,
                channel=channel,
                message=f"the {channel.value} downgrade requested at the start of cycle "
                f"{cycle - 1} was cancelled by that cycle's upgrade: {upgrade.message}. "
                "Request a downgrade after the cycle's last upgrade",
            )
        )
        return False
    return True


def _downgrade(ladder: Ladder, old: int, new: int, how: str) -> Event:
    return _event(
        kind=EventKind.DOWNGRADE,
        channel=Channel(ladder.name),
        message=f"{ladder.name} plan moved down {how} at renewal: "
        f"{ladder.caps[old]:,} to {ladder.caps[new]:,} (never refunded)",
    )
