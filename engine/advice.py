"""The comparison in plain words: each setting's description, the recommendation, the manual
downgrade schedule and the sensitivity summaries.

Every figure in these texts is read from the ranked results of engine/compare.py, never typed
in: a description lists every plan a setting moves through with its months, then each kind of
plan move, flex fee, block and quote month. The sentence forms are few and fixed, so
tests/engine/test_compare.py can parse every number back and check it against the result.
Money is always written with cents ("$1,234.50").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from engine.compare import Comparison, Outcome, Sensitivity, stopped
from engine.history import day_label, month_label
from engine.models import CycleBill, FlexFeeBasis, ManualDowngrade, SimulationResult

ZERO = Decimal("0")
RANKING = "bill + lost revenue"


def usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def labels(comparison: Comparison) -> list[str]:
    """The name of each cycle: its calendar month when known, else 'cycle N'."""
    if comparison.months:
        return [month_label(m) for m in comparison.months]
    return [f"cycle {i}" for i in range(1, comparison.horizon + 1)]


def months_text(cycles: Sequence[int], names: Sequence[str]) -> str:
    """Cycles as month ranges: 'Oct 2026, Nov 2026 – Jan 2027 and Mar 2027'."""
    runs: list[list[int]] = []
    for c in sorted(set(cycles)):
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    parts = [names[r[0] - 1] if len(r) == 1 else f"{names[r[0] - 1]} – {names[r[-1] - 1]}" for r in runs]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def has_sms(result: SimulationResult) -> bool:
    """Whether the account uses SMS at all on this path (a plan or any demand)."""
    return any(b.sms_plan_credits or b.sms_credits_demand for b in result.cycles)


def plan_path(
    bills: Sequence[CycleBill],
    at_renewal: Callable[[CycleBill], int],
    at_end: Callable[[CycleBill], int],
) -> list[tuple[int, list[int]]]:
    """Every plan held, in order, with the cycles it was held in (at renewal or after an upgrade).
    A cycle whose plan moved during it appears under both plans."""
    held: list[tuple[int, int]] = []
    for b in bills:
        held.append((at_renewal(b), b.cycle))
        if at_end(b) != at_renewal(b):
            held.append((at_end(b), b.cycle))
    path: list[tuple[int, list[int]]] = []
    for plan, cycle in held:
        if path and path[-1][0] == plan:
            if path[-1][1][-1] != cycle:
                path[-1][1].append(cycle)
        else:
            path.append((plan, [cycle]))
    return path


def sms_renewal_plans(result: SimulationResult) -> dict[int, int]:
    """cycle -> credits of the SMS plan billed at that cycle's renewal. The bill records the plan
    at the cycle's end; at renewal, the credits available were that plan's plus the credits
    carried in (none after a manual SMS downgrade, which forfeits them)."""
    out, carried = {}, 0
    for b in result.cycles:
        if b.sms_manual_downgrade:
            carried = 0
        out[b.cycle] = b.sms_credits_available - carried
        carried = b.sms_credits_carried_out
    return out


def sms_plan_path(result: SimulationResult) -> list[tuple[int, list[int]]]:
    renewal = sms_renewal_plans(result)
    return plan_path(result.cycles, lambda b: renewal[b.cycle], lambda b: b.sms_plan_credits)


def _plans(path: list[tuple[int, list[int]]], unit: str, names: Sequence[str]) -> str:
    def one(plan: int) -> str:
        if unit == "credits" and plan == 0:
            return "no SMS plan"
        return f"{plan:,} {unit}"

    return " → ".join(f"{one(plan)} ({months_text(cycles, names)})" for plan, cycles in path)


def _steps(n: int) -> str:
    return f"{n} tier step{'s' if n != 1 else ''}"


def describe(outcome: Outcome, names: Sequence[str]) -> str:
    """What this setting does on this path, generated from its own result (one sentence)."""
    downs = downgrade_cycles(outcome)
    parts = _email_parts(outcome, names, downs)
    if has_sms(outcome.result):
        parts += _sms_parts(outcome, names, downs)
    return "; ".join(parts + _limit_parts(outcome, names))


def _email_parts(outcome: Outcome, names: Sequence[str], downs: dict[str, list[int]]) -> list[str]:
    """The email plans held, then the moves: renewal upgrades, auto-upgrades, downgrades."""
    bills = outcome.result.cycles
    path = plan_path(bills, lambda b: b.email_plan_profiles_at_renewal, lambda b: b.email_plan_profiles)
    parts = ["email plan " + _plans(path, "profiles", names)]
    renewal = [b.cycle for b in bills if b.email_profile_upgrades]
    if renewal:
        parts.append(f"moved up at renewal for profile growth in {months_text(renewal, names)}")
    up = [b for b in bills if b.email_upgrades]
    if up:
        parts.append(
            f"email auto-upgrades in {months_text([b.cycle for b in up], names)}: "
            f"{_steps(sum(b.email_upgrades for b in up))}, "
            f"{usd(sum((b.email_upgrade_usd for b in up), ZERO))}"
        )
    if downs["email_manual"]:
        parts.append(
            f"email downgraded by hand at the renewal of {months_text(downs['email_manual'], names)}"
        )
    if downs["email_auto"]:
        parts.append(
            f"auto-downgraded one tier at the renewal of {months_text(downs['email_auto'], names)}"
        )
    return parts


def _sms_parts(outcome: Outcome, names: Sequence[str], downs: dict[str, list[int]]) -> list[str]:
    """The SMS plans held, its auto-upgrades and its downgrades by hand."""
    parts = ["SMS plan " + _plans(sms_plan_path(outcome.result), "credits", names)]
    sms_up = [b for b in outcome.result.cycles if b.sms_upgrades]
    if sms_up:
        parts.append(
            f"SMS auto-upgrades in {months_text([b.cycle for b in sms_up], names)}: "
            f"{_steps(sum(b.sms_upgrades for b in sms_up))}, "
            f"{usd(sum((b.sms_upgrade_usd for b in sms_up), ZERO))}"
        )
    if downs["sms_manual"]:
        parts.append(
            f"SMS downgraded by hand at the renewal of {months_text(downs['sms_manual'], names)}"
        )
    return parts


def _limit_parts(outcome: Outcome, names: Sequence[str]) -> list[str]:
    """What happens at the limits: flexes, stops, and months above the top tier."""
    bills, parts = outcome.result.cycles, []
    flexed = [b for b in bills if b.email_flexes or b.sms_flexes]
    if flexed:
        n = sum(b.email_flexes + b.sms_flexes for b in flexed)
        fees = usd(sum((b.email_flex_usd + b.sms_flex_usd for b in flexed), ZERO))
        parts.append(
            f"flexible sending in {months_text([b.cycle for b in flexed], names)}: "
            f"{n} flex{'es' if n != 1 else ''}, {fees} in fees"
        )
    blocked = [b for b in bills if stopped(b)]
    if blocked:
        parts.append(
            f"sending stops at the limit in {months_text([b.cycle for b in blocked], names)}: "
            + _not_sent(outcome.emails_blocked, outcome.sms_credits_blocked)
        )
    quote = [b.cycle for b in bills if b.custom_quote]
    if quote:
        above = ""
        if outcome.emails_above_top or outcome.sms_credits_above_top:
            counts = _messages(outcome.emails_above_top, outcome.sms_credits_above_top)
            above = f": {counts} above what the top tier carries"
        parts.append(
            f"above the top published tier in {months_text(quote, names)}, "
            f"which Klaviyo prices by quote{above}"
        )
    return parts


def _messages(emails: int, credits: int) -> str:
    """'1,200 emails and 300 SMS credits', leaving out a channel with none."""
    things = []
    if emails:
        things.append(f"{emails:,} emails")
    if credits:
        things.append(f"{credits:,} SMS credits")
    return " and ".join(things)


def _not_sent(emails: int, credits: int) -> str:
    return _messages(emails, credits) + " not sent"


def downgrade_cycles(outcome: Outcome) -> dict[str, list[int]]:
    """The cycles at whose renewal a downgrade took effect, by channel and kind."""
    bills = outcome.result.cycles
    return {
        "email_manual": [b.cycle for b in bills if b.email_manual_downgrade],
        "email_auto": [b.cycle for b in bills if b.email_auto_downgrade],
        "sms_manual": [b.cycle for b in bills if b.sms_manual_downgrade],
    }


# ---------------------------------------------------------------- the schedule


def renewal_name(cycle: int, comparison: Comparison) -> str:
    """The renewal that starts `cycle`: its date ('1 Dec 2026') when the months are known."""
    if comparison.months:
        return day_label(comparison.months[cycle - 1])
    return f"cycle {cycle}"


def _dates(cycles: list[int], comparison: Comparison) -> str:
    names = [renewal_name(c, comparison) for c in sorted(cycles)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def schedule_text(schedule: Sequence[ManualDowngrade], comparison: Comparison) -> str:
    """The manual downgrades as steps a manager can follow, with the number of actions."""
    if not schedule:
        return "no manual downgrade is needed on this path: 0 actions"
    steps = []
    for channel, name in (("email", "email"), ("sms", "SMS")):
        cycles = [a.cycle for a in schedule if a.channel == channel]
        if cycles:
            plural = "s" if len(cycles) != 1 else ""
            steps.append(
                f"step the {name} plan down at the renewal{plural} of {_dates(cycles, comparison)}"
            )
    n = len(schedule)
    return (
        f"{' and '.join(steps)}; request each in the month before, after that month's last "
        f"upgrade: {n} action{'s' if n != 1 else ''}"
    )


# ---------------------------------------------------------------- the recommendation


def _figures(o: Outcome) -> str:
    return f"{usd(o.total_usd)} billed + {usd(o.lost_revenue_usd)} lost revenue = {usd(o.total_with_lost_usd)}"


def quote_floor(o: Outcome) -> str | None:
    """When some months pass the top published tier: the sentence that the bill is a floor."""
    n = o.custom_quote_cycles
    if not n:
        return None
    return (
        f"Klaviyo prices {n} of these month{'s' if n != 1 else ''} by quote: "
        f"the bill is at least {usd(o.total_usd)}, the published top-tier price"
    )


def recommendation(comparison: Comparison) -> str:
    """The answer in a few sentences; every figure is one of the outcomes' own."""
    by_key = {o.key: o for o in comparison.outcomes}
    best, now = by_key[comparison.cheapest_with_lost], by_key[comparison.current]
    h = comparison.horizon
    span = f"over {h} month{'s' if h != 1 else ''}"
    text = [f"{best.label} costs least {span} by {RANKING}: {_figures(best)}."]
    floor = quote_floor(best)
    if floor:
        text.append(floor + ".")
    if best.schedule:
        text.append(f"To follow it: {schedule_text(best.schedule, comparison)}.")
    ties = [
        o.label
        for o in comparison.outcomes
        if o.key != best.key and o.total_with_lost_usd == best.total_with_lost_usd
    ]
    if ties:
        text.append(f"{' and '.join(ties)} cost{'s' if len(ties) == 1 else ''} the same here.")
    if now.total_with_lost_usd == best.total_with_lost_usd:
        text.append("That is your current setting or costs the same: nothing to change.")
    else:
        text.append(
            f"Your current setting, {now.label}: {_figures(now)}, "
            f"{usd(now.total_with_lost_usd - best.total_with_lost_usd)} more."
        )
    runner = min(
        (o for o in comparison.outcomes if o.key not in {best.key, now.key}),
        key=lambda o: (o.total_with_lost_usd, o.months_blocked),
        default=None,
    )
    if runner is not None and runner.total_with_lost_usd != best.total_with_lost_usd:
        text.append(
            f"Next best: {runner.label}, {usd(runner.total_with_lost_usd)}, "
            f"{usd(runner.total_with_lost_usd - best.total_with_lost_usd)} more."
        )
    cheap = by_key[comparison.cheapest_bill]
    if comparison.cheapest_bill != comparison.cheapest_with_lost:
        text.append(
            f"On the bill alone {cheap.label} is cheapest ({usd(cheap.total_usd)}), but it does "
            f"not send {_messages(cheap.emails_blocked, cheap.sms_credits_blocked)}."
        )
    elif cheap.months_blocked and not cheap.lost_revenue_usd:
        text.append(
            "Careful: it is cheapest because sends are blocked, and blocked sends are priced at "
            "nothing. Set a revenue per email and per SMS credit to weigh them."
        )
    return " ".join(text)


# ---------------------------------------------------------------- sensitivity


READING_LABELS = {
    (
        "flex_fee_basis",
        FlexFeeBasis.EXTRA.value,
    ): "if the flex fee is charged only on the extra messages",
    ("flex_fee_basis", FlexFeeBasis.WHOLE.value): "if the flex fee is charged on the whole next tier",
    ("flex_fee_basis", FlexFeeBasis.DIFFERENCE.value): "if flexing is billed as the price difference "
    "of a temporary upgrade",
    ("sms_rollover", "true"): "if unused SMS credits roll over",
    ("sms_rollover", "false"): "if unused SMS credits do not roll over",
}


def sensitivity_summary(s: Sensitivity, base: Comparison) -> str:
    """One reading's effect on each setting's bill + lost revenue, and on the answer."""
    label = READING_LABELS[(s.switch, s.value)]
    moved = [
        (o, s.totals_with_lost_usd[o.key])
        for o in base.outcomes
        if s.totals_with_lost_usd[o.key] != o.total_with_lost_usd
    ]
    if not moved:
        return f"No difference {label}: no setting's cost changes on this path."
    deltas = "; ".join(f"{o.label} {usd(o.total_with_lost_usd)} → {usd(alt)}" for o, alt in moved)
    verdict = (
        f"the cheapest becomes {base.outcome(s.cheapest_with_lost).label}"
        if s.changes_answer
        else f"{base.outcome(base.cheapest_with_lost).label} stays cheapest"
    )
    return f"{label[0].upper()}{label[1:]}: {deltas}; {verdict}."
