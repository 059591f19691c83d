"""OAuth 2.0 with PKCE end to end against the fake authorization server."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fake_klaviyo import CLIENT_ID, CLIENT_SECRET
from klaviyo import oauth
from klaviyo.client import Credential, KlaviyoClient
from klaviyo.errors import AuthError

REDIRECT = "http://127.0.0.1:8501/data"


def login(fake, http, pending):
    """The browser part: our authorize URL -> the fake approves -> redirect with code and state."""
    state, verifier = pending.start()
    url = oauth.authorize_url(
        CLIENT_ID, REDIRECT, state, verifier, base=fake.base_url + "/oauth/authorize"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] == [
        oauth.challenge(verifier)
    ]
    assert "usage:read" in query["scope"][0].split()
    redirect = http.get(url, follow_redirects=False)
    assert redirect.status_code == 302
    back = parse_qs(urlsplit(redirect.headers["Location"]).query)
    return back["code"][0], back["state"][0]


def test_verifier_and_challenge_follow_rfc_7636():
    v = oauth.new_verifier()
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", v)
    # RFC 7636 appendix B's example
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_login_exchange_use_refresh_and_revoke(fake):
    pending = oauth.PendingLogins()
    with httpx.Client(timeout=2) as http:
        code, state = login(fake, http, pending)
        verifier = pending.finish(state)
        tokens = oauth.exchange_code(
            http, CLIENT_ID, CLIENT_SECRET, code, verifier, REDIRECT, base=fake.base_url
        )
        client = KlaviyoClient(
            http, Credential.token(tokens.access_token.get_secret_value()), base_url=fake.base_url
        )
        assert client.account().name == "Sample Store Ltd"
        assert fake.requests[-1].headers["Authorization"].startswith("Bearer at_")

        assert not tokens.needs_refresh(now=tokens.expires_at - 3000)
        assert tokens.needs_refresh(now=tokens.expires_at - 60)  # refreshed before the hour runs out
        fresh = oauth.refresh(http, CLIENT_ID, CLIENT_SECRET, tokens, base=fake.base_url)
        assert fresh.access_token != tokens.access_token
        with pytest.raises(oauth.OAuthError, match="no longer accepts"):
            oauth.refresh(
                http, CLIENT_ID, CLIENT_SECRET, tokens, base=fake.base_url
            )  # refresh tokens are single-use

        oauth.revoke(http, CLIENT_ID, CLIENT_SECRET, fresh, base=fake.base_url)
        assert fresh.access_token.get_secret_value() in fake.revoked
        client.credential = Credential.token(fresh.access_token.get_secret_value())
        with pytest.raises(AuthError):
            client.account()


def test_a_state_we_did_not_issue_is_rejected(fake):
    pending = oauth.PendingLogins()
    with httpx.Client(timeout=2) as http:
        login(fake, http, pending)
    with pytest.raises(oauth.OAuthError, match="not one we started"):
        pending.finish("forged-state")


def test_a_state_is_good_once():
    pending = oauth.PendingLogins()
    state, verifier = pending.start()
    assert pending.finish(state) == verifier
    with pytest.raises(oauth.OAuthError, match="already used"):
        pending.finish(state)


def test_an_expired_verifier_is_rejected():
    clock = [1000.0]
    pending = oauth.PendingLogins(ttl=600, clock=lambda: clock[0])
    state, _ = pending.start()
    clock[0] += 601
    with pytest.raises(oauth.OAuthError, match="expired"):
        pending.finish(state)


def test_a_wrong_verifier_or_client_secret_is_refused(fake):
    pending = oauth.PendingLogins()
    with httpx.Client(timeout=2) as http:
        code, state = login(fake, http, pending)
        pending.finish(state)
        with pytest.raises(oauth.OAuthError, match="no longer accepts"):
            oauth.exchange_code(
                http, CLIENT_ID, CLIENT_SECRET, code, oauth.new_verifier(), REDIRECT, base=fake.base_url
            )
        code, state = login(fake, http, pending)
        with pytest.raises(oauth.OAuthError, match="client id or secret"):
            oauth.exchange_code(
                http, CLIENT_ID, "wrong", code, pending.finish(state), REDIRECT, base=fake.base_url
            )


def test_tokens_never_print():
    tokens = oauth.Tokens(
        access_token=oauth.SecretStr("at_secret"),
        refresh_token=oauth.SecretStr("rt_secret"),
        expires_at=0,
    )
    assert "secret" not in repr(tokens) and "secret" not in str(tokens)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, "<html>Maintenance</html>", "could not be read"),
        (200, '{"token_type": "Bearer"}', "could not be read"),
        (502, "<html>Bad gateway</html>", r"refused the login \(status 502\)"),
        (400, '{"detail": "no error field"}', r"refused the login \(status 400\)"),
    ],
)
def test_a_token_answer_that_is_not_a_token_says_what_to_do(status, body, message):
    """What Authlib hands back is read into our messages, whatever the login service answers."""
    answer = httpx.MockTransport(lambda request: httpx.Response(status, text=body))
    tokens = oauth.Tokens(oauth.SecretStr("at"), oauth.SecretStr("rt"), expires_at=0)
    with httpx.Client(transport=answer) as http:
        with pytest.raises(oauth.OAuthError, match=message):
            oauth.exchange_code(http, CLIENT_ID, CLIENT_SECRET, "c", oauth.new_verifier(), REDIRECT)
        with pytest.raises(oauth.OAuthError, match=message):
            oauth.refresh(http, CLIENT_ID, CLIENT_SECRET, tokens)


def test_a_login_service_that_does_not_answer_says_so():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as http,
        pytest.raises(oauth.OAuthError, match="did not answer"),
    ):
        oauth.exchange_code(http, CLIENT_ID, CLIENT_SECRET, "c", oauth.new_verifier(), REDIRECT)
