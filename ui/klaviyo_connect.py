"""The Data page's "Connect Klaviyo" source: a private key or OAuth, a segment, a load.

Where secrets live: the key or the OAuth tokens are kept only in this user's session state
(SecretStr, so they print as ******), never in a cache shared between users, the URL, a log, a
download or a message. The one thing kept server-side across the OAuth redirect is the PKCE
verifier, keyed by a random state, for ten minutes and one use (klaviyo.oauth.PendingLogins).
The API host comes from KLAVIYO_BASE_URL or st.secrets (tests point it at a fake on 127.0.0.1).

Errors: each user action (check the key, load) runs on a fresh client with its own time budget
(CHECK_BUDGET, klaviyo.client.DEFAULT_BUDGET), so a hanging or rate-limited Klaviyo ends it with a
message instead of a frozen page. Messages carry text from the server (a field path, a detail),
so they are shown through ui.safe.plain; what was loaded before stays loaded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import streamlit as st

from ingest.klaviyo_api import load_usage
from klaviyo import oauth
from klaviyo.client import BASE_URL, DEFAULT_BUDGET, READ_SCOPES, Credential, KlaviyoClient
from klaviyo.errors import KlaviyoError
from ui import inputs, state
from ui.safe import plain

CREDENTIAL = "klaviyo_credential"  # Credential | oauth.Tokens: this session only
SEGMENTS = "klaviyo_segments"  # list[Segment] once the key is checked
ACCOUNT = "klaviyo_account"
KEY_INPUT = "klaviyo_key_input"
CHECK_BUDGET = 30.0  # seconds for checking the key and listing segments (two or three calls)
PER_READ_TIMEOUT = 15.0  # httpx's per-operation timeout; the budget bounds the whole action
MESSAGE_LIMIT = 2000  # characters of an error message shown (the longest lists missing months)
log = logging.getLogger(__name__)


def _secrets() -> dict:
    try:
        return dict(st.secrets.get("klaviyo", {}))
    except Exception:  # no secrets file at all raises; that just means no OAuth here
        return {}


def base_url() -> str:
    return os.environ.get("KLAVIYO_BASE_URL") or _secrets().get("base_url") or BASE_URL


def oauth_settings() -> dict | None:
    s = _secrets()
    needed = ("client_id", "client_secret", "redirect_uri")
    return s if all(s.get(k) for k in needed) else None


@st.cache_resource
def pending_logins() -> oauth.PendingLogins:
    """Shared by all sessions on purpose: it holds PKCE verifiers keyed by random states, no tokens."""
    return oauth.PendingLogins()


def _credential(http: httpx.Client) -> Credential | None:
    held = st.session_state.get(CREDENTIAL)
    if isinstance(held, oauth.Tokens):
        settings = oauth_settings()
        if held.needs_refresh() and settings:
            held = oauth.refresh(
                http, settings["client_id"], settings["client_secret"], held, base=base_url()
            )
            st.session_state[CREDENTIAL] = held
        return Credential.token(held.access_token.get_secret_value())
    return held


@contextmanager
def _connected(budget: float) -> Iterator[KlaviyoClient]:
    """A client on this session's credential (refreshing an OAuth token first if due), whose
    calls share one time budget of `budget` seconds."""
    with httpx.Client(timeout=PER_READ_TIMEOUT) as http:
        yield KlaviyoClient(http, _credential(http), base_url=base_url(), budget=budget)


def _show_error(error: Exception, after: str) -> None:
    """The error's cause and what to do, as text (never Markdown, never a traceback)."""
    if isinstance(error, KlaviyoError | oauth.OAuthError):
        text = str(error)
    else:  # a bug of ours: say so plainly, keep the details for the server log (no secrets there)
        log.error("Klaviyo action failed unexpectedly", exc_info=error)
        text = "Something went wrong while talking to Klaviyo. Try again; if it persists, upload the account-usage export instead."
    st.error(f"{plain(text, MESSAGE_LIMIT)} {after}", icon=":material/error:")


def forget() -> None:
    """Disconnect: revoke OAuth tokens where we can, and drop everything we held."""
    held = st.session_state.get(CREDENTIAL)
    settings = oauth_settings()
    if isinstance(held, oauth.Tokens) and settings:
        try:
            with httpx.Client(timeout=10) as http:
                oauth.revoke(
                    http, settings["client_id"], settings["client_secret"], held, base=base_url()
                )
        except oauth.OAuthError:
            pass  # forgetting locally still happens
    for key in (CREDENTIAL, SEGMENTS, ACCOUNT, KEY_INPUT):
        st.session_state.pop(key, None)


def finish_oauth_redirect() -> None:
    """Back from Klaviyo with ?code=&state= (on any page: the frame calls this): exchange the
    code for tokens, then take code and state out of the URL."""
    params = st.query_params
    settings = oauth_settings()
    if not settings or "code" not in params or "state" not in params:
        return
    code, returned_state = params["code"], params["state"]
    del st.query_params["code"]  # the code must not stay in the address bar or a copied link
    del st.query_params["state"]
    try:
        verifier = pending_logins().finish(returned_state)
        with httpx.Client(timeout=15) as http:
            tokens = oauth.exchange_code(
                http, settings["client_id"], settings["client_secret"], code, verifier,
                settings["redirect_uri"], base=base_url(),
            )  # fmt: skip
    except oauth.OAuthError as e:
        st.error(str(e), icon=":material/error:")
        return
    st.session_state[CREDENTIAL] = tokens
    if _check_and_list_segments():
        state.flash("success", "Signed in with Klaviyo: pick a segment on the Data page and load.")


def _check_and_list_segments() -> bool:
    try:
        with _connected(budget=CHECK_BUDGET) as client:
            st.session_state[ACCOUNT] = client.account().name
            st.session_state[SEGMENTS] = client.segments()
    except Exception as e:  # every failure becomes a message (see _show_error)
        st.session_state.pop(CREDENTIAL, None)
        _show_error(e, "Nothing was loaded.")
        return False
    return True


def connect_section() -> None:
    """Draw the Connect Klaviyo part of the Data page."""
    st.markdown("##### Connect Klaviyo")
    if st.session_state.get(CREDENTIAL) is None:
        st.caption(
            "Read-only: the app needs a private API key with these read scopes: "
            + ", ".join(f"`{s}`" for s in READ_SCOPES)
            + ". In Klaviyo: Settings → API keys → Create private API key → Read-only. The key stays "
            "in this browser tab's session and is forgotten when you disconnect or close the tab."
        )
        key = st.text_input("Private API key", type="password", key=KEY_INPUT, placeholder="pk_...")
        if st.button("Connect", key="klaviyo_connect"):
            if not key.strip():
                st.warning("Paste your private API key first.")
            else:
                st.session_state[CREDENTIAL] = Credential.api_key(key)
                if _check_and_list_segments():
                    st.rerun()
        settings = oauth_settings()
        if settings:
            login_state, verifier = pending_logins().start()
            url = oauth.authorize_url(
                settings["client_id"], settings["redirect_uri"], login_state, verifier,
                base=settings.get("authorize_url", oauth.AUTHORIZE_URL),
            )  # fmt: skip
            st.link_button("Or sign in with Klaviyo", url)
        return

    account = plain(st.session_state.get(ACCOUNT, "Klaviyo"))  # the account's name comes from Klaviyo
    st.success(f"Connected to **{account}**.", icon=":material/link:")
    segments = st.session_state.get(SEGMENTS) or []
    if not segments:
        st.warning(
            "The account has no segments. Create one of the profiles you can email, then reconnect."
        )
    else:
        names = {s.id: s.name for s in segments}
        segment = st.selectbox(
            "Segment whose size is your active profiles", list(names), format_func=names.get,
            key="klaviyo_segment",
            help="Pick the segment of profiles Klaviyo bills you for (everyone you can email).",
        )  # fmt: skip
        months = st.segmented_control(
            "Months of history", [12, 24], default=12, key="klaviyo_months", required=True
        )
        if st.button("Load usage from Klaviyo", key="klaviyo_load", type="primary"):
            _load(segment, months)
    if st.button("Disconnect and forget the key", key="klaviyo_forget"):
        forget()
        state.flash("info", "Disconnected: the key is forgotten.")
        st.rerun()


def _load(segment_id: str, months: int) -> None:
    with st.status("Loading from Klaviyo…", expanded=True) as status:
        try:
            with _connected(budget=DEFAULT_BUDGET) as client:
                loaded, plans = load_usage(
                    client, segment_id, months=months, progress=lambda step: status.write(plain(step))
                )
        except Exception as e:  # every failure becomes a message (see _show_error)
            status.update(label="Loading failed", state="error")
            _show_error(e, "Your previous data is still loaded.")
            return
        status.update(label=f"Loaded {len(loaded.history.months)} months", state="complete")
    state.set_usage(loaded)
    inputs.preset(  # today's plans, where the book's ladders have them
        loaded.history, state.book(), email_plan_profiles=plans.email_plan_profiles,
        sms_plan_credits=plans.sms_plan_credits,
    )  # fmt: skip
    state.flash(
        "success",
        plain(
            f"Loaded {loaded.source}: {len(loaded.history.months)} months. " + " ".join(loaded.notes),
            MESSAGE_LIMIT,
        ),
    )
    st.rerun()
