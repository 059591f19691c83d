"""The price book loader: the bundled book is valid, and every fault names file, row and column."""

from datetime import date
from decimal import Decimal

import pytest

from engine.models import PriceBook, PriceStatus
from engine.price_book import (
    EMAIL_COLUMNS,
    PriceBookError,
    book_csv,
    book_from_csv,
    load_credits_per_message,
    load_price_book,
    parse_email_tiers,
    parse_sms_tiers,
    tiers_csv,
)

HEADER = "effective_from,max_profiles,monthly_price_usd,monthly_email_sends,status,source,as_of\n"
ROW_500 = "2025-12-29,500,20,5000,official,klaviyo.com/pricing,2025-12-29\n"
ROW_1000 = "2025-12-29,1000,30,10000,secondary,pkom79,2025-09-02\n"
SMS = "effective_from,monthly_credits,monthly_price_usd,status,source,as_of\n2025-12-29,1250,15,estimate,x,\n"


def fault(text: str) -> PriceBookError:
    with pytest.raises(PriceBookError) as caught:
        parse_email_tiers(text)
    return caught.value


def test_the_bundled_book_loads_with_every_row_sourced():
    book = load_price_book(as_of=date(2026, 11, 23))
    assert len(book.email_tiers) == 52
    assert book.effective_from == date(2025, 12, 29)
    assert all(t.source for t in book.email_tiers + book.sms_tiers)
    assert isinstance(book.email_tiers[1].monthly_price_usd, Decimal)
    assert [t.status for t in book.sms_tiers[2:]] == [PriceStatus.ESTIMATE] * (len(book.sms_tiers) - 2)
    assert len(load_credits_per_message()) == 22


def test_each_bundled_rows_status_agrees_with_its_sources_research_label():
    labels = {
        PriceStatus.OFFICIAL: "CONFIRMED-OFFICIAL",
        PriceStatus.SECONDARY_CORROBORATED: "SECONDARY-CORROBORATED",
        PriceStatus.SECONDARY: "SECONDARY:",
    }
    for tier in load_price_book().email_tiers:
        assert tier.source.startswith(labels[tier.status]), tier
    prices = {t.max_profiles: t.monthly_price_usd for t in load_price_book().email_tiers}
    # the prices Klaviyo itself confirms (klaviyo-billing-facts.md section 1b)
    assert [prices[n] for n in (250, 500, 1500, 5000, 6500)] == [0, 20, 45, 100, 140]


def test_a_good_file_parses():
    tiers = parse_email_tiers(HEADER + ROW_500 + ROW_1000)[date(2025, 12, 29)]
    assert [t.max_profiles for t in tiers] == [500, 1000]


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (HEADER + "2025-12-29,500,2O,5000,official,src,\n", 2, "monthly_price_usd", "not an amount"),
        (HEADER + "2025-12-29,500,-20,5000,official,src,\n", 2, "monthly_price_usd", "negative"),
        (
            HEADER + "2025-12-29,500,19.999,5000,official,src,\n",
            2,
            "monthly_price_usd",
            "more than 2 decimals",
        ),
        (HEADER + "2025-12-29,5OO,20,5000,official,src,\n", 2, "max_profiles", "not a whole number"),
        (HEADER + "2025-12-29,500.5,20,5000,official,src,\n", 2, "max_profiles", "not a whole number"),
        (HEADER + "2025-12-29,500,20,5000,official,,\n", 2, "source", "is empty"),
        (HEADER + "2025-12-29,500,20,5000,rumour,src,\n", 2, "status", "not a known status"),
        (HEADER + "29/12/2025,500,20,5000,official,src,\n", 2, "effective_from", "YYYY-MM-DD"),
        (HEADER + ROW_1000 + ROW_500, 3, "max_profiles", "not above the tier before it"),
        (HEADER + ROW_500 + ROW_500, 3, "max_profiles", "not above the tier before it"),
        (
            HEADER + ROW_500 + "2025-12-29,1000,30,4000,official,src,\n",
            3,
            "monthly_email_sends",
            "not above the tier before it",
        ),
        (
            HEADER + ROW_500 + "2025-12-29,1000,10,10000,official,src,\n",
            3,
            "monthly_price_usd",
            "never costs less",
        ),
        (HEADER + "2025-12-29,500,20,0,official,src,\n", 2, "monthly_email_sends", "paid tier"),
        (HEADER + "2025-12-29,500,20,official,src,\n", 2, None, "6 cells but the header has 7"),
    ],
)
def test_each_fault_names_file_row_and_column(text, row, column, words):
    error = fault(text)
    assert (error.file, error.row, error.column) == ("email_tiers.csv", row, column)
    assert words in str(error)
    assert str(error).startswith(f"email_tiers.csv, row {row}")


def test_missing_and_unknown_columns_are_named():
    missing = fault("effective_from,max_profiles,monthly_price_usd,status,source\n" + ROW_500)
    assert "missing column(s) monthly_email_sends" in str(missing)
    unknown = fault(HEADER.replace("as_of", "notes") + ROW_500)
    assert (unknown.row, unknown.column) == (1, "notes")


def test_empty_file_and_header_only_are_explained():
    assert "empty" in str(fault(""))
    assert "no tier rows" in str(fault(HEADER))


def test_header_is_case_insensitive_and_bom_tolerated():
    tiers = parse_email_tiers("\ufeff" + HEADER.upper() + ROW_500)
    assert len(tiers[date(2025, 12, 29)]) == 1


def test_versions_pick_the_one_in_force():
    text = HEADER + ROW_500 + ROW_1000 + "2027-01-01,500,25,5000,user,announced,\n"
    book = book_from_csv(text, SMS, as_of=date(2026, 6, 1))
    assert book.email_tiers[0].monthly_price_usd == 20
    later = book_from_csv(text, SMS, as_of=date(2027, 2, 1))
    assert later.email_tiers[0].monthly_price_usd == 25 and later.effective_from == date(2027, 1, 1)
    with pytest.raises(PriceBookError, match="no version is in force on 2020-01-01"):
        book_from_csv(text, SMS, as_of=date(2020, 1, 1))


def test_sms_no_plan_row_is_added_when_missing_and_must_cost_zero():
    book = book_from_csv(HEADER + ROW_500, SMS, as_of=date(2026, 1, 1))
    assert (book.sms_tiers[0].monthly_credits, book.sms_tiers[0].monthly_price_usd) == (0, 0)
    with pytest.raises(PriceBookError) as caught:
        parse_sms_tiers(SMS.replace("1250,15", "0,5"))
    assert (caught.value.row, caught.value.column) == (2, "monthly_price_usd")


def test_money_with_dollar_sign_and_thousands_separator_is_read():
    text = HEADER + '2025-12-29,500,"$1,380",5000,official,src,\n'
    assert parse_email_tiers(text)[date(2025, 12, 29)][0].monthly_price_usd == Decimal("1380")


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("2025-12-29,1e1000000,20,5000,official,x,\n", "max_profiles", "above 100,000,000"),
        ("2025-12-29,500,20,1e1000000,official,x,\n", "monthly_email_sends", "above 10,000,000,000"),
        ("2025-12-29,500,1e12,5000,official,x,\n", "monthly_price_usd", "largest monthly price"),
    ],
)
def test_a_value_above_the_engines_bounds_names_row_and_column(row, column, words):
    error = fault(HEADER + row)
    assert (error.row, error.column) == (2, column)
    assert words in error.problem


def test_a_ladder_of_more_than_1000_tiers_is_rejected():
    rows = "".join(f"2025-12-29,{500 + i},20,{5000 + i},official,x,\n" for i in range(1001))
    assert "at most 1,000 tiers" in fault(HEADER + rows).problem


# ---------------------------------------------------------------- writer


def test_the_writer_writes_what_the_reader_reads():
    book = load_price_book()
    email, sms = book_csv(book)
    assert book_from_csv(email, sms) == book
    assert email.splitlines()[0] == ",".join(EMAIL_COLUMNS)


def test_an_edited_table_with_float_counts_and_a_missing_price_is_written_readably():
    rows = [
        {"max_profiles": 500.0, "monthly_price_usd": 20.0, "monthly_email_sends": 5000.0,
         "status": "user", "source": "edited in the app"},
        {"max_profiles": 1000.0, "monthly_price_usd": float("nan"), "monthly_email_sends": 10000.0,
         "status": "user", "source": "edited in the app"},
    ]  # fmt: skip
    text = tiers_csv(rows, EMAIL_COLUMNS, date(2025, 12, 29))
    assert "2025-12-29,500,20.00,5000,user,edited in the app," in text
    assert fault(text).row == 3 and fault(text).column == "monthly_price_usd"  # named, not misread


def test_a_download_escapes_formulas_in_text_cells_only():
    book = PriceBook(
        email_tiers=[{"max_profiles": 500, "monthly_price_usd": "20", "monthly_email_sends": 5000,
                      "source": "=HYPERLINK(1)"}]
    )  # fmt: skip
    email, _ = book_csv(book, text=lambda v: "'" + v if v.startswith("=") else v)
    assert "500,20.00,5000,user,'=HYPERLINK(1)," in email
