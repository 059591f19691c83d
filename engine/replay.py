"""Last year replayed: the loaded history itself under every setting, the bills it carried,
and how far the forward projection can be trusted (issue 12).

`replay()` runs the actual months (not a projection) under every named setting from the plan
in force at the history's start, through `compare()`, so every figure is `simulate()`'s. Where
the months carry what Klaviyo billed (`HistoryMonth.invoice_usd`), the user's setting's replayed
bill is set against it month by month. `projection_check()` fits the growth model on all but
the last k months, projects those k months and sets the projection against what happened:
usage and bill.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from engine.compare import Comparison
from engine.history import UsageHistory
from engine.models import Frozen, Money, PriceBook
from engine.whatif import WhatIf


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
    check: ProjectionCheck | None = None
    check_note: str = Field(default="", description="why there is no check, when there is none")


class ReplayRequest(Frozen):
    """`python -m engine replay`'s input (POST /v1/replay's body)."""

    history: UsageHistory
    whatif: WhatIf
    email_plan_profiles: int | None = Field(
        default=None,
        description="the plan at the history's start; None: the one covering its first month",
    )
    sms_plan_credits: int | None = Field(
        default=None, description="None: the smallest SMS plan covering the first month's credits"
    )
    check_months: Literal[3, 6] = 3
    price_book: PriceBook | None = None


def replay(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    email_plan_profiles: int | None = None,
    sms_plan_credits: int | None = None,
    check_months: int = 3,
) -> Replay:
    raise NotImplementedError


def parse_replay_request(text: str) -> ReplayRequest:
    raise NotImplementedError


def replay_json(request: ReplayRequest) -> dict[str, Any]:
    raise NotImplementedError
