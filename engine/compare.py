"""Run the named policy set of docs/billing-rules.md section 6 on one usage path and rank it.

`compare()` runs each named setting on the same scenario, ranks them by bill and by bill + lost
revenue, and says why the winner wins in plain words. `sensitivity()` reruns the comparison
under the other reading of each ambiguous rule (flex fee basis, SMS rollover), so the user sees
how much the answer hangs on them. Everything here is derived from `simulate()` results.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from engine.models import (
    EventKind,
    FlexFeeBasis,
    Frozen,
    Money,
    Policy,
    Preference,
    PriceBook,
    Scenario,
    SimulationResult,
)
from engine.simulate import simulate

ZERO = Decimal("0")


class NamedPolicy(Frozen):
    key: str
    label: str
    email: Preference
    sms: Preference
    auto_downgrade: bool = False
    manual_downgrade: bool = False

    def policy(self, base: Policy) -> Policy:
        """This setting, keeping the base policy's switches (fee basis, rollover, card failure)."""
        return base.model_copy(
            update={
                "email": self.email,
                "sms": self.sms,
                "auto_downgrade": self.auto_downgrade,
                "manual_downgrade": self.manual_downgrade,
            }
        )

    def matches(self, policy: Policy) -> bool:
        return (policy.email, policy.sms, policy.auto_downgrade, policy.manual_downgrade) == (
            self.email,
            self.sms,
            self.auto_downgrade,
            self.manual_downgrade,
        )


# Section 6. The same preference on both channels, as in the worked examples of section 5.
NAMED_POLICIES: tuple[NamedPolicy, ...] = (
    NamedPolicy(key="stop", label="Stop sending", email="none", sms="none"),
    NamedPolicy(key="flex", label="Flexible sending", email="flex", sms="flex"),
    NamedPolicy(
        key="flex_auto_downgrade",
        label="Flexible sending + auto-downgrade",
        email="flex",
        sms="flex",
        auto_downgrade=True,
    ),
    NamedPolicy(key="auto_upgrade", label="Auto-upgrade", email="auto_upgrade", sms="auto_upgrade"),
    NamedPolicy(
        key="auto_upgrade_manual_downgrade",
        label="Auto-upgrade, then downgrade by hand",
        email="auto_upgrade",
        sms="auto_upgrade",
        manual_downgrade=True,
    ),
)
CURRENT_KEY = "current"


class Outcome(Frozen):
    """One setting's result, with the figures the comparison table shows."""

    key: str
    label: str
    policy: Policy
    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money
    flexes: int
    flex_usd: Money
    upgrades: int
    upgrade_usd: Money
    profile_upgrades: int
    downgrades: int
    months_blocked: int
    emails_blocked: int
    sms_credits_blocked: int
    custom_quote_cycles: int
    rank_bill: int
    rank_with_lost: int
    story: str
    result: SimulationResult = Field(exclude=True)


class Comparison(Frozen):
    outcomes: tuple[Outcome, ...]
    current: str = Field(description="key of the outcome that is the user's current setting")
    cheapest_bill: str
    cheapest_with_lost: str
    saving_vs_current_usd: Money = Field(
        description="current bill + lost revenue minus the recommended one's"
    )
    recommendation: str

    def outcome(self, key: str) -> Outcome:
        return next(o for o in self.outcomes if o.key == key)


class Sensitivity(Frozen):
    """The comparison under the other reading of one ambiguous rule."""

    switch: str
    label: str
    totals_usd: dict[str, Money]
    totals_with_lost_usd: dict[str, Money]
    cheapest_bill: str
    cheapest_with_lost: str
    changes_answer: bool
    summary: str


# ---------------------------------------------------------------- wording


def _usd(amount: Decimal) -> str:
    return f"${amount:,.2f}" if amount != amount.to_integral_value() else f"${amount:,.0f}"


def _months(cycles: list[int], labels: list[str]) -> str:
    names = [labels[c - 1] for c in cycles]
    return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:3])} and {len(names) - 3} more"


def _story(result: SimulationResult, named: NamedPolicy, labels: list[str]) -> str:
    """What this setting does on this path, in one plain sentence."""
    bills = result.cycles
    blocked = [b.cycle for b in bills if b.emails_blocked or b.sms_credits_blocked]
    flexed = [b.cycle for b in bills if b.email_flexes or b.sms_flexes]
    upgraded = [b.cycle for b in bills if b.email_upgrades or b.sms_upgrades]
    parts: list[str] = []
    if upgraded:
        first = upgraded[0]
        extra = sum((b.email_upgrade_usd + b.sms_upgrade_usd for b in bills), ZERO)
        if named.manual_downgrade:
            parts.append(
                f"upgrades in {_months(upgraded, labels)} ({_usd(extra)} in upgrade charges) "
                "and you move back down by hand at the next renewal"
            )
        else:
            later = bills[first:]  # the cycles after the first upgrade
            plan = f"the {bills[first - 1].email_plan_profiles:,}-profile email plan"
            if later:
                plan += f" ({_usd(later[0].email_base_usd + later[0].sms_base_usd)}/month with SMS)"
            parts.append(
                f"moves up in {labels[first - 1]} ({_usd(extra)} in upgrade charges) and stays "
                f"there: {plan} for the {len(later)} month(s) after"
            )
    if flexed:
        fees = sum((b.email_flex_usd + b.sms_flex_usd for b in bills), ZERO)
        parts.append(
            f"pays {_usd(fees)} in one-off flex fees in {_months(flexed, labels)} and keeps the plan"
        )
    downs = [
        b.cycle
        for b in bills
        for e in b.events
        if e.kind is EventKind.DOWNGRADE and e.channel == "email"
    ]
    if downs and named.auto_downgrade:
        parts.append(f"moves down a tier automatically in {_months(downs, labels)}")
    if blocked:
        lost = result.lost_revenue_usd
        worth = (
            f", worth {_usd(lost)} in lost revenue"
            if lost
            else " (priced at $0: set a revenue per email or credit to weigh this)"
        )
        parts.append(
            f"stops sending in {_months(blocked, labels)}: {result.emails_blocked:,} emails and "
            f"{result.sms_credits_blocked:,} SMS credits not sent{worth}"
        )
    if not parts:
        parts.append("never reaches a message limit on this path, so it only pays the plans")
    return "; ".join(parts)


# ---------------------------------------------------------------- comparison


def _outcome(named: NamedPolicy, policy: Policy, result: SimulationResult, labels: list[str]) -> dict:
    bills = result.cycles
    return dict(
        key=named.key,
        label=named.label,
        policy=policy,
        total_usd=result.total_usd,
        lost_revenue_usd=result.lost_revenue_usd,
        total_with_lost_usd=result.total_usd + result.lost_revenue_usd,
        flexes=sum(b.email_flexes + b.sms_flexes for b in bills),
        flex_usd=sum((b.email_flex_usd + b.sms_flex_usd for b in bills), ZERO),
        upgrades=sum(b.email_upgrades + b.sms_upgrades for b in bills),
        upgrade_usd=sum((b.email_upgrade_usd + b.sms_upgrade_usd for b in bills), ZERO),
        profile_upgrades=sum(1 for b in bills if b.email_profile_upgrades),
        downgrades=sum(1 for b in bills for e in b.events if e.kind is EventKind.DOWNGRADE),
        months_blocked=sum(1 for b in bills if b.emails_blocked or b.sms_credits_blocked),
        emails_blocked=result.emails_blocked,
        sms_credits_blocked=result.sms_credits_blocked,
        custom_quote_cycles=sum(1 for b in bills if b.custom_quote),
        story=_story(result, named, labels),
        result=result,
    )


def _ranks(rows: list[dict], metric: str) -> dict[str, int]:
    """Rank 1 = cheapest; ties go to fewer blocked months, then the order of section 6."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i][metric], rows[i]["months_blocked"], i))
    ranks, prev, rank = {}, None, 0
    for position, i in enumerate(order, start=1):
        value = (rows[i][metric], rows[i]["months_blocked"])
        rank = rank if value == prev else position
        ranks[rows[i]["key"]], prev = rank, value
    return ranks


def policies_for(base: Policy) -> list[tuple[NamedPolicy, Policy]]:
    """The named set, plus the user's own setting when it is not one of them."""
    out = [(n, n.policy(base)) for n in NAMED_POLICIES]
    if not any(n.matches(base) for n in NAMED_POLICIES):
        mine = NamedPolicy(
            key=CURRENT_KEY,
            label=f"Your setting (email {base.email.value}, SMS {base.sms.value})",
            email=base.email,
            sms=base.sms,
            auto_downgrade=base.auto_downgrade,
            manual_downgrade=base.manual_downgrade,
        )
        out.append((mine, base))
    return out


def compare(scenario: Scenario, book: PriceBook, labels: list[str] | None = None) -> Comparison:
    """Every named setting on the scenario's usage; the scenario's own policy is 'current'."""
    labels = labels or [f"cycle {i}" for i in range(1, len(scenario.usage) + 1)]
    rows = []
    for named, policy in policies_for(scenario.policy):
        result = simulate(scenario.model_copy(update={"policy": policy}), book)
        rows.append(_outcome(named, policy, result, labels))
    by_bill, by_all = _ranks(rows, "total_usd"), _ranks(rows, "total_with_lost_usd")
    outcomes = tuple(
        Outcome(**r, rank_bill=by_bill[r["key"]], rank_with_lost=by_all[r["key"]]) for r in rows
    )
    cheapest_bill = min(outcomes, key=lambda o: o.rank_bill).key
    cheapest_all = min(outcomes, key=lambda o: o.rank_with_lost).key
    current = next((n.key for n in NAMED_POLICIES if n.matches(scenario.policy)), CURRENT_KEY)
    by_key = {o.key: o for o in outcomes}
    saving = by_key[current].total_with_lost_usd - by_key[cheapest_all].total_with_lost_usd
    return Comparison(
        outcomes=outcomes,
        current=current,
        cheapest_bill=cheapest_bill,
        cheapest_with_lost=cheapest_all,
        saving_vs_current_usd=saving,
        recommendation=_recommend(outcomes, by_key, current, cheapest_bill, cheapest_all, len(labels)),
    )


def _recommend(
    outcomes: tuple[Outcome, ...],
    by_key: dict[str, Outcome],
    current: str,
    cheapest_bill: str,
    cheapest_all: str,
    horizon: int,
) -> str:
    best, now = by_key[cheapest_all], by_key[current]
    span = f"over {horizon} month{'s' if horizon != 1 else ''}"
    text = [
        f"{best.label} costs least {span}: {_usd(best.total_usd)} billed"
        + (f" plus {_usd(best.lost_revenue_usd)} in lost sales" if best.lost_revenue_usd else "")
        + f". It {best.story}."
    ]
    ties = [
        o.label
        for o in outcomes
        if o.key != best.key and o.total_with_lost_usd == best.total_with_lost_usd
    ]
    if ties:
        text.append(f"{' and '.join(ties)} cost{'s' if len(ties) == 1 else ''} the same here.")
    if current == best.key or now.total_with_lost_usd == best.total_with_lost_usd:
        text.append("That is your current setting: nothing to change.")
    else:
        diff = now.total_with_lost_usd - best.total_with_lost_usd
        text.append(
            f"Your current setting, {now.label}, costs {_usd(diff)} more {span}: it {now.story}."
        )
    runner = min(
        (o for o in outcomes if o.key not in {best.key, current}),
        key=lambda o: (o.total_with_lost_usd, o.months_blocked),
        default=None,
    )
    if runner is not None and runner.total_with_lost_usd != best.total_with_lost_usd:
        diff = runner.total_with_lost_usd - best.total_with_lost_usd
        text.append(f"Next best: {runner.label}, {_usd(diff)} more: it {runner.story}.")
    if cheapest_bill != cheapest_all:
        cheap = by_key[cheapest_bill]
        text.append(
            f"On the bill alone {cheap.label} is cheapest ({_usd(cheap.total_usd)}), but only "
            f"because it does not send {cheap.emails_blocked:,} emails and "
            f"{cheap.sms_credits_blocked:,} SMS credits."
        )
    elif by_key[cheapest_bill].months_blocked and not by_key[cheapest_bill].lost_revenue_usd:
        text.append(
            "Careful: it is cheapest on the bill because sends are blocked, and blocked sends are "
            "priced at $0. Set a revenue per email and per SMS credit to weigh them."
        )
    return " ".join(text)


SWITCHES = {
    "flex_fee_basis": "flex fee charged on the whole next tier, not just the extra messages",
    "sms_rollover": "unused SMS credits roll over to the next month",
}


def flipped(policy: Policy, switch: str) -> Policy:
    """The policy under the other reading of one ambiguous rule (section 6)."""
    if switch == "flex_fee_basis":
        other = FlexFeeBasis.WHOLE if policy.flex_fee_basis is FlexFeeBasis.EXTRA else FlexFeeBasis.EXTRA
        return policy.model_copy(update={"flex_fee_basis": other})
    if switch == "sms_rollover":
        return policy.model_copy(update={"sms_rollover": not policy.sms_rollover})
    raise ValueError(f"unknown switch {switch!r}")


def _switch_label(policy: Policy, switch: str) -> str:
    alt = flipped(policy, switch)
    if switch == "flex_fee_basis":
        return (
            "if flex is charged on the whole next tier"
            if alt.flex_fee_basis is FlexFeeBasis.WHOLE
            else "if flex is charged only on the extra messages"
        )
    return (
        "if unused SMS credits roll over"
        if alt.sms_rollover
        else "if unused SMS credits do not roll over"
    )


def sensitivity(scenario: Scenario, book: PriceBook, base: Comparison) -> tuple[Sensitivity, ...]:
    """The comparison again under the other reading of each ambiguous rule."""
    out = []
    for switch in SWITCHES:
        policy = flipped(scenario.policy, switch)
        alt = compare(scenario.model_copy(update={"policy": policy}), book)
        label = _switch_label(scenario.policy, switch)
        moved = [
            (o, alt.outcome(o.key))
            for o in base.outcomes
            if alt.outcome(o.key).total_with_lost_usd != o.total_with_lost_usd
        ]
        changes = alt.cheapest_with_lost != base.cheapest_with_lost
        if not moved:
            summary = f"No difference {label}: no setting's cost changes on this path."
        else:
            deltas = "; ".join(
                f"{o.label} {_usd(o.total_with_lost_usd)} → {_usd(a.total_with_lost_usd)}"
                for o, a in moved
            )
            verdict = (
                f"the cheapest becomes {alt.outcome(alt.cheapest_with_lost).label}"
                if changes
                else f"{base.outcome(base.cheapest_with_lost).label} stays cheapest"
            )
            summary = f"{label[0].upper()}{label[1:]}: {deltas}; {verdict}."
        out.append(
            Sensitivity(
                switch=switch,
                label=label,
                totals_usd={o.key: o.total_usd for o in alt.outcomes},
                totals_with_lost_usd={o.key: o.total_with_lost_usd for o in alt.outcomes},
                cheapest_bill=alt.cheapest_bill,
                cheapest_with_lost=alt.cheapest_with_lost,
                changes_answer=changes,
                summary=summary,
            )
        )
    return tuple(out)
