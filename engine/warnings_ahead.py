"""Warnings before a breach: the dated moments in the coming cycles when projected usage
crosses 75 / 90 / 100% of the send limit or the SMS credits, and the renewals at which the
profile count forces a higher plan, each with its cost under the current setting and what
avoids it (issue 12).

Dates follow the specification's day assumption (section 3.5): a cycle is 30 days with sends
spread evenly, so a level is reached on day ceil(30 x level / demand) (engine.rules.day). The
module is `warnings_ahead` so that it never shadows Python's own `warnings`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from engine.history import UsageHistory
from engine.models import Frozen, Money, PriceBook
from engine.whatif import WhatIf


class BreachWarning(Frozen):
    date: dt.date = Field(description="the day it happens (30-day cycle, even sending)")
    cycle: int
    month: dt.date = Field(description="the calendar month of the cycle")
    channel: Literal["email", "sms"]
    kind: Literal["usage_75", "usage_90", "usage_100", "profiles"]
    limit: int = Field(description="the send limit, the credits, or the plan's profiles")
    projected: int = Field(description="the projected sends, credits or profiles")
    cost_usd: Money = Field(description="what it costs under the current setting")
    avoid: str = Field(description="what avoids it, in plain words")
    avoid_amount: int = Field(description="profiles to suppress or messages to hold back")
    message: str
    days_away: int = Field(description="days from `today` (negative: already past)")


class Warnings(Frozen):
    today: dt.date
    first_cycle_starts: dt.date
    within_days: int | None
    warnings: tuple[BreachWarning, ...]
    due: int = Field(description="how many fall within within_days of today")


class WarningsRequest(Frozen):
    """`python -m engine warnings`'s input (POST /v1/warnings's body)."""

    history: UsageHistory
    whatif: WhatIf
    cycle_start_day: int = Field(default=1, ge=1, le=28, description="day of the month cycles start")
    price_book: PriceBook | None = None


def warnings_ahead(
    history: UsageHistory,
    book: PriceBook,
    whatif: WhatIf,
    today: dt.date,
    within_days: int | None = None,
    cycle_start_day: int = 1,
) -> Warnings:
    raise NotImplementedError


def parse_warnings_request(text: str) -> WarningsRequest:
    raise NotImplementedError


def warnings_json(request: WarningsRequest, today: dt.date, within_days: int | None) -> dict[str, Any]:
    raise NotImplementedError
