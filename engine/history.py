"""Usage history: what every source of usage (ingest/) returns and the growth model reads.

Pure data, no I/O: the months of actual usage (`UsageHistory`), the calendar-month helpers they
are counted in, and `LoadedUsage`, a history with where it came from and what the reader noted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from pydantic import Field, model_validator

from engine.models import MAX_HORIZON, Credits, Frozen, Price, Profiles, Sends, UsageCycle


def add_months(month: date, n: int) -> date:
    """The first day of the month n months after `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def day_label(day: date) -> str:
    """A day as the pages and the engine's sentences write it: '1 Dec 2026'."""
    return f"{day.day} {day:%b %Y}"


class HistoryMonth(Frozen):
    """One billing month of actual usage."""

    month: date = Field(description="the first day of the month")
    active_profiles: Profiles
    email_sends: Sends
    sms_credits: Credits
    invoice_usd: Price | None = Field(
        default=None, description="what Klaviyo billed for this month, when known (the replay)"
    )

    @property
    def usage(self) -> UsageCycle:
        """The month as one cycle of usage (the replay bills the history itself)."""
        return UsageCycle(
            active_profiles=self.active_profiles,
            email_sends=self.email_sends,
            sms_credits=self.sms_credits,
        )


class UsageHistory(Frozen):
    """Consecutive months of usage, oldest first: at least one, at most 36."""

    months: tuple[HistoryMonth, ...] = Field(min_length=1, max_length=MAX_HORIZON)

    @model_validator(mode="after")
    def _consecutive(self) -> UsageHistory:
        for before, after in pairwise(self.months):
            if after.month != add_months(before.month, 1):
                raise ValueError(
                    f"months: {after.month:%Y-%m} does not follow {before.month:%Y-%m}; "
                    "the history must be consecutive months, oldest first, each once"
                )
        return self

    @property
    def last(self) -> HistoryMonth:
        return self.months[-1]


@dataclass(frozen=True)
class LoadedUsage:
    """A history as a source delivered it: the same shape whatever the source (a CSV, the API)."""

    history: UsageHistory
    source: str
    mapping: dict[str, str]  # canonical column -> the file's header (empty when not a file)
    notes: list[str] = field(default_factory=list)
    is_sample: bool = False
    date_order: str | None = None  # "day-first"/"month-first" where a file's dates needed one
