"""A small Klaviyo API client over an httpx.Client passed in from outside.

Every request sends the `revision` header and JSON:API media types. Faults are handled here,
once: 429 waits for Retry-After; 5xx, timeouts and dropped connections are retried a bounded
number of times with exponential backoff; when RateLimit-Remaining reaches 0 the next request
waits RateLimit-Reset seconds. Pagination follows `links.next`, stays on the API host (the key
is never sent elsewhere), and stops with an error if a page repeats or there are too many.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import SecretStr

from engine.growth import add_months
from klaviyo.errors import (
    AuthError,
    BadRequestError,
    BadResponseError,
    BlockedError,
    KlaviyoError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    ServerError,
)
from klaviyo.models import Account, BillingUsage, Metric, Segment

BASE_URL = "https://a.klaviyo.com"
REVISION = "2026-07-15"
BILLING_REVISIONS = ("2026-10-15", "2026-07-15.pre")  # GA first, then the beta (docs/klaviyo-api.md 3.2)
JSONAPI = "application/vnd.api+json"
RETRY_STATUSES = {500, 502, 503, 504, 524}
READ_SCOPES = (
    "accounts:read",
    "metrics:read",
    "segments:read",
    "lists:read",
    "profiles:read",
    "usage:read",
)


@dataclass(frozen=True)
class Credential:
    """A private key (`Klaviyo-API-Key pk_...`) or an OAuth access token (`Bearer ...`)."""

    secret: SecretStr
    bearer: bool = False

    @classmethod
    def api_key(cls, key: str) -> Credential:
        return cls(SecretStr(key.strip()))

    @classmethod
    def token(cls, access_token: str) -> Credential:
        return cls(SecretStr(access_token), bearer=True)

    def header(self) -> str:
        value = self.secret.get_secret_value()
        return f"Bearer {value}" if self.bearer else f"Klaviyo-API-Key {value}"

    def __repr__(self) -> str:  # never the secret, whatever prints this
        return f"Credential({'token' if self.bearer else 'api key'}, ******)"


class KlaviyoClient:
    def __init__(
        self,
        http: httpx.Client,
        credential: Credential,
        base_url: str = BASE_URL,
        revision: str = REVISION,
        max_retries: int = 4,
        max_pages: int = 100,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.http, self.credential = http, credential
        self.base_url = base_url.rstrip("/")
        self.revision, self.max_retries, self.max_pages, self.sleep = (
            revision,
            max_retries,
            max_pages,
            sleep,
        )
        self._wait_before_next = 0.0
        self.requests_made = 0

    # ------------------------------------------------------------ transport

    def _scrub(self, text: str) -> str:
        return text.replace(self.credential.secret.get_secret_value(), "******")

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith("http"):
            if urlsplit(path_or_url).netloc != urlsplit(self.base_url).netloc:
                raise BadResponseError("a next-page link pointed to another host")
            return path_or_url
        return self.base_url + path_or_url

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        scope: str,
        params: dict | None = None,
        body: dict | None = None,
        revision: str | None = None,
    ) -> dict:
        """One API call with retries; returns the parsed JSON body or raises a KlaviyoError."""
        headers = {
            "revision": revision or self.revision,
            "Accept": JSONAPI,
            "Authorization": self.credential.header(),
        }
        if body is not None:
            headers["Content-Type"] = JSONAPI
        for attempt in range(self.max_retries + 1):
            if self._wait_before_next:
                self.sleep(self._wait_before_next)
                self._wait_before_next = 0.0
            try:
                self.requests_made += 1
                response = self.http.request(
                    method, self._url(path), params=params, headers=headers,
                    content=None if body is None else json.dumps(body),
                )  # fmt: skip
            except (httpx.TimeoutException, httpx.TransportError):
                if attempt == self.max_retries:
                    raise ServerError("no answer in time") from None
                self.sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if status == 429:
                retry_after = _leading_number(response.headers.get("Retry-After"))
                if attempt == self.max_retries:
                    raise RateLimitError(retry_after)
                self.sleep(retry_after if retry_after is not None else self._backoff(attempt))
                continue
            if status in RETRY_STATUSES:
                if attempt == self.max_retries:
                    raise ServerError(status)
                self.sleep(self._backoff(attempt))
                continue
            remaining = _leading_number(response.headers.get("RateLimit-Remaining"))
            if remaining == 0:
                self._wait_before_next = _leading_number(response.headers.get("RateLimit-Reset")) or 1.0
            return self._parse(response, what, scope)
        raise ServerError("no answer")  # not reached: the loop returns or raises

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(8.0, 0.5 * 2**attempt)

    def _parse(self, response: httpx.Response, what: str, scope: str) -> dict:
        status = response.status_code
        is_json = "json" in response.headers.get("content-type", "")
        if status == 401:
            raise AuthError()
        if status == 403:
            if not is_json:
                raise BlockedError()
            raise ScopeError(scope, what)
        if status == 404:
            raise NotFoundError(what)
        if status >= 400:
            detail = f"status {status}"
            if is_json:
                with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
                    detail = response.json()["errors"][0]["detail"]
            raise BadRequestError(self._scrub(str(detail)))
        if not is_json:
            raise BadResponseError(f"a web page instead of data for {what}")
        try:
            data = response.json()
        except ValueError:
            raise BadResponseError(f"broken JSON for {what}") from None
        if not isinstance(data, dict) or "data" not in data:
            raise BadResponseError(f"no data for {what}")
        return data

    def pages(self, path: str, *, what: str, scope: str, params: dict | None = None) -> Iterator[dict]:
        """Every resource of a list, following links.next; never loops."""
        seen: set[str] = set()
        url: str | None = path
        for _ in range(self.max_pages):
            page = self.request(
                "GET", url, what=what, scope=scope, params=params if url == path else None
            )
            yield from page["data"]
            url = (page.get("links") or {}).get("next")
            if not url:
                return
            if url in seen:
                raise BadResponseError(f"the pages of {what} repeat")
            seen.add(url)
        raise BadResponseError(f"more than {self.max_pages} pages of {what}")

    # ------------------------------------------------------------ calls

    def account(self) -> Account:
        """The account the key belongs to: checks the credential, gives the timezone."""
        data = self.request("GET", "/api/accounts", what="the account", scope="accounts:read")["data"]
        if not data:
            raise BadResponseError("no account")
        a = data[0]
        attrs = a.get("attributes", {})
        return Account(
            id=a["id"],
            name=(attrs.get("contact_information") or {}).get("organization_name") or a["id"],
            timezone=attrs.get("timezone") or "UTC",
            currency=attrs.get("preferred_currency"),
        )

    def billing_usage(self) -> list[BillingUsage] | None:
        """Current-period use and caps; None where the endpoint is not available to the key."""
        for revision in BILLING_REVISIONS:
            try:
                body = self.request(
                    "GET",
                    "/api/billing-usage",
                    what="billing usage",
                    scope="usage:read",
                    revision=revision,
                )
            except (ScopeError, NotFoundError):
                return None
            except BadRequestError:
                continue  # this revision is not known to the server: try the next one
            return [BillingUsage(id=r["id"], **r.get("attributes", {})) for r in body["data"]]
        return None

    def metrics(self) -> list[Metric]:
        """Klaviyo's own metrics (Received Email, Received SMS, ...)."""
        return [
            Metric(
                id=m["id"],
                name=m.get("attributes", {}).get("name", ""),
                integration_name=((m.get("attributes", {}).get("integration") or {}).get("name")),
            )
            for m in self.pages(
                "/api/metrics",
                what="metrics",
                scope="metrics:read",
                params={"filter": "equals(integration.name,'Klaviyo')"},
            )
        ]

    def monthly_counts(self, metric_id: str, first: date, end: date, timezone: str) -> dict[date, int]:
        """Events per calendar month from `first` (a month start) up to `end` (exclusive), in
        windows of at most one year, as the API allows (docs/klaviyo-api.md 3.4)."""
        out: dict[date, int] = {}
        for start, stop in _windows(first, end, 12):
            body = {
                "data": {
                    "type": "metric-aggregate",
                    "attributes": {
                        "metric_id": metric_id,
                        "measurements": ["count"],
                        "interval": "month",
                        "timezone": timezone,
                        "filter": [
                            f"greater-or-equal(datetime,{start.isoformat()}T00:00:00)",
                            f"less-than(datetime,{stop.isoformat()}T00:00:00)",
                        ],
                    },
                }
            }
            attrs = self.request(
                "POST",
                "/api/metric-aggregates",
                what="monthly message counts",
                scope="metrics:read",
                body=body,
            )["data"]["attributes"]
            months = [_local_month(d, timezone) for d in attrs["dates"]]
            for row in attrs.get("data", []):
                for month, value in zip(months, row["measurements"]["count"], strict=False):
                    out[month] = out.get(month, 0) + round(value or 0)
            for month in months:
                out.setdefault(month, 0)
        return out

    def segments(self) -> list[Segment]:
        return [
            Segment(id=s["id"], name=s.get("attributes", {}).get("name", s["id"]))
            for s in self.pages(
                "/api/segments",
                what="segments",
                scope="segments:read",
                params={"fields[segment]": "name,is_active"},
            )
        ]

    def segment_profile_count(self, segment_id: str) -> int:
        body = self.request(
            "GET", f"/api/segments/{segment_id}", what="the segment", scope="segments:read",
            params={"additional-fields[segment]": "profile_count"},
        )  # fmt: skip
        return int(body["data"]["attributes"]["profile_count"])

    def segment_monthly_members(self, segment_id: str, first: date, end: date) -> dict[date, int]:
        """The segment's size per month (segment series report, windows of 11 months so that
        each stays under the 52-week limit of the monthly interval)."""
        out: dict[date, int] = {}
        for start, stop in _windows(first, end, 11):
            body = {
                "data": {
                    "type": "segment-series-report",
                    "attributes": {
                        "statistics": ["total_members"],
                        "timeframe": {"start": f"{start.isoformat()}T00:00:00+00:00",
                                      "end": f"{stop.isoformat()}T00:00:00+00:00"},
                        "interval": "monthly",
                        "filter": f'equals(segment_id,"{segment_id}")',
                    },
                }
            }  # fmt: skip
            attrs = self.request(
                "POST",
                "/api/segment-series-reports",
                what="the segment's history",
                scope="segments:read",
                body=body,
            )["data"]["attributes"]
            series = next(
                (r["statistics"]["total_members"] for r in attrs.get("results", [])
                 if r.get("groupings", {}).get("segment_id") == segment_id),
                None,
            )  # fmt: skip
            if series is None:
                raise BadResponseError("no history for this segment")
            for when, value in zip(attrs["date_times"], series, strict=False):
                d = datetime.fromisoformat(when).date()
                out[date(d.year, d.month, 1)] = int(value)
        return out


def _windows(first: date, end: date, months: int) -> Iterator[tuple[date, date]]:
    """[start, stop) spans of at most `months` months covering `first` up to `end`."""
    start = first
    while start < end:
        stop = min(add_months(start, months), end)
        yield start, stop
        start = stop


def _leading_number(value: str | None) -> float | None:
    """The first number of a header value (`1`, `150, 10;w=1`): formats vary."""
    if not value:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)", value)
    return float(m.group(1)) if m else None


def _local_month(stamp: str, timezone: str) -> date:
    """A bucket start (UTC) as the calendar month it starts in the account's timezone."""
    moment = datetime.fromisoformat(stamp)
    try:
        moment = moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        moment = moment + timedelta(hours=12)  # local midnight is within 12 h of UTC midnight
    return date(moment.year, moment.month, 1)


__all__ = ["READ_SCOPES", "Credential", "KlaviyoClient", "KlaviyoError"]
