"""Typed API errors, each with a message a marketing manager can act on.

Messages are written here, never copied from a request, so a key or token cannot end up in
one; Klaviyo's own `detail` text is added only after any secret is scrubbed from it.
"""

from __future__ import annotations


class KlaviyoError(Exception):
    """Base: `str(error)` is the message to show."""


class AuthError(KlaviyoError):
    def __init__(self) -> None:
        super().__init__(
            "Klaviyo did not accept the key (401). Check you pasted a private API key (it starts "
            "with pk_) that has not been deleted, or connect again."
        )


class ScopeError(KlaviyoError):
    def __init__(self, scope: str, what: str) -> None:
        self.scope = scope
        super().__init__(
            f"The key may not read {what} (403): it lacks the '{scope}' scope. In Klaviyo, "
            f"Settings > API keys, create a read-only key that includes {scope}."
        )


class BlockedError(KlaviyoError):
    def __init__(self) -> None:
        super().__init__(
            "Klaviyo's firewall answered with a web page instead of data (403). Wait a few "
            "minutes and try again."
        )


class NotFoundError(KlaviyoError):
    def __init__(self, what: str) -> None:
        super().__init__(f"Klaviyo could not find {what} (404). It may have been deleted; pick another.")


class RateLimitError(KlaviyoError):
    def __init__(self, seconds: float | None) -> None:
        wait = f" Klaviyo asked to wait {seconds:.0f} s." if seconds else ""
        super().__init__(
            f"Klaviyo kept saying 'too many requests' (429) after several tries.{wait} Other tools "
            "using the same key share its limit: try again in a minute."
        )


class ServerError(KlaviyoError):
    def __init__(self, status: int | str) -> None:
        super().__init__(
            f"Klaviyo's servers did not answer properly ({status}) after several tries. "
            "Try again in a few minutes; status.klaviyo.com shows outages."
        )


class BadResponseError(KlaviyoError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"Klaviyo's answer could not be read ({what}). Try again; if it persists, load a CSV export instead."
        )


class BadRequestError(KlaviyoError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Klaviyo rejected the request (400): {detail}")
