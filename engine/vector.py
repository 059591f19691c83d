"""The vectorised engine: many usage paths x many settings at once, in integer cents.

engine/simulate.py stays the readable reference; this module mirrors its rules one to one
(each function below is named after the rule of engine/rules.py it mirrors) on numpy arrays of
shape (P, S): P usage paths by S settings. Money is int64 cents: every price is turned into
cents once (after the price change of section 2, rounded per price by the scalar
`build_ladders`); the flex fee is rounded half-up per flex in integer arithmetic,
floor((2 x price x bought + sends) / (2 x sends)); lost revenue is counted in micro-dollars
(revenues have at most 6 decimals) and rounded half-up to cents per cycle. Loops run over the
cycles only; tier moves use `searchsorted` on the strictly increasing ladders. A calendar of
dated actions (engine.models.Action) is billed as `simulate.step` bills it: the preferences are
per (setting, cycle) tables, a downgrade carries its plan's tier as the floor of its renewal,
an upgrade by hand runs only in a cycle where some setting has one.
tests/engine/test_vector.py checks it equals simulate() on every numeric field of every cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from engine.models import (
    ActionKind,
    CycleBill,
    DowngradeRequest,
    FlexFeeBasis,
    Preference,
    PriceBook,
    Scenario,
    Setting,
    SimulationResult,
)
from engine.rules import Ladder
from engine.rules import build_ladders as scalar_ladders
from engine.simulate import result_of, start

__all__ = ["PathBills", "bill_paths", "cycle_fields", "simulate_vector"]

I64 = np.int64
SAFE = 2**62  # below int64's limit with room for a sum of two
PREF = {Preference.NONE: 0, Preference.FLEX: 1, Preference.AUTO_UPGRADE: 2}
NONE, FLEX, AUTO = 0, 1, 2


@dataclass(frozen=True)
class PathBills:
    keys: tuple[str, ...]  # setting keys, in the order given
    total_cents: np.ndarray  # int64 (P, S): each path's horizon bill under each setting
    lost_cents: np.ndarray  # int64 (P, S): each path's lost revenue under each setting
    cumulative_cents: np.ndarray  # int64 (P, S, H): the bill up to the end of each cycle


def cents(amount: Decimal) -> int:
    """A Decimal amount with at most two decimals as whole cents (exact)."""
    value = amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not whole cents")
    return int(value)


# ---------------------------------------------------------------- ladders (section 1)


@dataclass(frozen=True)
class VLadder:
    """One channel's ladder as int64 arrays: prices in cents, [0] before and [1] from the price
    change on; `flex_cum[r, plan, k]` the flex fees of flexing a `plan` cycle up to tier k."""

    caps: np.ndarray
    sends: np.ndarray
    prices: np.ndarray  # (2, T) cents
    flex_cum: np.ndarray  # (2, T, T) cents
    change_from: int

    @property
    def top(self) -> int:
        return len(self.caps) - 1


def flex_fee(price_c: Sequence[int], sends: Sequence[int], plan: int, k: int, basis) -> int:
    """rules.flex_fee in integer cents: `difference` is price[k+1] - price[k]; `extra` and
    `whole` are price[plan] x bought / sends[plan], rounded half-up per flex."""
    if basis is FlexFeeBasis.DIFFERENCE:
        return price_c[k + 1] - price_c[k]
    if sends[plan] == 0:  # a free or no-plan tier: its preference is `none`, no flex is bought
        return 0
    bought = sends[k + 1] - sends[k] if basis is FlexFeeBasis.EXTRA else sends[k + 1]
    return (2 * price_c[plan] * bought + sends[plan]) // (2 * sends[plan])


def build_ladders(book: PriceBook, scenario: Scenario) -> tuple[VLadder, VLadder]:
    """rules.build_ladders (its prices, changed and rounded per price), in cents, with the flex
    fee table of the scenario's fee basis. Raises OverflowError past int64's safe range."""
    basis = scenario.policy.assumptions.flex_fee_basis
    return tuple(_vladder(lad, basis) for lad in scalar_ladders(book, scenario.price_change))


def _vladder(lad: Ladder, basis: FlexFeeBasis) -> VLadder:
    n = len(lad.caps)
    sends = [int(s) for s in lad.sends]
    prices = [[cents(p) for p in lad.prices], [cents(p) for p in lad.changed_prices]]
    cum = np.zeros((2, n, n), dtype=I64)
    for r in range(2):
        for plan in range(n):
            total = 0
            for k in range(plan, n - 1):
                total += flex_fee(prices[r], sends, plan, k, basis)
                if total >= SAFE // 4:
                    raise OverflowError("flex fees beyond int64: use the scalar engine")
                cum[r, plan, k + 1] = total
    return VLadder(
        caps=np.array(lad.caps, dtype=I64),
        sends=np.array(sends, dtype=I64),
        prices=np.array(prices, dtype=I64),
        flex_cum=cum,
        change_from=lad.change_from,
    )


def cover(caps: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """rules.cover: the smallest tier whose cap is >= n, and whether n is above the top."""
    i = np.searchsorted(caps, n, side="left")
    over = i >= len(caps)
    return np.minimum(i, len(caps) - 1), over


# ---------------------------------------------------------------- settings


class VSettings(NamedTuple):
    """S settings as arrays. Everything a calendar of actions can change is per (setting, cycle):
    (S, H + 2) arrays indexed by cycle (column 0 and H + 1 are never read as a cycle)."""

    email: np.ndarray  # preference code in force in each cycle (Setting.preferences)
    sms: np.ndarray
    auto_downgrade: np.ndarray
    manual_downgrade: np.ndarray  # (S,)
    email_due: np.ndarray  # a manual downgrade is due at the renewal that starts the cycle
    email_cycle_start: np.ndarray  # ... requested at the cycle start before (cancellable)
    sms_due: np.ndarray
    sms_cycle_start: np.ndarray
    email_floor: np.ndarray  # the lowest tier that downgrade may reach (rules.downgrade_floor)
    sms_floor: np.ndarray
    email_upgrade: np.ndarray  # the tier an upgrade by hand moves to on the cycle's first day, or -1
    sms_upgrade: np.ndarray
    by_hand: np.ndarray  # (H + 2,): some setting upgrades by hand in the cycle
    watch: np.ndarray  # a schedule exists: only then can an upgrade cancel a downgrade


def vsettings(
    settings: Sequence[Setting],
    horizon: int,
    email: VLadder,
    sms: VLadder,
    start_plan: int,
    start_sms: int,
) -> VSettings:
    """The settings as arrays: their preferences per cycle, the downgrades due at each renewal
    with their floors, and the upgrades by hand (a calendar's actions, engine.models.Action)."""
    s, width = len(settings), horizon + 2
    sched = {ch: np.zeros((s, width), dtype=bool) for ch in ("email", "sms")}
    early = {ch: np.zeros((s, width), dtype=bool) for ch in ("email", "sms")}
    floor = {
        "email": np.full((s, width), start_plan, dtype=I64),
        "sms": np.full((s, width), start_sms, dtype=I64),
    }
    upgrade = {ch: np.full((s, width), -1, dtype=I64) for ch in ("email", "sms")}
    caps = {"email": email.caps, "sms": sms.caps}
    prefs = {ch: np.zeros((s, width), dtype=I64) for ch in ("email", "sms")}
    auto = np.zeros((s, width), dtype=bool)
    for j, setting in enumerate(settings):
        for d in setting.manual_downgrades:
            if d.cycle <= horizon:
                sched[d.channel][j, d.cycle] = True
                early[d.channel][j, d.cycle] = d.requested is DowngradeRequest.CYCLE_START
        _preferences(setting, j, horizon, prefs, auto)
        for a in setting.actions:
            if a.cycle > horizon or a.action is ActionKind.PREFERENCE:
                continue
            tier = int(cover(caps[a.channel], a.plan)[0])
            if a.action is ActionKind.UPGRADE:
                upgrade[a.channel][j, a.cycle] = tier
            else:  # rules.downgrade_due: requested in a.cycle after its upgrades, due at the next renewal
                sched[a.channel][j, a.cycle + 1] = True
                floor[a.channel][j, a.cycle + 1] = tier
    return VSettings(
        email=prefs["email"],
        sms=prefs["sms"],
        auto_downgrade=auto,
        manual_downgrade=np.array([x.manual_downgrade for x in settings], dtype=bool),
        email_due=sched["email"],
        email_cycle_start=early["email"],
        sms_due=sched["sms"],
        sms_cycle_start=early["sms"],
        email_floor=floor["email"],
        sms_floor=floor["sms"],
        email_upgrade=upgrade["email"],
        sms_upgrade=upgrade["sms"],
        by_hand=((upgrade["email"] >= 0) | (upgrade["sms"] >= 0)).any(axis=0),
        watch=np.array([bool(x.manual_downgrades) for x in settings], dtype=bool),
    )


def _preferences(setting: Setting, j: int, horizon: int, prefs: dict, auto: np.ndarray) -> None:
    """Setting.preferences for every cycle of setting j: its own, then each preference action
    from its cycle until the channel's next one (Action's docstring). Taken in cycle order:
    Setting.preferences takes them in the tuple's order, which is the same for a calendar in
    cycle order (as plan_calendar gives) and differs for one out of order (reported)."""
    prefs["email"][j], prefs["sms"][j], auto[j] = (
        PREF[setting.email],
        PREF[setting.sms],
        setting.auto_downgrade,
    )
    changes = sorted(
        (a for a in setting.actions if a.action is ActionKind.PREFERENCE and a.cycle <= horizon),
        key=lambda a: a.cycle,
    )
    for a in changes:
        prefs[a.channel][j, a.cycle :] = PREF[a.preference]
        if a.channel == "email":
            auto[j, a.cycle :] = a.auto_downgrade


# ---------------------------------------------------------------- rules (section 3)


def card_window(assumptions, cycle: int) -> bool:
    """rules.card_window: preferences are active outside the failed-card window."""
    return assumptions.preferences_active(cycle)


def effective(preference: np.ndarray, active: bool, base_c: np.ndarray) -> np.ndarray:
    """rules.effective: a failed card or a $0 tier makes any preference `none`."""
    return np.where(active & (base_c > 0), preference, NONE)


def preferences(vs: VSettings, cycle: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Setting.preferences: each setting's email and SMS preference and auto-downgrade in
    force in `cycle` (S,) (a calendar's preference actions are in the tables)."""
    return vs.email[:, cycle], vs.sms[:, cycle], vs.auto_downgrade[:, cycle]


def downgrade_due(manual: np.ndarray, due: np.ndarray, early: np.ndarray, upgraded) -> np.ndarray:
    """rules.downgrade_due: every renewal with `manual_downgrade`; else a scheduled one, unless
    it was requested at the start of the cycle before and that cycle auto-upgraded; a
    calendar's downgrade (requested after the cycle's last upgrade) is in `due`, never early."""
    return manual | (due & ~(early & upgraded))


def downgrade_floor(floor: np.ndarray, cycle: int) -> np.ndarray:
    """rules.downgrade_floor: the tier covering a calendar's downgrade `plan` requested in
    `cycle - 1`, else the start plan (S,)."""
    return floor[:, cycle]


def manual_upgrade(lad: VLadder, r: int, tier, target) -> tuple:
    """rules.manual_upgrade: on the cycle's first day the plan moves up to the target tier (-1:
    none; a target at or below the plan changes nothing), charged the price difference in full.
    Returns the tier, the charge in cents and whether it moved."""
    moved = target > tier
    up = np.where(moved, target, tier)
    prices = lad.prices[r]
    return up, prices[up] - prices[tier], moved


def manual_email_downgrade(c, start_tier, needed):
    """rules.manual_email_downgrade: back to max(start plan, cover(P)) if lower (the start plan
    is the floor, per setting: a calendar's downgrade names its own)."""
    return np.minimum(c, np.maximum(start_tier, needed))


def auto_downgrade(c, needed):
    """rules.auto_downgrade: one tier down when the profiles qualify for a lower plan."""
    return np.where(needed < c, c - 1, c)


def profile_compliance(c, needed):
    """rules.profile_compliance: profiles above the plan move it up to cover(P), always."""
    return np.maximum(c, needed)


class EmailRenewal(NamedTuple):
    tier: np.ndarray
    profile_upgrades: np.ndarray
    manual: np.ndarray
    auto: np.ndarray
    over_top: np.ndarray


def renew_email(lad: VLadder, c, start_tier, profiles, manual_due, auto) -> EmailRenewal:
    """rules.renew_email: manual downgrade if due, else auto-downgrade, then compliance."""
    needed, over_top = cover(lad.caps, profiles)
    by_hand = manual_email_downgrade(c, start_tier, needed)
    by_auto = auto_downgrade(c, needed)
    moved = np.where(manual_due, by_hand, np.where(auto, by_auto, c))
    manual = manual_due & (by_hand < c)
    auto_moved = ~manual_due & auto & (by_auto < c)
    renewed = profile_compliance(moved, needed)
    return EmailRenewal(renewed, renewed - moved, manual, auto_moved, over_top)


def renew_sms(s, start_tier, manual_due):
    """rules.renew_sms: with a manual downgrade due, a plan above the start plan (the floor, per
    setting) goes back to it."""
    down = manual_due & (s > start_tier)
    return np.where(down, start_tier, s), down


class Sending(NamedTuple):
    tier: np.ndarray
    limit: np.ndarray
    upgrade_c: np.ndarray
    upgrades: np.ndarray
    flex_c: np.ndarray
    flexes: np.ndarray


def _reach(lad: VLadder, tier, demand, carried):
    """The tier the rules' `while d.over(k): k += 1` loop ends on: the first k >= tier whose
    limit covers the demand, or the top."""
    k = np.searchsorted(lad.sends, demand - carried, side="left")
    return np.clip(k, tier, lad.top)


def stop(lad: VLadder, tier, carried) -> Sending:
    """rules.stop: the plan's limit; nothing bought."""
    zero = np.zeros_like(tier)
    return Sending(tier, lad.sends[tier] + carried, zero, zero, zero, zero)


def auto_upgrade(lad: VLadder, r: int, tier, k) -> tuple:
    """rules.auto_upgrade: one tier at a time up to k, each step's price difference charged
    (they add up to price[k] - price[tier]); the plan stays at k."""
    prices = lad.prices[r]
    return k, prices[k] - prices[tier], k - tier


def flex(lad: VLadder, r: int, tier, k) -> tuple:
    """rules.flex: flex from the plan up to k for this cycle, each flex's fee rounded on its
    own (the table `flex_cum`); the plan does not change."""
    return lad.flex_cum[r][tier, k], k - tier


def send(lad: VLadder, r: int, pref, tier, demand, carried) -> Sending:
    """rules.send: the preference's at-limit behaviour (AT_LIMIT), chosen per setting."""
    base = stop(lad, tier, carried)
    k = _reach(lad, tier, demand, carried)
    up_tier, up_c, ups = auto_upgrade(lad, r, tier, k)
    flex_c, flexes = flex(lad, r, tier, k)
    is_auto, is_flex = pref == AUTO, pref == FLEX
    zero = base.upgrade_c
    return Sending(
        tier=np.where(is_auto, up_tier, tier),
        limit=np.where(is_auto | is_flex, lad.sends[k] + carried, base.limit),
        upgrade_c=np.where(is_auto, up_c, zero),
        upgrades=np.where(is_auto, ups, zero),
        flex_c=np.where(is_flex, flex_c, zero),
        flexes=np.where(is_flex, flexes, zero),
    )


def top_of_ladder(lad: VLadder, demand, carried, limit):
    """rules.top_of_ladder: sent, blocked, and the blocked part above the top tier (a quote)."""
    sent = np.minimum(demand, limit)
    blocked = demand - sent
    above = np.minimum(blocked, np.maximum(0, demand - lad.sends[-1] - carried))
    return sent, blocked, above


def rollover(lad: VLadder, tier, carried, used, on: bool):
    """rules.rollover: unused credits of the plan (after any upgrade) carry over, if on."""
    if not on:
        return np.zeros_like(used)
    return np.maximum(0, lad.sends[tier] + carried - used)


def cycle_total(email_base, mail: Sending, sms_base, text: Sending):
    """rules.cycle_total: email base + upgrade + flex + SMS base + upgrade + flex."""
    return email_base + mail.upgrade_c + mail.flex_c + sms_base + text.upgrade_c + text.flex_c


def lost_revenue(lost_emails, lost_credits, per_email_micro: int, per_credit_micro: int):
    """rules.lost_revenue: in micro-dollars, rounded half-up to cents per cycle."""
    top = int(lost_emails.max(initial=0)) * per_email_micro
    top += int(lost_credits.max(initial=0)) * per_credit_micro
    if top + 5000 >= SAFE:  # beyond int64: exact Python integers (slow, never for real accounts)
        lost_emails, lost_credits = lost_emails.astype(object), lost_credits.astype(object)
    micro = lost_emails * per_email_micro + lost_credits * per_credit_micro
    return ((micro + 5000) // 10000).astype(I64)


def micro(amount: Decimal) -> int:
    return int(amount * 1_000_000)  # at most 6 decimals (models.REVENUE_PLACES): exact


# ---------------------------------------------------------------- the fold


FIELDS = (
    "email_plan_profiles", "email_base_usd", "email_upgrade_usd", "email_flex_usd",
    "email_upgrades", "email_flexes", "emails_sent", "emails_blocked", "sms_plan_credits",
    "sms_base_usd", "sms_upgrade_usd", "sms_flex_usd", "sms_upgrades", "sms_flexes",
    "sms_credits_used", "sms_credits_blocked", "sms_credits_carried_out", "total_usd",
    "lost_revenue_usd", "custom_quote", "active_profiles", "email_sends_demand",
    "email_plan_profiles_at_renewal", "email_send_limit", "email_profile_upgrades",
    "sms_credits_demand", "sms_credits_available", "preferences_active",
    "email_manual_downgrade", "sms_manual_downgrade", "email_auto_downgrade",
    "email_manual_upgrade", "sms_manual_upgrade", "emails_above_top", "sms_credits_above_top",
)  # fmt: skip


def _fold(scenario, book, usage: np.ndarray, settings: Sequence[Setting], record: bool):
    """Every cycle of section 3 in the order of simulate.step, for all paths x settings.
    Returns (total, lost, cumulative, per-cycle fields or None)."""
    usage = np.asarray(usage, dtype=I64)
    p, h, _ = usage.shape
    email, sms = build_ladders(book, scenario)
    run, _ = start(scenario, book)
    assumptions = scenario.policy.assumptions
    vs = vsettings(settings, h, email, sms, run.start_plan, run.start_sms)
    shape = (p, len(settings))
    e_tier = np.full(shape, run.start_plan, dtype=I64)
    s_tier = np.full(shape, run.start_sms, dtype=I64)
    carried = np.zeros(shape, dtype=I64)
    profiles = np.full(shape, scenario.start.active_profiles, dtype=I64)
    e_up = s_up = np.zeros(shape, dtype=bool)
    per_email, per_credit = micro(run.per_email), micro(run.per_credit)
    cumulative = np.zeros((*shape, h), dtype=I64)
    lost = np.zeros(shape, dtype=I64)
    total = np.zeros(shape, dtype=I64)
    cycles = []
    for cycle in range(1, h + 1):
        r = int(cycle >= email.change_from)
        active = card_window(assumptions, cycle)
        profiles_now = usage[:, cycle - 1, 0][:, None]
        e_demand = np.broadcast_to(usage[:, cycle - 1, 1][:, None], shape)
        s_demand = np.broadcast_to(usage[:, cycle - 1, 2][:, None], shape)
        email_pref, sms_pref, auto_downgrades = preferences(vs, cycle)
        # 3.1 and 3.2: renewals
        auto = auto_downgrades & active & (email_pref == FLEX)
        due = downgrade_due(
            vs.manual_downgrade, vs.email_due[:, cycle], vs.email_cycle_start[:, cycle], e_up
        )
        floor = downgrade_floor(vs.email_floor, cycle)
        renewal = renew_email(email, e_tier, floor, profiles, due, auto)
        due = downgrade_due(
            vs.manual_downgrade, vs.sms_due[:, cycle], vs.sms_cycle_start[:, cycle], s_up
        )
        s, s_manual = renew_sms(s_tier, downgrade_floor(vs.sms_floor, cycle), due)
        carried = np.where(s == s_tier, carried, 0)
        e_base, s_base = email.prices[r][renewal.tier], sms.prices[r][s]
        # A calendar's upgrades by hand, on the cycle's first day (skipped in a cycle without any)
        e_plan, s_plan, e_hand, s_hand = renewal.tier, s, False, False
        e_plan_base, s_plan_base = e_base, s_base
        if vs.by_hand[cycle]:
            e_plan, e_hand_c, e_hand = manual_upgrade(email, r, renewal.tier, vs.email_upgrade[:, cycle])
            s_plan, s_hand_c, s_hand = manual_upgrade(sms, r, s, vs.sms_upgrade[:, cycle])
            e_plan_base, s_plan_base = email.prices[r][e_plan], sms.prices[r][s_plan]
        # 3.3 and 3.4: sending
        e_pref = effective(email_pref, active, e_plan_base)
        mail = send(email, r, e_pref, e_plan, e_demand, 0)
        e_sent, e_blocked, e_above = top_of_ladder(email, e_demand, 0, mail.limit)
        s_pref = effective(sms_pref, active, s_plan_base)
        text = send(sms, r, s_pref, s_plan, s_demand, carried)
        if vs.by_hand[cycle]:
            mail = mail._replace(upgrade_c=mail.upgrade_c + e_hand_c)
            text = text._replace(upgrade_c=text.upgrade_c + s_hand_c)
        s_sent, s_blocked, s_above = top_of_ladder(sms, s_demand, carried, text.limit)
        carried_out = rollover(sms, text.tier, carried, s_sent, assumptions.sms_rollover)
        # 3.6: totals
        bill = cycle_total(e_base, mail, s_base, text)
        cycle_lost = lost_revenue(e_blocked - e_above, s_blocked - s_above, per_email, per_credit)
        total = total + bill
        lost = lost + cycle_lost
        cumulative[:, :, cycle - 1] = total
        if record:
            values = (
                email.caps[mail.tier], e_base, mail.upgrade_c, mail.flex_c, mail.upgrades,
                mail.flexes, e_sent, e_blocked, sms.caps[text.tier], s_base, text.upgrade_c,
                text.flex_c, text.upgrades, text.flexes, s_sent, s_blocked, carried_out, bill,
                cycle_lost, renewal.over_top | (e_above > 0) | (s_above > 0), profiles_now,
                e_demand, email.caps[renewal.tier], mail.limit, renewal.profile_upgrades,
                s_demand, sms.sends[s] + carried, active, renewal.manual, s_manual,
                renewal.auto, e_hand, s_hand, e_above, s_above,
            )  # fmt: skip
            cycles.append({k: np.broadcast_to(v, shape) for k, v in zip(FIELDS, values, strict=True)})
        # the state the next cycle starts from
        e_tier, s_tier, carried = mail.tier, text.tier, carried_out
        profiles = np.broadcast_to(profiles_now, shape)
        e_up = vs.watch & (mail.upgrades > 0)
        s_up = vs.watch & (text.upgrades > 0)
    return total, lost, cumulative, cycles


def bill_paths(
    scenario: Scenario, book: PriceBook, usage: np.ndarray, settings: Sequence[tuple[str, Setting]]
) -> PathBills:
    """usage: int64 (P, H, 3) = active_profiles, email_sends, sms_credits per cycle. The scenario
    gives start, policy assumptions (fee basis, rollover, card window), price change and revenues;
    its own usage is ignored. Exact: equal to the scalar simulate() in cents."""
    keys = tuple(k for k, _ in settings)
    total, lost, cumulative, _ = _fold(scenario, book, usage, [s for _, s in settings], False)
    return PathBills(keys, total, lost, cumulative)


def cycle_fields(
    scenario: Scenario, book: PriceBook, usage: np.ndarray, settings: Sequence[Setting]
) -> list[dict[str, np.ndarray]]:
    """Every numeric field of every cycle (CycleBill's names; money in cents), each (P, S):
    what simulate_vector and the benchmark's exactness check compare with the scalar engine."""
    return _fold(scenario, book, usage, settings, True)[3]


MONEY = {f for f in FIELDS if f.endswith("_usd")}
FLAGS = {
    "custom_quote", "preferences_active", "email_manual_downgrade", "sms_manual_downgrade",
    "email_auto_downgrade", "email_manual_upgrade", "sms_manual_upgrade",
}  # fmt: skip


def _usd(c: int) -> Decimal:
    return Decimal(int(c)).scaleb(-2)


def simulate_vector(scenario: Scenario, book: PriceBook) -> SimulationResult:
    """The scalar engine's result from the vector engine (events may be empty: they are)."""
    usage = np.array([[[u.active_profiles, u.email_sends, u.sms_credits] for u in scenario.usage]])
    cycles = cycle_fields(scenario, book, usage, [scenario.policy.setting])
    bills = []
    for n, fields in enumerate(cycles, start=1):
        values = {}
        for key in FIELDS:
            v = fields[key][0, 0]
            values[key] = _usd(v) if key in MONEY else bool(v) if key in FLAGS else int(v)
        values["events"] = ()
        ordered = {k: (n if k == "cycle" else values[k]) for k in CycleBill.model_fields}
        bills.append(CycleBill.computed(ordered))
    return result_of(bills)
