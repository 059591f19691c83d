"""Chart builders and reports as pure functions: their data is the engine's result."""

import csv
import io
from decimal import Decimal

import pytest

from engine.growth import fit
from engine.price_book import load_price_book
from engine.whatif import WhatIf, run_whatif
from ingest.usage_csv import read_usage_file
from tests.app.conftest import ROOT
from ui import charts, report

HISTORY = read_usage_file(ROOT / "data" / "sample" / "usage.csv").history


@pytest.fixture(scope="module")
def run():
    whatif = WhatIf(
        growth=fit(HISTORY).growth, sms_plan_credits=7500, revenue_per_email_usd=Decimal("0.05")
    )
    return run_whatif(HISTORY, load_price_book(), whatif)


def test_cumulative_cost_ends_at_each_settings_total(run):
    labels = run.projection.labels
    fig = charts.cumulative_cost(run.comparison, labels)
    assert [t.name for t in fig.data] == [o.label for o in run.comparison.outcomes]
    for trace, outcome in zip(fig.data, run.comparison.outcomes, strict=True):
        assert list(trace.x) == labels
        assert trace.y[-1] == pytest.approx(float(outcome.total_usd))
        assert trace.y[0] == pytest.approx(float(outcome.result.cycles[0].total_usd))
    with_lost = charts.cumulative_cost(run.comparison, labels, with_lost=True)
    assert with_lost.data[0].y[-1] == pytest.approx(
        float(run.comparison.outcomes[0].total_with_lost_usd)
    )


def test_monthly_bill_stacks_to_each_cycles_total(run):
    outcome = run.comparison.outcome("auto_upgrade")
    fig = charts.monthly_bill(outcome, run.projection.labels)
    assert [t.name for t in fig.data] == ["Email plan", "Upgrades", "SMS plan"]  # no flex fees
    for i, bill in enumerate(outcome.result.cycles):
        assert sum(t.y[i] for t in fig.data) == pytest.approx(float(bill.total_usd))
    assert fig.layout.barmode == "stack"


def test_demand_vs_limit_shows_history_then_projection(run):
    result = run.comparison.outcome("flex").result
    fig = charts.demand_vs_limit(HISTORY, run.projection, result)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["Emails sent (history)"].y) == [m.email_sends for m in HISTORY.months]
    assert list(by_name["Emails wanted (projection)"].y) == [b.email_sends_demand for b in result.cycles]
    assert list(by_name["Send limit (after flex/upgrade)"].y) == [
        b.email_send_limit for b in result.cycles
    ]
    assert list(by_name["Plan's profile band"].y) == [b.email_plan_profiles for b in result.cycles]
    assert by_name["Emails wanted (projection)"].x[0] == run.projection.labels[0]


def test_events_timeline_has_a_point_for_each_kind_channel_and_month(run):
    result = run.comparison.outcome("stop").result
    labels = run.projection.labels
    fig = charts.events_timeline(result, labels, "Stop sending")
    expected = {
        (labels[b.cycle - 1], charts.EVENT_ROWS[e.kind], e.channel.value)
        for b in result.cycles
        for e in b.events
    }
    assert len(fig.data[0].x) == len(expected)
    blocked = sum(1 for b in result.cycles if b.emails_blocked or b.sms_credits_blocked)
    assert sum(1 for y in fig.data[0].y if y == "Sending blocked") >= blocked > 0


def test_history_preview_plots_the_three_series():
    fig = charts.history_preview(HISTORY)
    assert [list(t.y) for t in fig.data] == [
        [m.active_profiles for m in HISTORY.months],
        [m.email_sends for m in HISTORY.months],
        [m.sms_credits for m in HISTORY.months],
    ]


def test_comparison_frame_matches_the_outcomes(run):
    frame = report.comparison_frame(run.comparison, 12)
    by_setting = frame.set_index("Setting")
    for o in run.comparison.outcomes:
        assert by_setting.loc[o.label, "Bill (12 mo)"] == float(o.total_usd)
        assert by_setting.loc[o.label, "Bill + lost revenue"] == float(o.total_with_lost_usd)
    assert frame.iloc[0]["Setting"] == run.comparison.outcome(run.comparison.cheapest_with_lost).label


def test_the_shown_comparison_writes_money_as_dollars_and_drops_the_ranks(run):
    frame = report.comparison_frame(run.comparison, 12)
    shown = report.shown_comparison(frame)
    assert [c for c in frame.columns if not c.startswith("Rank")] == list(shown.columns)
    assert all(str(c).strip() for c in shown.columns)  # every column has a header
    for o in run.comparison.outcomes:
        row = shown.set_index("Setting").loc[o.label]
        assert row["Bill (12 mo)"] == f"${o.total_usd:,.2f}"
        assert row["Lost revenue"] == f"${o.lost_revenue_usd:,.2f}"
        assert row["Flexes"] == o.flexes
    assert list(shown["Setting"]) == list(frame["Setting"])  # same (ranked) order


def test_bills_frame_has_every_setting_and_cycle(run):
    frame = report.bills_frame(run.comparison, run.projection.labels)
    assert len(frame) == 5 * 12
    totals = frame.groupby("setting")["total_usd"].sum()
    for o in run.comparison.outcomes:
        assert totals[o.label] == pytest.approx(float(o.total_usd))


def test_csv_downloads_are_safe_against_formula_injection():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain", "\tx"],
            "n": [1, -2, 3, 4, 5, 6],
        }
    )
    rows = list(csv.reader(io.StringIO(report.safe_csv(frame))))
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "'\tx",
    ]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5", "6"]  # numbers stay numbers


def test_the_scenario_download_is_what_the_cli_reads(run, tmp_path):
    from tests.conftest import cli_json

    path = tmp_path / "scenario.json"
    path.write_text(report.scenario_download(run.scenario, None))
    result = cli_json("simulate", str(path))
    assert result["total_usd"] == f"{run.comparison.outcome('auto_upgrade').total_usd:.2f}"


def test_the_comparison_counts_each_kind_of_plan_move_apart(run):
    frame = report.comparison_frame(run.comparison, 12).set_index("Setting")
    for o in run.comparison.outcomes:
        bills = o.result.cycles
        row = frame.loc[o.label]
        assert row["Email auto-upgrades"] == sum(b.email_upgrades for b in bills)
        assert row["SMS auto-upgrades"] == sum(b.sms_upgrades for b in bills)
        assert row["Renewal moves"] == sum(1 for b in bills if b.email_profile_upgrades)
        assert row["Manual downgrades"] == sum(
            b.email_manual_downgrade + b.sms_manual_downgrade for b in bills
        )
        assert row["Auto-downgrades"] == sum(b.email_auto_downgrade for b in bills)
    manual = frame.loc["Auto-upgrade, then downgrade by hand"]
    assert manual["Manual downgrades"] == len(
        run.comparison.outcome("auto_upgrade_manual_downgrade").schedule
    )
    help_text = report.column_help(frame.reset_index())
    for column in report.shown_comparison(frame.reset_index()).columns:
        assert f"**{column}**:" in help_text  # every shown column is defined


def _history(rows):
    from datetime import date

    from engine.history import HistoryMonth, UsageHistory, add_months

    start = date(2025, 1, 1)
    return UsageHistory(
        months=tuple(
            HistoryMonth(month=add_months(start, i), active_profiles=p, email_sends=e, sms_credits=s)
            for i, (p, e, s) in enumerate(rows)
        )
    )


@pytest.mark.parametrize("months", [10, 14])
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_single_channel_accounts_get_no_empty_axis(channel, months):
    """An email-only (or SMS-only) account: no plot of an all-zero series, and every value axis
    starts at 0 (plotly's -1..1 axis for all-zero data is what the issue saw)."""
    rows = [
        (
            5000 + 100 * i,
            40000 + 500 * i if channel == "email" else 0,
            800 + 20 * i if channel == "sms" else 0,
        )
        for i in range(months)
    ]
    history = _history(rows)
    whatif = WhatIf(growth=fit(history).growth, revenue_per_email_usd=Decimal("0.05"))
    run = run_whatif(history, load_price_book(), whatif)
    preview = charts.history_preview(history)
    assert all(any(t.y) for t in preview.data)
    assert [t.name for t in preview.data] == [
        "Active profiles",
        "Emails sent" if channel == "email" else "SMS credits",
    ]
    figures = [preview, charts.cumulative_cost(run.comparison, run.projection.labels)]
    for o in run.comparison.outcomes:
        figures.append(charts.monthly_bill(o, run.projection.labels))
        demand = charts.demand_vs_limit(history, run.projection, o.result)
        assert any(any(t.y) for t in demand.data if t.yaxis == "y")  # the top plot has data
        figures.append(demand)
    for fig in figures:
        layout = fig.to_plotly_json()["layout"]
        for name, axis in layout.items():
            if name.startswith("yaxis") and "categoryarray" not in axis:
                assert axis.get("rangemode") == "nonnegative", name
    if channel == "email":
        assert all("SMS plan" not in [t.name for t in f.data] for f in figures[2::2])
