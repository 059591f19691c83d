"""The Look back page with Streamlit's AppTest: every figure shown is engine.replay's, computed
here again on its own, and the replay of the user's setting is simulate()'s on the history."""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.explain import explain_change
from engine.history import HistoryMonth, LoadedUsage, UsageHistory, add_months
from engine.models import Assumptions, Policy, Scenario, Start, UsageCycle
from engine.price_book import load_price_book
from engine.replay import parse_replay_request, replay, replay_json
from engine.settings import SETTINGS
from engine.simulate import simulate
from tests.app.conftest import ROOT
from tests.app.test_pages import sample_whatif
from ui import replay_panel as panel
from ui import whatif_schema as schema
from ui.state import USAGE

LOOK_BACK = "pages/look_back.py"
TITLE = "Would it have worked last year?"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"


def text(markdown: str) -> str:
    """What a reader sees of a Markdown string made plain (ui.safe.plain escapes punctuation)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def dollars(shown: str) -> Decimal:
    return Decimal(shown.replace("−", "-").replace("$", "").replace(",", "").replace("+", ""))


def on_look_back(app: AppTest) -> AppTest:
    app.switch_page(LOOK_BACK).run()
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == [TITLE]
    return app


def table_with(app: AppTest, column: str):
    """The one table on the page that has this column."""
    (table,) = [t.value for t in app.table if column in t.value.columns]
    return table


def tables_with(app: AppTest, column: str) -> list:
    return [t.value for t in app.table if column in t.value.columns]


def shown_replay(app: AppTest) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Setting -> (bill, lost revenue, bill + lost revenue), read from the replay's table."""
    table = table_with(app, "Setting")
    bill = next(c for c in table.columns if c.startswith("Bill ("))
    return {
        row["Setting"]: (
            dollars(row[bill]),
            dollars(row["Lost revenue"]),
            dollars(row["Bill + lost revenue"]),
        )
        for _, row in table.iterrows()
    }


def with_bills(history: UsageHistory, bills: dict[int, str]) -> UsageHistory:
    """The history with these months' invoices (index -> amount)."""
    return UsageHistory(
        months=tuple(
            m.model_copy(update={"invoice_usd": Decimal(bills[i]) if i in bills else None})
            for i, m in enumerate(history.months)
        )
    )


def simulated_total(history: UsageHistory, whatif, email_plan: int, sms_plan: int) -> Decimal:
    """The user's setting simulated on the history's own months from the given start plans,
    built here from the engine's models (not through engine.replay)."""
    first = history.months[0]
    scenario = Scenario(
        start=Start(
            active_profiles=first.active_profiles,
            email_plan_profiles=email_plan,
            sms_plan_credits=sms_plan,
        ),
        usage=tuple(
            UsageCycle(
                active_profiles=m.active_profiles, email_sends=m.email_sends, sms_credits=m.sms_credits
            )
            for m in history.months
        ),
        policy=Policy.compose(
            SETTINGS[whatif.current_setting].setting,
            Assumptions(flex_fee_basis=whatif.flex_fee_basis, sms_rollover=whatif.sms_rollover),
        ),
        revenue_per_email_usd=whatif.revenue_per_email_usd,
        revenue_per_sms_credit_usd=whatif.revenue_per_sms_credit_usd,
    )
    return simulate(scenario, load_price_book()).total_usd


def history_of(rows, start=date(2025, 1, 1), bills=None) -> UsageHistory:
    bills = bills or {}
    return UsageHistory(
        months=tuple(
            HistoryMonth(
                month=add_months(start, i), active_profiles=p, email_sends=e, sms_credits=s,
                invoice_usd=bills.get(i),
            )
            for i, (p, e, s) in enumerate(rows)
        )
    )  # fmt: skip


def opened(**state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def edit_bills(app: AppTest, rows: dict[int, float]) -> AppTest:
    """Type bills into the editor: AppTest takes a keyed editor's edits from session state."""
    app.session_state[panel.BILLS] = {
        "edited_rows": {i: {panel.BILL_COLUMN: v} for i, v in rows.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    return app


# ---------------------------------------------------------------- last year replayed


def test_the_page_is_in_the_navigation_and_renders_on_the_sample(app):
    on_look_back(app)
    assert len(table_with(app, "Setting")) == 5
    assert "Sample account" in text(app.caption[0].value)
    (chart,) = [c for c in app.get("plotly_chart") if '"Cumulative bill"' in c.proto.spec]
    assert chart
    editor = app.data_editor[0].value
    assert len(editor) == 18 and editor[panel.BILL_COLUMN].isna().all()
    assert len(table_with(app, "Bill projected")) == 3


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_the_replayed_totals_are_the_engines_and_simulates(app, setting):
    app.selectbox(key="setting").set_value(setting).run()  # the user's setting, set on Explore
    on_look_back(app)
    whatif, history = sample_whatif()
    whatif = whatif.model_copy(update={"current_setting": setting})
    r = replay(history, load_price_book(), whatif)
    shown = shown_replay(app)
    assert shown == {
        o.label: (o.total_usd, o.lost_revenue_usd, o.total_with_lost_usd) for o in r.comparison.outcomes
    }
    mine = r.comparison.outcome(r.comparison.current)
    assert mine.key == setting
    assert shown[mine.label][0] == simulated_total(
        history, whatif, r.email_plan_profiles, r.sms_plan_credits
    )
    notes = table_with(app, "Setting").set_index("Setting")["Notes"]
    assert "your setting" in notes[mine.label]
    best = r.comparison.outcome(r.comparison.cheapest_with_lost)
    headline = text(app.success[0].value)
    assert f"${mine.total_with_lost_usd:,.2f}" in headline and mine.label in headline
    if r.comparison.saving_vs_current_usd:
        assert f"${best.total_with_lost_usd:,.2f}" in headline and best.label in headline
        assert f"${r.comparison.saving_vs_current_usd:,.2f} more" in headline
    else:
        assert "no setting would have cost less" in headline
    chart = next(c for c in app.get("plotly_chart") if '"Cumulative bill"' in c.proto.spec)
    ends = {t["name"]: t["y"][-1] for t in json.loads(chart.proto.spec)["data"]}
    assert ends == {o.label: pytest.approx(float(o.total_usd)) for o in r.comparison.outcomes}


def test_the_plans_at_the_start_reach_the_engine(app):
    on_look_back(app)
    app.selectbox(key=panel.EMAIL_PLAN).set_value(50_000).run()
    assert not app.exception
    whatif, history = sample_whatif()
    r = replay(history, load_price_book(), whatif, email_plan_profiles=50_000)
    assert r.email_plan_profiles == 50_000
    assert shown_replay(app) == {
        o.label: (o.total_usd, o.lost_revenue_usd, o.total_with_lost_usd) for o in r.comparison.outcomes
    }
    assert "up to 50,000 profiles" in " ".join(text(c.value) for c in app.caption)
    (assumed,) = [e for e in app.expander if e.label == "What the replay assumed"]
    shown_notes = [text(m.value) for m in assumed.markdown]
    assert shown_notes == [f"- {note}" for note in r.notes] and len(r.notes) >= 3


# ---------------------------------------------------------------- actual bills


def test_no_bill_given_says_how_to_give_one(app):
    on_look_back(app)
    assert any("No bill given yet" in i.value for i in app.info)
    assert not tables_with(app, "Difference")


def test_typed_bills_give_the_month_by_month_difference(app):
    on_look_back(app)
    edit_bills(app, {0: 500.0, 5: 612.34})
    whatif, history = sample_whatif()
    r = replay(with_bills(history, {0: "500", 5: "612.34"}), load_price_book(), whatif)
    assert len(r.invoices) == 2
    table = table_with(app, "Difference")
    assert list(table["Month"]) == ["May 2025", "Oct 2025"]
    assert [dollars(x) for x in table["Klaviyo bill"]] == [line.invoice_usd for line in r.invoices]
    engine_column = next(c for c in table.columns if c.startswith("Engine ("))
    assert [dollars(x) for x in table[engine_column]] == [line.engine_usd for line in r.invoices]
    assert [dollars(x) for x in table["Difference"]] == [line.difference_usd for line in r.invoices]
    total = r.invoices_difference_usd
    assert total == sum(line.difference_usd for line in r.invoices)
    said = next(text(c.value) for c in app.caption if "months with a bill" in text(c.value))
    assert f"${abs(total):,.2f} {'above' if total > 0 else 'below'} what was billed" in said
    # The typed bills live in this session only: the loaded usage the other pages use is as loaded.
    assert all(m.invoice_usd is None for m in app.session_state[USAGE].history.months)
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    on_look_back(app)  # and back: the editor starts again from the bills typed
    assert len(table_with(app, "Difference")) == 2
    assert app.data_editor[0].value[panel.BILL_COLUMN].tolist()[5] == 612.34


def test_a_bill_that_is_not_money_is_refused_by_month(app):
    on_look_back(app)
    edit_bills(app, {2: -4.0, 3: 1.234, 4: 431.0})
    errors = [text(e.value) for e in app.error]
    assert any(e.startswith("Jul 2025: -4.0 is not a bill") for e in errors)
    assert any(e.startswith("Aug 2025: 1.234 is not a bill") for e in errors)
    assert list(table_with(app, "Difference")["Month"]) == ["Sep 2025"]


def test_bills_loaded_with_the_usage_are_set_against_the_engine():
    rows = [(12000 + 150 * i, 118000 + 3000 * i, 900 + 20 * i) for i in range(8)]
    history = history_of(
        rows, bills={0: Decimal("1045.00"), 1: Decimal("1045.00"), 3: Decimal("1120.50")}
    )
    at = opened(**{USAGE: LoadedUsage(history=history, source="billed.csv", mapping={})})
    on_look_back(at)
    r = replay(history, load_price_book(), sample_whatif()[0])
    table = table_with(at, "Difference")
    assert list(table["Month"]) == ["Jan 2025", "Feb 2025", "Apr 2025"]
    assert [dollars(x) for x in table["Difference"]] == [line.difference_usd for line in r.invoices]
    prefilled = at.data_editor[0].value[panel.BILL_COLUMN]  # the editor starts from the file's bills
    assert prefilled.isna().tolist() == [False, False, True, False, True, True, True, True]
    assert prefilled.dropna().tolist() == [1045.0, 1045.0, 1120.5]


def test_an_uploaded_csv_with_an_invoice_column_shows_its_bills(app):
    app.switch_page("pages/data.py").run()
    data = (FIXTURES / "invoices-us.csv").read_bytes()
    app.file_uploader(key="usage_file").set_value(("invoices-us.csv", data, "text/csv")).run()
    assert not app.exception
    history = app.session_state[USAGE].history
    assert [m.invoice_usd for m in history.months] == [
        Decimal("1045.00"), Decimal("1045.00"), None, Decimal("1120.50"),
    ]  # fmt: skip
    on_look_back(app)
    table = table_with(app, "Difference")
    assert list(table["Month"]) == ["Jun 2026", "Jul 2026", "Sep 2026"]
    assert [dollars(x) for x in table["Klaviyo bill"]] == [
        Decimal("1045"),
        Decimal("1045"),
        Decimal("1120.5"),
    ]


# ---------------------------------------------------------------- the projection check


def test_holding_out_6_months_changes_the_check(app):
    on_look_back(app)
    whatif, history = sample_whatif()
    book = load_price_book()
    for k in (3, 6):
        if k == 6:
            app.segmented_control(key=panel.CHECK).set_value(6).run()
            assert not app.exception
        check = replay(history, book, whatif, check_months=k).check
        table = table_with(app, "Bill projected")
        assert len(table) == k == check.months_held_out
        assert [dollars(x) for x in table["Bill projected"]] == [
            m.projected_bill_usd for m in check.months
        ]
        assert [int(x.replace(",", "")) for x in table["Emails projected"]] == [
            m.projected_email_sends for m in check.months
        ]
        metrics = {m.label: m.value for m in app.metric}
        assert dollars(metrics["Bill error"]) == check.bill_error_usd
        assert metrics["Emails error"] == f"{check.emails_error_pct:.1f}%"
        assert any(text(i.value) == check.summary for i in app.info)


def test_a_short_history_shows_why_there_is_no_check():
    history = history_of([(5000 + 100 * i, 40000 + 900 * i, 0) for i in range(4)])
    at = opened(**{USAGE: LoadedUsage(history=history, source="short.csv", mapping={})})
    on_look_back(at)
    whatif = sample_whatif()[0]
    note = replay(history, load_price_book(), whatif).check_note
    assert note and any(text(i.value) == note for i in at.info)
    assert not tables_with(at, "Bill projected")
    assert len(table_with(at, "Setting")) == 5  # the replay itself is there


# ---------------------------------------------------------------- failures and user text


@pytest.mark.parametrize(
    "error, says",
    [
        (RuntimeError("internal <b>state</b>"), "The replay failed inside the billing engine (RuntimeError)."),
        (ValueError("bad ![x](http://host/p.png)"), "The replay could not be run on these inputs: bad ![x](http://host/p.png)"),
    ],
)  # fmt: skip
def test_an_engine_failure_is_a_plain_message_and_keeps_the_data(app, monkeypatch, error, says):
    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr("engine.replay.replay", fails)
    on_look_back(app)
    (shown,) = app.error
    assert text(shown.value).startswith(says)
    assert "What you loaded is still loaded" in text(shown.value)
    assert "![x](http" not in shown.value  # shown as text, never as an image
    assert "Sample data" in app.sidebar.info[0].value
    assert not tables_with(app, "Setting")
    monkeypatch.undo()
    app.run()
    assert not app.exception and len(table_with(app, "Setting")) == 5


def test_the_data_source_name_is_shown_as_text():
    history = history_of([(5000, 40000, 0)] * 7)
    hostile = LoadedUsage(history=history, source="![x](http://host/pixel.png)", mapping={})
    at = opened(**{USAGE: hostile})
    on_look_back(at)
    assert not any("![x](http" in c.value for c in at.caption)
    assert any(r"\!\[x\]\(http\:" in c.value for c in at.caption)


def test_one_month_where_every_setting_costs_the_same_says_so():
    history = history_of([(5000, 40000, 0)])
    at = opened(**{USAGE: LoadedUsage(history=history, source="one.csv", mapping={})})
    on_look_back(at)
    r = replay(history, load_price_book(), sample_whatif()[0])
    assert r.comparison.saving_vs_current_usd == 0
    mine = r.comparison.outcome(r.comparison.current)
    assert text(at.success[0].value) == (
        f"Over your 1 month (Jan 2025), your setting, {mine.label}, would have cost "
        f"${mine.total_usd:,.2f}: no setting would have cost less."
    )
    assert any(text(i.value) == r.check_note for i in at.info)


def test_why_a_replayed_months_bill_differs_is_explain_changes(app):
    """Explore's panel (ui/bill_change_panel.py) on the replay: the lines are explain_change's
    on the replay's own scenario, for the recommended setting's largest change first."""
    on_look_back(app)
    whatif, history = sample_whatif()
    book = load_price_book()
    r = replay(history, book, whatif)
    best = r.comparison.outcome(r.comparison.cheapest_with_lost)
    bills = [b.total_usd for b in best.result.cycles]
    steps = [abs(bills[i] - bills[i - 1]) for i in range(1, len(bills))]
    cycle = steps.index(max(steps)) + 2  # the largest change comes first
    assert app.selectbox(key=schema.WHY_SETTING).value == best.key
    assert app.selectbox(key=schema.WHY_MONTH).value == cycle
    first = history.months[0]
    scenario = Scenario(
        start=Start(
            active_profiles=first.active_profiles,
            email_plan_profiles=r.email_plan_profiles,
            sms_plan_credits=r.sms_plan_credits,
        ),
        usage=tuple(
            UsageCycle(
                active_profiles=m.active_profiles, email_sends=m.email_sends, sms_credits=m.sms_credits
            )
            for m in history.months
        ),
        policy=best.policy,
        revenue_per_email_usd=whatif.revenue_per_email_usd,
        revenue_per_sms_credit_usd=whatif.revenue_per_sms_credit_usd,
    )
    assert simulate(scenario, book).total_usd == best.total_usd  # the replay's own scenario
    months = tuple(m.month for m in history.months)
    change = explain_change(scenario, book, best.result, cycle, months)
    assert change.lines
    table = table_with(app, "Reason")
    assert list(table["Item"]) == [x.item for x in change.lines] + ["Whole bill"]
    assert list(table["Reason"])[:-1] == [x.reason for x in change.lines]
    assert [dollars(x) for x in table["Change"]] == [x.change_usd for x in change.lines] + [
        change.change_usd
    ]
    assert change.summary in [text(i.value) for i in app.info]
    # Another setting and month: the same engine call on that outcome.
    app.selectbox(key=schema.WHY_SETTING).set_value("flex").run()
    app.selectbox(key=schema.WHY_MONTH).set_value(7).run()
    assert not app.exception
    flex = r.comparison.outcome("flex")
    change = explain_change(
        scenario.model_copy(update={"policy": flex.policy}), book, flex.result, 7, months
    )
    assert list(table_with(app, "Reason")["Item"]) == [x.item for x in change.lines] + ["Whole bill"]
    assert change.summary in [text(i.value) for i in app.info]
    assert any("Nov 2025" in text(c.value) and "Flexible sending" in text(c.value) for c in app.caption)


def test_the_replay_request_download_gives_the_pages_numbers_through_the_cli_contract(app):
    on_look_back(app)
    edit_bills(app, {1: 520.0})
    app.selectbox(key=panel.EMAIL_PLAN).set_value(25_000).run()
    app.segmented_control(key=panel.CHECK).set_value(6).run()
    assert not app.exception
    assert [b.label for b in app.download_button] == [
        "Replay request (JSON for python -m engine replay)"
    ]
    whatif, history = sample_whatif()
    text_ = panel.replay_request(with_bills(history, {1: "520"}), whatif, None, 25_000, None, 6)
    answer = replay_json(parse_replay_request(text_))  # what `python -m engine replay` prints
    assert answer["email_plan_profiles"] == 25_000 and answer["check"]["months_held_out"] == 6
    assert shown_replay(app) == {
        o["label"]: (
            Decimal(o["total_usd"]), Decimal(o["lost_revenue_usd"]), Decimal(o["total_with_lost_usd"])
        )
        for o in answer["comparison"]["outcomes"]
    }  # fmt: skip
    (line,) = answer["invoices"]
    table = table_with(app, "Difference")
    assert list(table["Month"]) == ["Jun 2025"]
    assert dollars(table["Difference"][0]) == Decimal(line["difference_usd"])
    shown_check = table_with(app, "Bill projected")
    assert [dollars(x) for x in shown_check["Bill projected"]] == [
        Decimal(m["projected_bill_usd"]) for m in answer["check"]["months"]
    ]


def test_explore_and_look_back_share_the_bill_change_panel_without_mixing_months(app):
    """Both pages draw ui/bill_change_panel.py with its keys: a month picked on one page is a
    month of that page's path, so each page starts from its own months."""
    explore_months = app.selectbox(key=schema.WHY_MONTH).options
    app.selectbox(key=schema.WHY_MONTH).set_value(app.selectbox(key=schema.WHY_MONTH).value).run()
    on_look_back(app)
    assert app.selectbox(key=schema.WHY_MONTH).options[0].endswith("May 2025")  # the history's
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    assert app.selectbox(key=schema.WHY_MONTH).options == explore_months
    on_look_back(app)
    assert table_with(app, "Reason") is not None
