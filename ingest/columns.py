"""Which column of a usage file is which: header synonyms, guesses by content, the mapping.

A header is matched case-insensitively against synonyms; a column whose cells are all dates is
taken as the month. When profiles or emails cannot be matched by name, `resolve_mapping` raises
`ColumnMappingNeeded` with the headers and our guesses by content; the app shows a mapping step
and reads the file again with the user's `mapping`.
"""

from __future__ import annotations

import re

from ingest.detect import read_date
from ingest.errors import UsageFileError

CANONICAL = ("month", "active_profiles", "email_sends", "sms_credits")
REQUIRED = ("month", "active_profiles", "email_sends")
LABELS = {
    "month": "Month",
    "active_profiles": "Active profiles",
    "email_sends": "Emails sent",
    "sms_credits": "SMS credits used",
    "sms_sent": "SMS messages sent",
    "invoice_usd": "Invoice (USD)",
}
SYNONYMS = {
    "month": [
        "month",
        "billing cycle start",
        "billing cycle start date",
        "usage cycle start",
        "billing cycle",
        "cycle start",
        "cycle start date",
        "billing period",
        "period",
        "period start",
        "start date",
        "date",
        "cycle",
    ],
    "active_profiles": [
        "active profiles",
        "active profile count",
        "billable profiles",
        "profiles",
        "active_profiles",
    ],
    "email_sends": [
        "email sends",
        "emails sent",
        "email sent",
        "emails",
        "email",
        "sends",
        "email_sends",
    ],
    "sms_credits": [
        "sms credits",
        "sms credits used",
        "credits used",
        "mobile messaging",
        "mobile credits",
        "mobile messaging credits",
        "credits",
        "sms_credits",
    ],
    "sms_sent": ["sms sent", "sms messages", "sms messages sent", "texts sent", "sms"],
    # What Klaviyo billed for the month (optional; the replay sets it against the engine). Whole
    # header names only, so "SMS billed" or "Emails billed" never match; each also with its unit.
    "invoice_usd": [
        *(
            f"{name}{unit}"
            for name in (
                "invoice",
                "invoice total",
                "invoice amount",
                "amount billed",
                "amount charged",
                "billed",
                "bill",
                "total billed",
                "total charged",
                "charged",
            )
            for unit in ("", " usd", " (usd)", " ($)", " in usd")
        ),
        "invoice_usd",
    ],
}


class ColumnMappingNeeded(UsageFileError):
    """The headers did not all match: the user picks which column is which."""

    def __init__(
        self,
        headers: list[str],
        guess: dict[str, str | None],
        missing: list[str] | None = None,
    ):
        """`guess` may hold proposals by content; `missing` are the keys no header named."""
        self.headers, self.guess = headers, guess
        self.missing = missing if missing is not None else [k for k in REQUIRED if not guess.get(k)]
        super().__init__(
            f"Could not tell which column holds: {', '.join(LABELS[k] for k in self.missing)}. "
            "Pick the matching column for each below."
        )

    def __reduce__(self):  # pickled between the parse process and the app, and by st.cache_data
        return (type(self), (self.headers, self.guess, self.missing))


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip(" ()")


def guess_mapping(headers: list[str], rows: list[list[str]] | None = None) -> dict[str, str | None]:
    """Our best guess of which header holds each canonical column (None = not found): by the
    header's name first, then by the content (the date-like column is the month; of two count
    columns the larger is the emails)."""
    normed = {normalise_header(h): h for h in headers if h}
    out: dict[str, str | None] = {}
    used: set[str] = set()
    for key, names in SYNONYMS.items():
        out[key] = None
        for name in names:
            hit = normed.get(normalise_header(name))
            if hit and hit not in used:
                out[key] = hit
                used.add(hit)
                break
    if rows:
        _guess_by_content(headers, rows, out, used)
    return out


def _guess_by_content(
    headers: list[str], rows: list[list[str]], out: dict[str, str | None], used: set[str]
) -> None:
    sample = rows[:50]
    free = [i for i, h in enumerate(headers) if h and h not in used]

    def column(i: int) -> list[str]:
        return [r[i] for r in sample if i < len(r) and r[i].strip()]

    if not out["month"]:
        dated = [i for i in free if (c := column(i)) and all(read_date(x) for x in c)]
        if len(dated) == 1:
            out["month"] = headers[dated[0]]
            used.add(headers[dated[0]])
            free.remove(dated[0])
    counts = []
    for i in free:
        cells = column(i)
        if cells and all(re.fullmatch(r"[\d.,  '\u00a0]{1,30}", x.strip()) for x in cells):
            digits = sorted(int(re.sub(r"\D", "", x) or 0) for x in cells)
            counts.append((digits[len(digits) // 2], headers[i]))
    counts.sort()
    if not out["active_profiles"] and not out["email_sends"] and len(counts) >= 2:
        out["active_profiles"], out["email_sends"] = counts[0][1], counts[-1][1]
    elif counts and (not out["active_profiles"] or not out["email_sends"]):
        key = "active_profiles" if not out["active_profiles"] else "email_sends"
        out[key] = counts[0][1] if key == "active_profiles" else counts[-1][1]


def resolve_mapping(
    headers: list[str], body: list[list[str]], mapping: dict[str, str] | None, notes: list[str]
) -> dict[str, str]:
    """The mapping to read with: the user's, or ours when every count matched by its header's
    name; otherwise a ColumnMappingNeeded question. A mapping naming no or the same column twice
    is refused, naming row 1."""
    if mapping is None:
        guess = guess_mapping(headers, body)
        by_name = guess_mapping(headers)
        if not all(by_name[k] for k in ("active_profiles", "email_sends")) or not guess["month"]:
            missing = [k for k in REQUIRED if not (guess[k] if k == "month" else by_name[k])]
            raise ColumnMappingNeeded(headers, guess, missing)
        if not by_name["month"]:
            notes.append(f"Took column {guess['month']!r} as the month: its cells are dates.")
        mapping = {
            k: v
            for k, v in guess.items()
            if v and (k == "month" or v == by_name[k])  # counts only by their header's name
        }
    mapping = {k: v for k, v in mapping.items() if v}
    if not all(mapping.get(k) for k in REQUIRED):
        guess = guess_mapping(headers, body)
        missing = [k for k in REQUIRED if not mapping.get(k)]
        raise ColumnMappingNeeded(headers, {**guess, **mapping}, missing)
    for key, header in mapping.items():
        if header not in headers:
            raise UsageFileError(f"Row 1: there is no column {header!r} for {LABELS.get(key, key)}.")
    if len(set(mapping.values())) != len(mapping):
        raise UsageFileError("Row 1: the same column was picked for two different things.")
    return mapping


def credits_column(mapping: dict[str, str], notes: list[str]) -> str | None:
    """The key SMS credits are read from: credits, else SMS sent at 1 credit each, else none."""
    if "sms_credits" in mapping:
        if "sms_sent" in mapping:
            notes.append(
                f"Used {mapping['sms_credits']!r} rather than {mapping['sms_sent']!r}: credits are "
                "what Klaviyo bills."
            )
        return "sms_credits"
    if "sms_sent" in mapping:
        notes.append("No SMS credits column: used SMS messages sent at 1 credit each (US rate).")
        return "sms_sent"
    notes.append("No SMS column: SMS credits taken as 0.")
    return None
