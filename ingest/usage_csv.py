"""Read a usage CSV (ours, or Klaviyo's billing usage export) into the canonical UsageHistory.

Canonical columns: `month` (YYYY-MM), `active_profiles`, `email_sends`, `sms_credits`. Klaviyo's
export headers are not documented (docs/klaviyo-api.md section 9), so headers are matched
case-insensitively against synonyms; when the required ones cannot all be matched, the caller
gets `ColumnMappingNeeded` with the file's headers and our best guesses, shows a mapping step,
and calls again with `mapping`. Every fault is a `UsageFileError` whose message names the row
(spreadsheet numbering: the header is row 1) and the column, and says what to do.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path

from engine.growth import HistoryMonth, UsageHistory, add_months
from engine.models import MAX_HORIZON

MAX_BYTES = 5 * 1024 * 1024  # the app's upload limit (.streamlit/config.toml) says the same
CANONICAL = ("month", "active_profiles", "email_sends", "sms_credits")
REQUIRED = ("month", "active_profiles", "email_sends")
LABELS = {
    "month": "Month",
    "active_profiles": "Active profiles",
    "email_sends": "Emails sent",
    "sms_credits": "SMS credits used",
    "sms_sent": "SMS messages sent",
}
SYNONYMS = {
    "month": [
        "month",
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
}
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


class UsageFileError(ValueError):
    """A file we cannot use; the message says where and what to do."""


class ColumnMappingNeeded(UsageFileError):
    """The headers did not all match: the user picks which column is which."""

    def __init__(self, headers: list[str], guess: dict[str, str | None]):
        self.headers, self.guess = headers, guess
        missing = [LABELS[k] for k in REQUIRED if not guess.get(k)]
        super().__init__(
            f"Could not tell which column holds: {', '.join(missing)}. "
            "Pick the matching column for each below."
        )


@dataclass(frozen=True)
class LoadedUsage:
    history: UsageHistory
    source: str
    mapping: dict[str, str]
    notes: list[str] = field(default_factory=list)
    is_sample: bool = False


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip(" ()")


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """Our best guess of which header holds each canonical column (None = not found)."""
    normed = {normalise_header(h): h for h in headers}
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
    return out


def decode_text(data: bytes) -> str:
    if not data.strip():
        raise UsageFileError("The file is empty. Export the usage again, or pick another file.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096] or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"):
        raise UsageFileError(
            "This is not a CSV text file (it looks like a spreadsheet or other binary file). "
            "In Excel or Google Sheets use File > Save as / Download > CSV, then upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        row = data[: e.start].count(b"\n") + 1
        raise UsageFileError(
            f"Row {row} has a character that is not UTF-8 text (byte 0x{data[e.start]:02X}). "
            "Save the file as 'CSV UTF-8' and upload it again."
        )


def detect_separator(text: str, allow_single: bool = False) -> str:
    """Comma, semicolon or tab: whichever row 1 uses most; an error if it uses none."""
    head = text.splitlines()[0] if text.splitlines() else ""
    counts = {sep: head.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    if counts[best] == 0 and allow_single:
        return ","
    if counts[best] == 0:
        other = next((c for c in "|:^~" if c in head), None)
        hint = f" It looks separated by {other!r}." if other else ""
        raise UsageFileError(
            f"Row 1 has only one column, so the columns are not separated by commas, semicolons "
            f"or tabs.{hint} Save the file as CSV (comma separated) and upload it again."
        )
    return best


def parse_month(raw: str) -> date | None:
    """A month from the common ways exports write it; None if it is not a date."""
    text = raw.strip()
    for fmt in (
        "%Y-%m",
        "%Y-%m-%d",
        "%Y/%m",
        "%Y/%m/%d",
        "%m/%d/%Y",
        "%b %Y",
        "%B %Y",
        "%b-%y",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%Y",
    ):
        try:
            d = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return date(d.year, d.month, 1)
    try:
        d = datetime.fromisoformat(text)
        return date(d.year, d.month, 1)
    except ValueError:
        return None


def _number(raw: str, row: int, column: str, round_up: bool = False) -> int:
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # 1,234,567 thousands separators
    if not text:
        raise UsageFileError(
            f"Row {row}, column '{column}': the cell is empty. Write 0 if there was none."
        )
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise UsageFileError(
            f"Row {row}, column '{column}': {raw.strip()!r} is not a number. Use digits only, like 12500."
        )
    if value < 0:
        raise UsageFileError(
            f"Row {row}, column '{column}': {raw.strip()} is negative; counts are 0 or more."
        )
    if value != value.to_integral_value() and not round_up:
        raise UsageFileError(
            f"Row {row}, column '{column}': {raw.strip()} is not a whole number of profiles or emails."
        )
    return int(value.to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_HALF_UP))


def read_usage_csv(data: bytes, source: str, mapping: dict[str, str] | None = None) -> LoadedUsage:
    """Parse an uploaded usage file (bytes) into a validated history, or raise UsageFileError."""
    if len(data) > MAX_BYTES:
        raise UsageFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "A monthly usage export is a few KB: check this is the right file."
        )
    text = decode_text(data)
    sep = detect_separator(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    headers = [h.strip() for h in rows[0]]
    notes = [] if sep == "," else [f"Read as {SEPARATORS[sep]}-separated."]
    if mapping is None:
        guess = guess_mapping(headers)
        if not all(guess[k] for k in REQUIRED):
            raise ColumnMappingNeeded(headers, guess)
        mapping = {k: v for k, v in guess.items() if v}
    for key, header in mapping.items():
        if header not in headers:
            raise UsageFileError(f"Row 1: there is no column '{header}' for {LABELS.get(key, key)}.")
    if len(set(mapping.values())) != len(mapping):
        raise UsageFileError("Row 1: the same column was picked for two different things.")
    index = {key: headers.index(h) for key, h in mapping.items()}
    credits_key = (
        "sms_credits" if "sms_credits" in index else ("sms_sent" if "sms_sent" in index else None)
    )
    if credits_key == "sms_sent":
        notes.append("No SMS credits column: used SMS messages sent at 1 credit each (US rate).")
    elif credits_key is None:
        notes.append("No SMS column: SMS credits taken as 0.")
    ignored = [h for h in headers if h and h not in mapping.values()]
    if ignored:
        notes.append(f"Ignored column(s): {', '.join(ignored)}.")

    by_month: dict[date, tuple[int, HistoryMonth]] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(headers):
            cells = cells + [""] * (len(headers) - len(cells))

        def cell(key: str, cells=cells) -> str:
            return cells[index[key]]

        month = parse_month(cell("month"))
        if month is None:
            raise UsageFileError(
                f"Row {number}, column '{mapping['month']}': {cell('month').strip()!r} is not a month. "
                "Write months like 2026-10."
            )
        if month in by_month:
            raise UsageFileError(
                f"Row {number}, column '{mapping['month']}': {month:%Y-%m} appears twice "
                f"(also row {by_month[month][0]}). Keep one row per month."
            )
        item = HistoryMonth(
            month=month,
            active_profiles=_number(cell("active_profiles"), number, mapping["active_profiles"]),
            email_sends=_number(cell("email_sends"), number, mapping["email_sends"]),
            sms_credits=(
                _number(cell(credits_key), number, mapping[credits_key], round_up=True)
                if credits_key
                else 0
            ),
        )
        by_month[month] = (number, item)
    if not by_month:
        raise UsageFileError("The file has a header but no rows of usage. Each month needs a row.")
    months = sorted(by_month)
    for before, after in pairwise(months):
        if after != add_months(before, 1):
            gap = add_months(before, 1)
            raise UsageFileError(
                f"Row {by_month[after][0]}, column '{mapping['month']}': month {gap:%Y-%m} is missing "
                f"between {before:%Y-%m} and {after:%Y-%m}. Add a row for every month."
            )
    if len(months) > MAX_HORIZON:
        notes.append(f"Kept the last {MAX_HORIZON} of {len(months)} months.")
        months = months[-MAX_HORIZON:]
    history = UsageHistory(months=[by_month[m][1] for m in months])
    return LoadedUsage(history=history, source=source, mapping=dict(mapping), notes=notes)


def read_usage_file(path: Path) -> LoadedUsage:
    return read_usage_csv(Path(path).read_bytes(), Path(path).name)


def history_csv(history: UsageHistory) -> str:
    """The history in the canonical format (what a download or a re-upload uses)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CANONICAL)
    for m in history.months:
        w.writerow([f"{m.month:%Y-%m}", m.active_profiles, m.email_sends, m.sms_credits])
    return out.getvalue()
