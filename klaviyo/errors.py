"""Typed API errors, each with a message a marketing manager can act on: the cause, then what to do.

Messages are written here, never copied from a request, so a key or token cannot end up in
one; Klaviyo's own `detail` text is added only after any secret is scrubbed from it. Parts that
come from the server (a segment id in a call's name, a field path, a `detail`) make the message
untrusted text: the page shows it through ui.safe.plain.
"""

from __future__ import annotations

from datetime import date


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
    """429 after every retry, or a wait (Retry-After, RateLimit-Reset) longer than the load has left."""

    def __init__(
        self, call: str, seconds: float | None, left: float | None = None, budget: float | None = None
    ) -> None:
        self.call, self.seconds = call, seconds
        if left is not None and budget is not None and seconds is not None:
            cause = (
                f"Klaviyo's rate limit ('too many requests') stopped {call}: Klaviyo asks to wait "
                f"{_duration(seconds)} before the next request, more than this load has left "
                f"({max(0.0, left):.0f} s of its {budget:.0f} s)."
            )
        else:
            wait = f" Klaviyo asked to wait {_duration(seconds)}." if seconds else ""
            cause = f"Klaviyo kept saying 'too many requests' (429) to {call} after several tries.{wait}"
        when = "after that time" if seconds else "in a minute"
        super().__init__(
            f"{cause} Nothing was loaded from this attempt. Try again {when}. Other tools "
            "using the same key share its limit (pause them, or wait); a key of another Klaviyo "
            "account has its own limit."
        )


class TimeBudgetError(KlaviyoError):
    """The load ran out of its total time: a server that hangs or sends its answer drop by drop."""

    def __init__(self, call: str, budget: float) -> None:
        self.call, self.budget = call, budget
        super().__init__(
            f"Klaviyo did not finish answering {call} within the {budget:.0f} s a load may take "
            "(it hung or sent its answer too slowly). Try again in a few minutes; status.klaviyo.com "
            "shows outages. If it keeps happening, upload the account-usage export instead."
        )


class ServerError(KlaviyoError):
    def __init__(self, status: int | str, call: str) -> None:
        super().__init__(
            f"Klaviyo's servers did not answer properly ({status}) to {call} after several tries. "
            "Try again in a few minutes; status.klaviyo.com shows outages."
        )


class UnexpectedAnswerError(KlaviyoError):
    """Any answer whose shape is not the one the API documents (wrong type, missing field...)."""

    def __init__(self, call: str, detail: str) -> None:
        self.call, self.detail = call, detail
        super().__init__(
            f"Klaviyo answered in an unexpected way to {call}: {detail}. Nothing was loaded from "
            "this attempt. Try again in a few minutes; if it persists, upload the account-usage "
            "export instead."
        )


class IncompleteDataError(KlaviyoError):
    """Series that do not cover every month asked for: loading them would show gaps as zeros."""

    def __init__(self, missing: dict[str, list[date]]) -> None:
        self.missing = missing
        parts = "; ".join(f"{series}: {month_ranges(months)}" for series, months in missing.items())
        super().__init__(
            f"Klaviyo's figures do not cover every month asked for ({parts}). Loading them would "
            "count those months as zero, so nothing was loaded. Pick a shorter range of history "
            "that leaves those months out, try again later, or upload the account-usage export "
            "instead."
        )


class BadRequestError(KlaviyoError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Klaviyo rejected the request (400): {detail}")


def month_ranges(months: list[date]) -> str:
    """'Jan 2026 to Mar 2026, May 2026': consecutive months folded into ranges."""
    runs: list[list[date]] = []
    for m in sorted(set(months)):
        last = runs[-1][-1] if runs else None
        if last and (m.year * 12 + m.month) - (last.year * 12 + last.month) == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(f"{r[0]:%b %Y}" if len(r) == 1 else f"{r[0]:%b %Y} to {r[-1]:%b %Y}" for r in runs)


def _duration(seconds: float) -> str:
    """'45 s', '60 minutes', '2 hours': the wait as a person reads it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"
