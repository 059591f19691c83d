"""The detectors of ingest/detect.py, the worker process, and the reader's use of them."""

import os
import pickle
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

from ingest import worker
from ingest.columns import ColumnMappingNeeded
from ingest.detect import (
    DAY_FIRST,
    MAX_COUNT,
    MONTH_FIRST,
    NumberStyle,
    decode,
    detect_delimiter,
    detect_number_style,
    normalise_newlines,
    parse_count,
    read_date,
    read_records,
)
from ingest.errors import UsageFileError
from ingest.months import DateOrderQuestion
from ingest.profiles_csv import count_profiles
from ingest.usage_csv import read_usage_csv

US, EU = NumberStyle(".", ","), NumberStyle(",", ".")


# ---------------------------------------------------------------- text


def test_decode_utf16_with_and_without_bom_and_windows_text():
    text = "month,active_profiles\n2026-09,10\n"
    assert decode(text.encode("utf-16"))[0] == text
    assert decode(text.encode("utf-16-le"))[0] == text  # no BOM: told by the zero bytes
    assert decode(b"\xfe\xff" + text.encode("utf-16-be"))[0] == text
    assert decode("Café,1\n".encode("cp1252")) == (
        "Café,1\n",
        ["Read as Windows (cp1252) text, not UTF-8."],
    )
    assert decode(b"\xef\xbb\xbf" + text.encode())[0] == text


def test_decode_refuses_cut_short_utf16_naming_the_last_row():
    data = "a,b\n1,2\n3,4\n".encode("utf-16")[:-1]
    with pytest.raises(UsageFileError, match=r"Row 3 \(the last\): the file ends in the middle"):
        decode(data)


def test_line_endings():
    assert normalise_newlines("a,b\r1,2\r")[0] == "a,b\n1,2\n"
    assert normalise_newlines("a,b\r\n1,2\r\n")[0] == "a,b\n1,2\n"
    assert normalise_newlines("a,b\n1\r,2\n")[0] == "a,b\n1 ,2\n"  # a stray CR in a cell


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(sep):
    text = sep.join(["month", "active_profiles", "email_sends"]) + "\n"
    text += sep.join(["2026-09", "10", "100"]) + "\n"
    assert detect_delimiter(text) == sep


def test_delimiter_is_confirmed_by_column_counts_not_only_by_the_sniffer():
    # commas inside quoted cells and decimal commas: the semicolon is the one that fits every row
    text = 'Month;"Profiles, active";Emails\n2026-09;1,5;100\n2026-10;2,5;200\n'
    assert detect_delimiter(text) == ";"


def test_records_keep_spreadsheet_row_numbers_across_blank_rows_and_quoted_line_breaks():
    text = 'a,b\n\n"x\ny",1\n,\n2,3\n\n'
    assert read_records(text, ",", 10) == [(1, ["a", "b"]), (3, ["x\ny", "1"]), (5, ["2", "3"])]


def test_records_refuse_a_long_cell_naming_row_and_column():
    with pytest.raises(UsageFileError, match=r"Row 3, column 'b': the cell is 201 characters"):
        read_records("a,b\n1,2\n3," + "x" * 201 + "\n", ",", 10)
    with pytest.raises(UsageFileError, match="more than 2 rows"):
        read_records("a\n1\n2\n3\n4\n", ",", 2)


# ---------------------------------------------------------------- numbers


def style_of(*cells: str) -> NumberStyle:
    return detect_number_style([(i + 2, "'n'", c) for i, c in enumerate(cells)])


def test_number_style_is_judged_over_the_whole_file():
    assert style_of("8.412", "1.204.331").decimal == ","  # two dot groups: thousands
    assert style_of("1.083,5").decimal == ","
    assert style_of("1,083.5").decimal == "."
    assert style_of("120.5", "1,083").decimal == "."  # a dot with one decimal: a decimal point
    assert style_of("1,083").decimal == "."  # US thousands
    assert style_of("12500").decimal == "."
    ambiguous = style_of("1.083", "999")  # counts are whole: 1.083 is a thousand and 83
    assert (ambiguous.decimal, ambiguous.thousands) == (",", ".")
    assert "Read 1.083 (row 2, column 'n')" in ambiguous.note
    with pytest.raises(UsageFileError, match=r"Row 2, column 'n': '1,083.5' uses a dot .* row 3"):
        style_of("1,083.5", "8.412,5")


@pytest.mark.parametrize(
    ("raw", "style", "value"),
    [
        ("8.412", EU, 8412),
        ("1.204.331", EU, 1204331),
        ("1,083", US, 1083),
        ("1 083", US, 1083),
        ("1\u00a0083", EU, 1083),
        ("1.2E+06", US, 1200000),
        ("0012", US, 12),
        ("+5", US, 5),
    ],
)
def test_parse_count(raw, style, value):
    assert parse_count(raw, style, 2, "'n'") == value


def test_credits_round_up_and_profiles_must_be_whole():
    assert parse_count("1.083,5", EU, 2, "'c'", round_up=True) == 1084
    with pytest.raises(UsageFileError, match="not a whole number"):
        parse_count("10.5", US, 2, "'p'")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("1e1000000", "its exponent is '1000000'"),
        ("9" * 200, "200 characters long"),
        ("1e99", f"more than {MAX_COUNT:,}"),
        ("-10", "negative"),
        ("1,08,3", "not a number"),
        ("12 apples", "not a number"),
        ("", "the cell is empty"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
    ],
)
def test_parse_count_refusals_name_row_and_column(raw, words):
    with pytest.raises(UsageFileError) as caught:
        parse_count(raw, US, 7, "'Emails'")
    assert str(caught.value).startswith("Row 7, column 'Emails'") and words in str(caught.value)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.,eE+- \u00a0'x", max_size=60))
def test_parse_count_either_returns_a_bounded_count_or_a_message(raw):
    """Any cell of number-like characters: a count within MAX_COUNT, or a UsageFileError
    (never another exception, never a huge integer)."""
    for style in (US, EU):
        try:
            value = parse_count(raw, style, 2, "'n'", round_up=True)
        except UsageFileError:
            continue
        assert 0 <= value <= MAX_COUNT


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "month"),
    [
        ("2025-10", date(2025, 10, 1)),
        ("2025-10-15", date(2025, 10, 1)),
        ("2025/10/15", date(2025, 10, 1)),
        ("2025-10-15T00:00:00Z", date(2025, 10, 1)),
        ("2025-10-15 08:30:00", date(2025, 10, 1)),
        ("10/2025", date(2025, 10, 1)),
        ("Oct 2025", date(2025, 10, 1)),
        ("October 2025", date(2025, 10, 1)),
        ("Oct-25", date(2025, 10, 1)),
        ("15 Oct 2025", date(2025, 10, 1)),
        ("October 15, 2025", date(2025, 10, 1)),
        ("10/15/2025 - 11/14/2025", date(2025, 10, 1)),
    ],
)
def test_read_date_fixed_forms(raw, month):
    cell = read_date(raw)
    assert cell is not None and cell.month(MONTH_FIRST) == month


def test_read_date_ambiguous_forms_and_serials():
    us = read_date("10/15/2025")
    assert us.month(MONTH_FIRST) == date(2025, 10, 1) and us.month(DAY_FIRST) is None
    uk = read_date("15/10/2025")
    assert uk.month(DAY_FIRST) == date(2025, 10, 1) and uk.month(MONTH_FIRST) is None
    both = read_date("01/11/24")
    assert both.month(DAY_FIRST) == date(2024, 11, 1) and both.month(MONTH_FIRST) == date(2024, 1, 1)
    assert read_date("45597", serials=True).month(None) == date(2024, 11, 1)  # Excel: 2 Nov 2024
    assert read_date("45597") is None  # only in a column of serials
    for junk in ("October", "hello", "13/13/2025", "2025-13", "x" * 41, "5"):
        assert read_date(junk) is None


def months_of(text: str, **kw) -> list[str]:
    loaded = read_usage_csv(text.encode(), "f.csv", **kw)
    return [f"{m.month:%Y-%m}" for m in loaded.history.months]


def test_date_order_is_judged_over_the_whole_column():
    # month-first would put two rows in Jan 2024: only day-first makes a run of months
    uk = "Month,Active Profiles,Emails Sent\n01/11/2024,1,2\n01/12/2024,1,2\n01/01/2025,1,2\n"
    assert months_of(uk) == ["2024-11", "2024-12", "2025-01"]
    # one cell past 12 decides for every row
    us = "Month,Active Profiles,Emails Sent\n01/01/2025,1,2\n02/01/2025,1,2\n03/15/2025,1,2\n"
    assert months_of(us) == ["2025-01", "2025-02", "2025-03"]


def test_an_ambiguous_column_raises_a_question_with_both_readings():
    text = "Month,Active Profiles,Emails Sent\n01/11/2024,1,2\n"
    with pytest.raises(DateOrderQuestion) as asked:
        months_of(text)
    q = asked.value
    assert q.column == "'Month'"
    assert q.readings == {
        DAY_FIRST: [("01/11/2024", "Nov 2024")],
        MONTH_FIRST: [("01/11/2024", "Jan 2024")],
    }
    assert pickle.loads(pickle.dumps(q)).readings == q.readings  # crosses processes and caches
    assert months_of(text, date_order=DAY_FIRST) == ["2024-11"]
    assert months_of(text, date_order=MONTH_FIRST) == ["2024-01"]


def test_dates_that_fit_no_single_order_name_both_rows():
    text = "Month,Active Profiles,Emails Sent\n13/01/2025,1,2\n02/14/2025,1,2\n"
    with pytest.raises(
        UsageFileError, match=r"Row 2, column 'Month': '13/01/2025' must be day first, but row 3"
    ):
        months_of(text)


def test_months_outside_a_sane_range_are_refused():
    for bad in ("9999-12", "1999-12"):
        with pytest.raises(UsageFileError, match=rf"Row 2, column 'month': '{bad}' is the month"):
            months_of(f"month,active_profiles,email_sends\n{bad},1,2\n")


def test_klaviyo_export_is_sorted_and_labelled_by_the_start_month():
    text = (
        "Billing Cycle Start,Billing Cycle End,Active Profiles,Emails Sent,SMS Sent,SMS Credits Used\n"
        "10/15/2025,11/14/2025,200,2000,30,45\n09/15/2025,10/14/2025,100,1000,20,25\n"
    )
    loaded = read_usage_csv(text.encode(), "k.csv")
    assert [(f"{m.month:%Y-%m}", m.sms_credits) for m in loaded.history.months] == [
        ("2025-09", 25),
        ("2025-10", 45),
    ]
    assert loaded.mapping["month"] == "Billing Cycle Start"
    assert any("labelled by the month it starts in" in n for n in loaded.notes)
    assert "Rows were newest first: read oldest first." in loaded.notes


def test_content_proposes_a_mapping_and_an_incomplete_mapping_asks_again():
    data = b"Period,Subscribers,Messages\n2026-09,2000,15000\n2026-10,2100,16000\n"
    with pytest.raises(ColumnMappingNeeded) as need:
        read_usage_csv(data, "x.csv")
    assert need.value.guess["month"] == "Period"
    assert (need.value.guess["active_profiles"], need.value.guess["email_sends"]) == (
        "Subscribers",
        "Messages",
    )
    with pytest.raises(ColumnMappingNeeded, match="Could not tell which column holds: Month"):
        read_usage_csv(data, "x.csv", {"active_profiles": "Subscribers", "email_sends": "Messages"})


def test_a_total_row_is_left_out():
    loaded = read_usage_csv(b"month,active_profiles,email_sends\n2026-09,1,2\nTotal,1,2\n", "t.csv")
    assert len(loaded.history.months) == 1 and "Left out row 3" in loaded.notes[-1]


# ---------------------------------------------------------------- profile exports


def test_profile_exports_get_the_same_decoding():
    text = "Email;Email Marketing Consent\ra@x.com;SUBSCRIBED\rb@x.com;NEVER_SUBSCRIBED\r"
    for data in (text.encode("utf-16"), text.encode(), text.replace("\r", "\r\n").encode("cp1252")):
        count = count_profiles(data, "p.csv")
        assert (count.rows, count.active, count.never_subscribed) == (2, 2, 1)
    with pytest.raises(UsageFileError, match=r"Row 3, column 'Note': the cell is 10,001 characters"):
        count_profiles(("Email,Note\na@x.com,ok\nb@x.com," + "n" * 10_001 + "\n").encode(), "p.csv")
    with pytest.raises(UsageFileError, match="cut short"):
        count_profiles(text.encode("utf-16")[:-1], "p.csv")


# ---------------------------------------------------------------- the worker process


def test_the_parse_runs_in_another_process():
    assert worker.run(os.getpid) != os.getpid()
    loaded = worker.run(read_usage_csv, b"month,active_profiles,email_sends\n2026-09,1,2\n", "w.csv")
    assert loaded.history.last.email_sends == 2
    with pytest.raises(ColumnMappingNeeded) as need:  # a question crosses the process intact
        worker.run(read_usage_csv, b"A,B,C\n2026-09,1,2\n", "w.csv")
    assert need.value.headers == ["A", "B", "C"]


def test_the_worker_turns_other_faults_and_timeouts_into_messages():
    with pytest.raises(UsageFileError, match=r"could not be read \(ValueError\)"):
        worker.run(int, "not a number")
    with pytest.raises(UsageFileError, match="took longer than 1 seconds, so it was stopped"):
        worker.run(time.sleep, 30, timeout=1)
    assert worker.run(os.getpid) != os.getpid()  # a new pool after the stopped one


def test_the_engines_own_bounds_are_reported_with_row_and_column(monkeypatch):
    """Whatever bounds engine/models.py sets on a count, a cell beyond them names its place."""
    import ingest.usage_csv as usage

    class Tight(usage.HistoryMonth):
        active_profiles: int = Field(ge=0, le=1000)

    monkeypatch.setattr(usage, "HistoryMonth", Tight)
    with pytest.raises(UsageFileError, match=r"Row 3, column 'Profiles': '5000' cannot be used \("):
        read_usage_csv(b"Month,Profiles,Emails\n2026-09,10,100\n2026-10,5000,100\n", "b.csv")


def test_a_row_wider_than_the_header_is_refused_not_shifted():
    data = b"month,active_profiles,email_sends\n2026-09,1,083,100\n2026-10,1,2\n"
    with pytest.raises(UsageFileError, match="Row 2 has 4 cells but row 1 has 3 headers"):
        read_usage_csv(data, "w.csv")


def test_a_klaviyo_cycle_still_running_is_left_out():
    text = (
        "Billing Cycle Start,Billing Cycle End,Active Profiles,Emails Sent,SMS Credits Used\n"
        "10/15/2025,11/14/2025,200,700,45\n09/15/2025,10/14/2025,100,1000,25\n"
        "08/15/2025,09/14/2025,90,900,20\n"
    )
    running = read_usage_csv(text.encode(), "k.csv", today=date(2025, 11, 3))
    assert [f"{m.month:%Y-%m}" for m in running.history.months] == ["2025-08", "2025-09"]
    assert "Left out row 2 (Oct 2025): that cycle runs until 14 Nov 2025" in " ".join(running.notes)
    ended = read_usage_csv(text.encode(), "k.csv", today=date(2025, 11, 15))
    assert ended.history.last.email_sends == 700
