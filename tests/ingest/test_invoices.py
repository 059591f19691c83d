"""The optional invoice column of a usage file: what Klaviyo billed each month (issue 12, replay)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.columns import ColumnMappingNeeded, guess_mapping
from ingest.errors import UsageFileError
from ingest.usage_csv import history_csv, read_usage_csv

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
TODAY = date(2026, 11, 20)


def read(name: str, mapping: dict[str, str] | None = None):
    return read_usage_csv((UPLOADS / name).read_bytes(), name, mapping, today=TODAY)


def test_a_us_file_with_dollar_signs_and_thousands_separators():
    loaded = read("invoices-us.csv")
    assert loaded.mapping["invoice_usd"] == "Amount billed"
    months = loaded.history.months
    assert [m.invoice_usd for m in months] == [
        Decimal("1045.00"),
        Decimal("1045.00"),
        None,  # an empty cell: no invoice that month
        Decimal("1120.50"),
    ]
    assert months[-1].sms_credits == 1020 and months[0].active_profiles == 12480
    assert not any("Ignored" in n for n in loaded.notes)


def test_a_european_file_through_the_mapping_step():
    with pytest.raises(ColumnMappingNeeded) as asked:
        read("invoices-european.csv")
    assert "Rechnung" in asked.value.headers
    mapping = {
        "month": "Monat",
        "active_profiles": "Aktive Profile",
        "email_sends": "E-Mails",
        "sms_credits": "SMS-Credits",
        "invoice_usd": "Rechnung",
    }
    loaded = read("invoices-european.csv", mapping)
    months = loaded.history.months
    assert [m.invoice_usd for m in months] == [
        Decimal("1045.00"),
        Decimal("1045.00"),
        Decimal("1120.50"),
    ]
    assert [m.email_sends for m in months] == [118200, 121450, 124300]  # dots are thousands
    assert any("European" in n for n in loaded.notes)


def test_a_bad_invoice_cell_names_its_row_and_column():
    with pytest.raises(UsageFileError) as bad:
        read("invoices-bad-cell.csv")
    assert str(bad.value).startswith("Row 4, column 'Invoice (USD)': 'one fifty' is not an amount")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-12.00", "Row 3, column 'invoice_usd': '-12.00' is negative"),
        ("12 dollars", "Row 3, column 'invoice_usd': '12 dollars' is not an amount in dollars"),
        (
            "12.345",
            "Row 3, column 'invoice_usd': '12.345' has more than 2 decimals",
        ),  # 150.00: a dot is the decimal point
        ("1,234.567", "Row 3, column 'invoice_usd': '1,234.567' has more than 2 decimals"),
        ("20000000", "Row 3, column 'invoice_usd': '20000000' cannot be used"),
    ],
)
def test_invoice_cells_outside_what_a_bill_can_be_are_refused(cell, message):
    data = (
        "month,active_profiles,email_sends,sms_credits,invoice_usd\n"
        f'2026-08,1000,9000,100,150.00\n2026-09,1100,9500,120,"{cell}"\n'
    ).encode()
    with pytest.raises(UsageFileError) as bad:
        read_usage_csv(data, "x.csv", today=TODAY)
    assert str(bad.value).startswith(message)


def test_the_canonical_file_writes_invoices_only_when_there_are_some_and_reads_them_back():
    loaded = read("invoices-us.csv")
    text = history_csv(loaded.history)
    assert text.splitlines()[0] == "month,active_profiles,email_sends,sms_credits,invoice_usd"
    assert text.splitlines()[3] == "2026-08,12790,124300,990,"
    again = read_usage_csv(text.encode(), "again.csv", today=TODAY)
    assert again.history == loaded.history
    plain = b"month,active_profiles,email_sends,sms_credits\n2026-08,1000,9000,100\n"
    assert history_csv(read_usage_csv(plain, "p.csv", today=TODAY).history).encode() == plain


def test_klaviyos_export_has_no_invoice_column_and_reads_as_before():
    loaded = read("klaviyo-account-usage.csv")
    assert "invoice_usd" not in loaded.mapping
    assert all(m.invoice_usd is None for m in loaded.history.months)
    assert "invoice_usd" not in history_csv(loaded.history)


@pytest.mark.parametrize(
    "header", ["Invoice", "Invoice total", "Amount billed", "Billed", "Bill (USD)", "Total charged"]
)
def test_invoice_headers_are_recognised_without_taking_the_sms_or_email_columns(header):
    headers = [
        "Month",
        "Emails billed",
        "Active profiles",
        "Emails sent",
        "SMS billed",
        "SMS credits",
        header,
    ]
    guess = guess_mapping(headers)
    assert guess["invoice_usd"] == header
    assert (guess["email_sends"], guess["sms_credits"]) == ("Emails sent", "SMS credits")
    assert guess_mapping(["Month", "Profiles", "Emails", "SMS billed"])["invoice_usd"] is None
