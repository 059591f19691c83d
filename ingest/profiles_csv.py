"""Count profiles in a Klaviyo list or segment export (one row per profile).

Active profiles are the rows Klaviyo could email: an email address, and not unsubscribed or
suppressed. Where the export has an email consent column, the never-subscribed profiles
(checkout/cart profiles that count since 18 Feb 2025) are counted too: they are what the
clean-up slider would suppress.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.columns import normalise_header
from ingest.detect import (
    MAX_CELL_CHARS,
    column_name,
    decode,
    detect_delimiter,
    normalise_newlines,
    shown,
)
from ingest.errors import UsageFileError

MAX_BYTES = 50 * 1024 * 1024
MAX_PROFILE_CELL = 10_000  # a profile property can be long text; far longer is not an export
NOT_ACTIVE = {"UNSUBSCRIBED", "SUPPRESSED", "BOUNCED", "SPAM_COMPLAINT"}
NEVER = {"NEVER_SUBSCRIBED", "NEVER SUBSCRIBED"}


@dataclass(frozen=True)
class ProfileCount:
    source: str
    rows: int
    active: int
    never_subscribed: int | None  # None when the export has no consent column
    consent_column: str | None

    @property
    def never_subscribed_pct(self) -> float | None:
        if self.never_subscribed is None or not self.active:
            return None
        return 100 * self.never_subscribed / self.active


def count_profiles(data: bytes, source: str) -> ProfileCount:
    """Count the rows and the active profiles of a list or segment export."""
    reader, headers = _open(data)
    email_i, consent_i = _columns(headers)
    rows = active = never = 0
    for cells in _records(reader, headers):
        rows += 1
        if email_i >= len(cells) or not cells[email_i].strip():
            continue
        consent = (
            cells[consent_i].strip().upper() if consent_i is not None and consent_i < len(cells) else ""
        )
        if consent in NOT_ACTIVE:
            continue
        active += 1
        if consent in NEVER:
            never += 1
    if rows == 0:
        raise UsageFileError("The export has a header but no profiles.")
    return ProfileCount(
        source=source,
        rows=rows,
        active=active,
        never_subscribed=never if consent_i is not None else None,
        consent_column=headers[consent_i] if consent_i is not None else None,
    )


def _open(data: bytes) -> tuple[Iterator[list[str]], list[str]]:
    """A CSV reader past the header, and the header, of a file within MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise UsageFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit for a profile export is "
            f"{MAX_BYTES // 1024 // 1024} MB. Export a segment, or count it in Klaviyo."
        )
    text, _ = decode(data)
    text, _ = normalise_newlines(text)
    reader = csv.reader(io.StringIO(text), delimiter=detect_delimiter(text, allow_single=True))
    try:
        headers = [h.strip() for h in next(reader)]
    except csv.Error as e:
        raise UsageFileError(f"Row 1: the CSV cannot be read there ({e}). Save it as CSV again.")
    for i, h in enumerate(headers):
        if len(h) > MAX_CELL_CHARS:
            raise UsageFileError(
                f"Row 1, column {i + 1}: the header is {len(h):,} characters long (it starts "
                f"{shown(h)}). This does not look like a Klaviyo profile export."
            )
    return reader, headers


def _columns(headers: list[str]) -> tuple[int, int | None]:
    """The email column, and the email consent column where the export has one."""
    normed = [normalise_header(h) for h in headers]
    if "email" not in normed:
        raise UsageFileError(
            "Row 1: no 'Email' column, so this does not look like a Klaviyo profile export. "
            "Export a list or segment from Audience > Lists & Segments."
        )
    consent_i = next(
        (i for i, h in enumerate(normed) if "consent" in h and "sms" not in h),
        next((i for i, h in enumerate(normed) if "subscri" in h and "sms" not in h), None),
    )
    return normed.index("email"), consent_i


def _records(reader: Iterator[list[str]], headers: list[str]) -> Iterator[list[str]]:
    """The non-blank profile rows; an unreadable or overlong row is refused, naming it."""
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise UsageFileError(
                f"Row {number + 1}: the CSV cannot be read there ({e}). Check the quotes in that "
                "row, or export the list again."
            )
        number += 1
        long = next((i for i, c in enumerate(cells) if len(c) > MAX_PROFILE_CELL), None)
        if long is not None:
            raise UsageFileError(
                f"Row {number}, column {column_name(headers, long)}: the cell is "
                f"{len(cells[long]):,} characters long (it starts {shown(cells[long])}). Check this "
                "is a Klaviyo profile export."
            )
        if any(c.strip() for c in cells):
            yield cells
