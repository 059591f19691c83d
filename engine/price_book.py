"""Read and strictly validate price books kept as CSV (data/pricing/, or a user's upload).

A price book is two ladders, one CSV each, one row per tier, every row with a `status` and a
`source`. Rows carry an `effective_from` date, so one file can hold several versions of a
ladder; `load_price_book(as_of=...)` picks the version in force on a date, as OpenFisca picks
the parameters in force for a period. Users upload and edit price books in this format, so
every fault is reported as "file, row, column: what is wrong and what to do". Row numbers are
spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from engine.models import (
    MAX_CREDITS,
    MAX_PRICE_USD,
    MAX_PROFILES,
    MAX_SENDS,
    MAX_TIERS,
    EmailTier,
    LadderFault,
    PriceBook,
    PriceStatus,
    SmsTier,
    email_ladder_fault,
    sms_ladder_fault,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "pricing"
EMAIL_FILE, SMS_FILE, CREDITS_FILE = (
    "email_tiers.csv",
    "sms_tiers.csv",
    "sms_credits_per_message.csv",
)

EMAIL_COLUMNS = (
    "effective_from",
    "max_profiles",
    "monthly_price_usd",
    "monthly_email_sends",
    "status",
    "source",
    "as_of",
)
SMS_COLUMNS = ("effective_from", "monthly_credits", "monthly_price_usd", "status", "source", "as_of")
CREDITS_COLUMNS = (
    "effective_from",
    "country",
    "sms_credits_per_segment",
    "mms_credits",
    "status",
    "source",
    "as_of",
)
OPTIONAL_COLUMNS = frozenset({"as_of", "mms_credits"})
# The engine's input bounds (engine/models.py), checked here so the message names the cell.
COUNT_BOUNDS = {
    "max_profiles": MAX_PROFILES,
    "monthly_email_sends": MAX_SENDS,
    "monthly_credits": MAX_CREDITS,
}
MAX_CREDITS_PER_MESSAGE = 1_000
STATUSES = ", ".join(s.value for s in PriceStatus)


class PriceBookError(ValueError):
    """A fault in a price book file, located by file, row and column."""

    def __init__(self, file: str, row: int | None, column: str | None, problem: str):
        self.file, self.row, self.column, self.problem = file, row, column, problem
        where = ", ".join(p for p in (file, row and f"row {row}", column and f"column {column}") if p)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class CreditsPerMessage:
    """Credits one SMS segment (and one MMS, where known) costs when sent to a country."""

    country: str
    sms_credits_per_segment: int
    mms_credits: int | None
    status: PriceStatus
    source: str


# ---------------------------------------------------------------- cell parsers


class _Cells:
    """Reads typed values from one CSV row, raising PriceBookError with the exact place."""

    def __init__(self, file: str, row_number: int, row: dict[str, str]):
        self.file, self.row_number, self.row = file, row_number, row

    def fail(self, column: str | None, problem: str) -> PriceBookError:
        return PriceBookError(self.file, self.row_number, column, problem)

    def text(self, column: str, required: bool = True) -> str:
        value = (self.row.get(column) or "").strip()
        if required and not value:
            raise self.fail(column, "is empty; every row needs a value here")
        return value

    def count(self, column: str, required: bool = True) -> int | None:
        raw = self.text(column, required)
        if not raw:
            return None
        try:
            value = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            raise self.fail(column, f"{raw!r} is not a whole number (write it like 10000)")
        if not value.is_finite() or value != value.to_integral_value():
            raise self.fail(column, f"{raw!r} is not a whole number (write it like 10000)")
        if value < 0:
            raise self.fail(column, f"{raw} is negative; counts start at 0")
        most = COUNT_BOUNDS.get(column, MAX_CREDITS_PER_MESSAGE)
        if value > most:  # checked before int(): 1e1000000 must not become a huge integer
            raise self.fail(column, f"{raw} is above {most:,}, the largest this explorer handles")
        return int(value)

    def money(self, column: str) -> Decimal:
        raw = self.text(column)
        try:
            value = Decimal(raw.replace("$", "").replace(",", "").strip())
        except InvalidOperation:
            raise self.fail(
                column, f"{raw!r} is not an amount in US dollars (write it like 175 or 14.99)"
            )
        if not value.is_finite():
            raise self.fail(column, f"{raw!r} is not an amount in US dollars")
        if value < 0:
            raise self.fail(column, f"{raw} is negative; a price is 0 or more")
        if value > MAX_PRICE_USD:
            raise self.fail(column, f"{raw} is above ${MAX_PRICE_USD:,}, the largest monthly price")
        if value.normalize().as_tuple().exponent < -2:
            raise self.fail(column, f"{raw} has more than 2 decimals; prices are in whole cents")
        return value

    def day(self, column: str, required: bool = True) -> date | None:
        raw = self.text(column, required)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.fail(column, f"{raw!r} is not a date; write it as YYYY-MM-DD, like 2025-12-29")

    def status(self) -> PriceStatus:
        raw = self.text("status").lower()
        try:
            return PriceStatus(raw)
        except ValueError:
            raise self.fail("status", f"{raw!r} is not a known status; use one of: {STATUSES}")


def _rows(text: str, file: str, columns: tuple[str, ...]) -> list[_Cells]:
    """Split CSV text into rows after checking the header names exactly the expected columns."""
    if not text.strip():
        raise PriceBookError(
            file, None, None, "the file is empty; it needs a header row and one row per tier"
        )
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in columns if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise PriceBookError(
            file, 1, None, f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )
    for name in header:
        if name not in columns:
            raise PriceBookError(
                file, 1, name or "(blank)", f"unknown column; expected only {', '.join(columns)}"
            )
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise PriceBookError(file, 1, dup, "appears twice in the header")
    out = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines are harmless
        if len(values) != len(header):
            raise PriceBookError(
                file,
                number,
                None,
                f"has {len(values)} cells but the header has {len(header)} "
                "(a comma inside a text cell needs the cell in double quotes)",
            )
        out.append(_Cells(file, number, dict(zip(header, values, strict=True))))
    if not out:
        raise PriceBookError(file, None, None, "has a header but no tier rows")
    return out


def _versions(cells: list[_Cells]) -> dict[date, list[_Cells]]:
    versions: dict[date, list[_Cells]] = {}
    for c in cells:
        versions.setdefault(c.day("effective_from"), []).append(c)
    return versions


def _check_ladder(rows: list[_Cells], fault: LadderFault | None) -> None:
    """The ladder rules (engine/models.py, stated once there), located by file, row and column."""
    if len(rows) > MAX_TIERS:
        raise rows[MAX_TIERS].fail(None, f"a ladder has at most {MAX_TIERS:,} tiers")
    if fault is not None:
        before = (
            "" if fault.before is None else f" (the tier before is row {rows[fault.before].row_number})"
        )
        raise rows[fault.tier].fail(fault.column, f"{fault.problem}{before}")


# ---------------------------------------------------------------- ladders


def parse_email_tiers(text: str, file: str = EMAIL_FILE) -> dict[date, tuple[EmailTier, ...]]:
    """Every version of the email ladder in a CSV text, validated."""
    out = {}
    for when, rows in _versions(_rows(text, file, EMAIL_COLUMNS)).items():
        tiers = []
        for c in rows:
            tiers.append(
                EmailTier(
                    max_profiles=c.count("max_profiles"),
                    monthly_price_usd=c.money("monthly_price_usd"),
                    monthly_email_sends=c.count("monthly_email_sends"),
                    status=c.status(),
                    source=c.text("source"),
                )
            )
            c.day("as_of", required=False)
        _check_ladder(rows, email_ladder_fault(tiers))
        out[when] = tuple(tiers)
    return out


def parse_sms_tiers(text: str, file: str = SMS_FILE) -> dict[date, tuple[SmsTier, ...]]:
    """Every version of the SMS ladder in a CSV text, validated; the (0, 0) row is implied."""
    out = {}
    for when, rows in _versions(_rows(text, file, SMS_COLUMNS)).items():
        tiers = []
        for c in rows:
            tiers.append(
                SmsTier(
                    monthly_credits=c.count("monthly_credits"),
                    monthly_price_usd=c.money("monthly_price_usd"),
                    status=c.status(),
                    source=c.text("source"),
                )
            )
            c.day("as_of", required=False)
        _check_ladder(rows, sms_ladder_fault(tiers))
        out[when] = tuple(tiers)
    return out


def parse_credits_per_message(
    text: str, file: str = CREDITS_FILE
) -> dict[date, tuple[CreditsPerMessage, ...]]:
    """Every version of the credits-per-message table, validated (one row per country)."""
    out = {}
    for when, rows in _versions(_rows(text, file, CREDITS_COLUMNS)).items():
        seen: set[str] = set()
        table = []
        for c in rows:
            country = c.text("country")
            if country.lower() in seen:
                raise c.fail("country", f"{country} appears twice in the same version")
            seen.add(country.lower())
            per_segment = c.count("sms_credits_per_segment")
            if per_segment == 0:
                raise c.fail("sms_credits_per_segment", "an SMS costs at least 1 credit")
            c.day("as_of", required=False)
            table.append(
                CreditsPerMessage(
                    country=country,
                    sms_credits_per_segment=per_segment,
                    mms_credits=c.count("mms_credits", required=False),
                    status=c.status(),
                    source=c.text("source"),
                )
            )
        out[when] = tuple(table)
    return out


def in_force(versions: dict[date, tuple], as_of: date | None, file: str) -> tuple[date, tuple]:
    """The version in force on `as_of` (default today): the latest that starts on or before it."""
    as_of = as_of or date.today()
    started = [d for d in versions if d <= as_of]
    if not started:
        first = min(versions)
        raise PriceBookError(
            file, None, "effective_from", f"no version is in force on {as_of}; the first starts {first}"
        )
    when = max(started)
    return when, versions[when]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PriceBookError(path.name, None, None, f"file not found in {path.parent}")
    except UnicodeDecodeError:
        raise PriceBookError(path.name, None, None, "is not UTF-8 text; save it as CSV UTF-8")


def book_from_csv(email_csv: str, sms_csv: str, as_of: date | None = None) -> PriceBook:
    """A price book from the two ladders' CSV texts, as in force on `as_of`."""
    email_from, email = in_force(parse_email_tiers(email_csv), as_of, EMAIL_FILE)
    _, sms = in_force(parse_sms_tiers(sms_csv), as_of, SMS_FILE)
    return PriceBook(email_tiers=email, sms_tiers=sms, effective_from=email_from)


def load_price_book(folder: Path = DATA_DIR, as_of: date | None = None) -> PriceBook:
    """The bundled (or another folder's) price book as in force on `as_of`."""
    return book_from_csv(_read(folder / EMAIL_FILE), _read(folder / SMS_FILE), as_of)


def load_credits_per_message(
    folder: Path = DATA_DIR, as_of: date | None = None
) -> tuple[CreditsPerMessage, ...]:
    """The credits-per-message table in force on `as_of`."""
    return in_force(parse_credits_per_message(_read(folder / CREDITS_FILE)), as_of, CREDITS_FILE)[1]


# ---------------------------------------------------------------- writer


UNDATED = date(2025, 12, 29)  # an undated book is written as in force from the bundled date
Cell = Callable[[str], str]


def _cell(value: object, column: str) -> str:
    """One cell as the reader expects it: a price with two decimals, a whole count without
    a decimal point (an edited table hands counts back as floats), a missing value empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column == "monthly_price_usd":
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(getattr(value, "value", value))


def tiers_csv(
    rows: Iterable[Mapping[str, object]],
    columns: tuple[str, ...],
    effective_from: date | None = None,
    text: Cell = str,
) -> str:
    """A ladder's rows (one mapping per tier, as `EmailTier`/`SmsTier` or an edited table give
    them) in the price book file format, so `book_from_csv` reads them back and validates them.
    `text` is applied to the text cells (status, source): a download escapes formulas there."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    when = str(effective_from or UNDATED)
    for row in rows:
        cells = {c: _cell(row.get(c), c) for c in columns}
        cells["effective_from"], cells["as_of"] = when, cells.get("as_of", "")
        for c in ("status", "source"):
            cells[c] = text(cells[c])
        writer.writerow([cells[c] for c in columns])
    return out.getvalue()


def book_csv(book: PriceBook, text: Cell = str) -> tuple[str, str]:
    """The book's two ladders as CSV texts (email, SMS), as the bundled files are written."""
    email = tiers_csv((dict(t) for t in book.email_tiers), EMAIL_COLUMNS, book.effective_from, text)
    sms = tiers_csv((dict(t) for t in book.sms_tiers), SMS_COLUMNS, book.effective_from, text)
    return email, sms
