"""Read a usage CSV (ours, Klaviyo's account-usage export, or a manager's spreadsheet) into the
canonical UsageHistory.

Canonical columns: `month` (YYYY-MM), `active_profiles`, `email_sends`, `sms_credits`. How the
file is written is judged from its content (ingest/detect.py): encoding, line endings, the
delimiter, the decimal mark and thousands separators over every number, and the date order
over the whole month column.

- Klaviyo's Billing > Account usage export (`Billing Cycle Start, Billing Cycle End, Active
  Profiles, Emails Sent, SMS Sent, SMS Credits Used`, US dates, newest first) loads without a
  mapping step. **A billing cycle is labelled by the month it starts in**: the cycle from
  15 Oct to 14 Nov 2025 is Oct 2025 (the month most of its days fall in, for a cycle starting
  by the 16th, and the month Klaviyo's invoice for it is dated). SMS credits are preferred
  over SMS sent; rows are sorted oldest first; a newest cycle whose end date is today or later
  is left out (Klaviyo counts a running cycle to date), with a note.
- Other headers are matched case-insensitively against synonyms; a column whose cells are all
  dates is taken as the month. When profiles or emails cannot be matched by name, the caller
  gets `ColumnMappingNeeded` with the headers and our guesses by content, shows a mapping step,
  and calls again with `mapping`.
- A/B/YYYY dates: the order that makes every cell a date wins; when both orders do, the one
  that gives one row per month with none missing wins; when both still do (a short file of
  01/11/2024-style dates), the caller gets `DateOrderQuestion` with the two readings, asks, and
  calls again with `date_order`.

Every fault is a `UsageFileError` whose message names the row (spreadsheet numbering: the header
is row 1) and the column, what was found, and what to do.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from itertools import pairwise
from pathlib import Path

from pydantic import ValidationError

from engine.history import HistoryMonth, LoadedUsage, UsageHistory, add_months
from engine.models import MAX_HORIZON
from ingest.detect import (
    DAY_FIRST,
    DELIMITERS,
    MONTH_FIRST,
    ORDER_LABELS,
    DateCell,
    decode,
    detect_delimiter,
    detect_number_style,
    has_ab,
    is_serial_column,
    normalise_newlines,
    orders_that_fit,
    parse_count,
    read_date,
    read_records,
    shown,
)
from ingest.errors import UsageFileError

__all__ = ["ColumnMappingNeeded", "DateOrderQuestion", "LoadedUsage", "UsageFileError"]

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
}
MAX_ROWS = 1000  # data rows: a usage file has one per month
MIN_MONTH = date(2000, 1, 1)  # Klaviyo began in 2012; earlier months are a typo
TOTAL_WORDS = {"total", "totals", "sum", "grand total"}
CYCLE_END = {
    "billing cycle end",
    "cycle end",
    "cycle end date",
    "billing cycle end date",
    "usage cycle end",
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


class DateOrderQuestion(UsageFileError):
    """Both day-first and month-first readings of the dates make a valid history: ask which.

    `readings` maps each order to its first rows, as (cell as written, month it gives)."""

    def __init__(self, column: str, readings: dict[str, list[tuple[str, str]]]):
        self.column, self.readings = column, readings
        raw, day = readings[DAY_FIRST][0]
        month = readings[MONTH_FIRST][0][1]
        super().__init__(
            f"Column {column}: a date such as {raw} can be read day first ({day}) or month first "
            f"({month}), and both readings give a valid run of months. Pick how the file writes dates."
        )

    def __reduce__(self):
        return (type(self), (self.column, self.readings))


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


def decode_text(data: bytes) -> str:
    """The file's text (see ingest.detect.decode), line endings made LF."""
    text, _ = decode(data)
    return normalise_newlines(text)[0]


def detect_separator(text: str, allow_single: bool = False) -> str:
    return detect_delimiter(text, allow_single=allow_single)


def read_usage_csv(
    data: bytes,
    source: str,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    today: date | None = None,
) -> LoadedUsage:
    """Parse an uploaded usage file (bytes) into a validated history, or raise UsageFileError
    (ColumnMappingNeeded and DateOrderQuestion are questions for the user, not faults)."""
    if len(data) > MAX_BYTES:
        raise UsageFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "A monthly usage export is a few KB: check this is the right file."
        )
    today = today or date.today()
    text, notes = decode(data)
    text, more = normalise_newlines(text)
    notes += more
    sep = detect_delimiter(text)
    if sep != ",":
        notes.append(f"Read as {DELIMITERS[sep]}-separated.")
    records = read_records(text, sep, MAX_ROWS)
    headers = _unique([h.strip() for h in records[0][1]])
    body = records[1:]
    if mapping is None:
        guess = guess_mapping(headers, [cells for _, cells in body])
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
        guess = guess_mapping(headers, [cells for _, cells in body])
        missing = [k for k in REQUIRED if not mapping.get(k)]
        raise ColumnMappingNeeded(headers, {**guess, **mapping}, missing)
    for key, header in mapping.items():
        if header not in headers:
            raise UsageFileError(f"Row 1: there is no column {header!r} for {LABELS.get(key, key)}.")
    if len(set(mapping.values())) != len(mapping):
        raise UsageFileError("Row 1: the same column was picked for two different things.")
    index = {key: headers.index(h) for key, h in mapping.items()}
    names = {key: repr(h) for key, h in mapping.items()}
    credits_key = (
        "sms_credits" if "sms_credits" in index else ("sms_sent" if "sms_sent" in index else None)
    )
    if credits_key == "sms_sent":
        notes.append("No SMS credits column: used SMS messages sent at 1 credit each (US rate).")
    elif credits_key is None:
        notes.append("No SMS column: SMS credits taken as 0.")
    elif "sms_sent" in index:
        notes.append(
            f"Used {mapping['sms_credits']!r} rather than {mapping['sms_sent']!r}: credits are what "
            "Klaviyo bills."
        )
    ignored = [h for h in headers if h and h not in mapping.values()]
    if ignored:
        notes.append(f"Ignored column(s): {', '.join(ignored)}.")

    def cell(cells: list[str], key: str) -> str:
        i = index[key]
        return cells[i] if i < len(cells) else ""

    rows: list[tuple[int, list[str]]] = []
    for number, cells in body:
        if any(c.strip() for c in cells[len(headers) :]):
            raise UsageFileError(
                f"Row {number} has {len(cells)} cells but row 1 has {len(headers)} headers. A number "
                f"written with a {DELIMITERS[sep]} inside (like 1,083) must be in quotes: save the file "
                "from the spreadsheet as CSV again, or write numbers without separators."
            )
        if cell(cells, "month").strip().lower() in TOTAL_WORDS:
            notes.append(f"Left out row {number}: it is a total, not a month.")
            continue
        rows.append((number, cells))
    if not rows:
        raise UsageFileError("The file has a header but no rows of usage. Each month needs a row.")

    months, order, more = _read_months(
        [(n, cell(c, "month")) for n, c in rows], names["month"], date_order, today
    )
    notes += more
    rows, months = _drop_running_cycle(rows, months, headers, order, today, notes)
    count_keys = [k for k in ("active_profiles", "email_sends", credits_key) if k]
    style = detect_number_style([(n, names[k], cell(c, k)) for n, c in rows for k in count_keys])
    if style.note:
        notes.append(style.note)

    by_month: dict[date, tuple[int, HistoryMonth]] = {}
    for (number, cells), month in zip(rows, months, strict=True):
        if month in by_month:
            raise UsageFileError(
                f"Row {number}, column {names['month']}: {month:%Y-%m} appears twice "
                f"(also row {by_month[month][0]}). Keep one row per month."
            )
        values = {
            k: parse_count(cell(cells, k), style, number, names[k], round_up=k == credits_key)
            for k in count_keys
        }
        try:
            item = HistoryMonth(
                month=month,
                active_profiles=values["active_profiles"],
                email_sends=values["email_sends"],
                sms_credits=values[credits_key] if credits_key else 0,
            )
        except ValidationError as e:  # the engine's own bounds (engine/models.py)
            err = e.errors()[0]
            field_name = str(err.get("loc", ("",))[0])
            key = credits_key if field_name == "sms_credits" else field_name
            where = f"column {names[key]}" if key in names else "a cell"
            found = shown(cell(cells, key)) if key in index else "a value"
            raise UsageFileError(
                f"Row {number}, {where}: {found} cannot be used ({err.get('msg', 'invalid')}). "
                "Check the cell."
            )
        by_month[month] = (number, item)
    ordered = sorted(by_month)
    if len(ordered) > 1 and [m for m in months if m in by_month] == ordered[::-1]:
        notes.append("Rows were newest first: read oldest first.")
    for before, after in pairwise(ordered):
        if after != add_months(before, 1):
            gap = add_months(before, 1)
            raise UsageFileError(
                f"Row {by_month[after][0]}, column {names['month']}: month {gap:%Y-%m} is missing "
                f"between {before:%Y-%m} and {after:%Y-%m}. Add a row for every month."
            )
    if len(ordered) > MAX_HORIZON:
        notes.append(f"Kept the last {MAX_HORIZON} of {len(ordered)} months.")
        ordered = ordered[-MAX_HORIZON:]
    try:
        history = UsageHistory(months=[by_month[m][1] for m in ordered])
    except ValidationError as e:
        raise UsageFileError(f"The months cannot be used: {_first_error(e)}.")
    return LoadedUsage(
        history=history, source=source, mapping=dict(mapping), notes=notes, date_order=order
    )


def _read_months(
    cells: list[tuple[int, str]], column: str, date_order: str | None, today: date
) -> tuple[list[date], str | None, list[str]]:
    """The month of every row, judged over the whole column (see the module docstring)."""
    serials = is_serial_column([raw for _, raw in cells])
    read: list[DateCell] = []
    for number, raw in cells:
        got = read_date(raw, serials=serials)
        if got is None:
            raise UsageFileError(
                f"Row {number}, column {column}: {shown(raw)} is not a month. Write months like 2026-10."
            )
        read.append(got)
    notes: list[str] = []
    order: str | None = None
    if has_ab(read):
        fits = orders_that_fit(read)
        if date_order in ORDER_LABELS:
            order = date_order
            bad = next((n for (n, _), c in zip(cells, read, strict=True) if not c.month(order)), None)
            if bad is not None:
                raw = dict(cells)[bad]
                raise UsageFileError(
                    f"Row {bad}, column {column}: {shown(raw)} is not a date when read "
                    f"{ORDER_LABELS[order]}. Check the row, or upload the file again and pick the "
                    "other reading."
                )
        elif not fits:
            day = next(n for (n, _), c in zip(cells, read, strict=True) if not c.month(MONTH_FIRST))
            mon = next(n for (n, _), c in zip(cells, read, strict=True) if not c.month(DAY_FIRST))
            raw = dict(cells)
            raise UsageFileError(
                f"Row {day}, column {column}: {shown(raw[day])} must be day first, but row {mon}: "
                f"{shown(raw[mon])} must be month first. Write every date the same way."
            )
        elif len(fits) == 1:
            order = fits[0]
        else:
            readings = {o: [c.month(o) for c in read] for o in fits}
            if readings[DAY_FIRST] == readings[MONTH_FIRST]:
                order = MONTH_FIRST  # the same months either way
            else:
                usable = [o for o in fits if _is_run(readings[o])]
                if len(usable) != 1:
                    raise DateOrderQuestion(
                        column,
                        {
                            o: [
                                (raw.strip(), f"{m:%b %Y}")
                                for (_, raw), m in zip(cells[:3], readings[o][:3], strict=True)
                            ]
                            for o in (DAY_FIRST, MONTH_FIRST)
                        },
                    )
                order = usable[0]
                other = MONTH_FIRST if order == DAY_FIRST else DAY_FIRST
                notes.append(
                    f"Dates in column {column} read {ORDER_LABELS[order]}: read {other.replace('-', ' ')}, "
                    "they would not make one row per month."
                )
        if order and not notes:
            notes.append(f"Dates in column {column} read {ORDER_LABELS[order]}.")
    months = [c.month(order) for c in read]
    lowest, highest = MIN_MONTH, date(today.year + 1, 12, 1)
    for (number, raw), m in zip(cells, months, strict=True):
        if not lowest <= m <= highest:
            raise UsageFileError(
                f"Row {number}, column {column}: {shown(raw)} is the month {m:%Y-%m}, outside "
                f"{lowest:%Y-%m} to {highest:%Y-%m}. Check the year."
            )
    starts = [c.day if c.fixed is not None else (c.b if order == MONTH_FIRST else c.a) for c in read]
    if any(d not in (None, 1) for d in starts):
        notes.append(
            "Each row is a billing cycle, labelled by the month it starts in "
            "(a cycle from 15 Oct to 14 Nov is Oct)."
        )
    return months, order, notes


def _drop_running_cycle(
    rows: list[tuple[int, list[str]]],
    months: list[date],
    headers: list[str],
    order: str | None,
    today: date,
    notes: list[str],
) -> tuple[list[tuple[int, list[str]]], list[date]]:
    """Leave out the newest cycle when its end column says it has not ended yet: Klaviyo's
    export counts a running cycle to date, so its emails would read as a sudden drop."""
    ends = [i for i, h in enumerate(headers) if normalise_header(h) in CYCLE_END]
    if not ends or len(rows) < 2:
        return rows, months
    newest = max(range(len(months)), key=months.__getitem__)
    number, cells = rows[newest]
    raw = cells[ends[0]] if ends[0] < len(cells) else ""
    got = read_date(raw)
    end = got.day_of(order) if got else None
    if end is None or end < today:
        return rows, months
    notes.append(
        f"Left out row {number} ({months[newest]:%b %Y}): that cycle runs until {end:%d %b %Y}, so "
        "its counts are not complete yet."
    )
    return rows[:newest] + rows[newest + 1 :], months[:newest] + months[newest + 1 :]


def _is_run(months: list[date | None]) -> bool:
    """One row per month with no month missing: what a usage history must be."""
    if any(m is None for m in months) or len(set(months)) != len(months):
        return False
    ordered = sorted(months)
    return all(b == add_months(a, 1) for a, b in pairwise(ordered))


def _unique(headers: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, h in enumerate(headers):
        name = h if h not in seen or not h else f"{h} (column {i + 1})"
        seen.add(name)
        out.append(name)
    return out


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))


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
