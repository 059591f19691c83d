"""Last year replayed: the loaded history itself under every setting, the bills it carried,
and how far the forward projection can be trusted (issue 12).

`replay()` runs the actual months (not a projection) under every named setting from the plan
in force at the history's start, through `compare()`, so every figure is `simulate()`'s. Where
the months carry what Klaviyo billed (`HistoryMonth.invoice_usd`), the user's setting's replayed
bill is set against it month by month. `projection_check()` fits the growth model on all but
the last k months, projects those k months and sets the projection against what happened:
usage and bill.

What the replay assumes (each also said in `Replay.notes`, in plain words):

- Cycle n is history month n. The profile count before cycle 1's renewal is the first month's
  (the file has no earlier month).
- The plans at the start: given, or the smallest email plan covering the first month's profiles
  and the smallest SMS plan covering its credits; a given plan maps to the tier covering it.
- The user's setting and the what-if's readings of the unclear rules (fee basis, rollover) and
  revenues per message. No price change and no card failure: both are what-ifs about the
  coming months, not the past.
- The check fits `engine.growth.fit` on the first n - k months, projects k with `project`, and
  bills the held-out months twice with `simulate` under the user's setting, from actual and from
  projected usage, both starting from the plans the replay of the user's setting held at the end
  of the fit months and the last fit month's profiles. Usage errors are mean absolute % errors
  over the months with actual use; the bill's error is projected minus actual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationError

from engine.advice import usd
from engine.compare import Comparison, compare
from engine.contract import parse_history_request, whatif_fault
from engine.growth import fit, project
from engine.history import UsageHistory, month_label
from engine.models import (
    Assumptions,
    Credits,
    Frozen,
    Money,
    Policy,
    PriceBook,
    Profiles,
    Scenario,
    SimulationResult,
    Start,
    UsageCycle,
)
from engine.price_book import load_price_book
from engine.rules import build_ladders
from engine.settings import SETTINGS
from engine.simulate import simulate
from engine.whatif import WhatIf

ZERO = Decimal("0")


class InvoiceLine(Frozen):
    month: date
    engine_usd: Money = Field(description="the user's setting's replayed bill for the month")
    invoice_usd: Money
    difference_usd: Money = Field(description="engine minus invoice")


class CheckMonth(Frozen):
    """One held-out month: what happened and what the projection said."""

    month: date
    actual_profiles: int
    projected_profiles: int
    actual_email_sends: int
    projected_email_sends: int
    actual_sms_credits: int
    projected_sms_credits: int
    actual_bill_usd: Money
    projected_bill_usd: Money


class ProjectionCheck(Frozen):
    months_held_out: int
    fit_months: int
    months: tuple[CheckMonth, ...]
    profiles_error_pct: float | None = Field(description="mean absolute % error; None: all zero")
    emails_error_pct: float | None
    sms_error_pct: float | None
    bill_actual_usd: Money
    bill_projected_usd: Money
    bill_error_usd: Money = Field(description="projected minus actual, over the held-out months")
    bill_error_pct: float | None
    summary: str = Field(description="one plain sentence: how far to trust the forward view")


class Replay(Frozen):
    months: tuple[date, ...]
    email_plan_profiles: int = Field(description="the email plan in force at the history's start")
    sms_plan_credits: int
    comparison: Comparison
    invoices: tuple[InvoiceLine, ...] = ()
    invoices_engine_usd: Money | None = Field(
        default=None, description="the replayed bill over the invoiced months; None: no invoices"
    )
    invoices_total_usd: Money | None = Field(default=None, description="what the invoices add to")
    invoices_difference_usd: Money | None = Field(
        default=None, description="engine minus invoices: the sum of the lines' differences"
    )
    check: ProjectionCheck | None = None
    check_note: str = Field(default="", description="why there is no check, when there is none")
    notes: tuple[str, ...] = Field(
        default=(), description="plain sentences: what the replay assumed (start plans, prices)"
    )


class ReplayRequest(Frozen):
    """`python -m engine replay`'s input (POST /v1/replay's body)."""

    history: UsageHistory
    whatif: WhatIf
    email_plan_profiles: Profiles | None = Field(
        default=None,
        description="the plan at the history's start; None: the one covering its first month",
    )
    sms_plan_credits: Credits | None = Field(
        default=None, description="None: the smallest SMS plan covering the first month's credits"
    )
    check_months: Literal[3, 6] = 3
    price_book: PriceBook | None = None


MIN_FIT_MONTHS = 3
"""Months the check fits on, at least: with fewer the growth fit has no trend to be judged (two
points always lie on their own line) and no ordinary months for a peak; engine.uncertainty
needs 3+ months for a slope's spread for the same reason. Klaviyo exports 3, 6 or 12 cycles,
so a 6-cycle export can be checked on its last 3 and a 12-cycle one on its last 3 or 6."""

CHECK_MONTHS = (3, 6)


def _start_plans(
    history: UsageHistory, book: PriceBook, email_plan: int | None, sms_plan: int | None
) -> tuple[int, int]:
    """The plans in force at the history's start, as the capacity of the tier that covers each
    (a given plan maps to the row that covers it, section 2); by default the smallest email plan
    covering the first month's profiles and the smallest SMS plan covering its credits."""
    email, sms = build_ladders(book, None)
    first = history.months[0]
    email_need = first.active_profiles if email_plan is None else email_plan
    sms_need = first.sms_credits if sms_plan is None else sms_plan
    return email.caps[email.cover(email_need)[0]], sms.caps[sms.cover(sms_need)[0]]


def _past_policy(whatif: WhatIf) -> Policy:
    """The user's setting under the what-if's readings of the unclear rules (fee basis,
    rollover). A card failure in the what-if is a cycle of the coming months, not of the past:
    it is left out, as the price change is."""
    assumptions = Assumptions(flex_fee_basis=whatif.flex_fee_basis, sms_rollover=whatif.sms_rollover)
    return Policy.compose(SETTINGS[whatif.current_setting].setting, assumptions)


def _scenario(start: Start, usage: Sequence[UsageCycle], policy: Policy, whatif: WhatIf) -> Scenario:
    return Scenario(
        start=start,
        usage=tuple(usage),
        policy=policy,
        revenue_per_email_usd=whatif.revenue_per_email_usd,
        revenue_per_sms_credit_usd=whatif.revenue_per_sms_credit_usd,
    )


def history_scenario(
    history: UsageHistory, email_plan: int, sms_plan: int, policy: Policy, whatif: WhatIf
) -> Scenario:
    """The scenario a replay bills: cycle n is history month n, from the plans at its start,
    the first month's profiles before cycle 1, no price change (the module docstring).
    The Look back page rebuilds an outcome's scenario with it (its own policy)."""
    start = Start(
        active_profiles=history.months[0].active_profiles,
        email_plan_profiles=email_plan,
        sms_plan_credits=sms_plan,
    )
    return _scenario(start, [m.usage for m in history.months], policy, whatif)


def replay(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    email_plan_profiles: int | None = None,
    sms_plan_credits: int | None = None,
    check_months: int = 3,
) -> Replay:
    """The history's own months as the usage path (cycle n = history month n) under every named
    setting, from the plans at its start; the invoices set against the user's setting; and the
    projection check on the last `check_months` months (see the module docstring)."""
    if check_months not in CHECK_MONTHS:
        raise ValueError(f"check_months: must be 3 or 6, got {check_months}")
    email_plan, sms_plan = _start_plans(history, book, email_plan_profiles, sms_plan_credits)
    scenario = history_scenario(history, email_plan, sms_plan, _past_policy(whatif), whatif)
    months = tuple(m.month for m in history.months)
    comparison = compare(scenario, book, months=months, current=whatif.current_setting)
    mine = comparison.outcome(comparison.current).result
    invoices = tuple(
        InvoiceLine(
            month=m.month,
            engine_usd=bill.total_usd,
            invoice_usd=m.invoice_usd,
            difference_usd=bill.total_usd - m.invoice_usd,
        )
        for m, bill in zip(history.months, mine.cycles, strict=True)
        if m.invoice_usd is not None
    )
    check, check_note = projection_check(history, book, whatif, mine, check_months)
    totals = {}
    if invoices:
        engine_total = sum((i.engine_usd for i in invoices), ZERO)
        invoice_total = sum((i.invoice_usd for i in invoices), ZERO)
        totals = dict(
            invoices_engine_usd=engine_total,
            invoices_total_usd=invoice_total,
            invoices_difference_usd=engine_total - invoice_total,
        )
    return Replay(
        months=months,
        email_plan_profiles=email_plan,
        sms_plan_credits=sms_plan,
        comparison=comparison,
        invoices=invoices,
        **totals,
        check=check,
        check_note=check_note,
        notes=_notes(history, email_plan_profiles, sms_plan_credits, email_plan, sms_plan, whatif),
    )


def _notes(
    history: UsageHistory,
    email_given: int | None,
    sms_given: int | None,
    email_plan: int,
    sms_plan: int,
    whatif: WhatIf,
) -> tuple[str, ...]:
    first = history.months[0]
    start = month_label(first.month)
    email_why = (
        "as given"
        if email_given is not None
        else f"the smallest covering {first.active_profiles:,} profiles"
    )
    sms_why = (
        "as given" if sms_given is not None else f"the smallest covering {first.sms_credits:,} credits"
    )
    sms_text = f"the {sms_plan:,}-credit SMS plan" if sms_plan else "no SMS plan"
    notes = [
        f"Each month of the history is one billing cycle, {start} to {month_label(history.last.month)}.",
        f"At the start ({start}): the {email_plan:,}-profile email plan ({email_why}) and "
        f"{sms_text} ({sms_why}).",
        f"The profile count before the first cycle is taken as {start}'s, {first.active_profiles:,}: "
        "the file has no earlier month.",
        "Today's prices are used for every month: no price change is applied to the past.",
    ]
    if whatif.card_failure_cycle is not None:
        notes.append(
            "The card failure you set is about the coming months: it is not applied to the past."
        )
    return tuple(notes)


# ---------------------------------------------------------------- the projection check


def _error_pct(actual: Sequence[int], projected: Sequence[int]) -> float | None:
    """Mean absolute % error over the months with actual use (a % of zero has no meaning);
    None when every month's actual is zero."""
    errors = [abs(p - a) / a * 100 for a, p in zip(actual, projected, strict=True) if a]
    return round(sum(errors) / len(errors), 2) if errors else None


def projection_check(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    replayed: SimulationResult,
    k: int,
) -> tuple[ProjectionCheck | None, str]:
    """Fit on all but the last k months, project those k, and bill both paths under the user's
    setting from the plans the replay (`replayed`, the user's setting run on the history) held
    at the end of the fit months. Returns (None, why) when the history is too short."""
    n = len(history.months)
    if n < k + MIN_FIT_MONTHS:
        return None, (
            f"The projection check holds out the last {k} months and fits on at least "
            f"{MIN_FIT_MONTHS} before them, so it needs {k + MIN_FIT_MONTHS} months of history; "
            f"this one has {n}."
            + (" Try holding out 3 months." if k == 6 and n >= 3 + MIN_FIT_MONTHS else "")
        )
    fitted_on = UsageHistory(months=history.months[: n - k])
    held_out = history.months[n - k :]
    projection = project(fitted_on, fit(fitted_on, horizon=k).growth)
    end_of_fit = replayed.cycles[n - k - 1]
    start = Start(
        active_profiles=fitted_on.last.active_profiles,
        email_plan_profiles=end_of_fit.email_plan_profiles,
        sms_plan_credits=end_of_fit.sms_plan_credits,
    )
    policy = _past_policy(whatif)
    actual = simulate(_scenario(start, [m.usage for m in held_out], policy, whatif), book)
    projected = simulate(_scenario(start, projection.usage, policy, whatif), book)
    months = tuple(
        CheckMonth(
            month=m.month,
            actual_profiles=m.active_profiles,
            projected_profiles=u.active_profiles,
            actual_email_sends=m.email_sends,
            projected_email_sends=u.email_sends,
            actual_sms_credits=m.sms_credits,
            projected_sms_credits=u.sms_credits,
            actual_bill_usd=a.total_usd,
            projected_bill_usd=p.total_usd,
        )
        for m, u, a, p in zip(held_out, projection.usage, actual.cycles, projected.cycles, strict=True)
    )
    error = projected.total_usd - actual.total_usd
    check = dict(
        months_held_out=k,
        fit_months=n - k,
        months=months,
        profiles_error_pct=_error_pct(
            [m.actual_profiles for m in months], [m.projected_profiles for m in months]
        ),
        emails_error_pct=_error_pct(
            [m.actual_email_sends for m in months], [m.projected_email_sends for m in months]
        ),
        sms_error_pct=_error_pct(
            [m.actual_sms_credits for m in months], [m.projected_sms_credits for m in months]
        ),
        bill_actual_usd=actual.total_usd,
        bill_projected_usd=projected.total_usd,
        bill_error_usd=error,
        bill_error_pct=(round(float(error / actual.total_usd * 100), 2) if actual.total_usd else None),
    )
    return ProjectionCheck(**check, summary=_summary(check)), ""


def _pct(x: float) -> str:
    return f"{x:.0f}%" if x >= 1 or x == 0 else "under 1%"


def _summary(c: dict) -> str:
    """One plain sentence: the usage error per driver and the bill's error, with its figures."""
    drivers = [
        (c["emails_error_pct"], "emails"),
        (c["profiles_error_pct"], "profiles"),
        (c["sms_error_pct"], "SMS credits"),
    ]
    parts = [f"{_pct(e)} on {what}" for e, what in drivers if e is not None]
    usage = f"was off by {_join(parts)} a month on average" if parts else "had no usage to compare"
    error, actual = c["bill_error_usd"], c["bill_actual_usd"]
    if error == 0:
        bill = f"its bill matched the actual {usd(actual)}"
    else:
        side = "above" if error > 0 else "below"
        pct = f" ({_pct(abs(c['bill_error_pct']))})" if c["bill_error_pct"] is not None else ""
        bill = f"its bill was {usd(abs(error))}{pct} {side} the actual {usd(actual)}"
    months = "month" if c["fit_months"] == 1 else "months"
    return (
        f"Fitted on {c['fit_months']} {months}, the projection of the last "
        f"{c['months_held_out']} {usage}; {bill}."
    )


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---------------------------------------------------------------- the JSON contract


def parse_replay_request(text: str) -> ReplayRequest:
    """Validate a request JSON text strictly (engine.contract.parse_history_request)."""
    return parse_history_request(
        text, ReplayRequest, {"check_months": "must be 3 or 6 (months held out)"}
    )


def replay_json(request: ReplayRequest) -> dict[str, Any]:
    """The replay of a request, as JSON (money as strings with two decimals)."""
    book = request.price_book or load_price_book()
    try:
        result = replay(
            request.history,
            book,
            request.whatif,
            request.email_plan_profiles,
            request.sms_plan_credits,
            request.check_months,
        )
    except ValidationError as e:  # a what-if value outside what a scenario accepts
        raise whatif_fault(e) from None
    return result.model_dump(mode="json")
