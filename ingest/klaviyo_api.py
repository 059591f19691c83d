"""From a connected account to the canonical usage history (the same one a CSV upload makes).

Steps: the account (checks the key, gives the timezone); billing usage for today's plan caps
(optional: not every key or account has it); the ids of Klaviyo's own metrics; monthly counts
of emails and SMS; the chosen segment's monthly size as active profiles. Any failed step
raises, and every series must give a figure for every month asked for (IncompleteDataError
lists the gaps), so a partial load is never presented as a complete one; `progress` is told
each step. The whole load runs within the client's time budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from engine.history import HistoryMonth, LoadedUsage, UsageHistory, add_months
from engine.models import MAX_CREDITS, MAX_PROFILES, MAX_SENDS
from klaviyo.client import KlaviyoClient
from klaviyo.errors import IncompleteDataError, UnexpectedAnswerError
from klaviyo.models import BillingUsage

EMAIL_METRICS = ("Received Email", "Bounced Email")  # both count as sends (docs/klaviyo-api.md 3.4)
SMS_METRICS = ("Received SMS", "Failed to Deliver SMS")  # failed SMS still use credits


@dataclass(frozen=True)
class Plans:
    """Today's plan caps from billing usage, where available."""

    email_plan_profiles: int | None
    sms_plan_credits: int | None


def plans_from(usage: list[BillingUsage] | None) -> Plans:
    if not usage:
        return Plans(None, None)
    profiles = next((u.usage_max for u in usage if u.unit == "profiles" and "hub" not in u.id), None)
    credits = next((u.usage_max for u in usage if u.unit == "credits"), None)
    return Plans(profiles, credits)


def load_usage(
    client: KlaviyoClient,
    segment_id: str,
    months: int = 12,
    today: date | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> tuple[LoadedUsage, Plans]:
    """The last `months` complete months of usage, and today's plan caps where known."""
    today = today or date.today()
    end = date(today.year, today.month, 1)  # the current month is not complete: stop before it
    asked = [add_months(end, i - months) for i in range(months)]

    progress("Checking the key and reading the account")
    account = client.account()
    progress("Reading the plan's limits (billing usage)")
    plans = plans_from(client.billing_usage())
    progress("Finding the email and SMS metrics")
    ids = {m.name: m.id for m in client.metrics()}
    if "Received Email" not in ids:
        raise UnexpectedAnswerError("get-metrics", "the account has no 'Received Email' metric")
    series = _Series(client, ids, asked, account.timezone, progress)
    emails = series.counts(EMAIL_METRICS, "emails")
    sms = series.counts(SMS_METRICS, "SMS")
    progress("Reading the segment's size, month by month")
    profiles = client.segment_monthly_members(segment_id, asked[0], end)
    if gaps := [m for m in asked if m not in profiles]:
        series.missing["the segment's size"] = gaps
    if series.missing:
        raise IncompleteDataError(series.missing)

    rows = [_month(month, profiles[month], emails[month], sms[month]) for month in asked]
    notes = [
        f"Loaded from Klaviyo on {today:%d %b %Y}: {asked[0]:%b %Y} to {asked[-1]:%b %Y}.",
        "SMS credits counted as 1 per message sent (the US rate); other countries cost more.",
    ]
    if plans.email_plan_profiles is None:
        notes.append("Plan limits were not available to this key (usage:read): pick your plans by hand.")
    loaded = LoadedUsage(
        history=UsageHistory(months=rows), source=f"Klaviyo: {account.name}", mapping={}, notes=notes
    )
    return loaded, plans


@dataclass
class _Series:
    """Monthly metric counts over the months asked for, noting every month a metric lacks."""

    client: KlaviyoClient
    ids: dict[str, str]  # metric name -> id
    asked: list[date]
    timezone: str
    progress: Callable[[str], None]
    missing: dict[str, list[date]] = field(default_factory=dict)

    def counts(self, names: tuple[str, ...], label: str) -> dict[date, int]:
        """The sum of the named metrics per month; a metric the account lacks counts nothing
        (an email-only store has no SMS metrics), but one it has must cover every month."""
        first, end = self.asked[0], add_months(self.asked[-1], 1)
        total = dict.fromkeys(self.asked, 0)
        for name in names:
            if name in self.ids:
                self.progress(f"Counting {label}: {name}, {first:%b %Y} to {self.asked[-1]:%b %Y}")
                got = self.client.monthly_counts(self.ids[name], first, end, self.timezone, name=name)
                if gaps := [m for m in self.asked if m not in got]:
                    self.missing[name] = gaps
                for month in self.asked:
                    total[month] += got.get(month, 0)
        return total


def _month(month: date, profiles: int, emails: int, credits: int) -> HistoryMonth:
    """One month of history; counts beyond the engine's bounds are an unexpected answer, named."""
    for value, bound, what in (
        (profiles, MAX_PROFILES, "profiles in the segment"),
        (emails, MAX_SENDS, "emails"),
        (credits, MAX_CREDITS, "SMS credits"),
    ):
        if value > bound:
            raise UnexpectedAnswerError(
                "the monthly counts", f"{value:,} {what} in {month:%b %Y}, above {bound:,}"
            )
    return HistoryMonth(month=month, active_profiles=profiles, email_sends=emails, sms_credits=credits)
