"""The client against a misbehaving fake Klaviyo (issue 8, item 11): long rate-limit waits, a
server that hangs or drips, answers of the wrong shape, and series with gaps. Each ends in one
typed error that names the call and says what to do, within the load's time budget."""

import math
import time
from datetime import date

import httpx
import pytest

from engine.history import add_months
from engine.models import MAX_SENDS
from fake_klaviyo import KEY
from fake_klaviyo.server import METRICS
from ingest.klaviyo_api import load_usage
from klaviyo.client import Credential, KlaviyoClient
from klaviyo.errors import (
    IncompleteDataError,
    KlaviyoError,
    RateLimitError,
    ServerError,
    TimeBudgetError,
    UnexpectedAnswerError,
)

TODAY = date(2026, 11, 23)  # a 12-month load reads Nov 2025 to Oct 2026
BEFORE_AGGREGATES = [None] * 4  # account, billing usage, two pages of metrics


class FakeTime:
    """A clock that moves only when the client sleeps: waits are counted, never slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def timed(fake):
    """A client with a 60 s budget on a fake clock."""
    t = FakeTime()
    with httpx.Client(timeout=2.0) as http:
        c = KlaviyoClient(
            http, Credential.api_key(KEY), base_url=fake.base_url, budget=60,
            sleep=t.sleep, clock=t.clock,
        )  # fmt: skip
        yield c, t


# ---------------------------------------------------------------- rate limits


def test_retry_after_an_hour_ends_the_load_at_once(timed, fake):
    client, t = timed
    fake.faults = [*BEFORE_AGGREGATES, "429-hour"]
    with pytest.raises(RateLimitError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    message = str(caught.value)
    assert "query-metric-aggregates for Received Email" in message
    assert "asks to wait 60 minutes" in message and "60 s" in message
    assert (
        "Try again after that time" in message and "another Klaviyo account has its own limit" in message
    )
    assert t.slept == []  # not one second of the hour was slept
    assert fake.requests[-1].status == 429  # and nothing was asked after it


def test_a_rate_limit_reset_an_hour_away_ends_the_load_before_the_next_request(timed, fake):
    client, t = timed
    fake.faults = ["reset-hour"]  # the account answers, with no requests left for an hour
    with pytest.raises(RateLimitError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    assert "get-billing-usage" in str(caught.value) and "60 minutes" in str(caught.value)
    assert t.slept == [] and len(fake.requests) == 1


def test_waits_that_fit_are_taken_and_the_one_that_does_not_ends_the_load(timed, fake):
    client, t = timed
    fake.retry_after = "25"
    fake.faults = ["429"] * 5
    with pytest.raises(RateLimitError, match="asks to wait 25 s") as caught:
        client.account()
    assert t.slept == [25.0, 25.0]  # the third 25 s wait would pass the 60 s budget
    assert sum(t.slept) <= client.budget
    assert "get-accounts" in str(caught.value) and "(10 s of its 60 s)" in str(caught.value)


def test_short_waits_within_the_budget_still_retry_to_success(timed, fake):
    client, t = timed
    fake.faults = ["429", "429"]
    assert client.account().name == "Sample Store Ltd"
    assert t.slept == [1.0, 1.0]


# ---------------------------------------------------------------- hangs and drips (real time)


@pytest.mark.parametrize("fault", ["hang", "drip", "drip-headers"])
def test_a_server_that_hangs_or_drips_ends_within_the_budget(fake, fault):
    """httpx's timeouts are per read: 0.05 s between bytes never trips a 30 s read timeout.
    The budget does: a 1 s budget ends the load well under 3 s (the bound is generous)."""
    fake.faults = [fault]
    fake.drip_seconds = 0.05  # a full answer would take 30 s or more
    with httpx.Client(timeout=30) as http:
        client = KlaviyoClient(http, Credential.api_key(KEY), base_url=fake.base_url, budget=1.0)
        started = time.monotonic()
        with pytest.raises(TimeBudgetError) as caught:
            load_usage(client, "SgAct1", today=TODAY)
        took = time.monotonic() - started
    message = str(caught.value)
    assert "get-accounts" in message and "within the 1 s a load may take" in message
    assert "Try again in a few minutes" in message and "upload the account-usage export" in message
    assert took < 3.0
    assert len(fake.requests) == 1  # no retry was started once the budget was spent


def test_a_drip_would_outlast_the_budget_many_times_over(fake):
    """The drip case is real: the account answer is long enough to take ≥ 30 s at 0.05 s a byte."""
    fake.faults = []
    with httpx.Client(timeout=2) as http:
        answer = http.get(
            fake.base_url + "/api/accounts",
            headers={"Authorization": f"Klaviyo-API-Key {KEY}", "revision": "2026-07-15",
                     "Accept": "application/vnd.api+json"},
        )  # fmt: skip
    assert len(answer.content) * 0.05 >= 30


# ---------------------------------------------------------------- answers of the wrong shape


@pytest.mark.parametrize(
    ("route", "shape", "call"),
    [
        ("/api/accounts", "data-string", "get-accounts"),
        ("/api/accounts", "data-null", "get-accounts"),
        ("/api/accounts", "no-id", "get-accounts"),
        ("/api/accounts", "no-attributes", "get-accounts"),
        ("/api/billing-usage", "no-attributes", "get-billing-usage"),
        ("/api/metrics", "no-id", "get-metrics"),
        ("/api/metrics", "next-not-string", "get-metrics"),
        ("/api/metrics", "next-odd-scheme", "get-metrics"),
        ("/api/metrics", "next-other-host", "get-metrics"),
        ("/api/metric-aggregates", "data-null", "query-metric-aggregates for Received Email"),
        ("/api/metric-aggregates", "no-dates", "query-metric-aggregates for Received Email"),
        ("/api/metric-aggregates", "nan-counts", "query-metric-aggregates for Received Email"),
        ("/api/metric-aggregates RcvSm1", "string-counts", "query-metric-aggregates for Received SMS"),
        ("/api/segment-series-reports", "no-dates", "query-segment-series for segment SgAct1"),
        ("/api/segment-series-reports", "string-counts", "query-segment-series for segment SgAct1"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_one_typed_error_naming_the_call(
    client, fake, route, shape, call
):
    fake.hostile = {route: shape}
    with pytest.raises(UnexpectedAnswerError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    message = str(caught.value)
    assert message.startswith(f"Klaviyo answered in an unexpected way to {call}: ")
    assert "upload the account-usage export instead" in message and KEY not in message
    assert caught.value.call == call


def test_a_next_link_elsewhere_is_never_followed(client, fake):
    for shape in ("next-odd-scheme", "next-other-host"):
        fake.hostile, fake.requests = {"/api/metrics": shape}, []
        with pytest.raises(UnexpectedAnswerError, match="another host or scheme"):
            client.metrics()
        assert len(fake.requests) == 1  # the first page only


def test_the_segment_count_answer_is_checked_too(client, fake):
    fake.hostile = {"/api/segments/SgAct1": "data-string"}
    with pytest.raises(UnexpectedAnswerError, match="to get-segment SgAct1: data"):
        client.segment_profile_count("SgAct1")


def test_json_nan_is_not_a_number_the_client_accepts(client, fake):
    """Python's json reads NaN; the count models refuse it (checked on the raw answer here)."""
    fake.hostile = {"/api/metric-aggregates": "nan-counts"}
    with pytest.raises(UnexpectedAnswerError, match="finite number"):
        client.monthly_counts("RcvEm1", date(2025, 11, 1), date(2026, 11, 1), "US/Eastern")
    sent = fake.requests[-1].response["data"]["attributes"]["data"][0]["measurements"]["count"]
    assert math.isnan(sent[0])


# ---------------------------------------------------------------- partial data


@pytest.mark.parametrize(
    ("route", "shape", "missing"),
    [
        ("/api/metric-aggregates", "short-counts", {key: ["2026-09", "2026-10"] for key in METRICS.values()}),
        ("/api/metric-aggregates", "empty-rows", None),  # every metric, every month
        ("/api/metric-aggregates RcvSm1", "null-counts", {"Received SMS": ["2026-10"]}),
        ("/api/metric-aggregates FldSm1", "short-counts", {"Failed to Deliver SMS": ["2026-09", "2026-10"]}),
        ("/api/segment-series-reports", "short-counts", {"the segment's size": ["2026-08", "2026-09", "2026-10"]}),
        ("/api/segment-series-reports", "null-counts", {"the segment's size": ["2026-09", "2026-10"]}),
    ],
)  # fmt: skip
def test_series_that_miss_months_are_refused_not_read_as_zero(client, fake, route, shape, missing):
    fake.hostile = {route: shape}
    with pytest.raises(IncompleteDataError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    got = {k: [f"{m:%Y-%m}" for m in v] for k, v in caught.value.missing.items()}
    if missing is None:
        every = [f"{add_months(date(2025, 11, 1), i):%Y-%m}" for i in range(12)]
        missing = {name: every for name in METRICS.values()}
    assert got == missing
    message = str(caught.value)
    assert "do not cover every month asked for" in message and "nothing was loaded" in message
    assert "Pick a shorter range of history" in message and "upload the account-usage export" in message


def test_the_missing_months_are_listed_as_ranges(client, fake):
    fake.hostile = {"/api/metric-aggregates RcvSm1": "short-counts"}
    with pytest.raises(IncompleteDataError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    assert "(Received SMS: Sep 2026 to Oct 2026)" in str(caught.value)


def test_an_email_only_store_without_sms_metrics_still_loads(client, fake):
    """No SMS metric at all is not a gap: the store never sent SMS."""
    fake.metric_names = {k: v for k, v in METRICS.items() if "Email" in v}
    loaded, _ = load_usage(client, "SgAct1", today=TODAY)
    assert len(loaded.history.months) == 12
    assert all(m.sms_credits == 0 for m in loaded.history.months)


def test_every_hostile_error_is_a_klaviyo_error_without_the_key(client, fake):
    """The UI catches KlaviyoError: nothing above escapes as a KeyError or TypeError."""
    for shape in ("data-string", "data-null", "no-attributes", "no-dates", "string-counts",
                  "nan-counts", "null-counts", "short-counts", "empty-rows"):  # fmt: skip
        fake.hostile = {"/api/metric-aggregates": shape}
        with pytest.raises(KlaviyoError) as caught:
            load_usage(client, "SgAct1", today=TODAY)
        assert KEY not in str(caught.value)


def test_a_backoff_the_budget_cannot_hold_ends_with_the_server_error(fake):
    t = FakeTime()
    fake.faults = ["503"] * 5
    with httpx.Client(timeout=2.0) as http:
        client = KlaviyoClient(
            http, Credential.api_key(KEY), base_url=fake.base_url, budget=1.0,
            sleep=t.sleep, clock=t.clock,
        )  # fmt: skip
        with pytest.raises(ServerError, match=r"did not answer properly \(503\) to get-accounts"):
            client.account()
    assert t.slept == [0.5]  # the next backoff (1 s) would pass the budget: no sleep, no request
    assert len(fake.requests) == 2


def test_counts_beyond_the_engines_bounds_are_an_unexpected_answer_naming_the_month(client, fake):
    """A count the engine would refuse is Klaviyo's odd answer, named, never a ValidationError."""
    months = fake.history.months
    huge = months[-2].model_copy(update={"email_sends": MAX_SENDS + 1})  # no validation: like a server
    fake.history = fake.history.model_copy(update={"months": (*months[:-2], huge, months[-1])})
    with pytest.raises(UnexpectedAnswerError) as caught:
        load_usage(client, "SgAct1", today=TODAY)
    assert f"{MAX_SENDS + 1:,} emails in {huge.month:%b %Y}" in str(caught.value)
