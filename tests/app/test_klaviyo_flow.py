"""Connect Klaviyo through the Data page (AppTest) against the fake server, and where the key
must never go: logs, caches shared between users, the URL, downloads, messages."""

import logging
import pickle
import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from fake_klaviyo import KEY
from tests.app.conftest import ROOT
from ui import klaviyo_connect as kc


@pytest.fixture
def data_page(fake, monkeypatch) -> AppTest:
    monkeypatch.setenv("KLAVIYO_BASE_URL", fake.base_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


@pytest.fixture
def app_slept(monkeypatch) -> list[float]:
    """The waits the page's client asks for, recorded instead of slept."""
    from functools import partial

    from klaviyo.client import KlaviyoClient

    slept: list[float] = []
    monkeypatch.setattr(kc, "KlaviyoClient", partial(KlaviyoClient, sleep=slept.append))
    return slept


def shown(at: AppTest) -> str:
    """The error messages as a reader sees them: ui.safe.plain's backslash escapes removed."""
    return " ".join(re.sub(r"\\(.)", r"\1", e.value) for e in at.error)


def connect(at: AppTest, key: str = KEY) -> AppTest:
    at.text_input(key=kc.KEY_INPUT).input(key).run()
    at.button(key="klaviyo_connect").click().run()
    assert not at.exception
    return at


def test_connect_with_a_key_pick_a_segment_and_load(data_page, fake):
    at = connect(data_page)
    assert "Connected to **Sample Store Ltd**" in at.success[0].value
    assert at.selectbox(key="klaviyo_segment").options == [
        "Active profiles (can receive email)", "SMS subscribers",
    ]  # fmt: skip
    at.button(key="klaviyo_load").click().run()
    assert not at.exception
    assert at.session_state["usage"].source == "Klaviyo: Sample Store Ltd"
    assert len(at.session_state["usage"].history.months) == 12
    assert (
        "Your data" in at.sidebar.success[0].value
        and r"Klaviyo\: Sample Store Ltd" in at.sidebar.success[0].value  # through ui.safe.plain
    )
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    assert r"Running on **Klaviyo\: Sample Store Ltd**" in at.caption[0].value
    assert at.selectbox(key="email_plan").value == 27000  # from billing usage
    assert at.selectbox(key="sms_plan").value == 7500


def test_a_wrong_key_is_explained_and_nothing_is_kept(data_page):
    at = connect(data_page, "pk_not_a_real_key")
    assert "did not accept the key" in at.error[0].value
    assert kc.CREDENTIAL not in at.session_state
    assert at.session_state["usage"].is_sample


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (["503"] * 30, "did not answer properly"),
        (["429"] * 30, "too many requests"),
        (["badjson"] * 30, "answered in an unexpected way to get-accounts: broken JSON"),
    ],
)
def test_a_failed_load_keeps_the_previous_data(data_page, fake, faults, words, app_slept):
    at = connect(data_page)
    fake.faults = list(faults)
    at.button(key="klaviyo_load").click().run()
    assert not at.exception
    message = shown(at)
    assert words in message and "Your previous data is still loaded" in message
    assert at.session_state["usage"].is_sample


def test_a_missing_scope_names_it(data_page, fake):
    fake.scopes.discard("segments:read")
    at = connect(data_page)
    assert "'segments:read' scope" in shown(at)


def load_twelve_months(at: AppTest) -> AppTest:
    at.button(key="klaviyo_load").click().run()
    assert not at.exception and at.session_state["usage"].source == "Klaviyo: Sample Store Ltd"
    return at


def test_a_rate_limit_an_hour_long_says_so_and_keeps_the_loaded_data(data_page, fake, app_slept):
    at = load_twelve_months(connect(data_page))
    before = at.session_state["usage"]
    fake.faults = ["429-hour"]
    at.segmented_control(key="klaviyo_months").set_value(24).run()
    at.button(key="klaviyo_load").click().run()
    assert not at.exception
    message = shown(at)
    assert "rate limit ('too many requests') stopped get-accounts" in message
    assert "asks to wait 60 minutes" in message and "Try again after that time" in message
    assert "Your previous data is still loaded" in message
    assert "\\(" in at.error[0].value  # shown as text: the punctuation is escaped, not Markdown
    assert at.session_state["usage"] is before and len(before.history.months) == 12
    assert app_slept == []  # the page did not wait for the hour


def test_a_partial_answer_is_refused_with_the_missing_months_and_keeps_the_loaded_data(data_page, fake):
    from engine.history import add_months

    at = load_twelve_months(connect(data_page))
    before = at.session_state["usage"]
    fake.hostile = {"/api/metric-aggregates RcvSm1": "short-counts"}  # SMS stop two months early
    at.button(key="klaviyo_load").click().run()
    assert not at.exception
    this_month = date.today().replace(day=1)
    gap = f"Received SMS: {add_months(this_month, -2):%b %Y} to {add_months(this_month, -1):%b %Y}"
    message = shown(at)
    assert gap in message and "do not cover every month asked for" in message
    assert "Pick a shorter range of history" in message and "upload the account-usage export" in message
    assert "Your previous data is still loaded" in message
    assert at.session_state["usage"] is before


def test_an_unexpected_answer_names_the_call_as_text(data_page, fake):
    at = connect(data_page)
    fake.hostile = {"/api/metrics": "next-other-host"}
    at.button(key="klaviyo_load").click().run()
    assert not at.exception
    assert "answered in an unexpected way to get-metrics" in shown(at)
    assert at.session_state["usage"].is_sample


def test_an_account_name_from_klaviyo_is_shown_as_text(data_page, fake, monkeypatch):
    from klaviyo.models import Account

    def hostile_account(self):
        return Account(id="A", name="![x](http://collector.example/p.png)", timezone="UTC")

    monkeypatch.setattr("klaviyo.client.KlaviyoClient.account", hostile_account)
    at = connect(data_page)
    banner = at.success[0].value
    assert "\\!\\[x\\]\\(http" in banner and "![x](" not in banner


def test_disconnect_forgets_the_key(data_page):
    at = connect(data_page)
    at.button(key="klaviyo_forget").click().run()
    assert kc.CREDENTIAL not in at.session_state
    assert at.text_input(key=kc.KEY_INPUT).value in ("", None)  # the field is drawn again, empty
    assert any("the key is forgotten" in i.value for i in at.info)


# ---------------------------------------------------------------- where the key must never go


def all_cached_bytes() -> list[bytes]:
    """Every value in Streamlit's st.cache_data storage (shared between users unless scoped)."""
    from streamlit.runtime.caching import cache_data_api

    out = []
    for per_function in cache_data_api._data_caches._function_caches.values():
        for cache in per_function.values():
            mem = getattr(cache.storage, "_mem_cache", {})
            out.extend(bytes(v) for v in mem.values())
    return out


def test_the_key_is_in_no_log_cache_url_message_or_download(data_page, fake, caplog):
    caplog.set_level(logging.DEBUG)
    at = connect(data_page)
    at.button(key="klaviyo_load").click().run()
    at.switch_page("pages/explore.py").run()
    assert at.session_state["usage"].source == "Klaviyo: Sample Store Ltd"

    # logs, at every level, of every logger (httpx logs each request)
    assert caplog.records and KEY not in caplog.text
    # caches shared between users: there are cached values, and none holds the key
    cached = all_cached_bytes()
    assert cached and not any(KEY.encode() in b for b in cached)
    pending = kc.pending_logins()
    assert KEY not in pickle.dumps(pending._items).decode("latin-1")
    # the URL
    assert all(KEY not in str(v) for v in at.query_params.values())
    # anything drawn on the page, including messages
    page_text = " ".join(str(getattr(e, "value", "")) for e in at.main) + " ".join(
        str(getattr(e, "value", "")) for e in at.sidebar
    )
    assert KEY not in page_text
    # the downloads: the files the Explore page offers, built from the same session's data
    from engine.growth import fit, typical_sms_credits
    from engine.whatif import WhatIf, run_whatif
    from ui import report

    history = at.session_state["usage"].history
    run = run_whatif(history, at.session_state["price_book"], WhatIf(growth=fit(history).growth,
                                                                  sms_plan_credits=typical_sms_credits(history)))  # fmt: skip
    files = [
        report.safe_csv(report.comparison_frame(run.comparison, 12)),
        report.safe_csv(report.bills_frame(run.comparison, run.projection.labels)),
        report.scenario_download(run.scenario, at.session_state["price_book"]),
        report.request_download(
            history, WhatIf(growth=fit(history).growth), at.session_state["price_book"]
        ),
    ]
    assert all(KEY not in f for f in files)
    # the credential itself never prints
    held = at.session_state[kc.CREDENTIAL]
    assert KEY not in repr(held) and KEY not in str(held)


def test_no_error_message_carries_the_key(client, fake, monkeypatch):
    """Every fault's message, including a 400 whose detail would echo the key back."""
    from klaviyo.errors import KlaviyoError

    seen = []
    for faults in (["429"] * 5, ["503"] * 5, ["html"], ["html403"], ["badjson"]):
        fake.faults = list(faults)
        with pytest.raises(KlaviyoError) as caught:
            client.account()
        seen.append(str(caught.value))
    fake.scopes.discard("accounts:read")
    with pytest.raises(KlaviyoError) as caught:
        client.account()
    seen.append(str(caught.value))

    import httpx

    from klaviyo.client import Credential, KlaviyoClient

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"errors": [{"id": "1", "code": "invalid", "title": "Invalid",
                                                     "detail": f"bad header {request.headers['Authorization']}"}]},
                              headers={"content-type": "application/vnd.api+json"})  # fmt: skip

    with (
        httpx.Client(transport=httpx.MockTransport(echo)) as http,
        pytest.raises(KlaviyoError) as caught,
    ):
        KlaviyoClient(http, Credential.api_key(KEY)).account()
    seen.append(str(caught.value))
    assert "******" in seen[-1]
    assert len(seen) == 7 and not any(KEY in m for m in seen)


def test_sign_in_with_klaviyo_oauth_through_the_app(fake, monkeypatch):
    """The link carries PKCE and a state; the redirect back (a new session) finishes the login."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    from fake_klaviyo import CLIENT_ID, CLIENT_SECRET

    secrets = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": "http://127.0.0.1:8501/",
               "base_url": fake.base_url, "authorize_url": fake.base_url + "/oauth/authorize"}  # fmt: skip
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    first.secrets["klaviyo"] = secrets
    first.run()
    first.switch_page("pages/data.py").run()
    link = first.get("link_button")[0].proto.url
    assert parse_qs(urlsplit(link).query)["code_challenge_method"] == ["S256"]
    with httpx.Client() as http:
        back = parse_qs(urlsplit(http.get(link).headers["Location"]).query)

    forged = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    forged.secrets["klaviyo"] = secrets
    forged.query_params.update({"code": back["code"][0], "state": "not-ours"})
    forged.run()
    assert "not one we started" in forged.error[0].value and kc.CREDENTIAL not in forged.session_state

    returned = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    returned.secrets["klaviyo"] = secrets
    returned.query_params.update({"code": back["code"][0], "state": back["state"][0]})
    returned.run()
    assert not returned.exception
    assert isinstance(returned.session_state[kc.CREDENTIAL], kc.oauth.Tokens)
    returned.switch_page("pages/data.py").run()
    assert any("Connected to **Sample Store Ltd**" in s.value for s in returned.success)
    returned.button(key="klaviyo_load").click().run()
    assert returned.session_state["usage"].source == "Klaviyo: Sample Store Ltd"
    returned.button(key="klaviyo_forget").click().run()
    assert kc.CREDENTIAL not in returned.session_state
    assert fake.revoked  # disconnect revoked the tokens at Klaviyo
