"""Why this cycle's bill differs from the last: the difference line by line (issue 12).

Each line is one part of section 3.6's total (email plan, email upgrade charge, email flex
fees, SMS plan, SMS upgrade charge, SMS flex fees), with its before and after and the reason in
plain words taken from the two cycles' bills and events (a profile-compliance move, a downgrade,
an upgrade carried from last cycle, an upgrade by hand, a price change). Lines whose amount did
not change are left out, so the lines add up to the difference exactly: each is the difference
of one CycleBill field, and the six fields add up to `total_usd` (engine.rules.cycle_total).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import Field

from engine.advice import usd
from engine.history import month_label
from engine.models import CycleBill, EventKind, Frozen, Money, PriceBook, Scenario, SimulationResult


class ChangeLine(Frozen):
    item: str = Field(description="which part of the bill, e.g. 'Email plan'")
    before_usd: Money
    after_usd: Money
    change_usd: Money
    reason: str


class BillChange(Frozen):
    cycle: int = Field(description="the later of the two cycles")
    before_usd: Money
    after_usd: Money
    change_usd: Money
    lines: tuple[ChangeLine, ...]
    summary: str


# Section 3.6's parts, in its order: (field, item).
PARTS = (
    ("email_base_usd", "Email plan"),
    ("email_upgrade_usd", "Email upgrade charge"),
    ("email_flex_usd", "Email flex fees"),
    ("sms_base_usd", "SMS plan"),
    ("sms_upgrade_usd", "SMS upgrade charge"),
    ("sms_flex_usd", "SMS flex fees"),
)


# How the plan reasons of a downgrade at the renewal begin (they also explain an upgrade
# charge that went away).
DOWNGRADES = ("downgraded by hand", "auto-downgrade moved", "SMS plan downgraded")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def sms_plan_at_renewal(result: SimulationResult, bill: CycleBill) -> int:
    """The SMS plan (credits) in force at the cycle's start: the credits available less those
    carried in, which a downgrade at this renewal drops (engine/simulate.py `step`)."""
    carried = 0
    if bill.cycle > 1 and not bill.sms_manual_downgrade:
        carried = result.cycles[bill.cycle - 2].sms_credits_carried_out
    return bill.sms_credits_available - carried


def _price_change(scenario: Scenario, cycle: int) -> str:
    change = scenario.price_change
    if change is None or change.from_cycle != cycle:
        return ""
    return f"every price changed by {change.pct:+}% from cycle {cycle}"


def _email_plan_reasons(scenario: Scenario, result: SimulationResult, cycle: int) -> list[str]:
    """What moved the email plan between the two renewals, from the bills' flags."""
    before, after = result.cycles[cycle - 2], result.cycles[cycle - 1]
    old, new = before.email_plan_profiles_at_renewal, after.email_plan_profiles_at_renewal
    reasons = []
    if before.email_plan_profiles > old:
        how = (
            "upgrade by hand"
            if before.email_manual_upgrade and not before.email_upgrades
            else "auto-upgrade"
        )
        kept = after.email_manual_downgrade or after.email_auto_downgrade
        tail = "" if kept else " (the plan stays until a downgrade)"
        reasons.append(
            f"the {how} to the {before.email_plan_profiles:,} plan in cycle {cycle - 1} "
            f"carried over{tail}"
        )
    if after.email_manual_downgrade:
        reasons.append(f"downgraded by hand at renewal from {before.email_plan_profiles:,} to {new:,}")
    if after.email_auto_downgrade:
        reasons.append(
            f"auto-downgrade moved the plan one tier down, {before.email_plan_profiles:,} to {new:,} "
            "(the profiles qualified for a lower plan)"
        )
    if after.email_profile_upgrades:
        counted = scenario.usage[cycle - 2].active_profiles
        earlier = (
            scenario.usage[cycle - 3].active_profiles if cycle > 2 else scenario.start.active_profiles
        )
        reasons.append(
            f"{earlier:,} → {counted:,} active profiles needed the {new:,} plan "
            "(profile compliance at renewal; it cannot be switched off)"
        )
    if not reasons and new != old:
        reasons.append(f"the plan moved from {old:,} to {new:,} profiles")
    return reasons


def _sms_plan_reasons(scenario: Scenario, result: SimulationResult, cycle: int) -> list[str]:
    before, after = result.cycles[cycle - 2], result.cycles[cycle - 1]
    old, new = sms_plan_at_renewal(result, before), sms_plan_at_renewal(result, after)
    reasons = []
    if before.sms_plan_credits > old:
        how = (
            "upgrade by hand"
            if before.sms_manual_upgrade and not before.sms_upgrades
            else "auto-upgrade"
        )
        tail = "" if after.sms_manual_downgrade else " (the plan stays until a downgrade)"
        reasons.append(
            f"the SMS {how} to {before.sms_plan_credits:,} credits in cycle {cycle - 1} "
            f"carried over{tail}"
        )
    if after.sms_manual_downgrade:
        reasons.append(
            f"SMS plan downgraded by hand at renewal from {before.sms_plan_credits:,} to "
            f"{new:,} credits"
            + (" (rolled-over credits are lost)" if scenario.policy.sms_rollover else "")
        )
    if not reasons and new != old:
        reasons.append(f"the SMS plan moved from {old:,} to {new:,} credits")
    return reasons


def _upgrade_words(bill: CycleBill, channel: str) -> str:
    """One cycle's upgrade charges, from its events."""
    ups = [e for e in bill.events if e.channel.value == channel]
    auto = [e for e in ups if e.kind is EventKind.AUTO_UPGRADE]
    hand = [e for e in ups if e.kind is EventKind.MANUAL_UPGRADE]
    plan = bill.email_plan_profiles if channel == "email" else bill.sms_plan_credits
    unit = " profiles" if channel == "email" else " credits"
    parts = []
    if hand:
        parts.append("an upgrade by hand on the cycle's first day")
    if auto:
        parts.append(f"auto-upgrade, {_plural(len(auto), 'tier step')}")
    if not parts:
        return f"no upgrade in cycle {bill.cycle}"
    return f"{' and '.join(parts)} to the {plan:,}{unit} plan in cycle {bill.cycle}"


def _flex_words(bill: CycleBill, channel: str) -> str:
    if channel == "email":
        flexes, demand, unit = bill.email_flexes, bill.email_sends_demand, "emails"
    else:
        flexes, demand, unit = bill.sms_flexes, bill.sms_credits_demand, "credits"
    if not flexes:
        return f"no flex in cycle {bill.cycle} ({demand:,} {unit} wanted)"
    return f"{_plural(flexes, 'flex', 'flexes')} in cycle {bill.cycle} ({demand:,} {unit} wanted)"


def _reason(scenario: Scenario, result: SimulationResult, field: str, cycle: int) -> str:
    before, after = result.cycles[cycle - 2], result.cycles[cycle - 1]
    channel = "email" if field.startswith("email") else "sms"
    if field == "email_base_usd":
        reasons = _email_plan_reasons(scenario, result, cycle)
    elif field == "sms_base_usd":
        reasons = _sms_plan_reasons(scenario, result, cycle)
    elif field.endswith("upgrade_usd"):
        reasons = [f"{_upgrade_words(after, channel)}; {_upgrade_words(before, channel)}"]
        moved = (
            _email_plan_reasons(scenario, result, cycle)
            if channel == "email"
            else _sms_plan_reasons(scenario, result, cycle)
        )
        reasons += [r for r in moved if r.startswith(DOWNGRADES)]  # back down at this renewal
    else:
        reasons = [f"{_flex_words(after, channel)}; {_flex_words(before, channel)}"]
    if priced := _price_change(scenario, cycle):
        reasons.append(priced)
    if not reasons:  # the same plan and moves at other prices (a cut or rise in an earlier cycle)
        reasons.append("the same plan at this cycle's prices")
    text = "; ".join(reasons)
    return text[0].upper() + text[1:]


def explain_change(
    scenario: Scenario,
    book: PriceBook,
    result: SimulationResult,
    cycle: int,
    months: Sequence[date] | None = None,
) -> BillChange:
    """Cycle `cycle` against cycle `cycle - 1` of `result` (cycle >= 2), line by line.
    `book` is the one `result` was billed on (kept for the signature every caller shares).
    With `months` (the calendar month of each cycle) the words name months, not cycle numbers."""
    if isinstance(cycle, bool) or not isinstance(cycle, int) or not 2 <= cycle <= len(result.cycles):
        raise ValueError(
            f"cycle: must be 2 to {len(result.cycles)} (the later of two consecutive cycles of "
            f"the result), got {cycle!r}"
        )
    before, after = result.cycles[cycle - 2], result.cycles[cycle - 1]
    lines = []
    for field, item in PARTS:
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        lines.append(
            ChangeLine(
                item=item,
                before_usd=old,
                after_usd=new,
                change_usd=new - old,
                reason=_reason(scenario, result, field, cycle),
            )
        )
    change = after.total_usd - before.total_usd
    if months is not None:
        lines = [x.model_copy(update={"reason": _dated(x.reason, months)}) for x in lines]
    summary = _summary(before, after, change, lines)
    return BillChange(
        cycle=cycle,
        before_usd=before.total_usd,
        after_usd=after.total_usd,
        change_usd=change,
        lines=tuple(lines),
        summary=summary if months is None else _dated(summary, months),
    )


_CYCLE = re.compile(r"\b[Cc]ycle (\d+)\b")


def _dated(text: str, months: Sequence[date]) -> str:
    """`text` with each "cycle N" named by its calendar month ("in Nov 2026", "Nov 2026's bill")."""
    return _CYCLE.sub(lambda m: month_label(months[int(m.group(1)) - 1]), text)


def _summary(before: CycleBill, after: CycleBill, change: Decimal, lines: list[ChangeLine]) -> str:
    if not lines:
        return (
            f"Cycle {after.cycle}'s bill is the same as cycle {before.cycle}'s: {usd(after.total_usd)}."
        )
    way = "up" if change > 0 else "down" if change < 0 else "unchanged overall"
    biggest = max(lines, key=lambda line: abs(line.change_usd))
    amount = f" by {usd(abs(change))}" if change else ""
    return (
        f"Cycle {after.cycle}'s bill is {usd(after.total_usd)}, {way}{amount} from cycle "
        f"{before.cycle}'s {usd(before.total_usd)}; the largest change: {biggest.item} "
        f"({'+' if biggest.change_usd > 0 else '-'}{usd(abs(biggest.change_usd))})."
    )
