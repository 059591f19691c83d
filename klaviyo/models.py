"""The few JSON:API resources the app reads, as pydantic models that ignore unknown fields."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Account(Loose):
    id: str
    name: str
    timezone: str
    currency: str | None = None


class BillingUsage(Loose):
    """One metered product for the current period (beta/GA 2026 endpoint)."""

    id: str
    usage_used: float
    usage_max: int
    unit: str
    period_start: datetime | None = None
    period_end: datetime | None = None


class Metric(Loose):
    id: str
    name: str
    integration_name: str | None = None


class Segment(Loose):
    id: str
    name: str
