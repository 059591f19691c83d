"""The month of every row of a usage file, judged over the whole month column.

A/B/YYYY dates: the order that makes every cell a date wins; when both orders do, the one that
gives one row per month with none missing wins; when both still do (a short file of
01/11/2024-style dates), `read_months` raises `DateOrderQuestion` with the two readings; the
app asks and reads again with `date_order`. **A billing cycle is labelled by the month it
starts in** (the cycle from 15 Oct to 14 Nov 2025 is Oct 2025), and a newest cycle that has not
ended yet is left out (`drop_running_cycle`).
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from engine.history import add_months
from ingest.columns import normalise_header
from ingest.detect import (
    DAY_FIRST,
    MONTH_FIRST,
    ORDER_LABELS,
    DateCell,
    has_ab,
    is_serial_column,
    orders_that_fit,
    read_date,
    shown,
)
from ingest.errors import UsageFileError

MIN_MONTH = date(2000, 1, 1)  # Klaviyo began in 2012; earlier months are a typo
CYCLE_END = {
    "billing cycle end",
    "cycle end",
    "cycle end date",
    "billing cycle end date",
    "usage cycle end",
}


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


def read_months(
    cells: list[tuple[int, str]], column: str, date_order: str | None, today: date
) -> tuple[list[date], str | None, list[str]]:
    """The month of every row, the date order used (None when no date needed one) and notes."""
    read = _date_cells(cells, column)
    order, notes = _date_order(cells, read, column, date_order) if has_ab(read) else (None, [])
    months = [c.month(order) for c in read]
    _check_years(cells, months, column, today)
    starts = [c.day if c.fixed is not None else (c.b if order == MONTH_FIRST else c.a) for c in read]
    if any(d not in (None, 1) for d in starts):
        notes.append(
            "Each row is a billing cycle, labelled by the month it starts in "
            "(a cycle from 15 Oct to 14 Nov is Oct)."
        )
    return months, order, notes


def _date_cells(cells: list[tuple[int, str]], column: str) -> list[DateCell]:
    """Every cell read as a date (either order still open), or the first that is not one."""
    serials = is_serial_column([raw for _, raw in cells])
    read: list[DateCell] = []
    for number, raw in cells:
        got = read_date(raw, serials=serials)
        if got is None:
            raise UsageFileError(
                f"Row {number}, column {column}: {shown(raw)} is not a month. Write months like 2026-10."
            )
        read.append(got)
    return read


def _date_order(
    cells: list[tuple[int, str]], read: list[DateCell], column: str, date_order: str | None
) -> tuple[str, list[str]]:
    """The order of a column of A/B/YYYY dates: the user's answer, the only order that reads
    every cell, or the only one giving a run of months; else a DateOrderQuestion."""
    fits = orders_that_fit(read)
    if date_order in ORDER_LABELS:
        _check_answer(cells, read, column, date_order)
        order, notes = date_order, []
    elif not fits:
        day = next(n for (n, _), c in zip(cells, read, strict=True) if not c.month(MONTH_FIRST))
        mon = next(n for (n, _), c in zip(cells, read, strict=True) if not c.month(DAY_FIRST))
        raw = dict(cells)
        raise UsageFileError(
            f"Row {day}, column {column}: {shown(raw[day])} must be day first, but row {mon}: "
            f"{shown(raw[mon])} must be month first. Write every date the same way."
        )
    elif len(fits) == 1:
        order, notes = fits[0], []
    else:
        order, notes = _order_by_run(cells, read, column)
    if not notes:
        notes.append(f"Dates in column {column} read {ORDER_LABELS[order]}.")
    return order, notes


def _check_answer(cells: list[tuple[int, str]], read: list[DateCell], column: str, order: str) -> None:
    """Every cell must be a date in the order the user picked."""
    bad = next((n for (n, _), c in zip(cells, read, strict=True) if not c.month(order)), None)
    if bad is not None:
        raw = dict(cells)[bad]
        raise UsageFileError(
            f"Row {bad}, column {column}: {shown(raw)} is not a date when read "
            f"{ORDER_LABELS[order]}. Check the row, or upload the file again and pick the "
            "other reading."
        )


def _order_by_run(
    cells: list[tuple[int, str]], read: list[DateCell], column: str
) -> tuple[str, list[str]]:
    """Both orders read every cell: the one that gives one row per month, or ask."""
    readings = {o: [c.month(o) for c in read] for o in (DAY_FIRST, MONTH_FIRST)}
    if readings[DAY_FIRST] == readings[MONTH_FIRST]:
        return MONTH_FIRST, []  # the same months either way
    usable = [o for o in (DAY_FIRST, MONTH_FIRST) if is_run(readings[o])]
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
    return order, [
        f"Dates in column {column} read {ORDER_LABELS[order]}: read {other.replace('-', ' ')}, "
        "they would not make one row per month."
    ]


def _check_years(cells: list[tuple[int, str]], months: list[date], column: str, today: date) -> None:
    """Months from 2000 to the end of next year; anything else is a typo in the year."""
    lowest, highest = MIN_MONTH, date(today.year + 1, 12, 1)
    for (number, raw), m in zip(cells, months, strict=True):
        if not lowest <= m <= highest:
            raise UsageFileError(
                f"Row {number}, column {column}: {shown(raw)} is the month {m:%Y-%m}, outside "
                f"{lowest:%Y-%m} to {highest:%Y-%m}. Check the year."
            )


def drop_running_cycle(
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


def is_run(months: list[date | None]) -> bool:
    """One row per month with no month missing: what a usage history must be."""
    if any(m is None for m in months) or len(set(months)) != len(months):
        return False
    ordered = sorted(months)
    return all(b == add_months(a, 1) for a, b in pairwise(ordered))
