"""A small Klaviyo API client over an httpx.Client passed in from outside.

Every request sends the `revision` header and JSON:API media types. Faults are handled here,
once (the retry loop is tenacity's): 429 waits for Retry-After; 5xx, timeouts and dropped
connections are retried a bounded number of times with exponential backoff; when RateLimit-Remaining reaches 0 the next request
waits RateLimit-Reset seconds. Pagination follows `links.next`, stays on the API host and scheme
(the key is never sent elsewhere), and stops with an error if a page repeats or there are too many.

A client has one time budget (DEFAULT_BUDGET, from when it is made: make one per user action).
httpx's timeouts count per operation, so a server that drips its answer never trips them
(encode/httpx#1450); here every request runs under the budget's deadline, its body is read in
chunks against it, and a wait the budget cannot hold (Retry-After: 3600) ends the load at once.
Every answer is validated against the slice of it that is read (klaviyo.models): any other shape
is an UnexpectedAnswerError naming the call, never a KeyError.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import tenacity
from pydantic import BaseModel, SecretStr, ValidationError

from engine.history import add_months
from klaviyo.errors import (
    AuthError,
    BadRequestError,
    BlockedError,
    KlaviyoError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    ServerError,
    TimeBudgetError,
    UnexpectedAnswerError,
)
from klaviyo.models import (
    Account,
    AccountAttributes,
    Aggregate,
    BillingUsage,
    BillingUsageAttributes,
    Metric,
    MetricAttributes,
    One,
    Page,
    Segment,
    SegmentAttributes,
    SegmentCountAttributes,
    SeriesReport,
)

BASE_URL = "https://a.klaviyo.com"
REVISION = "2026-07-15"
BILLING_REVISIONS = ("2026-10-15", "2026-07-15.pre")  # GA first, then the beta (docs/klaviyo-api.md 3.2)
JSONAPI = "application/vnd.api+json"
RETRY_STATUSES = {500, 502, 503, 504, 524}
DEFAULT_BUDGET = 75.0  # seconds for one user action (a load is ~15 calls), waits and retries included
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # far above any answer the app asks for
READ_SCOPES = (
    "accounts:read",
    "metrics:read",
    "segments:read",
    "lists:read",
    "profiles:read",
    "usage:read",
)
M = TypeVar("M", bound=BaseModel)


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
        budget: float = DEFAULT_BUDGET,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.http, self.credential = http, credential
        self.base_url = base_url.rstrip("/")
        self.revision, self.max_retries, self.max_pages = revision, max_retries, max_pages
        self.budget, self.sleep, self.clock = budget, sleep, clock
        self.deadline = clock() + budget
        self._wait_before_next = 0.0
        self.requests_made = 0

    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self.deadline - self.clock()

    # ------------------------------------------------------------ transport

    def _scrub(self, text: str) -> str:
        return text.replace(self.credential.secret.get_secret_value(), "******")

    def _within_budget(self, state: tenacity.RetryCallState) -> None:
        """Before a retry's wait: end now, with the attempt's own error, if the budget cannot
        hold the wait (Retry-After: 3600 is never slept)."""
        seconds = state.upcoming_sleep
        if seconds > self.remaining():
            raise state.outcome.exception().cut(seconds) from None

    def _pause(self, seconds: float, otherwise: KlaviyoError) -> None:
        """Sleep `seconds` if the budget holds them; else end now with `otherwise`."""
        if seconds > self.remaining():
            raise otherwise
        self.sleep(seconds)

    def request(
        self,
        method: str,
        path: str,
        *,
        call: str,
        what: str,
        scope: str,
        params: dict | None = None,
        body: dict | None = None,
        revision: str | None = None,
    ) -> dict:
        """One API call with retries, within the budget; the parsed JSON:API body or a KlaviyoError.

        `call` names the operation for messages ("query-metric-aggregates for Received Email"),
        `what` is the thing read ("the segment"), `scope` the key's scope it needs. The retry
        policy is tenacity's: up to `max_retries` more attempts of what `_attempt` marks as
        `_Retry`, waiting Retry-After where the server gives one, else backing off 0.5, 1, 2, 4,
        8 s; the budget check runs before each wait."""
        headers = {
            "revision": revision or self.revision,
            "Accept": JSONAPI,
            "Authorization": self.credential.header(),
        }
        if body is not None:
            headers["Content-Type"] = JSONAPI
        url = path if "://" in path else self.base_url + path  # absolute: a checked next link
        content = None if body is None else json.dumps(body)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=_retry_after_or(tenacity.wait_exponential(multiplier=0.5, max=8.0)),
            retry=tenacity.retry_if_exception_type(_Retry),
            before_sleep=self._within_budget,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, params, headers, content, call, (what, scope))
        except _Retry as e:  # no attempt left
            raise e.final from None

    def _attempt(
        self, method: str, url: str, params: dict | None, headers: dict, content: str | None,
        call: str, read: tuple[str, str],
    ) -> dict:  # fmt: skip
        """One attempt: the parsed body, a KlaviyoError, or a _Retry for a fault worth retrying
        (429, a 5xx of RETRY_STATUSES, no answer)."""
        if self._wait_before_next:
            wait, self._wait_before_next = self._wait_before_next, 0.0
            self._pause(wait, RateLimitError(call, wait, self.remaining(), self.budget))
        try:
            self.requests_made += 1
            status, answer_headers, raw = self._exchange(method, url, params, headers, content, call)
        except httpx.DecodingError:
            raise UnexpectedAnswerError(call, "an answer that could not be decompressed") from None
        except httpx.TransportError:  # timeouts included
            if self.remaining() <= 0:
                raise TimeBudgetError(call, self.budget) from None
            raise _Retry(
                ServerError("no answer in time", call), lambda _: TimeBudgetError(call, self.budget)
            ) from None
        if status == 429:
            retry_after = _leading_number(answer_headers.get("Retry-After"))
            raise _Retry(
                RateLimitError(call, retry_after),
                lambda wait: RateLimitError(call, wait, self.remaining(), self.budget),
                retry_after,
            )
        if status in RETRY_STATUSES:
            raise _Retry(ServerError(status, call), lambda _: ServerError(status, call))
        if _leading_number(answer_headers.get("RateLimit-Remaining")) == 0:
            self._wait_before_next = _leading_number(answer_headers.get("RateLimit-Reset")) or 1.0
        return self._parse(status, answer_headers, raw, call, *read)

    def _exchange(
        self, method: str, url: str, params: dict | None, headers: dict, content: str | None, call: str
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request under the deadline: the caller waits at most the time left, whatever the
        server does (hangs, drips headers or body). The worker thread it leaves behind then ends
        by itself: each read waits at most the time left, a dripped body stops at its next chunk,
        and dripped headers fail at their next byte once the caller closes its httpx.Client."""
        left = self.remaining()
        if left <= 0:
            raise TimeBudgetError(call, self.budget)
        per = self.http.timeout
        timeout = httpx.Timeout(
            connect=_clamp(per.connect, left), read=_clamp(per.read, left),
            write=_clamp(per.write, left), pool=_clamp(per.pool, left),
        )  # fmt: skip
        outcome: list = []
        done = threading.Event()

        def work() -> None:
            try:
                with self.http.stream(
                    method, url, params=params, headers=headers, content=content, timeout=timeout
                ) as response:
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        if self.clock() > self.deadline:
                            raise TimeBudgetError(call, self.budget)
                        size += len(chunk)
                        if size > MAX_ANSWER_BYTES:
                            raise UnexpectedAnswerError(call, "an answer of more than 8 MB")
                        chunks.append(chunk)
                    outcome.append((response.status_code, response.headers, b"".join(chunks)))
            except Exception as e:  # handed to the caller below
                outcome.append(e)
            finally:
                done.set()

        threading.Thread(target=work, name="klaviyo-request", daemon=True).start()
        if not done.wait(left):
            raise TimeBudgetError(call, self.budget)
        if isinstance(outcome[0], Exception):
            raise outcome[0]
        return outcome[0]

    def _parse(
        self, status: int, headers: httpx.Headers, raw: bytes, call: str, what: str, scope: str
    ) -> dict:
        is_json = "json" in headers.get("content-type", "")
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
                with contextlib.suppress(ValueError, KeyError, IndexError, TypeError, RecursionError):
                    detail = str(json.loads(raw)["errors"][0]["detail"])[:500]
            raise BadRequestError(self._scrub(detail))
        if not is_json:
            raise UnexpectedAnswerError(call, "a web page instead of data")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise UnexpectedAnswerError(call, "broken JSON") from None
        if not isinstance(data, dict) or "data" not in data:
            raise UnexpectedAnswerError(call, "no data")
        return data

    def _next_link(self, link: str | None, call: str) -> str | None:
        """A next-page link, only if it stays on the API's scheme, host and /api/ path."""
        if not link:
            return None
        try:
            parts, base = urlsplit(link), urlsplit(self.base_url)
            same = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
        except ValueError:
            same = False
        if not same or not parts.path.startswith("/api/"):
            raise UnexpectedAnswerError(
                call, "a next-page link to another host or scheme (the key is never sent there)"
            )
        return link

    def pages(
        self, path: str, *, call: str, what: str, scope: str, params: dict | None = None
    ) -> Iterator[dict]:
        """Every resource of a list (as checked dicts), following links.next; never loops."""
        seen: set[str] = set()
        url: str | None = path
        for _ in range(self.max_pages):
            body = self.request(
                "GET", url, call=call, what=what, scope=scope, params=params if url == path else None
            )
            page = _read(Page, body, call)
            yield from (r.model_dump() for r in page.data)
            url = self._next_link(page.links.next if page.links else None, call)
            if not url:
                return
            if url in seen:
                raise UnexpectedAnswerError(call, "pages that repeat")
            seen.add(url)
        raise UnexpectedAnswerError(call, f"more than {self.max_pages} pages")

    # ------------------------------------------------------------ calls

    def account(self) -> Account:
        """The account the key belongs to: checks the credential, gives the timezone."""
        call = "get-accounts"
        page = _read(Page, self.request("GET", "/api/accounts", call=call, what="the account",
                                        scope="accounts:read"), call)  # fmt: skip
        if not page.data:
            raise UnexpectedAnswerError(call, "no account")
        a = page.data[0]
        attrs = _read(AccountAttributes, a.attributes, call, "data.0.attributes")
        name = attrs.contact_information.organization_name if attrs.contact_information else None
        return Account(
            id=a.id, name=name or a.id, timezone=attrs.timezone, currency=attrs.preferred_currency
        )

    def billing_usage(self) -> list[BillingUsage] | None:
        """Current-period use and caps; None where the endpoint is not available to the key."""
        call = "get-billing-usage"
        for revision in BILLING_REVISIONS:
            try:
                body = self.request(
                    "GET", "/api/billing-usage", call=call, what="billing usage",
                    scope="usage:read", revision=revision,
                )  # fmt: skip
            except (ScopeError, NotFoundError):
                return None
            except BadRequestError:
                continue  # this revision is not known to the server: try the next one
            rows = _read(Page, body, call).data
            return [
                BillingUsage(
                    id=r.id,
                    **_read(
                        BillingUsageAttributes, r.attributes, call, f"data.{i}.attributes"
                    ).model_dump(),
                )
                for i, r in enumerate(rows)
            ]
        return None

    def listing(
        self, path: str, call: str, what: str, scope: str, params: dict, attributes: type[M]
    ) -> Iterator[tuple[str, M]]:
        """Every (id, checked attributes) of a paginated list."""
        for i, item in enumerate(self.pages(path, call=call, what=what, scope=scope, params=params)):
            yield item["id"], _read(attributes, item["attributes"], call, f"data.{i}.attributes")

    def metrics(self) -> list[Metric]:
        """Klaviyo's own metrics (Received Email, Received SMS, ...)."""
        return [
            Metric(id=id_, name=a.name, integration_name=a.integration.name if a.integration else None)
            for id_, a in self.listing(
                "/api/metrics",
                "get-metrics",
                "metrics",
                "metrics:read",
                {"filter": "equals(integration.name,'Klaviyo')"},
                MetricAttributes,
            )
        ]

    def monthly_counts(
        self, metric_id: str, first: date, end: date, timezone: str, name: str | None = None
    ) -> dict[date, int]:
        """Events per calendar month from `first` (a month start) up to `end` (exclusive), in
        windows of at most one year, as the API allows (docs/klaviyo-api.md 3.4).

        Only months the answer gives a figure for are returned: a month past the end of a short
        count list, with no rows, or with a null, is absent (never a zero); load_usage refuses
        the load then."""
        call = f"query-metric-aggregates for {name or metric_id}"
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
            answer = self.request(
                "POST",
                "/api/metric-aggregates",
                call=call,
                what="monthly message counts",
                scope="metrics:read",
                body=body,
            )
            attrs = _read(Aggregate, answer, call).data.attributes
            months = [_local_month(d, timezone) for d in attrs.dates]
            _no_repeats(months, call)
            for i, month in enumerate(months):
                values = [r.measurements.count[i] for r in attrs.data if i < len(r.measurements.count)]
                if (
                    start <= month < stop
                    and attrs.data
                    and len(values) == len(attrs.data)
                    and None not in values
                ):
                    out[month] = round(sum(values))
        return out

    def segments(self) -> list[Segment]:
        return [
            Segment(id=id_, name=a.name)
            for id_, a in self.listing(
                "/api/segments",
                "get-segments",
                "segments",
                "segments:read",
                {"fields[segment]": "name,is_active"},
                SegmentAttributes,
            )
        ]

    def segment_profile_count(self, segment_id: str) -> int:
        call = f"get-segment {segment_id}"
        body = self.request(
            "GET", f"/api/segments/{segment_id}", call=call, what="the segment", scope="segments:read",
            params={"additional-fields[segment]": "profile_count"},
        )  # fmt: skip
        return _read(SegmentCountAttributes, _read(One, body, call).data.attributes, call,
                     "data.attributes").profile_count  # fmt: skip

    def segment_monthly_members(self, segment_id: str, first: date, end: date) -> dict[date, int]:
        """The segment's size per month (segment series report, windows of 11 months so that
        each stays under the 52-week limit of the monthly interval). As in monthly_counts, a
        month without a figure is absent, never zero."""
        call = f"query-segment-series for segment {segment_id}"
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
            answer = self.request(
                "POST",
                "/api/segment-series-reports",
                call=call,
                what="the segment's history",
                scope="segments:read",
                body=body,
            )
            attrs = _read(SeriesReport, answer, call).data.attributes
            series = next(
                (
                    r.statistics.total_members
                    for r in attrs.results
                    if r.groupings.get("segment_id") == segment_id
                ),
                None,
            )
            if series is None:
                raise UnexpectedAnswerError(call, "no series for this segment")
            months = [date(d.year, d.month, 1) for d in attrs.date_times]
            _no_repeats(months, call)
            for month, value in zip(months, series, strict=False):  # a short series: months missing
                if start <= month < stop and value is not None:
                    out[month] = round(value)
        return out


class _Retry(Exception):
    """A fault worth another attempt. `final` is raised when no attempt is left, `cut(wait)`
    when the budget cannot hold the wait; `wait` is the server's Retry-After, if it gave one."""

    def __init__(
        self, final: KlaviyoError, cut: Callable[[float], KlaviyoError], wait: float | None = None
    ):
        super().__init__(str(final))
        self.final, self.cut, self.wait = final, cut, wait


def _retry_after_or(backoff: tenacity.wait.wait_base) -> Callable[[tenacity.RetryCallState], float]:
    """tenacity's wait: the Retry-After the failed attempt was given, else the backoff."""

    def wait(state: tenacity.RetryCallState) -> float:
        asked = state.outcome.exception().wait
        return asked if asked is not None else backoff(state)

    return wait


def _read(model: type[M], value: object, call: str, where: str = "") -> M:
    """`value` as `model`, or an UnexpectedAnswerError naming the call and the first bad field."""
    try:
        return model.model_validate(value)
    except ValidationError as e:
        first = e.errors(include_url=False, include_input=False)[0]
        path = ".".join(str(p)[:40] for p in (where, *first["loc"]) if p != "")
        raise UnexpectedAnswerError(call, f"{path or 'the answer'}: {first['msg']}") from None


def _no_repeats(months: list[date], call: str) -> None:
    if len(set(months)) != len(months):
        raise UnexpectedAnswerError(call, "the same month twice")


def _clamp(seconds: float | None, left: float) -> float:
    return left if seconds is None else min(seconds, left)


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


def _local_month(moment: datetime, timezone: str) -> date:
    """A bucket start (UTC) as the calendar month it starts in the account's timezone."""
    try:
        moment = moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        moment = moment + timedelta(hours=12)  # local midnight is within 12 h of UTC midnight
    return date(moment.year, moment.month, 1)


__all__ = ["READ_SCOPES", "Credential", "KlaviyoClient", "KlaviyoError"]
