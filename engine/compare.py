"""Run the named policy set of docs/billing-rules.md section 6 on one usage path and rank it.

`compare()` runs each named setting on the same scenario and ranks them by bill and by bill +
lost revenue. "Auto-upgrade, then downgrade by hand" is run as the smallest schedule of manual
downgrades that gives the same bill as downgrading at every renewal (`minimal_schedule`), so the
advice can name each action. `sensitivity()` reruns the comparison under the other readings of
each ambiguous rule (flex fee basis, SMS rollover). Everything here is numbers derived from
`simulate()` results; the words are in engine/advice.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations

from pydantic import Field

from engine.models import (
    CycleBill,
    Frozen,
    ManualDowngrade,
    Money,
    Policy,
    Preference,
    PriceBook,
    Scenario,
    SimulationResult,
)
from engine.rules import Ladder, build_ladders
from engine.settings import (
    SETTINGS,
    NamedSetting,
    key_of,
    named,
    other_readings,
    with_setting,
)
from engine.simulate import simulate

ZERO = Decimal("0")


class Outcome(Frozen):
    """One setting's result, with the figures the comparison table shows.

    Counts of plan moves are kept apart: `email_upgrades` / `sms_upgrades` are tier steps taken
    by auto-upgrade; `renewal_moves` are renewals at which the profile count forced the email
    plan up (section 3.1 step 3, a move may skip tiers); `manual_downgrades` are the owner's
    actions (one per channel and renewal); `auto_downgrades` are one-tier moves by auto-downgrade.
    """

    key: str
    label: str
    policy: Policy = Field(description="the policy run; for the manual setting, its schedule")
    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money
    flexes: int
    flex_usd: Money
    email_upgrades: int
    sms_upgrades: int
    upgrade_usd: Money
    renewal_moves: int
    manual_downgrades: int
    auto_downgrades: int
    months_blocked: int = Field(description="months where sending stopped below the top tier")
    emails_blocked: int = Field(description="emails not sent at a limit below the top tier")
    sms_credits_blocked: int
    emails_above_top: int = Field(description="emails above the top tier: by quote, not lost")
    sms_credits_above_top: int
    custom_quote_cycles: int
    schedule: tuple[ManualDowngrade, ...] = Field(
        default=(), description="the manual downgrades this setting asks of the owner"
    )
    rank_bill: int
    rank_with_lost: int
    result: SimulationResult = Field(exclude=True)


class Comparison(Frozen):
    outcomes: tuple[Outcome, ...]
    months: tuple[date, ...] | None = Field(
        default=None, description="the calendar month of each cycle, when known"
    )
    current: str = Field(description="key of the outcome that is the user's current setting")
    cheapest_bill: str
    cheapest_with_lost: str
    saving_vs_current_usd: Money = Field(
        description="current bill + lost revenue minus the recommended one's (the ranking's figure)"
    )

    def outcome(self, key: str) -> Outcome:
        return next(o for o in self.outcomes if o.key == key)

    @property
    def horizon(self) -> int:
        return len(self.outcomes[0].result.cycles)


class Sensitivity(Frozen):
    """The comparison under another reading of one ambiguous rule: `switch` set to `value`."""

    switch: str
    value: str
    totals_usd: dict[str, Money]
    totals_with_lost_usd: dict[str, Money]
    cheapest_bill: str
    cheapest_with_lost: str
    changes_answer: bool


# ---------------------------------------------------------------- manual downgrade schedule


def _downgrades(result: SimulationResult) -> list[ManualDowngrade]:
    """Every manual downgrade of a run, as schedule entries (the renewal that starts cycle t)."""
    out = []
    for b in result.cycles:
        if b.email_manual_downgrade:
            out.append(ManualDowngrade(cycle=b.cycle, channel="email"))
        if b.sms_manual_downgrade:
            out.append(ManualDowngrade(cycle=b.cycle, channel="sms"))
    return out


def _undone_in_cycle(result: SimulationResult, action: ManualDowngrade) -> bool:
    """True when the plan the downgrade left is auto-upgraded back to at least the old tier in
    the same cycle: down then up again in one cycle costs exactly what staying would (the full
    price difference is charged, section 3.3), so the action buys nothing."""
    bill = result.cycles[action.cycle - 1]
    if action.cycle == 1:
        return False  # the start plan is not in the result: keep it, the search below decides
    before = result.cycles[action.cycle - 2]
    if action.channel == "email":
        return bill.email_plan_profiles >= before.email_plan_profiles
    return bill.sms_plan_credits >= before.sms_plan_credits


def _saves_in_its_cycle(
    scenario: Scenario, ladders: dict[str, Ladder], result: SimulationResult, action: ManualDowngrade
) -> bool:
    """True when the downgrade provably cannot be dropped: under auto-upgrade that is never off
    (no card failure; for SMS, no rollover), staying on the old plan would have cost the old
    plan's price this cycle, more than this cycle's charges after the downgrade; and a lower plan
    never costs more in a later cycle (every later move goes to max(plan, what demand and
    profiles need), and prices never fall as tiers rise), so removing it raises the total."""
    policy = scenario.policy
    preference = policy.email if action.channel == "email" else policy.sms
    if preference is not Preference.AUTO_UPGRADE or policy.card_failure_cycle is not None:
        return False
    if action.cycle == 1:
        return False  # the plan before cycle 1 is not in the result
    if action.channel == "sms" and policy.sms_rollover:
        return False
    ladder = ladders[action.channel]
    bill, before = result.cycles[action.cycle - 1], result.cycles[action.cycle - 2]
    if action.channel == "email":
        old, paid = before.email_plan_profiles, bill.email_base_usd + bill.email_upgrade_usd
    else:
        old, paid = before.sms_plan_credits, bill.sms_base_usd + bill.sms_upgrade_usd
    return paid < ladder.price(ladder.caps.index(old), action.cycle)


EXHAUSTIVE = 8  # uncertain actions up to which every subset is tried (at most 256 runs)


def _key(result: SimulationResult) -> tuple[Decimal, Decimal]:
    return (result.total_usd, result.lost_revenue_usd)


def minimal_schedule(
    scenario: Scenario, book: PriceBook, every_renewal: SimulationResult
) -> tuple[tuple[ManualDowngrade, ...], SimulationResult]:
    """The fewest manual downgrades that give the bill of downgrading at every renewal.

    Start from the downgrades the every-renewal run made; drop the ones undone by an upgrade in
    the same cycle (free to drop, no simulation needed; for SMS only without rollover, since a
    downgrade also forfeits rolled-over credits); keep the ones that provably save money
    (`_saves_in_its_cycle`); of the others keep the smallest subset that still gives the same
    total (bill + lost revenue): every subset is tried when there are at most EXHAUSTIVE of them
    (removals can interact: with rollover two downgrades may cost nothing only together), else
    they are removed one at a time, latest first (then no single action can be dropped, but a
    smaller set might exist). The result is checked: its total equals the every-renewal run's,
    or the full schedule is returned.
    """
    rollover = scenario.policy.sms_rollover
    actions = [
        a
        for a in _downgrades(every_renewal)
        if not (_undone_in_cycle(every_renewal, a) and (a.channel == "email" or not rollover))
    ]
    target = _key(every_renewal)
    base = scenario.policy.setting.model_copy(update={"manual_downgrade": False})
    email, sms = build_ladders(book, scenario.price_change)
    ladders = {"email": email, "sms": sms}

    def run(schedule: Sequence[ManualDowngrade]) -> SimulationResult:
        setting = base.model_copy(update={"manual_downgrades": tuple(schedule)})
        return simulate(with_setting(scenario, setting), book)

    uncertain = [a for a in actions if not _saves_in_its_cycle(scenario, ladders, every_renewal, a)]
    certain = [a for a in actions if a not in uncertain]
    best = None
    if len(uncertain) <= EXHAUSTIVE:
        subsets = (s for size in range(len(uncertain) + 1) for s in combinations(uncertain, size))
        for subset in subsets:
            result = run(kept := [*certain, *subset])
            if _key(result) == target:
                actions, best = kept, result
                break
    else:
        for action in reversed(uncertain):
            trial = [a for a in actions if a != action]
            if _key(result := run(trial)) == target:
                actions, best = trial, result
    if best is None:
        best = run(actions)
    if _key(best) != target:
        return tuple(_downgrades(every_renewal)), every_renewal
    return tuple(actions), best


# ---------------------------------------------------------------- comparison


def stopped(b: CycleBill) -> bool:
    """Whether sending stopped at a limit below the top tier in this cycle (what lost revenue
    prices; demand above the top tier is Klaviyo's custom quote, not a stop)."""
    return b.emails_blocked > b.emails_above_top or b.sms_credits_blocked > b.sms_credits_above_top


def _outcome(named: NamedSetting, policy: Policy, result: SimulationResult) -> dict:
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
        email_upgrades=sum(b.email_upgrades for b in bills),
        sms_upgrades=sum(b.sms_upgrades for b in bills),
        upgrade_usd=sum((b.email_upgrade_usd + b.sms_upgrade_usd for b in bills), ZERO),
        renewal_moves=sum(1 for b in bills if b.email_profile_upgrades),
        manual_downgrades=sum(b.email_manual_downgrade + b.sms_manual_downgrade for b in bills),
        auto_downgrades=sum(1 for b in bills if b.email_auto_downgrade),
        months_blocked=sum(1 for b in bills if stopped(b)),
        emails_blocked=result.emails_blocked - result.emails_above_top,
        sms_credits_blocked=result.sms_credits_blocked - result.sms_credits_above_top,
        emails_above_top=result.emails_above_top,
        sms_credits_above_top=result.sms_credits_above_top,
        custom_quote_cycles=result.custom_quote_cycles,
        schedule=policy.manual_downgrades,
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


def _run(scenario: Scenario, book: PriceBook, schedule: bool) -> tuple[Policy, SimulationResult]:
    """One setting's run; with `manual_downgrade`, as its smallest schedule when `schedule`."""
    result = simulate(scenario, book)
    setting = scenario.policy.setting
    if schedule and setting.manual_downgrade:
        plan, result = minimal_schedule(scenario, book, result)
        setting = setting.model_copy(update={"manual_downgrade": False, "manual_downgrades": plan})
        return Policy.compose(setting, scenario.policy.assumptions), result
    return scenario.policy, result


def settings_for(scenario: Scenario, current: str) -> list[tuple[NamedSetting, Scenario]]:
    """The named set on the scenario's assumptions, plus the user's own setting (the scenario
    as given) when `current` is not one of them."""
    out = [(n, with_setting(scenario, n.setting)) for n in SETTINGS.values()]
    if current not in SETTINGS:
        out.append((named(current, scenario.policy.setting), scenario))
    return out


def compare(
    scenario: Scenario,
    book: PriceBook,
    months: Sequence[date] | None = None,
    schedule: bool = True,
    reuse: dict[str, tuple[Policy, SimulationResult]] | None = None,
    current: str | None = None,
) -> Comparison:
    """Every named setting on the scenario's usage and assumptions, ranked.

    `current` is the key of the user's setting (the scenario's policy is that setting); without
    it (a scenario read from JSON) it is found by `key_of`, and a setting outside the named set
    is its own row, "Your setting". `schedule=False` skips the search for the smallest manual
    schedule (the totals are the same); `reuse` gives results already known for some settings
    (see `sensitivity`)."""
    current = current if current is not None else key_of(scenario.policy.setting)
    rows = []
    for setting, run_scenario in settings_for(scenario, current):
        if reuse and setting.key in reuse:
            policy, result = reuse[setting.key]
        else:
            policy, result = _run(run_scenario, book, schedule)
        rows.append(_outcome(setting, policy, result))
    by_bill, by_all = _ranks(rows, "total_usd"), _ranks(rows, "total_with_lost_usd")
    outcomes = tuple(
        Outcome(**r, rank_bill=by_bill[r["key"]], rank_with_lost=by_all[r["key"]]) for r in rows
    )
    cheapest_bill = min(outcomes, key=lambda o: o.rank_bill).key
    cheapest_all = min(outcomes, key=lambda o: o.rank_with_lost).key
    by_key = {o.key: o for o in outcomes}
    saving = by_key[current].total_with_lost_usd - by_key[cheapest_all].total_with_lost_usd
    return Comparison(
        outcomes=outcomes,
        months=tuple(months) if months is not None else None,
        current=current,
        cheapest_bill=cheapest_bill,
        cheapest_with_lost=cheapest_all,
        saving_vs_current_usd=saving,
    )


# ---------------------------------------------------------------- sensitivity


def _uses_flex(outcome: Outcome) -> bool:
    return Preference.FLEX in (outcome.policy.email, outcome.policy.sms)


def sensitivity(scenario: Scenario, book: PriceBook, base: Comparison) -> tuple[Sensitivity, ...]:
    """The comparison again under each other reading of each ambiguous rule. A setting without
    flexible sending on either channel is billed the same under every fee basis, so its result
    is reused rather than rerun."""
    out = []
    for reading in other_readings(scenario.policy.assumptions):
        reuse = None
        if reading.switch == "flex_fee_basis":
            reuse = {o.key: (o.policy, o.result) for o in base.outcomes if not _uses_flex(o)}
        alt = compare(reading.apply(scenario), book, schedule=False, reuse=reuse, current=base.current)
        out.append(
            Sensitivity(
                switch=reading.switch,
                value=reading.value,
                totals_usd={o.key: o.total_usd for o in alt.outcomes},
                totals_with_lost_usd={o.key: o.total_with_lost_usd for o in alt.outcomes},
                cheapest_bill=alt.cheapest_bill,
                cheapest_with_lost=alt.cheapest_with_lost,
                changes_answer=alt.cheapest_with_lost != base.cheapest_with_lost,
            )
        )
    return tuple(out)
