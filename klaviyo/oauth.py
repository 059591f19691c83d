"""OAuth 2.0 authorization code with PKCE (S256), as Klaviyo runs it (docs/klaviyo-api.md 6).

The browser goes to the authorize URL on www.klaviyo.com; tokens are exchanged, refreshed and
revoked at a.klaviyo.com with the client id and secret as HTTP Basic auth. The PKCE verifier
must survive the redirect, which starts a new Streamlit session, so it is kept server-side in
`PendingLogins`, keyed by the random `state`, for a few minutes and for one use only; the
state in the redirect must match one we issued. Tokens are SecretStr: they print as ******.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from klaviyo.client import READ_SCOPES

AUTHORIZE_URL = "https://www.klaviyo.com/oauth/authorize"
TOKEN_BASE = "https://a.klaviyo.com"
VERIFIER_TTL = 600.0  # seconds the user has to approve the app at Klaviyo
REFRESH_MARGIN = 300.0  # refresh when less than this is left of the token's hour


class OAuthError(Exception):
    """A failed step of the login; the message says what to do."""


def new_verifier() -> str:
    """43-128 characters of [A-Za-z0-9-._~] (RFC 7636)."""
    return secrets.token_urlsafe(64)[:96]


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Tokens:
    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: float  # epoch seconds

    def needs_refresh(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.expires_at - REFRESH_MARGIN


class PendingLogins:
    """Verifiers waiting for their redirect: one use each, expiring after `ttl` seconds."""

    def __init__(self, ttl: float = VERIFIER_TTL, clock=time.time, max_entries: int = 1000):
        self.ttl, self.clock, self.max_entries = ttl, clock, max_entries
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, float]] = {}

    def start(self) -> tuple[str, str]:
        """A new (state, verifier) pair, remembered until used or expired."""
        state, verifier = secrets.token_urlsafe(24), new_verifier()
        with self._lock:
            now = self.clock()
            self._items = {s: v for s, v in self._items.items() if v[1] > now}
            if len(self._items) >= self.max_entries:
                self._items.pop(next(iter(self._items)))
            self._items[state] = (verifier, now + self.ttl)
        return state, verifier

    def finish(self, state: str) -> str:
        """The verifier for `state`, once; OAuthError if unknown, used or expired."""
        with self._lock:
            item = self._items.pop(state, None)
        if item is None:
            raise OAuthError("This login link is not one we started, or was already used. Start again.")
        verifier, expires = item
        if self.clock() > expires:
            raise OAuthError("The login took too long and expired. Start again.")
        return verifier


def authorize_url(
    client_id: str, redirect_uri: str, state: str, verifier: str, base: str = AUTHORIZE_URL
) -> str:
    return (
        base
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(READ_SCOPES),
                "state": state,
                "code_challenge_method": "S256",
                "code_challenge": challenge(verifier),
            }
        )
    )


def _token_call(
    http: httpx.Client, base: str, path: str, client_id: str, client_secret: str, form: dict
) -> dict:
    try:
        response = http.post(
            base.rstrip("/") + path, data=form, auth=(client_id, client_secret),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
    except httpx.HTTPError:
        raise OAuthError("Klaviyo's login service did not answer. Try again in a minute.") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        error = (
            body.get("error", f"status {response.status_code}") if isinstance(body, dict) else "error"
        )
        if error == "invalid_grant":
            raise OAuthError("Klaviyo no longer accepts this login (expired or revoked). Connect again.")
        if error == "invalid_client":
            raise OAuthError(
                "The app's Klaviyo client id or secret is wrong: tell whoever runs this app."
            )
        raise OAuthError(f"Klaviyo refused the login ({error}). Connect again.")
    return body


def _tokens(body: dict, now: float) -> Tokens:
    try:
        return Tokens(
            access_token=SecretStr(body["access_token"]),
            refresh_token=SecretStr(body["refresh_token"]),
            expires_at=now + float(body.get("expires_in", 3600)),
        )
    except (KeyError, TypeError, ValueError):
        raise OAuthError("Klaviyo's login answer could not be read. Connect again.") from None


def exchange_code(
    http: httpx.Client, client_id: str, client_secret: str, code: str, verifier: str, redirect_uri: str,
    base: str = TOKEN_BASE, now: float | None = None,
) -> Tokens:  # fmt: skip
    body = _token_call(http, base, "/oauth/token", client_id, client_secret, {
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": redirect_uri,
    })  # fmt: skip
    return _tokens(body, now if now is not None else time.time())


def refresh(
    http: httpx.Client, client_id: str, client_secret: str, tokens: Tokens, base: str = TOKEN_BASE,
    now: float | None = None,
) -> Tokens:  # fmt: skip
    body = _token_call(http, base, "/oauth/token", client_id, client_secret, {
        "grant_type": "refresh_token", "refresh_token": tokens.refresh_token.get_secret_value(),
    })  # fmt: skip
    return _tokens(body, now if now is not None else time.time())


def revoke(
    http: httpx.Client, client_id: str, client_secret: str, tokens: Tokens, base: str = TOKEN_BASE
) -> None:
    for token in (tokens.refresh_token, tokens.access_token):
        _token_call(
            http, base, "/oauth/revoke", client_id, client_secret, {"token": token.get_secret_value()}
        )
