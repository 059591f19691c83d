"""How a manager's CSV is written, judged from its content: encoding, line endings, delimiter,
number style and date order. Every detector bounds its own cost before it parses anything.

Choices (and why): the stdlib `csv` reader splits records (a spreadsheet row is a record, so
row numbers stay right across quoted line breaks); `csv.Sniffer` proposes the delimiter on a
small sample and the column counts confirm it; `python-dateutil` reads month names; numbers
are `Decimal` once the separators are known. pandas' readers are not used: they guess types
(`1.083` becomes a float, `NA` a missing value) and renumber rows around blank lines, which
is exactly what a message naming the row must not do.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from dateutil import parser as dateparser

from ingest.errors import UsageFileError

MAX_CELL_CHARS = 200  # a header or cell; usage cells are numbers and dates of a few characters
MAX_NUMBER_CHARS = 30  # digits and separators of one number, checked before any conversion
MAX_EXPONENT_DIGITS = 2  # 1.2E+06 is fine; 1e1000000 is refused without being expanded
MAX_COUNT = 10**12  # a trillion: far above any account's monthly profiles, emails or credits
MAX_DATE_CHARS = 40
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_CHARS = 8192  # csv.Sniffer's regexes are not linear: give it a small sample

# The CSV module's own limit (128 KiB) would stop a long cell with an error naming no column;
# our own per-cell limit (MAX_CELL_CHARS) names it, so let the reader hand long cells over.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


def shown(raw: str, limit: int = 40) -> str:
    """A user's value quoted in a message: whitespace folded, cut short."""
    s = " ".join(raw.split())
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")


# ---------------------------------------------------------------- text


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text, with notes: UTF-8 (with or without BOM), UTF-16 (BOM or not), or
    Windows-1252 (Excel's "CSV" on Windows). A cut-short UTF-16 file is refused, because its
    last row cannot be trusted."""
    if not data.strip():
        raise UsageFileError("The file is empty. Export the usage again, or pick another file.")
    encoding = _utf16(data)
    if encoding:
        body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        codec = "utf-16-le" if encoding == "le" else "utf-16-be"
        if len(body) % 2:
            text = body[:-1].decode(codec, errors="replace")
            raise UsageFileError(
                f"Row {text.count(chr(10)) + 1} (the last): the file ends in the middle of a "
                "character, so it was cut short and its last row cannot be trusted. Export or "
                "save the file again and upload the whole file."
            )
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as e:
            row = body[: e.start].decode(codec, errors="replace").count("\n") + 1
            raise UsageFileError(
                f"Row {row}: the file is UTF-16 text with a broken character there (it may be cut "
                "short). Export or save the file again, as 'CSV UTF-8' if you can."
            )
        return text.lstrip("\ufeff"), ["Read as UTF-16 text."]
    if b"\x00" in data[:4096] or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"):
        raise UsageFileError(
            "This is not a CSV text file (it looks like a spreadsheet or other binary file). "
            "In Excel or Google Sheets use File > Save as / Download > CSV, then upload that."
        )
    try:
        return data.decode("utf-8-sig").lstrip("\ufeff"), []
    except UnicodeDecodeError as e:
        utf8_error = e
    try:
        return data.decode("cp1252"), ["Read as Windows (cp1252) text, not UTF-8."]
    except UnicodeDecodeError:
        row = data[: utf8_error.start].count(b"\n") + 1
        raise UsageFileError(
            f"Row {row} has a character that is not UTF-8 text (byte 0x{data[utf8_error.start]:02X}). "
            "Save the file as 'CSV UTF-8' and upload it again."
        )


def _utf16(data: bytes) -> str | None:
    """'le' or 'be' when the bytes are UTF-16 (by BOM, or by where the zero bytes fall)."""
    if data.startswith(b"\xff\xfe"):
        return "le"
    if data.startswith(b"\xfe\xff"):
        return "be"
    head = data[:4096]
    half = len(head) // 2
    if half < 2:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "be"
    return None


def normalise_newlines(text: str) -> tuple[str, list[str]]:
    """CRLF and CR-only line endings become LF; a stray CR inside a cell becomes a space."""
    text = text.replace("\r\n", "\n")
    lone = text.count("\r")
    if not lone:
        return text, []
    if lone >= text.count("\n"):
        return text.replace("\r", "\n"), ["Lines end with CR only (old Mac style): read as usual."]
    return text.replace("\r", " "), ["A line break (CR) inside a cell was read as a space."]


# ---------------------------------------------------------------- delimiter and records


def detect_delimiter(text: str, allow_single: bool = False) -> str:
    """Comma, semicolon, tab or pipe: csv.Sniffer's pick on the first lines when the column
    counts agree with it, otherwise the candidate whose rows all have the header's width."""
    lines = [ln for ln in text[: SNIFF_CHARS * 4].split("\n")[:30] if ln.strip()]
    sample = "\n".join(lines)[:SNIFF_CHARS]
    order = list(DELIMITERS)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        order.remove(sniffed)
        order.insert(0, sniffed)
    except csv.Error:
        pass
    widths = {d: _widths(lines, d) for d in order}
    for d in order:
        w = widths[d]
        if w[0] >= 2 and all(x == w[0] for x in w[1:]):
            return d
    best = max(order, key=lambda d: widths[d][0] if widths[d] else 0)
    if widths[best] and widths[best][0] >= 2:
        return best
    if allow_single:
        return ","
    head = lines[0] if lines else ""
    other = next((c for c in ":^~" if c in head), None)
    hint = f" It looks separated by {other!r}." if other else ""
    raise UsageFileError(
        "Row 1 has only one column, so the columns are not separated by commas, semicolons, "
        f"tabs or pipes.{hint} Save the file as CSV (comma separated) and upload it again."
    )


def _widths(lines: list[str], delimiter: str) -> list[int]:
    try:
        return [len(r) for r in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        return [0]


def read_records(
    text: str, delimiter: str, max_rows: int, max_columns: int = 200
) -> list[tuple[int, list[str]]]:
    """(spreadsheet row, cells) for every non-blank record; the header is row 1. Cells and
    headers longer than MAX_CELL_CHARS, too many rows or columns are refused here, naming where."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    row = 0
    headers: list[str] = []
    try:
        for cells in reader:
            row += 1
            if row == 1:
                headers = cells
                if len(cells) > max_columns:
                    raise UsageFileError(
                        f"Row 1 has {len(cells):,} columns; a usage file has a handful. "
                        "Check this is the right file, or delete the extra columns."
                    )
            for i, cell in enumerate(cells):
                if len(cell) > MAX_CELL_CHARS:
                    where = (
                        f"column {i + 1}: the header"
                        if row == 1
                        else f"column {column_name(headers, i)}: the cell"
                    )
                    raise UsageFileError(
                        f"Row {row}, {where} is {len(cell):,} characters long (it starts "
                        f"{shown(cell)}). Headers and cells of a usage file are short: shorten it to "
                        f"under {MAX_CELL_CHARS} characters, or check this is the right file."
                    )
            if row > 1 and not any(c.strip() for c in cells):
                continue  # blank rows, e.g. trailing ones
            if len(out) > max_rows:
                raise UsageFileError(
                    f"Row {row}: the file has more than {max_rows:,} rows. A usage file has one "
                    "row per month: check this is the right file."
                )
            out.append((row, cells))
    except csv.Error as e:
        raise UsageFileError(
            f"Row {row + 1}: the CSV cannot be read there ({e}). Check the quotes in that row, "
            "or save the file as CSV again."
        )
    return out


def column_name(headers: list[str], i: int) -> str:
    name = headers[i].strip() if i < len(headers) else ""
    return repr(name) if name else str(i + 1)


# ---------------------------------------------------------------- numbers


@dataclass(frozen=True)
class NumberStyle:
    """The decimal mark and the thousands separators one file uses."""

    decimal: str = "."
    thousands: str = ","
    note: str | None = None


OTHER = {".": ",", ",": "."}  # the other separator
_GROUPED = {sep: re.compile(rf"\d{{1,3}}(\{sep}\d{{3}})+") for sep in ".,"}
_SPACES = re.compile(r"[ \u00a0\u202f']")
_NUMBER = re.compile(r"[+-]?[\d.,' \u00a0\u202f]+(?:[eE][+-]?\d+)?")  # on <= 30 characters


def detect_number_style(cells: list[tuple[int, str, str]]) -> NumberStyle:
    """Judge the separators over every number of the file: (row, column, raw) triples.

    A dot followed by other than three digits, or after a comma group, is a decimal point; two
    dot groups, or a dot before a comma, make the dot a thousands separator (and the same for the
    comma). With no such evidence, `1.083` is one thousand and eighty-three: the columns are counts.
    """
    first: dict[tuple[str, str], tuple[int, str, str]] = {}  # (separator, role) -> first cell
    ambiguous: dict[str, tuple[int, str, str]] = {}
    for row, column, raw in cells:
        s = _SPACES.sub("", raw.strip()).lstrip("+-")
        if len(s) > MAX_NUMBER_CHARS or not s or not s[0].isdigit():
            continue
        s = re.split(r"[eE]", s, maxsplit=1)[0]
        where = (row, column, raw)
        if "." in s and "," in s:  # the later separator is the decimal point
            point = "." if s.rfind(".") > s.rfind(",") else ","
            first.setdefault((point, "decimal"), where)
            first.setdefault((OTHER[point], "thousands"), where)
        elif "." in s or "," in s:
            sep = "." if "." in s else ","
            if s.count(sep) > 1:
                first.setdefault((sep, "thousands"), where)
            elif _GROUPED[sep].fullmatch(s):
                ambiguous.setdefault(sep, where)
            else:
                first.setdefault((sep, "decimal"), where)
    us = first.get((".", "decimal")) or first.get((",", "thousands"))
    eu = first.get((".", "thousands")) or first.get((",", "decimal"))
    if us and eu:
        raise UsageFileError(
            f"Row {us[0]}, column {us[1]}: {shown(us[2])} uses a dot as the decimal point, but row "
            f"{eu[0]}, column {eu[1]}: {shown(eu[2])} uses a comma. Write every number the same "
            "way, e.g. 12500 without separators."
        )
    if eu:
        return NumberStyle(
            ",", ".", "Numbers read the European way: a dot separates thousands (8.412 = 8412)."
        )
    if us:
        return NumberStyle(".", ",")
    if "." in ambiguous and "," not in ambiguous:
        row, column, raw = ambiguous["."]
        return NumberStyle(
            ",",
            ".",
            f"Read {raw.strip()} (row {row}, column {column}) and the like as thousands: no number "
            "in the file has a decimal point, and the columns are whole counts.",
        )
    return NumberStyle(".", ",")


def parse_count(raw: str, style: NumberStyle, row: int, column: str, round_up: bool = False) -> int:
    """A count from a cell; its cost is bounded before any conversion (length, exponent, size)."""
    text = raw.strip()
    if not text:
        raise UsageFileError(
            f"Row {row}, column {column}: the cell is empty. Write 0 if there was none."
        )
    if len(text) > MAX_NUMBER_CHARS:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is {len(text)} characters long, too long for "
            "a count. Write the number with digits only, like 12500."
        )
    if not _NUMBER.fullmatch(text):
        raise _not_a_number(text, row, column, style)
    mantissa, _, exponent = re.sub(r"[eE]", "e", text).partition("e")
    if exponent and not re.fullmatch(rf"[+-]?\d{{1,{MAX_EXPONENT_DIGITS}}}", exponent):
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is not a usable number (its exponent "
            f"is {shown(exponent, 12)}, far beyond any count). Write the number with digits only, "
            "like 12500."
        )
    body = _SPACES.sub("", mantissa)
    sign = body[:1] if body[:1] in "+-" else ""
    body = body[len(sign) :]
    int_part, dec_mark, frac = body.partition(style.decimal)
    if style.thousands in int_part:
        if not _GROUPED[style.thousands].fullmatch(int_part):
            raise _not_a_number(text, row, column, style)
        int_part = int_part.replace(style.thousands, "")
    if not re.fullmatch(r"\d+", int_part) or (dec_mark and not re.fullmatch(r"\d+", frac)):
        raise _not_a_number(text, row, column, style)
    try:
        value = Decimal(f"{sign}{int_part}.{frac or 0}e{exponent or 0}")
    except InvalidOperation:
        raise _not_a_number(text, row, column, style)
    if value < 0:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is negative; counts are 0 or more."
        )
    if value > MAX_COUNT:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is more than {MAX_COUNT:,}, far beyond any "
            "account's monthly usage. Check the cell."
        )
    if value != value.to_integral_value() and not round_up:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is not a whole number of profiles or "
            "emails." + _style_hint(style)
        )
    return int(value.to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_HALF_UP))


_CURRENCY = re.compile(r"^(?:US\$|USD|\$)\s*|\s*(?:USD|\$)$", re.IGNORECASE)
CENT = Decimal("0.01")


def money_text(raw: str) -> str:
    """A money cell without its dollar sign or USD (before or after), for the number style."""
    return _CURRENCY.sub("", raw.strip())


def parse_money(raw: str, style: NumberStyle, row: int, column: str) -> Decimal | None:
    """An amount in US dollars from a cell (`$1,234.50`, `1.234,50 USD`), in the file's number
    style; None when the cell is empty (no invoice for that month). Cost bounded as parse_count."""
    text = raw.strip()
    if not text:
        return None
    if len(text) > MAX_NUMBER_CHARS:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is {len(text)} characters long, too long for "
            "an amount. Write it in dollars and cents, like 1234.50."
        )
    body = _SPACES.sub("", money_text(text))
    sign = body[:1] if body[:1] in "+-" else ""
    body = body[len(sign) :]
    int_part, dec_mark, frac = body.partition(style.decimal)
    if style.thousands in int_part:
        if not _GROUPED[style.thousands].fullmatch(int_part):
            int_part = "x"  # refused just below
        int_part = int_part.replace(style.thousands, "")
    if not re.fullmatch(r"\d+", int_part) or (dec_mark and not re.fullmatch(r"\d+", frac)):
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is not an amount in dollars. Write it like "
            f"{'1234,50' if style.decimal == ',' else '1234.50'}, with or without a $ sign."
        )
    value = Decimal(f"{sign}{int_part}.{frac or 0}")
    if value < 0:
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} is negative; an invoice is 0 or more."
        )
    if value != value.quantize(CENT):
        raise UsageFileError(
            f"Row {row}, column {column}: {shown(text)} has more than 2 decimals; write the amount "
            "in dollars and cents."
        )
    return value.quantize(CENT)


def _style_hint(style: NumberStyle) -> str:
    if style.decimal == ",":
        return " This file uses a comma as the decimal mark; write counts without decimals."
    return " This file uses a dot as the decimal mark; write counts without decimals."


def _not_a_number(text: str, row: int, column: str, style: NumberStyle) -> UsageFileError:
    return UsageFileError(
        f"Row {row}, column {column}: {shown(text)} is not a number. Use digits only, like 12500."
    )


# ---------------------------------------------------------------- dates

DAY_FIRST, MONTH_FIRST = "day-first", "month-first"
ORDER_LABELS = {DAY_FIRST: "day first (dd/mm/yyyy)", MONTH_FIRST: "month first (mm/dd/yyyy)"}
EXCEL_EPOCH = date(1899, 12, 30)
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")
_MY = re.compile(r"(\d{1,2})[-/.](\d{4})")
_AB = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})")
_SERIAL = re.compile(r"(\d{5})(?:\.\d{1,10})?")
_TIME = re.compile(r"(?:[T ]\d{1,2}:\d{2}.*)$")
_NAMED = ("%b %Y", "%B %Y", "%b-%y", "%b-%Y", "%B-%Y", "%b %y", "%Y %b", "%Y %B", "%b. %Y")


@dataclass(frozen=True)
class DateCell:
    """One month cell read as far as it can be without knowing the file's date order."""

    fixed: date | None = None  # the month, when the cell says it unambiguously
    a: int = 0  # for a/b/yyyy cells: the two leading numbers and the year
    b: int = 0
    year: int = 0
    day: int | None = None  # the day of month, where the cell has one

    def month(self, order: str | None) -> date | None:
        if self.fixed is not None:
            return self.fixed
        m, d = (self.a, self.b) if order == MONTH_FIRST else (self.b, self.a)
        if not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(self.year, m)[1]:
            return None
        return date(self.year, m, 1)

    def day_of(self, order: str | None) -> date | None:
        """The full date, where the cell has a day."""
        month = self.month(order)
        if month is None:
            return None
        day = self.day if self.fixed is not None else (self.b if order == MONTH_FIRST else self.a)
        return month.replace(day=day) if day else None


def read_date(raw: str, serials: bool = False) -> DateCell | None:
    """A month cell in any common form; None if it is not a date. Cost bounded by length."""
    text = raw.strip()
    if not text or len(text) > MAX_DATE_CHARS:
        return None
    for dash in (" - ", " – ", " to "):  # a cycle written as a range: its start
        if dash in text:
            text = text.split(dash, 1)[0].strip()
    text = _TIME.sub("", text).strip()
    if m := _ISO.fullmatch(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3]) if m[3] else None
        return _fixed(y, mo, d)
    if m := _MY.fullmatch(text):
        return _fixed(int(m[2]), int(m[1]), None)
    if m := _AB.fullmatch(text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        a, b = int(m[1]), int(m[2])
        cell = DateCell(a=a, b=b, year=year)
        if cell.month(MONTH_FIRST) is None and cell.month(DAY_FIRST) is None:
            return None
        return cell
    if serials and (m := _SERIAL.fullmatch(text)):
        day = EXCEL_EPOCH + timedelta(days=int(m[1]))
        return DateCell(fixed=date(day.year, day.month, 1), day=day.day)
    if any(ch.isalpha() for ch in text):
        return _named(text)
    return None


def _fixed(y: int, m: int, d: int | None) -> DateCell | None:
    if not 1 <= m <= 12 or (d is not None and not 1 <= d <= calendar.monthrange(y or 1, m)[1]):
        return None
    if y < 1:
        return None
    return DateCell(fixed=date(y, m, 1), day=d)


def _named(text: str) -> DateCell | None:
    for fmt in _NAMED:
        try:
            d = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return DateCell(fixed=date(d.year, d.month, 1))
    try:  # a month name in another layout: dateutil, and the year must come from the cell
        one = dateparser.parse(text, default=datetime(2001, 1, 1))
        two = dateparser.parse(text, default=datetime(2002, 2, 2))
    except (ValueError, OverflowError):
        return None
    if one.year != two.year or one.month != two.month:
        return None
    return DateCell(fixed=date(one.year, one.month, 1), day=one.day if one.day == two.day else None)


def is_serial_column(raws: list[str]) -> bool:
    """Excel serial day numbers (45597 = 2 Nov 2024), when every cell is one from 2000 on."""
    return bool(raws) and all(
        _SERIAL.fullmatch(r.strip()) and 36526 <= int(r.strip()[:5]) <= 73050 for r in raws
    )


def orders_that_fit(cells: list[DateCell]) -> list[str]:
    """The date orders under which every a/b/yyyy cell is a date (both when there are none)."""
    ab = [c for c in cells if c.fixed is None]
    return [o for o in (MONTH_FIRST, DAY_FIRST) if all(c.month(o) for c in ab)]


def has_ab(cells: list[DateCell]) -> bool:
    return any(c.fixed is None for c in cells)
