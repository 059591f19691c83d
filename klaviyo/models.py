"""The JSON:API slices the app reads, as pydantic models that ignore unknown fields.

Two kinds: the resources the app keeps (Account, BillingUsage, Metric, Segment) and the response
slices the client validates before reading a single field (Page, AccountAttributes, Aggregate,
SeriesReport...). The slices are strict where a lax reading would hide a fault: a count must be a
JSON number (not "12", not NaN), an id a non-empty string, `links.next` a string. A count of null
is kept as None: that month has no figure, and the load refuses it rather than read it as zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr


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


# ---------------------------------------------------------------- response slices


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


Id = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Name = Annotated[StrictStr, Field(max_length=1000)]
# A count: a finite, non-negative JSON number; null means "no figure for this month".
Count = Annotated[float, Field(strict=True, ge=0, le=1e15, allow_inf_nan=False)] | None


class Links(Strict):
    next: StrictStr | None = None


class Resource(Strict):
    type: StrictStr
    id: Id
    attributes: dict


class Page(Strict):
    """A list answer: `data` a list of resources, perhaps a next-page link."""

    data: list[Resource]
    links: Links | None = None


class One(Strict):
    """A single-resource answer."""

    data: Resource


class ContactInformation(Strict):
    organization_name: Name | None = None


class AccountAttributes(Strict):
    timezone: Name
    contact_information: ContactInformation | None = None
    preferred_currency: Name | None = None


class BillingUsageAttributes(Strict):
    usage_used: Annotated[float, Field(allow_inf_nan=False)]
    usage_max: StrictInt
    unit: Name
    period_start: AwareDatetime | None = Field(None, strict=False)  # ISO strings, parsed
    period_end: AwareDatetime | None = Field(None, strict=False)


class Integration(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: StrictStr | None = None


class MetricAttributes(Strict):
    name: Name
    integration: Integration | None = None


class SegmentAttributes(Strict):
    name: Name


class SegmentCountAttributes(Strict):
    profile_count: Annotated[StrictInt, Field(ge=0)]


class Measurements(Strict):
    count: list[Count]


class AggregateRow(Strict):
    measurements: Measurements


class AggregateAttributes(Strict):
    """query-metric-aggregates: bucket starts, and per row a count aligned with them."""

    dates: list[Annotated[AwareDatetime, Field(strict=False)]]
    data: list[AggregateRow]


class AggregateResource(Strict):
    attributes: AggregateAttributes


class Aggregate(Strict):
    data: AggregateResource


class SeriesStatistics(Strict):
    total_members: list[Count]


class SeriesResult(Strict):
    groupings: dict
    statistics: SeriesStatistics


class SeriesAttributes(Strict):
    date_times: list[Annotated[AwareDatetime, Field(strict=False)]]
    results: list[SeriesResult]


class SeriesResource(Strict):
    attributes: SeriesAttributes


class SeriesReport(Strict):
    data: SeriesResource
