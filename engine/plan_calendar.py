"""The plan calendar: the exact cheapest schedule of dated actions over the horizon (issue 12).

The levers are the owner's actions (engine.models.Action), billed exactly as `simulate()` bills
`Setting.actions`: a preference per channel from any cycle's start (email: none, flex, flex with
auto-downgrade, auto-upgrade; SMS: none, flex, auto-upgrade), an upgrade by hand on a cycle's
first day to any higher tier (charged the difference at that cycle's prices), a downgrade
requested in cycle t <= N-1 after its last upgrade, to any lower tier, effective at the renewal
that starts t+1 (email: never below what the profiles need, so lower targets are not offered;
SMS: carried credits are lost). Profile compliance, the card window (preferences off, actions
still apply) and every other rule of section 3 apply as in `simulate()`. Each preference change,
upgrade and downgrade request is one action.

`plan_calendar()` finds the schedule with the lowest bill + lost revenue (the comparison's
ranking figure; ties: the lower bill, then fewer actions) by dynamic programming over plan
states: email (tier, preference), SMS (tier, preference, carried credits). Each state keeps a
Pareto front "actions used -> best (bill + lost, bill)", so the best schedule with at most K
actions comes out for every K. Money is whole cents (prices are cents, flex fees are rounded
per flex), so the DP adds integers.

Cent rounding of lost revenue (section 3.6 rounds per cycle over both channels): when that
rounding splits by channel (each revenue per message in whole cents, or one of them $0), each
channel has its own DP and the two fronts are combined by min-plus over k_email + k_sms <= K,
which is exact. Otherwise the DP runs on the joint state (both channels together) and rounds
each cycle's exact lost revenue (in millionths of a dollar) once: exact, and slower.

What is left out, because it can never be better: an upgrade by hand to a tier above what
covers the horizon's largest demand and profiles (email: plus one tier per remaining renewal,
which auto-downgrade can walk down); an email downgrade following by an upgrade by hand in the
next cycle (a direct move gives the same bill with fewer actions); an SMS one likewise, except
that with rollover "down then up again" also drops the carried credits, which is kept as an
option. tests/engine/test_plan_calendar.py checks the optimum and every K's best against every
schedule enumerated on small ladders.

Words for a manager (the UI calls these): `action_words(action, months, charge_usd,
cycle_start_day)` is one dated sentence per action; `step_words(scenario, book, step, months)`
gives them for a whole schedule, with each upgrade's charge read from its replay;
`saving_summary(calendar)` is one line, "1 action saves $X; 2 actions save $Y".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from engine.contract import ScenarioError
from engine.history import month_label
from engine.models import (
    CENT,
    Action,
    ActionKind,
    EventKind,
    Frozen,
    Money,
    Preference,
    PriceBook,
    Scenario,
    Setting,
)
from engine.rules import Demand, Ladder, build_ladders, effective, rollover, send
from engine.settings import with_setting
from engine.simulate import simulate


class CalendarStep(Frozen):
    """The best schedule with at most `max_actions` actions, and what it costs."""

    max_actions: int
    actions: tuple[Action, ...]
    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money


class SettingVsFloor(Frozen):
    """A named setting (or the user's) against the calendar's floor."""

    key: str
    label: str
    total_usd: Money
    total_with_lost_usd: Money
    above_floor_usd: Money = Field(description="its bill + lost revenue minus the best calendar's")


class PlanCalendar(Frozen):
    start: Setting = Field(description="the preferences the calendar starts from (no actions)")
    best: CalendarStep = Field(description="the cheapest schedule, with the fewest actions reaching it")
    chosen: CalendarStep = Field(description="the best with at most max_actions (best when no cap)")
    steps: tuple[CalendarStep, ...] = Field(description="K = 0, 1, ...: the best with at most K")
    settings: tuple[SettingVsFloor, ...]
    months: tuple[date, ...] | None = None


class PlanAnswer(Frozen):
    """`python -m engine plan`'s output: the chosen schedule first (issue 12, item 5)."""

    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money
    max_actions: int | None
    actions: tuple[Action, ...]
    calendar: PlanCalendar


# ---------------------------------------------------------------- the levers

EMAIL_PREFERENCES = (
    (Preference.NONE, False),
    (Preference.FLEX, False),
    (Preference.FLEX, True),
    (Preference.AUTO_UPGRADE, False),
)
SMS_PREFERENCES = ((Preference.NONE, False), (Preference.FLEX, False), (Preference.AUTO_UPGRADE, False))

MICRO = 1_000_000  # lost revenue is exact in millionths of a dollar (revenues have <= 6 decimals)


def _cents(amount: Decimal) -> int:
    """An engine amount that is whole cents (prices, rounded flex fees), as an integer."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"not whole cents: {amount}")
    return int(cents)


def _micro(revenue: Decimal) -> int:
    return int(revenue * MICRO)


def _round_micro(micro: int) -> int:
    """Section 3.6: lost revenue rounded half-up to cents (amounts are never negative)."""
    return (micro + 5_000) // 10_000


# The most inner steps (a state's choices x its front, over all of one calendar's searches):
# about 2.5 s on a 2-core machine, so no request or page holds a worker for long (the bundled
# book on the sample's 36 months takes a third of it, 0.8 s). Above: CalendarTooLarge, whose
# message says what to shorten (the CLI's exit 2, the service's 422, a plain line on Explore).
MAX_WORK = 3_000_000


class CalendarTooLarge(ScenarioError):
    """The calendar's search would exceed MAX_WORK: the message says what to shorten."""


# An action inside the DP: (kind, cycle, channel, preference index or tier). Built into
# engine.models.Action only for the schedules returned.
_Act = tuple[str, int, str, int]


@dataclass(slots=True)
class _Channel:
    """One channel's moves in one cycle: every choice of the owner and what it bills."""

    name: str
    ladder: Ladder
    preferences: tuple[tuple[Preference, bool], ...]
    demand: tuple[int, ...]  # per cycle (index cycle - 1)
    profiles_before: tuple[int, ...]  # email: profiles at the previous cycle's end
    active: tuple[bool, ...]
    basis: Any
    rollover_on: bool
    revenue_micro: int
    caps: tuple[int, ...]  # highest upgrade target per cycle
    horizon: int
    cache: dict
    made: dict

    def sending(self, tier: int, pref: int, carried: int, cycle: int) -> tuple[int, int, int, int]:
        """Sending at `tier` under preference `pref` (sections 3.3, 3.4): the end tier, the
        charges in cents, the lost messages (blocked below the top), the credits carried out."""
        key = (tier, pref, carried, cycle)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        ladder = self.ladder
        preference = effective(
            self.preferences[pref][0], self.active[cycle - 1], ladder.price(tier, cycle)
        )
        d = Demand(ladder, tier, self.demand[cycle - 1], carried, cycle, self.basis)
        out = send(d, preference, [])
        carried_out = rollover(ladder, out.tier, carried, out.sent, self.rollover_on)
        hit = (
            out.tier,
            _cents(out.upgrade_usd + out.flex_usd),
            out.blocked - out.above_top,
            carried_out,
        )
        self.cache[key] = hit
        return hit

    def prices(self, cycle: int) -> list[int]:
        """Every tier's price in `cycle`, in cents."""
        key = ("prices", cycle)
        hit = self.cache.get(key)
        if hit is None:
            ladder = self.ladder
            hit = self.cache[key] = [_cents(ladder.price(i, cycle)) for i in range(ladder.top + 1)]
        return hit

    def moves(self, state: tuple, cycle: int) -> list[tuple[tuple, int, int, tuple[_Act, ...]]]:
        """Every choice from `state` at `cycle`: (next state, bill cents, lost millionths,
        actions). A downgrade taking effect at this cycle's renewal is dated `cycle - 1`.
        Kept: the backward pass and the joint step ask again for the same state."""
        key = (state, cycle)
        hit = self.made.get(key)
        if hit is None:
            hit = self.made[key] = self._moves(state, cycle)
        return hit

    def _moves(self, state: tuple, cycle: int) -> list[tuple[tuple, int, int, tuple[_Act, ...]]]:
        if self.name == "email":
            tier, pref = state
            carried = 0
        else:
            tier, pref, carried = state
        out: list = []
        pc = self.prices(cycle)
        for p in range(len(self.preferences)):
            acts_p: tuple[_Act, ...] = () if p == pref else (("preference", cycle, self.name, p),)
            for renewed, start_carried, base_tier, extra in self._renewals(tier, p, carried, cycle):
                options = [(renewed, 0, ())]
                if not extra:  # an upgrade by hand right after a downgrade is never better
                    for u in range(renewed + 1, self.caps[cycle - 1] + 1):
                        options.append((u, pc[u] - pc[renewed], (("upgrade", cycle, self.name, u),)))
                elif extra[0][0] == "reset":  # SMS, rollover: down then up drops carried credits
                    options = []
                    for u in range(tier, max(self.caps[cycle - 1], tier) + 1):
                        charge = pc[u] - pc[renewed]
                        options.append(
                            (
                                u,
                                charge,
                                (
                                    ("downgrade", cycle - 1, self.name, 0),
                                    ("upgrade", cycle, self.name, u),
                                ),
                            )
                        )
                    extra = ()
                base = pc[base_tier]
                for t, charge, acts_u in options:
                    end, charges, lost, carried_out = self.sending(t, p, start_carried, cycle)
                    bill = base + charge + charges
                    nxt = (end, p) if self.name == "email" else (end, p, carried_out)
                    out.append((nxt, bill, lost * self.revenue_micro, acts_p + extra + acts_u))
        return out

    def _renewals(self, tier: int, pref: int, carried: int, cycle: int):
        """The renewal's outcomes (sections 3.1, 3.2): (tier after it, carried credits, the
        tier billed as base, the downgrade action if any)."""
        if self.name == "email":
            needed, _ = self.ladder.cover(self.profiles_before[cycle - 1])
            preference, auto = self.preferences[pref]
            c = tier
            if auto and preference is Preference.FLEX and self.active[cycle - 1] and needed < c:
                c -= 1
            c = max(c, needed)
            yield c, 0, c, ()
            if cycle >= 2:
                for d in range(needed, tier):
                    if d != c:
                        yield d, 0, d, (("downgrade", cycle - 1, self.name, d),)
            return
        yield tier, carried, tier, ()
        if cycle >= 2:
            for d in range(tier):
                yield d, 0, d, (("downgrade", cycle - 1, self.name, d),)
            if self.rollover_on and carried > 0:
                # Down to any lower tier and up again by hand: the same bill as staying, with
                # the carried credits lost (which can be cheaper later, section 7's exception).
                yield 0, 0, 0, (("reset", cycle - 1, self.name, 0),)


def _joint_moves(email: _Channel, sms: _Channel, viable_e: list[set], viable_s: list[set]):
    """Both channels' moves together, to states that can still be optimal (`_viable`)."""

    def moves(state: tuple, cycle: int):
        mail = [m for m in email.moves(state[0], cycle) if m[0] in viable_e[cycle]]
        text = [m for m in sms.moves(state[1], cycle) if m[0] in viable_s[cycle]]
        return [((e[0], s[0]), e[1] + s[1], e[2] + s[2], e[3] + s[3]) for e in mail for s in text]

    return moves


# ---------------------------------------------------------------- the DP

_Cost = tuple[int, int]  # (bill + lost, bill) in cents: compared as a tuple (lexicographic)


@dataclass(slots=True)
class _Budget:
    """The inner steps one calendar has left (MAX_WORK over all its searches)."""

    left: int = 0

    def spend(self, steps: int, cycle: int, horizon: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise CalendarTooLarge(
                f"input: the plan calendar would take more than {MAX_WORK:,} steps of work on "
                f"this price book and horizon (stopped at cycle {cycle} of {horizon}); shorten "
                "the horizon or use a price book with fewer tiers in reach of this usage"
            )


def _dp(start_state: tuple, moves, horizon: int, budget: _Budget):
    """Forward DP over the cycles. Each layer maps a state to its Pareto front
    {actions used: (cost, back pointer)}; a larger count is kept only if strictly cheaper.
    Each move's lost revenue is rounded to cents on its own (one channel's, or both's)."""
    front: dict[tuple, dict[int, tuple[_Cost, Any]]] = {start_state: {0: ((0, 0), None)}}
    layers = [front]
    for cycle in range(1, horizon + 1):
        new: dict[tuple, dict[int, tuple[_Cost, Any]]] = {}
        for state, entries in front.items():
            choices = moves(state, cycle)
            budget.spend(len(choices) * len(entries), cycle, horizon)
            for nxt, bill, lost_micro, acts in choices:
                obj = bill + _round_micro(lost_micro)
                n = len(acts)
                slot = new.get(nxt)
                if slot is None:
                    slot = new[nxt] = {}
                for k, ((o, b), _) in entries.items():
                    cost = (o + obj, b + bill)
                    kk = k + n
                    had = slot.get(kk)
                    if had is None or cost < had[0]:
                        slot[kk] = (cost, (state, k, acts))
        for state, slot in new.items():
            kept, best = {}, None
            for k in sorted(slot):
                if best is None or slot[k][0] < best:
                    kept[k], best = slot[k], slot[k][0]
            new[state] = kept
        layers.append(new)
        front = new
    return layers


def _curve(layers) -> dict[int, tuple[_Cost, tuple]]:
    """Best cost with exactly k actions at the end (over every final state), and that state."""
    out: dict[int, tuple[_Cost, tuple]] = {}
    for state, entries in layers[-1].items():
        for k, (cost, _) in entries.items():
            if k not in out or cost < out[k][0]:
                out[k] = (cost, state)
    return out


def _at_most(curve: dict[int, tuple[_Cost, tuple]], k_max: int) -> list[tuple[_Cost, int]]:
    """For K = 0..k_max: the best cost with at most K actions, and its exact count."""
    out, best = [], None
    for k in range(k_max + 1):
        if k in curve and (best is None or curve[k][0] < best[0]):
            best = (curve[k][0], k)
        out.append(best)
    return out


def _backward(layers, moves, horizon: int) -> list[dict[tuple, dict[int, int]]]:
    """Per cycle, each reached state's cost-to-go (bill + lost, the channel's own rounding):
    {more actions k: the least cost with exactly k}, kept where cheaper than with fewer."""
    back: list[dict[tuple, dict[int, int]]] = [{} for _ in range(horizon + 1)]
    back[horizon] = {state: {0: 0} for state in layers[horizon]}
    for cycle in range(horizon, 0, -1):
        after = back[cycle]
        for state in layers[cycle - 1]:
            slot: dict[int, int] = {}
            for nxt, bill, lost_micro, acts in moves(state, cycle):
                ahead = after.get(nxt)
                if ahead is None:
                    continue
                obj, n = bill + _round_micro(lost_micro), len(acts)
                for k, cost in ahead.items():
                    if k + n not in slot or cost + obj < slot[k + n]:
                        slot[k + n] = cost + obj
            kept, best = {}, None
            for k in sorted(slot):
                if best is None or slot[k] < best:
                    kept[k] = best = slot[k]
            back[cycle - 1][state] = kept
    return back


def _viable(layers, moves, own_most, other_most, rows, horizon: int) -> list[set]:
    """The states (after each cycle) of one channel through which a schedule can be optimal for
    some K once lost revenue is rounded per cycle over both channels.

    Rounding each channel's lost revenue on its own moves a cycle's total by at most one cent
    (two sub-cent parts: each half-up alone, or their sum once), so any schedule's true cost T
    and its split cost T' differ by at most N cents. The best with at most K actions has
    T <= T'(K) + N (T'(K): the split optimum, `rows`), so its split cost is <= T'(K) + 2N. A
    state stays when a schedule through it (forward + backward cost on this channel, the other
    channel's best) can meet that bound for some K."""
    back = _backward(layers, moves, horizon)
    slack = 2 * horizon + 1
    k_other = len(other_most) - 1
    bounds = [row[0][0] + slack for row in rows]
    out: list[set] = []
    for cycle in range(horizon + 1):
        keep = set()
        for state, entries in layers[cycle].items():
            ahead = back[cycle].get(state)
            if not ahead:
                continue
            found = False
            for k1, ((o, _), _) in entries.items():
                for k2, cost in ahead.items():
                    through = o + cost
                    # K beyond the split's largest count: its bound stays the split optimum's
                    for K in range(k1 + k2, max(len(bounds), k1 + k2 + k_other + 1)):
                        other = other_most[min(K - k1 - k2, k_other)][0][0]
                        if through + other <= bounds[min(K, len(bounds) - 1)]:
                            found = True
                            break
                    if found:
                        break
                if found:
                    break
            if found:
                keep.add(state)
        out.append(keep)
    return out


def _path(layers, state: tuple, k: int) -> list[_Act]:
    acts: list[_Act] = []
    for layer in reversed(layers[1:]):
        _, back = layer[state][k]
        state, k, step = back
        acts.extend(step)
    return acts


# ---------------------------------------------------------------- the calendar


_ORDER = {ActionKind.PREFERENCE: 0, ActionKind.UPGRADE: 1, ActionKind.DOWNGRADE: 2}


def _when(a: Action) -> tuple[int, int, bool]:
    """Date order: a cycle's preference (its start), upgrade (first day), downgrade (after its
    last send); email before SMS."""
    return (a.cycle, _ORDER[a.action], a.channel != "email")


def calendar_start(setting: Setting, actions: Sequence[Action]) -> Setting:
    """The setting that replays `actions` from `setting`: its preferences (where the calendar
    starts), its own downgrades left out (a calendar requests its own), the actions in date
    order. One place for the calendar and its run over the ranges (engine.uncertainty)."""
    return Setting(
        email=setting.email,
        sms=setting.sms,
        auto_downgrade=setting.auto_downgrade,
        actions=tuple(sorted(actions, key=_when)),
    )


def calendar_setting(scenario: Scenario, actions: Sequence[Action]) -> Setting:
    """The setting that replays `actions` on `scenario`: calendar_start from its policy."""
    return calendar_start(scenario.policy.setting, actions)


def _start_preference(table, preference: Preference, auto: bool) -> int:
    return table.index((preference, auto))


def _channels(scenario: Scenario, book: PriceBook) -> tuple[_Channel, _Channel, tuple, tuple]:
    email, sms = build_ladders(book, scenario.price_change)
    policy, usage = scenario.policy, scenario.usage
    n = len(usage)
    assumptions = policy.assumptions
    active = tuple(assumptions.preferences_active(c) for c in range(1, n + 1))
    start = scenario.start
    plan = start.email_plan_profiles if start.email_plan_profiles is not None else start.active_profiles
    before = (start.active_profiles, *(u.active_profiles for u in usage[:-1]))
    # Tiers above what covers every cycle's demand and profiles never help (prices never
    # fall); for email, auto-downgrade walks one tier per renewal, so keep that many more.
    e_top = max(_sends_cover(email, max(u.email_sends for u in usage)), email.cover(max(before))[0])
    s_top = sms.cover(max(u.sms_credits for u in usage))[0]
    e_caps = tuple(min(email.top, e_top + (n - c)) for c in range(1, n + 1))
    s_caps = (s_top,) * n
    mail = _Channel(
        "email", email, EMAIL_PREFERENCES, tuple(u.email_sends for u in usage), before, active,
        policy.flex_fee_basis, False, _micro(scenario.revenue_per_email_usd), e_caps, n, {}, {},
    )  # fmt: skip
    text = _Channel(
        "sms", sms, SMS_PREFERENCES, tuple(u.sms_credits for u in usage), before, active,
        policy.flex_fee_basis, policy.sms_rollover, _micro(scenario.revenue_per_sms_credit_usd),
        s_caps, n, {}, {},
    )  # fmt: skip
    e_start = (
        email.cover(plan)[0],
        _start_preference(EMAIL_PREFERENCES, policy.email, policy.auto_downgrade),
    )
    s_start = (
        sms.cover(start.sms_plan_credits)[0],
        _start_preference(SMS_PREFERENCES, policy.sms, False),
        0,
    )
    return mail, text, e_start, s_start


def _sends_cover(ladder: Ladder, demand: int) -> int:
    for i, s in enumerate(ladder.sends):
        if s >= demand:
            return i
    return ladder.top


def _splits(scenario: Scenario) -> bool:
    """Whether per-cycle cent rounding of lost revenue splits by channel: each channel's lost
    revenue is whole cents (revenue in whole cents), or one channel's is always $0."""
    e, s = scenario.revenue_per_email_usd, scenario.revenue_per_sms_credit_usd
    whole = all(r == r.quantize(CENT) for r in (e, s))
    return whole or e == 0 or s == 0


def _action(act: _Act, mail: _Channel, text: _Channel) -> Action:
    kind, cycle, channel, value = act
    ch = mail if channel == "email" else text
    if kind == "preference":
        preference, auto = ch.preferences[value]
        return Action(
            cycle=cycle, channel=channel, action=ActionKind.PREFERENCE, preference=preference,
            auto_downgrade=auto,
        )  # fmt: skip
    return Action(cycle=cycle, channel=channel, action=ActionKind(kind), plan=ch.ladder.caps[value])


def _step(k_cap: int, cost: _Cost, acts: list[_Act], mail, text) -> CalendarStep:
    actions = tuple(_action(a, mail, text) for a in acts)
    actions = tuple(sorted(actions, key=_when))
    obj, bill = cost
    return CalendarStep(
        max_actions=k_cap,
        actions=actions,
        total_usd=Decimal(bill).scaleb(-2),
        lost_revenue_usd=Decimal(obj - bill).scaleb(-2),
        total_with_lost_usd=Decimal(obj).scaleb(-2),
    )


def _schedules(scenario: Scenario, book: PriceBook) -> tuple[list[tuple[_Cost, list[_Act]]], tuple]:
    """For K = 0, 1, ..., up to the optimum's count: the best cost with at most K actions and
    its actions (the DP's own figures)."""
    mail, text, e_start, s_start = _channels(scenario, book)
    n = len(scenario.usage)
    # Per channel, each channel's lost revenue rounded on its own: exact when it splits.
    budget = _Budget(MAX_WORK)
    e_layers = _dp(e_start, mail.moves, n, budget)
    s_layers = _dp(s_start, text.moves, n, budget)
    e_curve, s_curve = _curve(e_layers), _curve(s_layers)
    ke, ks = max(e_curve), max(s_curve)
    e_most, s_most = _at_most(e_curve, ke), _at_most(s_curve, ks)
    rows = []
    for K in range(ke + ks + 1):
        best = None
        for a in range(min(K, ke) + 1):
            b = min(K - a, ks)
            (ce, ka), (cs, kb) = e_most[a], s_most[b]
            cost = (ce[0] + cs[0], ce[1] + cs[1])
            if best is None or cost < best[0]:
                best = (cost, ka, kb)
        rows.append(best)

    def acts(row) -> list[_Act]:
        _, ka, kb = row
        return _path(e_layers, e_curve[ka][1], ka) + _path(s_layers, s_curve[kb][1], kb)

    if not _splits(scenario):
        # Cent rounding over both channels: rerun on the joint state, limited to the states of
        # schedules that can still be optimal for some K (see `_viable`): exact, and small.
        viable_e = _viable(e_layers, mail.moves, e_most, s_most, rows, n)
        viable_s = _viable(s_layers, text.moves, s_most, e_most, rows, n)
        layers = _dp((e_start, s_start), _joint_moves(mail, text, viable_e, viable_s), n, budget)
        curve = _curve(layers)
        most = _at_most(curve, max(curve))
        rows = [(cost, k, None) for cost, k in most]

        def acts(row) -> list[_Act]:
            _, k, _ = row
            return _path(layers, curve[k][1], k)

    optimum = min(r[0] for r in rows)
    last = next(K for K, r in enumerate(rows) if r[0] == optimum)
    return [(rows[K][0], acts(rows[K])) for K in range(last + 1)], (mail, text)


def plan_calendar(
    scenario: Scenario,
    book: PriceBook,
    max_actions: int | None = None,
    months: tuple[date, ...] | None = None,
    current: str | None = None,
) -> PlanCalendar:
    """The cheapest calendar of actions on the scenario's usage path, and the best with at most
    K actions for each K; `current` is the Explore page's setting key (as in compare())."""
    from engine.compare import compare  # compare imports nothing of this module; kept local

    rows, (mail, text) = _schedules(scenario, book)
    steps = tuple(_step(K, cost, acts, mail, text) for K, (cost, acts) in enumerate(rows))
    best = steps[-1]
    chosen = best if max_actions is None or max_actions >= len(steps) - 1 else steps[max_actions]
    if max_actions is not None and chosen is best:
        chosen = best.model_copy(update={"max_actions": max_actions})
    comparison = compare(scenario, book, schedule=False, current=current)
    floor = best.total_with_lost_usd
    settings = tuple(
        SettingVsFloor(
            key=o.key,
            label=o.label,
            total_usd=o.total_usd,
            total_with_lost_usd=o.total_with_lost_usd,
            above_floor_usd=o.total_with_lost_usd - floor,
        )
        for o in comparison.outcomes
    )
    start = calendar_setting(scenario, ())
    return PlanCalendar(
        start=start,
        best=best,
        chosen=chosen,
        steps=steps,
        settings=settings,
        months=tuple(months) if months is not None else None,
    )


def calendar_json(scenario: Scenario, book: PriceBook, max_actions: int | None = None) -> dict[str, Any]:
    """`python -m engine plan`'s output (and POST /v1/plan's): total_usd and actions of the
    chosen schedule, then the rest of the calendar."""
    calendar = plan_calendar(scenario, book, max_actions)
    chosen = calendar.chosen
    answer = PlanAnswer(
        total_usd=chosen.total_usd,
        lost_revenue_usd=chosen.lost_revenue_usd,
        total_with_lost_usd=chosen.total_with_lost_usd,
        max_actions=max_actions,
        actions=chosen.actions,
        calendar=calendar,
    )
    return answer.model_dump(mode="json")


def replay(scenario: Scenario, book: PriceBook, actions: tuple[Action, ...]):
    """A schedule billed by `simulate()`: the scenario under `calendar_setting`."""
    return simulate(with_setting(scenario, calendar_setting(scenario, actions)), book)


# ---------------------------------------------------------------- words for a manager

_PREFERENCE_WORDS = {
    (Preference.NONE, False): "stop sending at the limit",
    (Preference.FLEX, False): "flexible sending",
    (Preference.FLEX, True): "flexible sending with auto-downgrade",
    (Preference.AUTO_UPGRADE, False): "auto-upgrade",
}


def _unit(channel: str) -> str:
    return "profiles" if channel == "email" else "credits"


def _channel_word(channel: str) -> str:
    return "email" if channel == "email" else "SMS"


def action_words(
    action: Action,
    months: tuple[date, ...] | None = None,
    charge_usd: Decimal | None = None,
    cycle_start_day: int = 1,
) -> str:
    """One plain sentence for one action, dated when `months` (the calendar month of each cycle)
    is known: "From Nov 2026: switch email to flexible sending"; "On 1 Nov 2026 (cycle 3):
    upgrade the email plan by hand to 20,000 profiles (+$225.00 that month)"; "During Dec 2026,
    after its last send: request the SMS plan down to 1,250 credits (takes effect 1 Jan 2027)".
    `charge_usd` is the upgrade's charge (step_words reads it from the replay)."""
    n, ch = action.cycle, _channel_word(action.channel)

    def month(cycle: int) -> str | None:
        if months is None or not 1 <= cycle <= len(months):
            return None
        return month_label(months[cycle - 1])

    def first_day(cycle: int) -> str | None:
        m = month(cycle)
        return f"{cycle_start_day} {m}" if m else None

    if action.action is ActionKind.PREFERENCE:
        words = _PREFERENCE_WORDS[(action.preference, action.auto_downgrade)]
        # from the cycle's start: a month when cycles start on the 1st, else the day
        start = month(n) if cycle_start_day == 1 else first_day(n)
        when = f"From {start}" if month(n) else f"From cycle {n}"
        return f"{when}: switch {ch} to {words}"
    target = f"{action.plan:,} {_unit(action.channel)}"
    if action.action is ActionKind.UPGRADE:
        when = f"On {first_day(n)} (cycle {n})" if month(n) else f"At the start of cycle {n}"
        cost = f" (+${charge_usd:,.2f} that month)" if charge_usd is not None else ""
        return f"{when}: upgrade the {ch} plan by hand to {target}{cost}"
    cycle_words = month(n) if cycle_start_day == 1 else f"the cycle from {first_day(n)}"
    when = f"During {cycle_words}" if month(n) else f"During cycle {n}"
    effect = first_day(n + 1)
    takes = f"takes effect {effect}" if effect else f"takes effect at the renewal of cycle {n + 1}"
    what = f"the {ch} plan down to {target}"
    if action.channel == "sms" and action.plan == 0:
        what = "the SMS plan removed (no SMS credits)"
    return f"{when}, after its last send: request {what} ({takes})"


def step_words(
    scenario: Scenario,
    book: PriceBook,
    step: CalendarStep,
    months: tuple[date, ...] | None = None,
    cycle_start_day: int = 1,
) -> list[str]:
    """The sentences of a schedule, in date order; each upgrade's charge is its replay's
    `manual_upgrade` event, so every figure is the engine's."""
    result = replay(scenario, book, step.actions) if step.actions else None
    out = []
    for a in step.actions:
        charge = None
        if a.action is ActionKind.UPGRADE and result is not None:
            charge = next(
                (
                    e.amount_usd
                    for e in result.cycles[a.cycle - 1].events
                    if e.kind is EventKind.MANUAL_UPGRADE and e.channel.value == a.channel
                ),
                None,
            )
        out.append(action_words(a, months, charge, cycle_start_day))
    return out


def saving_summary(calendar: PlanCalendar) -> str:
    """One line on what each extra action buys, against doing nothing (K = 0): every K whose
    best is cheaper than the K before it, e.g. "1 action saves $1,449.00; 4 actions save
    $1,460.00". Savings are bill + lost revenue, the ranking's figure."""
    base = calendar.steps[0].total_with_lost_usd
    parts, previous = [], base
    for step in calendar.steps[1:]:
        if step.total_with_lost_usd < previous:
            k = len(step.actions)
            saving = base - step.total_with_lost_usd
            verb = "action saves" if k == 1 else "actions save"
            parts.append(f"{k} {verb} ${saving:,.2f}")
            previous = step.total_with_lost_usd
    if not parts:
        return "No action lowers the bill plus lost revenue on this usage: keep the current preferences."
    return "; ".join(parts)
