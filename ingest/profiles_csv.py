"""Count profiles in a Klaviyo list or segment export (one row per profile).

Active profiles are the rows Klaviyo could email: an email address, and not unsubscribed or
suppressed. Where the export has an email consent column, the never-subscribed profiles
(checkout/cart profiles that count since 18 Feb 2025) are counted too: they are what the
clean-up slider would suppress.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ingest.usage_csv import UsageFileError, decode_text, detect_separator, normalise_header

MAX_BYTES = 50 * 1024 * 1024
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
    if len(data) > MAX_BYTES:
        raise UsageFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit for a profile export is "
            f"{MAX_BYTES // 1024 // 1024} MB. Export a segment, or count it in Klaviyo."
        )
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text), delimiter=detect_separator(text, allow_single=True))
    headers = [h.strip() for h in next(reader)]
    normed = [normalise_header(h) for h in headers]
    if "email" not in normed:
        raise UsageFileError(
            "Row 1: no 'Email' column, so this does not look like a Klaviyo profile export. "
            "Export a list or segment from Audience > Lists & Segments."
        )
    email_i = normed.index("email")
    consent_i = next(
        (i for i, h in enumerate(normed) if "consent" in h and "sms" not in h),
        next((i for i, h in enumerate(normed) if "subscri" in h and "sms" not in h), None),
    )
    rows = active = never = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
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
