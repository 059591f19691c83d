"""OAuth 2.0 authorization code with PKCE (S256), as Klaviyo runs it (docs/klaviyo-api.md 6).

The protocol is Authlib's (`authlib.oauth2.client.OAuth2Client` over the httpx.Client passed in,
with HTTP Basic client auth): the S256 challenge, the authorize URL, the token, refresh and
revocation requests, the client id and secret in HTTP Basic auth. Kept here, by hand:

- `PendingLogins`: the PKCE verifier must survive the redirect, which starts a new Streamlit
  session, so it is kept server-side, keyed by the random `state`, for a few minutes and for one
  use only; the state in the redirect must match one we issued. (Authlib's own state store is
  its web-framework session, which a Streamlit redirect does not keep.)
- the reading of Klaviyo's answers into our messages (`_checked`), and `Tokens`, whose secrets
  are SecretStr: they print as ******.

The browser goes to the authorize URL on www.klaviyo.com; tokens are exchanged, refreshed and
revoked at a.klaviyo.com.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import httpx
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
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
    """The S256 code challenge of a verifier (RFC 7636 4.2)."""
    return create_s256_code_challenge(verifier)


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


class _Login(OAuth2Client):
    """Authlib's OAuth 2 protocol client on an httpx.Client we pass in (tests point it at the
    fake on 127.0.0.1). Every token call sends the client id and secret as HTTP Basic auth
    (`auth`), so Authlib's httpx integration (moving to httpx2) is not needed."""

    def __init__(self, http: httpx.Client | None, client_id: str, client_secret: str = "", **kw):
        super().__init__(http, client_id=client_id, code_challenge_method="S256", **kw)
        self.auth = (client_id, client_secret)
        for hook in ("access_token_response", "refresh_token_response"):
            self.register_compliance_hook(hook, _checked)


def authorize_url(
    client_id: str, redirect_uri: str, state: str, verifier: str, base: str = AUTHORIZE_URL
) -> str:
    url, _ = _Login(None, client_id, redirect_uri=redirect_uri).create_authorization_url(
        base, state=state, code_verifier=verifier, scope=" ".join(READ_SCOPES)
    )
    return url


def _checked(response: httpx.Response) -> httpx.Response:
    """The response if it is a 200, else an OAuthError saying what to do."""
    if response.status_code == 200:
        return response
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error", f"status {response.status_code}") if isinstance(body, dict) else "error"
    if error == "invalid_grant":
        raise OAuthError("Klaviyo no longer accepts this login (expired or revoked). Connect again.")
    if error == "invalid_client":
        raise OAuthError("The app's Klaviyo client id or secret is wrong: tell whoever runs this app.")
    raise OAuthError(f"Klaviyo refused the login ({error}). Connect again.")


def _answered(call):
    """Run a token call; a login service that did not answer is an OAuthError."""
    try:
        return call()
    except httpx.HTTPError:
        raise OAuthError("Klaviyo's login service did not answer. Try again in a minute.") from None
    except (OAuth2Error, ValueError):  # a 200 whose body is not a token (checked above otherwise)
        raise OAuthError("Klaviyo's login answer could not be read. Connect again.") from None


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
    login = _Login(http, client_id, client_secret, redirect_uri=redirect_uri)
    body = _answered(
        lambda: login.fetch_token(
            base.rstrip("/") + "/oauth/token",
            auth=login.auth,
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
        )
    )
    return _tokens(dict(body), now if now is not None else time.time())


def refresh(
    http: httpx.Client, client_id: str, client_secret: str, tokens: Tokens, base: str = TOKEN_BASE,
    now: float | None = None,
) -> Tokens:  # fmt: skip
    login = _Login(http, client_id, client_secret)
    body = _answered(
        lambda: login.refresh_token(
            base.rstrip("/") + "/oauth/token",
            auth=login.auth,
            refresh_token=tokens.refresh_token.get_secret_value(),
        )
    )
    return _tokens(dict(body), now if now is not None else time.time())


def revoke(
    http: httpx.Client, client_id: str, client_secret: str, tokens: Tokens, base: str = TOKEN_BASE
) -> None:
    login = _Login(http, client_id, client_secret)
    for token, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
        _checked(
            _answered(
                lambda t=token, h=hint: login.revoke_token(
                    base.rstrip("/") + "/oauth/revoke",
                    auth=login.auth,
                    token=t.get_secret_value(),
                    token_type_hint=h,
                )
            )
        )
