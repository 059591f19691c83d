"""The Klaviyo client against the fake server: every call, pagination, windows, every fault."""

from datetime import date

import httpx
import pytest

from fake_klaviyo import KEY
from ingest.klaviyo_api import load_usage
from klaviyo.client import Credential, KlaviyoClient
from klaviyo.errors import (
    AuthError,
    BlockedError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    ServerError,
    UnexpectedAnswerError,
)

TODAY = date(2026, 11, 23)


def test_account_checks_the_key_and_gives_the_timezone(client, fake):
    account = client.account()
    assert (account.name, account.timezone, account.currency) == (
        "Sample Store Ltd",
        "US/Eastern",
        "USD",
    )
    sent = fake.requests[-1].headers
    assert sent["revision"] == "2026-07-15" and sent["Accept"] == "application/vnd.api+json"
    assert sent["Authorization"] == f"Klaviyo-API-Key {KEY}"


def test_billing_usage_uses_the_ga_revision(client, fake):
    rows = {u.id: u for u in client.billing_usage()}
    assert rows["active_profiles"].usage_max == 27000 and rows["sms_credits"].unit == "credits"
    assert fake.requests[-1].headers["revision"] == "2026-10-15"


def test_billing_usage_falls_back_when_the_endpoint_is_missing_or_the_scope_is(client, fake):
    fake.billing_usage_available = False
    assert client.billing_usage() is None
    fake.billing_usage_available = True
    fake.scopes.discard("usage:read")
    assert client.billing_usage() is None


def test_metrics_follow_links_next_across_pages(client, fake):
    names = [m.name for m in client.metrics()]
    assert names == ["Received Email", "Bounced Email", "Received SMS", "Failed to Deliver SMS"]
    gets = [r for r in fake.requests if r.path == "/api/metrics"]
    assert len(gets) == 2 and gets[1].query == {"page[cursor]": "p2"}


def test_pagination_that_loops_stops_with_an_error(client, fake):
    fake.loop_pages = True
    with pytest.raises(UnexpectedAnswerError, match="repeat"):
        client.metrics()


def test_pagination_never_follows_a_link_to_another_host(fake):
    with httpx.Client(timeout=2) as http:
        c = KlaviyoClient(
            http, Credential.api_key(KEY), base_url=fake.base_url.replace("127.0.0.1", "localhost")
        )
        with pytest.raises(UnexpectedAnswerError, match="another host"):
            c.metrics()  # the fake's next link names 127.0.0.1, not localhost


def test_monthly_counts_are_split_into_windows_of_a_year(client, fake):
    counts = client.monthly_counts("RcvEm1", date(2025, 5, 1), date(2026, 11, 1), "US/Eastern")
    assert len(counts) == 18
    posts = [r for r in fake.requests if r.path == "/api/metric-aggregates"]
    assert len(posts) == 2
    assert posts[0].body["data"]["attributes"]["filter"] == [
        "greater-or-equal(datetime,2025-05-01T00:00:00)",
        "less-than(datetime,2026-05-01T00:00:00)",
    ]
    assert posts[1].headers["Content-Type"] == "application/vnd.api+json"
    assert counts[date(2025, 11, 1)] == round(277101 * 0.98)


def test_months_are_read_in_the_accounts_timezone():
    """A bucket that starts at local midnight in Berlin is 23:00 UTC the day before."""
    from datetime import datetime

    from klaviyo.client import _local_month

    berlin = datetime.fromisoformat("2026-10-31T23:00:00+00:00")
    assert _local_month(berlin, "Europe/Berlin") == date(2026, 11, 1)
    assert _local_month(datetime.fromisoformat("2026-11-01T04:00:00+00:00"), "US/Eastern") == date(
        2026, 11, 1
    )


def test_segments_count_and_monthly_members(client, fake):
    assert [s.id for s in client.segments()] == ["SgAct1", "SgSms1"]
    assert client.segment_profile_count("SgAct1") == 26469
    members = client.segment_monthly_members("SgAct1", date(2025, 11, 1), date(2026, 11, 1))
    assert members[date(2026, 10, 1)] == 26469 and len(members) == 12
    assert (
        len([r for r in fake.requests if r.path == "/api/segment-series-reports"]) == 2
    )  # 11 + 1 months


def test_load_usage_gives_the_same_history_as_the_csv(client):
    from ingest.usage_csv import read_usage_file
    from tests.app.conftest import ROOT

    steps: list[str] = []
    loaded, plans = load_usage(client, "SgAct1", months=12, today=TODAY, progress=steps.append)
    csv_months = read_usage_file(ROOT / "data" / "sample" / "usage.csv").history.months[-12:]
    assert loaded.history.months == tuple(csv_months)
    assert (plans.email_plan_profiles, plans.sms_plan_credits) == (27000, 7500)
    assert loaded.source == "Klaviyo: Sample Store Ltd"
    assert steps[0] == "Checking the key and reading the account" and len(steps) == 8


def test_a_wrong_key_is_401_and_says_so(fake):
    with httpx.Client(timeout=2) as http:
        c = KlaviyoClient(http, Credential.api_key("pk_wrong"), base_url=fake.base_url)
        with pytest.raises(AuthError, match="did not accept the key"):
            c.account()


def test_a_missing_scope_is_named(client, fake):
    fake.scopes.discard("metrics:read")
    with pytest.raises(ScopeError) as caught:
        client.metrics()
    assert caught.value.scope == "metrics:read" and "'metrics:read' scope" in str(caught.value)


def test_an_unknown_segment_is_404(client):
    with pytest.raises(NotFoundError, match="the segment"):
        client.segment_profile_count("NoSuch")


def test_429_waits_for_retry_after_then_succeeds(client, fake, slept):
    fake.faults = ["429", "429"]
    assert client.account().name == "Sample Store Ltd"
    assert slept == [1.0, 1.0]


def test_429_after_every_retry_is_a_rate_limit_error(client, fake, slept):
    fake.faults = ["429"] * 5
    with pytest.raises(RateLimitError, match="too many requests"):
        client.account()
    assert len(slept) == 4


def test_5xx_is_retried_with_backoff_then_reported(client, fake, slept):
    fake.faults = ["503", "503"]
    assert client.account()
    assert slept == [0.5, 1.0]
    fake.faults = ["503"] * 5
    with pytest.raises(ServerError, match="503"):
        client.account()


def test_a_slow_reply_times_out_and_is_retried(fake, slept):
    fake.slow_seconds = 1.0
    fake.faults = ["slow"]
    with httpx.Client(timeout=0.3) as http:
        c = KlaviyoClient(http, Credential.api_key(KEY), base_url=fake.base_url, sleep=slept.append)
        assert c.account().name == "Sample Store Ltd"
    assert slept == [0.5]


def test_html_and_bad_json_are_typed_errors(client, fake):
    fake.faults = ["html"]
    with pytest.raises(UnexpectedAnswerError, match="web page"):
        client.account()
    fake.faults = ["html403"]
    with pytest.raises(BlockedError, match="firewall"):
        client.account()
    fake.faults = ["badjson"]
    with pytest.raises(UnexpectedAnswerError, match="broken JSON"):
        client.account()


def test_rate_limit_headers_pace_the_next_request():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            200, json={"data": [{"type": "account", "id": "A", "attributes": {"timezone": "UTC"}}]},
            headers={"content-type": "application/vnd.api+json", "RateLimit-Remaining": "0", "RateLimit-Reset": "7"},
        )  # fmt: skip

    slept: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        c = KlaviyoClient(http, Credential.api_key("pk_x"), sleep=slept.append)
        c.account()
        c.account()
    assert slept == [7.0]


def test_a_partial_load_is_an_error_not_a_short_history(client, fake):
    fake.faults = [None] * 6 + ["503"] * 5  # the SMS counts fail after the email counts worked
    with pytest.raises(ServerError):
        load_usage(client, "SgAct1", today=TODAY)
