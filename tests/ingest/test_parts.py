"""The usage reader's steps called one by one, and where each kind of code lives (issue 9, item 3)."""

import ast
from datetime import date
from pathlib import Path

import pytest

from engine.history import LoadedUsage
from ingest.columns import ColumnMappingNeeded, credits_column, resolve_mapping
from ingest.months import DateOrderQuestion, read_months
from ingest.usage_csv import read_table, read_usage_csv

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)


def test_the_table_step_reads_headers_and_rows_as_written():
    table = read_table(b"Month;Profiles;Profiles\n2026-09;1;2\n\n2026-10;3;4\n")
    assert table.headers == ["Month", "Profiles", "Profiles (column 3)"]  # a repeated name is told apart
    assert table.body == [(2, ["2026-09", "1", "2"]), (4, ["2026-10", "3", "4"])]  # spreadsheet rows
    assert table.notes == ["Read as semicolon-separated."]


def test_the_column_step_maps_by_name_or_asks():
    notes: list[str] = []
    mapping = resolve_mapping(["Date", "Active Profiles", "Emails Sent"], [], None, notes)
    assert mapping == {
        "month": "Date",
        "active_profiles": "Active Profiles",
        "email_sends": "Emails Sent",
    }
    with pytest.raises(ColumnMappingNeeded) as asked:
        resolve_mapping(["Date", "A", "B"], [["2026-09", "10", "900"]], None, [])
    assert asked.value.missing == ["active_profiles", "email_sends"]
    assert asked.value.guess["email_sends"] == "B"  # by content: the larger count is the emails


@pytest.mark.parametrize(
    ("mapping", "key", "note"),
    [
        (
            {"sms_credits": "Credits", "sms_sent": "Sent"},
            "sms_credits",
            "Used 'Credits' rather than 'Sent'",
        ),
        ({"sms_sent": "Sent"}, "sms_sent", "used SMS messages sent at 1 credit each"),
        ({}, None, "SMS credits taken as 0"),
    ],
)
def test_sms_credits_come_from_credits_then_messages_sent(mapping, key, note):
    notes: list[str] = []
    assert credits_column(mapping, notes) == key
    assert note in notes[0]


def test_the_month_step_judges_the_date_order_over_the_whole_column():
    cells = [(2, "15/10/2025"), (3, "15/11/2025"), (4, "15/12/2025")]  # only day first reads them
    months, order, notes = read_months(cells, "'Date'", None, TODAY)
    assert months == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    assert order == "day-first" and "labelled by the month it starts in" in notes[-1]
    with pytest.raises(DateOrderQuestion):  # one row: November or January, both a valid run
        read_months([(2, "01/11/2024")], "'Date'", None, TODAY)
    months, order, _ = read_months([(2, "01/11/2024")], "'Date'", "month-first", TODAY)
    assert months == [date(2024, 1, 1)] and order == "month-first"  # the user's answer is used


def test_every_source_returns_the_same_loaded_usage_model(client):
    from ingest.klaviyo_api import load_usage

    from_file = read_usage_csv(b"month,active_profiles,email_sends\n2026-09,1,2\n", "u.csv")
    from_api, _ = load_usage(client, "SgAct1", months=3, today=TODAY)
    assert type(from_file) is LoadedUsage and type(from_api) is LoadedUsage


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level
    } | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_sources_need_the_history_model_not_the_growth_model():
    """The history model has its own module: no source of usage imports the growth model, and
    the klaviyo package is only the API client (it reads no files and builds no history)."""
    for path in [*sorted((ROOT / "ingest").glob("*.py")), *sorted((ROOT / "klaviyo").glob("*.py"))]:
        assert "engine.growth" not in imports(path), path
    for path in sorted((ROOT / "klaviyo").glob("*.py")):
        assert not any(m.split(".")[0] == "ingest" for m in imports(path)), path
    assert imports(ROOT / "engine" / "history.py") <= {"__future__", "dataclasses", "datetime",
                                                         "itertools", "pydantic", "engine.models"}  # fmt: skip
