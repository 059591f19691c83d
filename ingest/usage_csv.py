"""Read a usage CSV (ours, Klaviyo's account-usage export, or a manager's spreadsheet) into the
canonical history, in three steps with one module each:

1. the table: bytes to text to rows (`read_table` here; how the text is written is judged from
   its content by ingest/detect.py: encoding, line endings, delimiter, numbers, dates);
2. which column is which (ingest/columns.py: synonyms, guesses, `ColumnMappingNeeded`);
3. the history: the month of every row (ingest/months.py: date order, `DateOrderQuestion`,
   a running cycle left out), then counts and months into a `UsageHistory` (here).

Klaviyo's Billing > Account usage export (`Billing Cycle Start, Billing Cycle End, Active
Profiles, Emails Sent, SMS Sent, SMS Credits Used`, US dates, newest first) loads without a
mapping step; SMS credits are preferred over SMS sent; rows are sorted oldest first.

An optional column of what Klaviyo billed each month (`invoice_usd`, or a header such as
"Invoice", "Amount billed", "Bill (USD)"; Klaviyo's export has none) is read as money in the
file's number style (a `$` or `USD` is allowed; an empty cell is a month without an invoice) and
carried into `HistoryMonth.invoice_usd` for the replay.

Every fault is a `UsageFileError` whose message names the row (spreadsheet numbering: the header
is row 1) and the column, what was found, and what to do.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from pydantic import ValidationError

from engine.history import HistoryMonth, LoadedUsage, UsageHistory, add_months
from engine.models import MAX_HORIZON
from ingest.columns import CANONICAL, credits_column, resolve_mapping
from ingest.detect import (
    DELIMITERS,
    decode,
    detect_delimiter,
    detect_number_style,
    money_text,
    normalise_newlines,
    parse_count,
    parse_money,
    read_records,
    shown,
)
from ingest.errors import UsageFileError
from ingest.months import drop_running_cycle, read_months

MAX_BYTES = 5 * 1024 * 1024  # the app's upload limit (.streamlit/config.toml) says the same
MAX_ROWS = 1000  # data rows: a usage file has one per month
TOTAL_WORDS = {"total", "totals", "sum", "grand total"}

Rows = list[tuple[int, list[str]]]  # (spreadsheet row number, cells)


@dataclass(frozen=True)
class Table:
    """A file's header and data rows, as written, with what reading it noted."""

    headers: list[str]
    body: Rows
    delimiter: str
    notes: list[str]


@dataclass(frozen=True)
class Columns:
    """The chosen columns: their index, their name for messages, and where credits come from."""

    index: dict[str, int]
    names: dict[str, str]
    credits_key: str | None

    def cell(self, cells: list[str], key: str) -> str:
        i = self.index[key]
        return cells[i] if i < len(cells) else ""

    @property
    def counts(self) -> list[str]:
        return [k for k in ("active_profiles", "email_sends", self.credits_key) if k]


def read_usage_csv(
    data: bytes,
    source: str,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    today: date | None = None,
) -> LoadedUsage:
    """Parse an uploaded usage file (bytes) into a validated history, or raise UsageFileError
    (ColumnMappingNeeded and DateOrderQuestion are questions for the user, not faults)."""
    today = today or date.today()
    table = read_table(data)
    notes = table.notes
    mapping = resolve_mapping(table.headers, [cells for _, cells in table.body], mapping, notes)
    columns = _columns(table.headers, mapping, notes)
    rows = _usage_rows(table, columns, notes)
    months, order, more = read_months(
        [(n, columns.cell(c, "month")) for n, c in rows], columns.names["month"], date_order, today
    )
    notes += more
    rows, months = drop_running_cycle(rows, months, table.headers, order, today, notes)
    by_month = _history_months(rows, months, columns, notes)
    history = _history(by_month, months, columns.names["month"], notes)
    return LoadedUsage(
        history=history, source=source, mapping=dict(mapping), notes=notes, date_order=order
    )


def read_table(data: bytes) -> Table:
    """The header (names made unique) and the non-blank rows of a file within MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise UsageFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "A monthly usage export is a few KB: check this is the right file."
        )
    text, notes = decode(data)
    text, more = normalise_newlines(text)
    notes += more
    sep = detect_delimiter(text)
    if sep != ",":
        notes.append(f"Read as {DELIMITERS[sep]}-separated.")
    records = read_records(text, sep, MAX_ROWS)
    return Table(_unique([h.strip() for h in records[0][1]]), records[1:], sep, notes)


def _columns(headers: list[str], mapping: dict[str, str], notes: list[str]) -> Columns:
    """The mapping as column positions; notes the SMS source and the columns left unread."""
    index = {key: headers.index(h) for key, h in mapping.items()}
    names = {key: repr(h) for key, h in mapping.items()}
    credits_key = credits_column(mapping, notes)
    ignored = [h for h in headers if h and h not in mapping.values()]
    if ignored:
        notes.append(f"Ignored column(s): {', '.join(ignored)}.")
    return Columns(index, names, credits_key)


def _usage_rows(table: Table, columns: Columns, notes: list[str]) -> Rows:
    """The rows that are months: a totals row is left out, a row wider than the header refused."""
    rows: Rows = []
    for number, cells in table.body:
        if any(c.strip() for c in cells[len(table.headers) :]):
            raise UsageFileError(
                f"Row {number} has {len(cells)} cells but row 1 has {len(table.headers)} headers. A "
                f"number written with a {DELIMITERS[table.delimiter]} inside (like 1,083) must be in "
                "quotes: save the file from the spreadsheet as CSV again, or write numbers without "
                "separators."
            )
        if columns.cell(cells, "month").strip().lower() in TOTAL_WORDS:
            notes.append(f"Left out row {number}: it is a total, not a month.")
            continue
        rows.append((number, cells))
    if not rows:
        raise UsageFileError("The file has a header but no rows of usage. Each month needs a row.")
    return rows


def _history_months(
    rows: Rows, months: list[date], columns: Columns, notes: list[str]
) -> dict[date, tuple[int, HistoryMonth]]:
    """Each row's counts as one month of history (with its row number); a month twice is refused."""
    invoice = "invoice_usd" in columns.index
    style = detect_number_style(
        [(n, columns.names[k], columns.cell(c, k)) for n, c in rows for k in columns.counts]
        + [
            (n, columns.names["invoice_usd"], money_text(columns.cell(c, "invoice_usd")))
            for n, c in rows
            if invoice
        ]
    )
    if style.note:
        notes.append(style.note)
    by_month: dict[date, tuple[int, HistoryMonth]] = {}
    for (number, cells), month in zip(rows, months, strict=True):
        if month in by_month:
            raise UsageFileError(
                f"Row {number}, column {columns.names['month']}: {month:%Y-%m} appears twice "
                f"(also row {by_month[month][0]}). Keep one row per month."
            )
        values = {
            k: parse_count(
                columns.cell(cells, k),
                style,
                number,
                columns.names[k],
                round_up=k == columns.credits_key,
            )
            for k in columns.counts
        }
        billed = (
            parse_money(columns.cell(cells, "invoice_usd"), style, number, columns.names["invoice_usd"])
            if invoice
            else None
        )
        by_month[month] = (number, _history_month(month, values, billed, number, cells, columns))
    return by_month


def _history_month(
    month: date,
    values: dict[str, int],
    invoice: Decimal | None,
    number: int,
    cells: list[str],
    columns: Columns,
) -> HistoryMonth:
    """One month of history; a count (or an invoice) beyond the engine's own bounds names its
    row and column."""
    credits_key = columns.credits_key
    try:
        return HistoryMonth(
            month=month,
            active_profiles=values["active_profiles"],
            email_sends=values["email_sends"],
            sms_credits=values[credits_key] if credits_key else 0,
            invoice_usd=invoice,
        )
    except ValidationError as e:  # the engine's own bounds (engine/models.py)
        err = e.errors()[0]
        field_name = str(err.get("loc", ("",))[0])
        key = credits_key if field_name == "sms_credits" else field_name
        where = f"column {columns.names[key]}" if key in columns.names else "a cell"
        found = shown(columns.cell(cells, key)) if key in columns.index else "a value"
        raise UsageFileError(
            f"Row {number}, {where}: {found} cannot be used ({err.get('msg', 'invalid')}). "
            "Check the cell."
        )


def _history(
    by_month: dict[date, tuple[int, HistoryMonth]], months: list[date], column: str, notes: list[str]
) -> UsageHistory:
    """The months oldest first, none missing, the last MAX_HORIZON kept."""
    ordered = sorted(by_month)
    if len(ordered) > 1 and [m for m in months if m in by_month] == ordered[::-1]:
        notes.append("Rows were newest first: read oldest first.")
    for before, after in pairwise(ordered):
        if after != add_months(before, 1):
            gap = add_months(before, 1)
            raise UsageFileError(
                f"Row {by_month[after][0]}, column {column}: month {gap:%Y-%m} is missing "
                f"between {before:%Y-%m} and {after:%Y-%m}. Add a row for every month."
            )
    if len(ordered) > MAX_HORIZON:
        notes.append(f"Kept the last {MAX_HORIZON} of {len(ordered)} months.")
        ordered = ordered[-MAX_HORIZON:]
    try:
        return UsageHistory(months=[by_month[m][1] for m in ordered])
    except ValidationError as e:
        raise UsageFileError(f"The months cannot be used: {_first_error(e)}.")


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
    """The history in the canonical format (what a download or a re-upload uses); with an
    `invoice_usd` column when any month carries what Klaviyo billed (empty where none)."""
    invoices = any(m.invoice_usd is not None for m in history.months)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*CANONICAL, "invoice_usd"] if invoices else CANONICAL)
    for m in history.months:
        row = [f"{m.month:%Y-%m}", m.active_profiles, m.email_sends, m.sms_credits]
        if invoices:
            row.append("" if m.invoice_usd is None else f"{m.invoice_usd:.2f}")
        w.writerow(row)
    return out.getvalue()
