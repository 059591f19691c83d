"""The usage file reader: our format, Klaviyo-style exports, and every kind of bad file."""

from datetime import date

import pytest

from ingest.columns import ColumnMappingNeeded
from ingest.errors import UsageFileError
from ingest.profiles_csv import count_profiles
from ingest.usage_csv import MAX_BYTES, history_csv, read_usage_csv

GOOD = b"month,active_profiles,email_sends,sms_credits\n2026-08,1000,9000,100\n2026-09,1100,9500,120\n"


def test_canonical_file():
    loaded = read_usage_csv(GOOD, "u.csv")
    assert [m.month for m in loaded.history.months] == [date(2026, 8, 1), date(2026, 9, 1)]
    assert loaded.history.last.sms_credits == 120
    assert history_csv(loaded.history).encode() == GOOD


def test_klaviyo_style_headers_in_any_case_and_order_and_separator():
    text = (
        "Billing Cycle;Emails Sent;ACTIVE PROFILES;Credits Used;Overage\n"
        '09/15/2026;"9,500";1100;120.5;0\n08/15/2026;9000;1000;100;0\n'
    )
    loaded = read_usage_csv(text.encode(), "export.csv")
    assert [m.month for m in loaded.history.months] == [date(2026, 8, 1), date(2026, 9, 1)]
    assert loaded.history.last.email_sends == 9500
    assert loaded.history.last.sms_credits == 121  # part credits round up
    assert "Read as semicolon-separated." in loaded.notes
    assert "Ignored column(s): Overage." in loaded.notes


def test_utf16_and_bom_files_are_read():
    assert read_usage_csv(GOOD.decode().encode("utf-16"), "u.csv").history.last.active_profiles == 1100
    assert read_usage_csv(b"\xef\xbb\xbf" + GOOD, "u.csv").history.last.active_profiles == 1100


def test_sms_messages_stand_in_for_credits_and_missing_sms_is_zero():
    sent = read_usage_csv(b"Month,Profiles,Emails,SMS Sent\n2026-09,10,100,7\n", "a.csv")
    assert sent.history.last.sms_credits == 7 and "1 credit each" in sent.notes[0]
    none = read_usage_csv(b"month,active_profiles,email_sends\n2026-09,10,100\n", "b.csv")
    assert none.history.last.sms_credits == 0 and "taken as 0" in none.notes[0]


def test_unmatched_headers_ask_for_a_mapping_and_the_mapping_is_used():
    data = b"Period,Subscribers,Messages,Texts\n2026-09,10,100,3\n"
    with pytest.raises(ColumnMappingNeeded) as need:
        read_usage_csv(data, "x.csv")
    assert need.value.headers == ["Period", "Subscribers", "Messages", "Texts"]
    assert need.value.guess["month"] == "Period"
    mapping = {
        "month": "Period",
        "active_profiles": "Subscribers",
        "email_sends": "Messages",
        "sms_credits": "Texts",
    }
    loaded = read_usage_csv(data, "x.csv", mapping)
    assert loaded.history.last.email_sends == 100 and loaded.history.last.sms_credits == 3


def test_more_than_36_months_keeps_the_last_36():
    rows = [f"{2020 + i // 12}-{i % 12 + 1:02d},10,100,0" for i in range(40)]
    loaded = read_usage_csv(
        ("month,active_profiles,email_sends,sms_credits\n" + "\n".join(rows)).encode(), "l.csv"
    )
    assert len(loaded.history.months) == 36 and "last 36 of 40" in loaded.notes[0]


BAD = {
    "empty": (b"", "empty"),
    "binary": (b"PK\x03\x04\x14\x00\x00\x00binary", "not a CSV text file"),
    "wrong encoding": (
        b"month,active_profiles,email_sends\n2026-09,10,100\nCaf\x81,1,1\n",
        "Row 3 has a character that is not UTF-8 text (byte 0x81)",
    ),
    "wrong delimiter": (b"month^active_profiles^email_sends\n2026-09^10^100\n", "separated by '^'"),
    "header only": (b"month,active_profiles,email_sends\n", "no rows of usage"),
    "missing month": (
        b"month,active_profiles,email_sends\n2026-07,10,100\n2026-09,10,100\n",
        "Row 3, column 'month': month 2026-08 is missing",
    ),
    "duplicate month": (
        b"month,active_profiles,email_sends\n2026-09,10,100\n2026-09,11,100\n",
        "Row 3, column 'month': 2026-09 appears twice (also row 2)",
    ),
    "negative": (
        b"month,active_profiles,email_sends\n2026-09,-10,100\n",
        "Row 2, column 'active_profiles': '-10' is negative",
    ),
    "non-numeric": (
        b"month,active_profiles,email_sends\n2026-09,10,lots\n",
        "Row 2, column 'email_sends': 'lots' is not a number",
    ),
    "empty cell": (
        b"month,active_profiles,email_sends\n2026-09,,100\n",
        "Row 2, column 'active_profiles': the cell is empty",
    ),
    "not a month": (
        b"month,active_profiles,email_sends\n2026-13,10,100\n",
        "Row 2, column 'month': '2026-13' is not a month",
    ),
    "fractional profiles": (
        b"month,active_profiles,email_sends\n2026-09,10.5,100\n",
        "not a whole number",
    ),
    "over the size limit": (
        b"month,active_profiles,email_sends\n" + b"2026-09,10,100\n" * (MAX_BYTES // 14),
        "the limit is 5 MB",
    ),
}


@pytest.mark.parametrize("kind", BAD)
def test_each_bad_file_gets_a_message_naming_where(kind):
    data, words = BAD[kind]
    with pytest.raises(UsageFileError) as caught:
        read_usage_csv(data, "bad.csv")
    assert words in str(caught.value)


def test_profile_export_counts_active_and_never_subscribed():
    text = (
        "Email,Phone Number,Email Marketing Consent\n"
        "a@x.com,,SUBSCRIBED\nb@x.com,,NEVER_SUBSCRIBED\nc@x.com,,UNSUBSCRIBED\n,,SUBSCRIBED\n"
    )
    count = count_profiles(text.encode(), "p.csv")
    assert (count.rows, count.active, count.never_subscribed) == (4, 2, 1)
    assert count.never_subscribed_pct == 50
    plain = count_profiles(b"Email\na@x.com\nb@x.com\n", "q.csv")
    assert (plain.active, plain.never_subscribed) == (2, None)
    with pytest.raises(UsageFileError, match="no 'Email' column"):
        count_profiles(GOOD, "usage.csv")
