"""The billing rules of docs/billing-rules.md section 3, one function per rule, named after it.

Each function says in its docstring which part of the specification (or which decision of
section 7) it implements. They work on plain ladders (`Ladder`) and tier indexes, never on the
pydantic models, so `simulate()` (engine/simulate.py) is only the order in which they apply:
card window, renewal of the email plan, renewal of the SMS plan, sending on each channel
(`AT_LIMIT[preference]`, then the top-of-ladder split), rollover, notices, totals.
Rules that produce events append them to the cycle's `events` list.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from engine.models import (
    ActionKind,
    Assumptions,
    Channel,
    DowngradeRequest,
    Event,
    EventKind,
    FlexFeeBasis,
    Preference,
    PriceBook,
    PriceChange,
    Setting,
    to_cents,
)

ZERO = Decimal("0")


def event(
    kind: EventKind,
    channel: Channel,
    message: str,
    day: int | None = None,
    amount_usd: Decimal | None = None,
) -> Event:
    """An event from values the engine has checked: built without validation (`computed`)."""
    return Event.computed(
        {"kind": kind, "channel": channel, "message": message, "day": day, "amount_usd": amount_usd}
    )


CYCLE_DAYS = 30  # section 3.5: a day is given assuming sends spread evenly over 30 days
NOTICE_LEVELS = ((EventKind.NOTICE_75, 75), (EventKind.NOTICE_90, 90))
NOTICE_95 = (EventKind.NOTICE_95, 95)


# ---------------------------------------------------------------- ladders (section 1)


def cover(caps: Sequence[int], n: int) -> tuple[int, bool]:
    """`cover(ladder, n)` of section 1: the index of the smallest tier whose cap is >= n, and
    whether n is above the top tier (then the top is used and the cycle is a custom quote)."""
    i = bisect_left(caps, n)
    return (i, False) if i < len(caps) else (len(caps) - 1, True)


@dataclass(frozen=True, slots=True)
class Ladder:
    """One channel's ladder as plain tuples, with the prices before and after a price change."""

    channel: Channel  # email or sms: used in events and their messages
    caps: tuple[int, ...]  # profiles (email) or credits (sms): what `cover` searches
    sends: tuple[int, ...]  # the message allowance of each tier (for sms: the credits)
    prices: tuple[Decimal, ...]
    changed_prices: tuple[Decimal, ...]
    change_from: int  # first cycle of the changed prices; beyond the horizon when none

    top: int = field(init=False)  # index of the top tier

    def __post_init__(self) -> None:
        object.__setattr__(self, "top", len(self.caps) - 1)

    @property
    def name(self) -> str:
        return self.channel.value

    @property
    def unit(self) -> str:
        return "emails" if self.channel is Channel.EMAIL else "credits"

    def cover(self, n: int) -> tuple[int, bool]:
        return cover(self.caps, n)

    def price(self, tier: int, cycle: int) -> Decimal:
        return self.changed_prices[tier] if cycle >= self.change_from else self.prices[tier]


def build_ladders(book: PriceBook, change: PriceChange | None) -> tuple[Ladder, Ladder]:
    """The two ladders of `book`, with the price change of section 2: every price times
    (1 + pct/100), rounded half-up to cents, from `from_cycle` on."""
    factor = Decimal(1) + change.pct / 100 if change else Decimal(1)
    change_from = change.from_cycle if change else 10**9

    def changed(prices: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        return tuple(to_cents(p * factor) for p in prices) if change else prices

    email_prices = tuple(t.monthly_price_usd for t in book.email_tiers)
    sms_prices = tuple(t.monthly_price_usd for t in book.sms_tiers)
    credits = tuple(t.monthly_credits for t in book.sms_tiers)
    email = Ladder(
        channel=Channel.EMAIL,
        caps=tuple(t.max_profiles for t in book.email_tiers),
        sends=tuple(t.monthly_email_sends for t in book.email_tiers),
        prices=email_prices,
        changed_prices=changed(email_prices),
        change_from=change_from,
    )
    sms = Ladder(Channel.SMS, credits, credits, sms_prices, changed(sms_prices), change_from)
    return email, sms


def day(level: int, demand: int) -> int:
    """The day of a 30-day cycle on which even sending reaches `level` messages (section 7,
    "The day of an event": ceil(30 x level / demand), clamped to 1..30)."""
    return max(1, min(CYCLE_DAYS, math.ceil(CYCLE_DAYS * level / demand)))


# ---------------------------------------------------------------- card window (section 3)


def card_window(assumptions: Assumptions, cycle: int, events: list[Event]) -> bool:
    """Whether preferences are active this cycle. Section 3: a failed card payment disables flex
    and auto-upgrade while `card_failure_cycle <= cycle < card_fixed_cycle` (null fixed = never).
    The failure and the fix are events of their cycles (section 7, "A failed card")."""
    if cycle == assumptions.card_failure_cycle:
        events.append(
            event(
                kind=EventKind.CARD_FAILURE,
                channel=Channel.ACCOUNT,
                message="card payment failed: flexible sending and auto-upgrade are off "
                "until the owner turns them on again",
            )
        )
    if cycle == assumptions.card_fixed_cycle:
        events.append(
            event(
                kind=EventKind.CARD_FIXED,
                channel=Channel.ACCOUNT,
                message="card fixed: upgrade preferences are back on",
            )
        )
    return assumptions.preferences_active(cycle)


def effective(preference: Preference, active: bool, base_price: Decimal) -> Preference:
    """Section 3: a failed card, or a tier priced $0 (the free plan, no SMS plan), makes any
    preference behave as `none`."""
    return preference if active and base_price > 0 else Preference.NONE


# ---------------------------------------------------------------- renewal (sections 3.1, 3.2)


def downgrade_due(
    setting: Setting, cycle: int, channel: Channel, upgrade: Event | None, events: list[Event]
) -> bool:
    """Whether a manual downgrade of `channel` applies at the renewal that starts `cycle`
    (section 3.1 and section 7, "A schedule of manual downgrades").

    `manual_downgrade` asks for one at every renewal, after each cycle's upgrades. A scheduled
    one requested at the start of the cycle before is cancelled by that cycle's auto-upgrade
    `upgrade` (help article 8356575957275): the cancellation is an event, the plan stays.
    """
    if setting.manual_downgrade:
        return True
    if setting.actions and setting.action_at(cycle - 1, channel.value, ActionKind.DOWNGRADE):
        return True  # a calendar's downgrade: requested after the cycle's last upgrade
    wanted = setting.scheduled_downgrade(cycle, channel.value)
    if wanted is None:
        return False
    if wanted.requested is DowngradeRequest.CYCLE_START and upgrade is not None:
        events.append(
            event(
                kind=EventKind.DOWNGRADE_CANCELLED,
                channel=channel,
                message=f"the {channel.value} downgrade requested at the start of cycle "
                f"{cycle - 1} was cancelled by that cycle's upgrade: {upgrade.message}. "
                "Request a downgrade after the cycle's last upgrade",
            )
        )
        return False
    return True


def downgrade_floor(setting: Setting, ladder: Ladder, cycle: int, start: int) -> int:
    """The lowest tier a manual downgrade at the renewal that starts `cycle` may reach: the
    tier covering a calendar's downgrade `plan` (requested in `cycle - 1`), else the start plan
    (section 3.1 step 1, "back down")."""
    if setting.actions:
        wanted = setting.action_at(cycle - 1, ladder.name, ActionKind.DOWNGRADE)
        if wanted is not None:
            return ladder.cover(wanted.plan)[0]
    return start


def manual_upgrade(
    setting: Setting, ladder: Ladder, tier: int, cycle: int, events: list[Event]
) -> tuple[int, Decimal]:
    """A calendar's upgrade by hand on the cycle's first day: the plan moves to the tier
    covering the action's `plan` and the price difference is charged this cycle, in full, as
    section 3.3 charges an auto-upgrade (Klaviyo's $100 -> $140 example). A target at or
    below the plan in force changes nothing. Returns the tier and the charge."""
    wanted = setting.action_at(cycle, ladder.name, ActionKind.UPGRADE) if setting.actions else None
    if wanted is None:
        return tier, ZERO
    target = ladder.cover(wanted.plan)[0]
    if target <= tier:
        return tier, ZERO
    charge = ladder.price(target, cycle) - ladder.price(tier, cycle)
    events.append(
        event(
            kind=EventKind.MANUAL_UPGRADE,
            channel=ladder.channel,
            day=1,
            amount_usd=charge,
            message=f"{ladder.name} plan upgraded by hand to {ladder.caps[target]:,} "
            f"(+${charge:,.2f} this cycle; the plan stays)",
        )
    )
    return target, charge


def downgrade_event(ladder: Ladder, old: int, new: int, how: str) -> Event:
    """A downgrade takes effect at a renewal and is never refunded (section 3.1)."""
    return event(
        kind=EventKind.DOWNGRADE,
        channel=ladder.channel,
        message=f"{ladder.name} plan moved down {how} at renewal: "
        f"{ladder.caps[old]:,} to {ladder.caps[new]:,} (never refunded)",
    )


def manual_email_downgrade(c: int, start: int, needed: int) -> int:
    """Section 3.1 step 1: the owner moves the plan back to max(start plan, cover(P)) if lower."""
    return min(c, max(start, needed))


def auto_downgrade(c: int, needed: int) -> int:
    """Section 3.1 step 2 (auto-downgrade, with email flex and preferences active): one tier
    down when the profiles qualify for a lower plan. Source: the seed article, "moves your plan
    to the next tier down if your active profile count qualifies for a lower plan"."""
    return c - 1 if needed < c else c


def profile_compliance(ladder: Ladder, c: int, needed: int, profiles: int, events: list) -> int:
    """Section 3.1 step 3, always, whatever the preference: profiles above the plan move it up
    to cover(P) at renewal, several tiers if need be. It cannot be switched off."""
    if needed <= c:
        return c
    events.append(
        event(
            kind=EventKind.PROFILE_UPGRADE,
            channel=Channel.EMAIL,
            message=f"{profiles:,} active profiles need the {ladder.caps[needed]:,} plan: "
            "moved up at renewal (this cannot be switched off)",
        )
    )
    return needed


class EmailRenewal(NamedTuple):
    tier: int
    profile_upgrades: int  # tiers the profile count forced the plan up
    manual: bool  # a manual downgrade took effect
    auto: bool  # an auto-downgrade took effect
    over_top: bool  # profiles above the top tier: custom quote


def renew_email(
    ladder: Ladder, c: int, start: int, profiles: int, manual_due: bool, auto: bool, events: list
) -> EmailRenewal:
    """Section 3.1, in order: manual downgrade (if due) else auto-downgrade (if `auto`: the
    setting has it, preferences are active and email is `flex`), then profile compliance.
    Profiles above the top tier are a custom quote (section 1)."""
    needed, over_top = ladder.cover(profiles)
    manual = auto_moved = False
    if manual_due:
        if (target := manual_email_downgrade(c, start, needed)) < c:
            events.append(downgrade_event(ladder, c, target, "by hand"))
            c, manual = target, True
    elif auto and (target := auto_downgrade(c, needed)) < c:
        events.append(downgrade_event(ladder, c, target, "automatically (one tier)"))
        c, auto_moved = target, True
    renewed = profile_compliance(ladder, c, needed, profiles, events)
    if over_top:
        events.append(
            event(
                kind=EventKind.CUSTOM_QUOTE,
                channel=Channel.EMAIL,
                message=f"{profiles:,} active profiles are above the top tier "
                f"({ladder.caps[-1]:,}): Klaviyo prices this by quote",
            )
        )
    return EmailRenewal(renewed, renewed - c, manual, auto_moved, over_top)


def renew_sms(ladder: Ladder, s: int, start: int, manual_due: bool, events: list) -> int:
    """Section 3.2: with a manual downgrade due, an SMS plan above the start SMS plan goes back
    to it (the caller drops rolled-over credits). Nothing else moves the SMS plan at renewal."""
    if manual_due and s > start:
        events.append(downgrade_event(ladder, s, start, "by hand"))
        return start
    return s


# ---------------------------------------------------------------- sending (sections 3.3, 3.4)


@dataclass(slots=True)
class Sending:
    """What one channel's sending (3.3 / 3.4) produced."""

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


class Demand(NamedTuple):
    """One channel's cycle: the ladder, the plan, the demand, carried-in credits, the prices'
    cycle and the flex fee reading. `carried_in` adds to every tier's limit (0 for email)."""

    ladder: Ladder
    tier: int
    demand: int
    carried_in: int
    cycle: int
    basis: FlexFeeBasis

    def limit(self, k: int) -> int:
        return self.ladder.sends[k] + self.carried_in

    def over(self, k: int) -> bool:
        """Demand above tier k's limit, with a higher tier to go to."""
        ladder = self.ladder
        return self.demand > ladder.sends[k] + self.carried_in and k < ladder.top


def stop(d: Demand, events: list[Event] | None = None) -> Sending:
    """Preference `none` (sections 3.3, 3.4): sent = min(demand, limit); the rest is blocked
    (`top_of_ladder` splits it). No event of its own."""
    return Sending(d.tier, 0, 0, d.ladder.sends[d.tier] + d.carried_in)


def auto_upgrade(d: Demand, events: list[Event]) -> Sending:
    """Preference `auto_upgrade` (section 3.3): while demand is above the limit, move one tier
    up and charge the full price difference this month (Klaviyo's $100 -> $140 example: $40);
    the plan stays at the new tier in later cycles until a downgrade."""
    ladder, out = d.ladder, stop(d)
    while d.over(out.tier):
        step = ladder.price(out.tier + 1, d.cycle) - ladder.price(out.tier, d.cycle)
        out.upgrade_usd += step
        out.upgrades += 1
        out.tier += 1
        events.append(
            event(
                kind=EventKind.AUTO_UPGRADE,
                channel=ladder.channel,
                day=day(d.limit(out.tier - 1), d.demand),
                amount_usd=step,
                message=f"{ladder.name} plan auto-upgraded to "
                f"{ladder.caps[out.tier]:,} (+${step:,.2f} this cycle; the plan stays)",
            )
        )
    out.limit = d.limit(out.tier)
    return out


def flex_fee(ladder: Ladder, plan: int, k: int, basis: FlexFeeBasis, cycle: int) -> Decimal:
    """The fee of one flex from tier k to k + 1 on a cycle whose plan is `plan` (section 3.3).

    `extra` (Klaviyo's example, $10 x 100 more messages): the plan's unit price x (sends[k+1] -
    sends[k]); `whole` (the seed article's wording): x sends[k+1]; both multiply first, then
    divide, then round per flex, so an exact half cent rounds up (section 7, issue 8).
    `difference` (the Feb 2025 FAQ, a temporary upgrade): price[k+1] - price[k] at this cycle's
    prices.
    """
    if basis is FlexFeeBasis.DIFFERENCE:
        return ladder.price(k + 1, cycle) - ladder.price(k, cycle)
    bought = (
        ladder.sends[k + 1] - ladder.sends[k] if basis is FlexFeeBasis.EXTRA else ladder.sends[k + 1]
    )
    return to_cents(ladder.price(plan, cycle) * bought / ladder.sends[plan])


def flex(d: Demand, events: list[Event]) -> Sending:
    """Preference `flex` (section 3.3): the plan does not change; while demand is above the
    limit, flex one tier up for this cycle only and pay `flex_fee`. Several flexes per cycle
    are allowed; the next cycle starts on the unflexed plan."""
    ladder, out, k = d.ladder, stop(d), d.tier
    while d.over(k):
        fee = flex_fee(ladder, d.tier, k, d.basis, d.cycle)
        out.flex_usd += fee
        out.flexes += 1
        events.append(
            event(
                kind=EventKind.FLEX,
                channel=ladder.channel,
                day=day(d.limit(k), d.demand),
                amount_usd=fee,
                message=f"{ladder.name} flex to {ladder.sends[k + 1]:,} {ladder.unit} "
                f"for this cycle (${fee:,.2f}; the plan does not change)",
            )
        )
        k += 1
    out.limit = d.limit(k)
    return out


# The at-limit behaviours of sections 3.3 and 3.4, keyed by preference.
AT_LIMIT: dict[Preference, Callable[[Demand, list[Event]], Sending]] = {
    Preference.NONE: stop,
    Preference.FLEX: flex,
    Preference.AUTO_UPGRADE: auto_upgrade,
}


def top_of_ladder(d: Demand, out: Sending, events: list[Event]) -> None:
    """Sends what the limit allows and splits what is blocked (section 3.3, last point, and
    section 7, "Top of the ladder"): demand above what the top tier carries is Klaviyo's custom
    quote under every setting, not lost revenue; the rest of the blocked demand is a block."""
    out.sent = min(d.demand, out.limit)
    out.blocked = d.demand - out.sent
    out.above_top = min(out.blocked, max(0, d.demand - d.ladder.sends[-1] - d.carried_in))
    if out.above_top or out.blocked:
        _stop_events(d, out, events)


def _stop_events(d: Demand, out: Sending, events: list[Event]) -> None:
    """The custom-quote event (above the top tier) and the block event of a channel's cycle."""
    name, unit = d.ladder.name, d.ladder.unit
    if out.above_top:
        out.custom_quote = True
        events.append(
            event(
                kind=EventKind.CUSTOM_QUOTE,
                channel=d.ladder.channel,
                message=f"{name} demand is {out.above_top:,} {unit} above what the top "
                "tier carries: Klaviyo prices this by quote",
            )
        )
    if out.blocked:
        events.append(
            event(
                kind=EventKind.BLOCK,
                channel=d.ladder.channel,
                day=day(out.limit, d.demand),
                message=f"{name} sending stopped at the limit: {out.blocked:,} {unit} not sent",
            )
        )


def send(d: Demand, preference: Preference, events: list[Event]) -> Sending:
    """One channel's sending (sections 3.3, 3.4): the preference's at-limit behaviour, then the
    top-of-ladder split of what is blocked."""
    out = AT_LIMIT[preference](d, events)
    top_of_ladder(d, out, events)
    return out


def rollover(ladder: Ladder, tier: int, carried_in: int, used: int, on: bool) -> int:
    """Section 3.4: with `sms_rollover`, credits left at the end of the cycle,
    max(0, credits[s] + carried_in - used) with s after any auto-upgrade, carry into the next
    cycle; flexed credits never carry. Default off (no official source says they roll over)."""
    return max(0, ladder.sends[tier] + carried_in - used) if on else 0


# ---------------------------------------------------------------- notices and totals


def notices(
    channel: Channel, demand: int, base_limit: int, auto_upgrade: bool, events: list[Event]
) -> None:
    """Section 3.5: notices at 75% and 90% of the cycle's base limit, plus 95% under auto-upgrade.
    A base limit of 0 (no SMS plan) raises none (section 7, "Notifications for SMS")."""
    if base_limit <= 0:
        return
    levels = NOTICE_LEVELS + ((NOTICE_95,) if auto_upgrade else ())
    for kind, pct in levels:
        level = base_limit * pct / 100
        if demand >= level:
            events.append(
                event(
                    kind=kind,
                    channel=channel,
                    day=day(math.ceil(level), demand),
                    message=f"{channel.value} use reached {pct}% of the plan's limit",
                )
            )


def cycle_total(email_base: Decimal, mail: Sending, sms_base: Decimal, text: Sending) -> Decimal:
    """Section 3.6: email base + upgrade + flex + SMS base + upgrade + flex."""
    return email_base + mail.upgrade_usd + mail.flex_usd + sms_base + text.upgrade_usd + text.flex_usd


def lost_revenue(mail: Sending, text: Sending, per_email: Decimal, per_credit: Decimal) -> Decimal:
    """Section 3.6: blocked emails x revenue per email + blocked credits x revenue per credit,
    rounded to cents per cycle; messages above the top tier are by quote, not lost (section 7)."""
    return to_cents(
        (mail.blocked - mail.above_top) * per_email + (text.blocked - text.above_top) * per_credit
    )
