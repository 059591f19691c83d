"""Pages with Streamlit's AppTest: every page from app.py's own list, and the explorer's flows."""

import json
from datetime import date
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from engine import advice
from engine.growth import fit, typical_sms_credits
from engine.history import HistoryMonth, LoadedUsage, UsageHistory, add_months
from engine.price_book import load_price_book
from engine.whatif import WhatIf, run_whatif
from ingest.usage_csv import read_usage_csv
from tests.app.conftest import ROOT, SAMPLE, shown_bills
from ui import share
from ui import whatif_schema as schema
from ui.pages import PAGES
from ui.state import USAGE

HEADINGS = {
    "Explore": "What will your Klaviyo bill be?",
    "Look back": "Would it have worked last year?",
    "Data": "Your usage data",
    "Price book": "Price book",
    "How billing works": "How Klaviyo billing works here",
}


def test_every_page_in_the_list_has_a_heading_to_check():
    assert set(HEADINGS) == {p.title for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[p.title for p in PAGES])
def test_every_page_renders_without_an_exception(app, page):
    app.switch_page(page.path).run()
    assert not app.exception
    assert [t.value for t in app.title] == [HEADINGS[page.title]]


def sample_whatif(**growth) -> WhatIf:
    """What the Explore page's inputs say on the sample account, with some sliders moved."""
    history = read_usage_csv(SAMPLE, "Sample account").history
    g = fit(history).growth
    g = g.model_copy(
        update={
            "profile_growth_pct": g.profile_growth_pct,
            "emails_per_profile": g.emails_per_profile,
            "november_peak_pct": round(g.november_peak_pct),
            "december_peak_pct": round(g.december_peak_pct),
            "sms_base_credits": int(g.sms_base_credits),
            "sms_november_peak_pct": round(g.sms_november_peak_pct),
            "sms_december_peak_pct": round(g.sms_december_peak_pct),
            **growth,
        }
    )
    caps = [t.max_profiles for t in load_price_book().email_tiers]
    credits = [t.monthly_credits for t in load_price_book().sms_tiers]
    return WhatIf(
        revenue_per_email_usd=Decimal("0.05"),
        revenue_per_sms_credit_usd=Decimal("0.05"),
        growth=g,
        email_plan_profiles=next(c for c in caps if c >= history.last.active_profiles),
        sms_plan_credits=next(c for c in credits if c >= typical_sms_credits(history)),
    ), history


def test_the_sample_loads_and_the_comparison_shows(app):
    sidebar = " ".join(a.value for a in app.sidebar.info)
    assert "Sample data" in sidebar
    assert len(app.table[0].value) == 5
    assert "costs least over 12 months" in app.success[0].value
    whatif, history = sample_whatif()
    expected = run_whatif(history, load_price_book(), whatif).comparison
    assert shown_bills(app) == {o.label: float(o.total_usd) for o in expected.outcomes}
    assert app.success[0].value == advice.recommendation(expected)


def test_a_slider_change_changes_the_numbers_as_the_engine_says(app):
    before = shown_bills(app)
    app.slider(key="growth").set_value(8.0).run()
    assert not app.exception
    after = shown_bills(app)
    whatif, history = sample_whatif(profile_growth_pct=8.0)
    expected = run_whatif(history, load_price_book(), whatif).comparison
    assert after == {o.label: float(o.total_usd) for o in expected.outcomes}
    assert all(after[k] > before[k] for k in before)  # faster growth costs more under every setting


def test_the_horizon_and_the_revenue_inputs_reach_the_engine(app):
    app.segmented_control(key="horizon").set_value(24).run()
    app.number_input(key="rev_email").set_value(0.02).run()
    whatif, history = sample_whatif(horizon=24)
    whatif = whatif.model_copy(update={"revenue_per_email_usd": Decimal("0.02")})
    expected = run_whatif(history, load_price_book(), whatif).comparison
    assert shown_bills(app) == {o.label: float(o.total_usd) for o in expected.outcomes}
    assert "over 24 months" in app.success[0].value


def test_url_parameters_open_the_same_whatif(app):
    linked = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    linked.query_params["growth"] = "8.0"
    linked.query_params["horizon"] = "24"
    linked.run()
    assert linked.slider(key="growth").value == 8.0
    app.segmented_control(key="horizon").set_value(24).run()
    app.slider(key="growth").set_value(8.0).run()
    assert shown_bills(linked) == shown_bills(app)


def test_a_results_only_input_reruns_the_results_fragment_alone(app):
    # AppTest keeps only the deltas of the last run, so after a fragment rerun the tree holds
    # just the fragment: no title, no sidebar, no other inputs. In the browser they stay drawn.
    app.slider(key="growth").set_value(8.0).run()
    assert not app.exception
    assert not app.title and not app.sidebar.info and not app.slider
    assert app.segmented_control(key="view").value == "Demand against limits"  # inside it
    fragment_bills = shown_bills(app)
    app.run()  # a full rerun draws everything again, with the same numbers
    assert app.title and app.slider(key="growth").value == 8.0
    assert shown_bills(app) == fragment_bills
    # The horizon changes the card-failure options, so it reruns the whole page.
    app.segmented_control(key="horizon").set_value(24).run()
    assert app.title and "over 24 months" in app.success[0].value


def widget(app: AppTest, row: schema.Input):
    accessor = {"number": "number_input", "select": "selectbox", "segmented": "segmented_control"}
    return getattr(app, accessor.get(row.kind, row.kind))(key=row.key)


def test_the_page_starts_every_input_at_the_tables_default(app):
    history = read_usage_csv(SAMPLE, "Sample account").history
    expected = schema.defaults(history, load_price_book())
    assert {key: widget(app, schema.BY_KEY[key]).value for key in expected} == expected


def other_value(app: AppTest, row: schema.Input, history: UsageHistory):
    """A value the row's widget can take other than its current one."""
    w = widget(app, row)
    if row.kind in ("slider", "number"):
        return w.max if w.value != w.max else w.min
    ctx = schema.Context(history, load_price_book(), values={"horizon": 12, "card_fail": 0})
    return next(o for o in row.domain(ctx).options if o != w.value)


@pytest.mark.parametrize(
    "row", [r for r in schema.INPUTS if not r.shown_if], ids=lambda r: r.key
)  # fmt: skip
def test_each_row_reruns_the_results_alone_or_the_page_as_the_table_says(app, row):
    history = read_usage_csv(SAMPLE, "Sample account").history
    widget(app, row).set_value(other_value(app, row, history)).run()
    assert not app.exception
    assert bool(app.title) is not row.results_only  # a fragment rerun draws only the results
    assert app.table  # and the results are drawn either way


def dollars(text: str) -> float:
    return float(text.removeprefix("at least ").removeprefix("$").replace(",", ""))


def test_the_headline_shows_bill_and_lost_revenue_apart_and_the_saving_from_them(app):
    whatif, history = sample_whatif()
    c = run_whatif(history, load_price_book(), whatif).comparison
    best, now = c.outcome(c.cheapest_with_lost), c.outcome(c.current)
    assert best.key != now.key
    shown = [(m.label, dollars(m.value)) for m in app.metric]
    assert shown == [
        ("Bill", float(best.total_usd)),
        ("Lost revenue", float(best.lost_revenue_usd)),
        ("Bill + lost revenue", float(best.total_with_lost_usd)),
        ("Bill", float(now.total_usd)),
        ("Lost revenue", float(now.lost_revenue_usd)),
        ("Bill + lost revenue", float(now.total_with_lost_usd)),
        ("Saving against your setting", float(c.saving_vs_current_usd)),
    ]
    assert shown[6][1] == pytest.approx(shown[5][1] - shown[2][1])  # from the figures beside it
    headings = [m.value for m in app.markdown]
    assert f"**Recommended: {best.label}**" in headings
    assert f"**Your setting: {now.label}**" in headings
    assert any("by bill + lost revenue (what the ranking uses)" in x.value for x in app.caption)


def test_changing_the_current_setting_changes_the_saving(app):
    app.selectbox(key="setting").set_value("flex").run()
    assert not app.exception
    whatif, history = sample_whatif()
    c = run_whatif(history, load_price_book(), whatif.model_copy(update={"current_setting": "flex"}))
    c = c.comparison
    assert c.current == "flex"
    saving = next(m for m in app.metric if m.label == "Saving against your setting")
    assert dollars(saving.value) == float(c.saving_vs_current_usd)
    assert "**Your setting: Flexible sending**" in [m.value for m in app.markdown]


def test_the_table_counts_each_kind_of_move_in_its_own_column(app):
    table = app.table[0].value
    assert list(table.columns) == [
        "Setting", "Notes", "Bill (12 mo)", "Lost revenue", "Bill + lost revenue", "Flexes",
        "Email auto-upgrades", "SMS auto-upgrades", "Renewal moves", "Manual downgrades",
        "Auto-downgrades", "Months blocked",
    ]  # fmt: skip
    whatif, history = sample_whatif()
    c = run_whatif(history, load_price_book(), whatif).comparison
    rows = table.set_index("Setting")
    for o in c.outcomes:
        row = rows.loc[o.label]
        assert (row["Email auto-upgrades"], row["SMS auto-upgrades"], row["Renewal moves"]) == (
            o.email_upgrades, o.sms_upgrades, o.renewal_moves,
        )  # fmt: skip
        assert (row["Manual downgrades"], row["Auto-downgrades"]) == (
            o.manual_downgrades, o.auto_downgrades,
        )  # fmt: skip
    help_text = " ".join(m.value for m in app.markdown)
    for column in table.columns:
        assert f"**{column}**:" in help_text


def test_the_manual_setting_is_a_schedule_with_its_number_of_actions(app):
    text = app.success[0].value
    assert "Auto-upgrade, then downgrade by hand costs least" in text
    assert (
        "To follow it: step the email plan down at the renewals of 1 Dec 2026 and 1 Jan 2027 and "
        "step the SMS plan down at the renewals of 1 Dec 2026 and 1 Jan 2027; request each in "
        "the month before, after that month's last upgrade: 4 actions." in text
    )
    row = app.table[0].value.set_index("Setting").loc["Auto-upgrade, then downgrade by hand"]
    assert row["Manual downgrades"] == 4


def test_sensitivity_is_shown_without_clicks(app):
    texts = [a.value for a in (*app.info, *app.warning)]
    assert any("flex fee is charged on the whole next tier" in t for t in texts)
    assert any("price difference of a temporary upgrade" in t for t in texts)
    assert any("SMS credits roll over" in t for t in texts)


def test_the_fee_basis_can_be_picked_on_explore(app):
    app.radio(key="fee_basis").set_value("difference").run()
    assert not app.exception
    whatif, history = sample_whatif()
    whatif = whatif.model_copy(update={"flex_fee_basis": "difference"})
    expected = run_whatif(history, load_price_book(), whatif).comparison
    assert shown_bills(app) == {o.label: float(o.total_usd) for o in expected.outcomes}
    texts = [a.value for a in (*app.info, *app.warning)]
    assert any("charged only on the extra messages" in t for t in texts)


def test_url_paths_are_the_file_names_so_a_legacy_run_finds_the_same_page():
    """ui/frame.py relies on it: Streamlit hashes pages by url path."""
    for page in PAGES:
        if page.url_path is not None:
            assert page.url_path == page.path.removeprefix("pages/").removesuffix(".py")


# ---------------------------------------------------------------- other accounts, shared links


def history_of(rows, start=date(2025, 1, 1)):
    return UsageHistory(
        months=tuple(
            HistoryMonth(month=add_months(start, i), active_profiles=p, email_sends=e, sms_credits=s)
            for i, (p, e, s) in enumerate(rows)
        )
    )


def opened(link_usage: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if link_usage is not None:
        at.query_params[share.PARAM] = link_usage
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_with_usage_numbers_opens_that_usage_and_the_same_answer(app):
    rows = [(12000 + 300 * i, 110000 + 4000 * i, 900 + 30 * i) for i in range(8)]
    history = history_of(rows)
    at = opened(share.encode_usage(history))
    assert r"Usage from a shared link\, 8 months" in at.sidebar.success[0].value
    assert "Sample data" not in " ".join(a.value for a in at.sidebar.info)
    assert any("Usage from a shared link" in c.value for c in at.caption)
    # The recipient's answer is what the sender's inputs give on that usage.
    g = fit(history).growth
    credits = [t.monthly_credits for t in load_price_book().sms_tiers]
    whatif = WhatIf(
        growth=g,
        sms_plan_credits=next(c for c in credits if c >= typical_sms_credits(history)),
        revenue_per_email_usd=Decimal("0.05"),
        revenue_per_sms_credit_usd=Decimal("0.05"),
    )
    expected = run_whatif(history, load_price_book(), whatif).comparison
    assert at.success[0].value == advice.recommendation(expected)
    (buttons,) = at.get("iframe")  # the two copy buttons carry this usage's code, nothing else
    assert share.copy_buttons_html(share.encode_usage(history)) == buttons.proto.srcdoc


@pytest.mark.parametrize(
    "value, says",
    [
        ("1_202501_" + "_".join(["1.1.1"] * 37), "not in the expected form"),
        ("x" * 5000, "characters long"),
        ("1_202501_zzzzzzzz.1.1", "more than the 100,000,000 the explorer accepts"),
        ("1_202513_1.1.1", "is not a month"),
        ("![x](http://host/pixel.png)", "not in the expected form"),
    ],
)
def test_a_bad_usage_link_says_why_and_keeps_the_sample(value, says):
    at = opened(value)
    assert "Sample data" in at.sidebar.info[0].value
    assert says in at.error[0].value and "Ask for a new link" in at.error[0].value
    assert "pixel" not in at.error[0].value  # the value itself is never echoed


def test_the_data_source_name_is_shown_as_text():
    history = history_of([(5000, 40000, 0)] * 3)
    hostile = LoadedUsage(history=history, source="![x](http://host/pixel.png)", mapping={})
    at = opened(**{USAGE: hostile})
    shown = [c.value for c in at.caption] + [a.value for a in at.sidebar.success]
    assert not any("![x](http" in text for text in shown)
    assert any(r"\!\[x\]\(http\:" in text for text in shown)


@pytest.mark.parametrize("months", [6, 18])
def test_an_email_only_store_works_and_its_answer_names_no_sms(months):
    rows = [
        (8000 + 200 * i, 70000 + 3000 * i + (60000 if i % 12 == 10 else 0), 0) for i in range(months)
    ]
    at = opened(share.encode_usage(history_of(rows)))
    assert "SMS" not in at.success[0].value
    assert "SMS auto-upgrades" not in at.table[0].value.columns
    texts = [a.value for a in (*at.info, *at.warning)]
    assert not any("SMS" in t for t in texts)  # no rollover reading without SMS
    assert all(a.value.count("SMS") == 0 for a in at.caption if a.value.startswith("Assumptions"))


def test_an_sms_only_store_works():
    rows = [(3000 + 50 * i, 0, 4000 + 200 * i) for i in range(14)]
    at = opened(share.encode_usage(history_of(rows)))
    assert "costs least" in at.success[0].value
    chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert chart["data"][0]["name"] == "SMS credits used (history)"


def test_above_the_top_tier_the_headline_says_quote_and_shows_a_floor():
    rows = [(240000 + 8000 * i, 2_400_000 + 90000 * i, 0) for i in range(6)]
    at = opened(share.encode_usage(history_of(rows)))
    warning = " ".join(w.value for w in at.warning)
    assert "by quote: the bill is at least $" in warning
    bill = next(m for m in at.metric if m.label == "Bill")
    assert bill.value.startswith("at least $")
    assert "Quote months" in at.table[0].value.columns


@pytest.mark.parametrize(
    "rows",
    [
        [(10_000_000 + 100_000 * i, 90_000_000, 0) for i in range(6)],  # ten million profiles
        [(20_000, 20_000 * (21 + i % 5), 500) for i in range(14)],  # 21-25 emails per profile
        [(1000 * 2**i, 40_000 * 2**i, 100 * 3**i) for i in range(8)],  # growth above the range
        [(200_000, 8_000_000, 5_000_000)] * 3,  # 40 emails and 25 credits per profile
    ],
    ids=["ten-million", "25-per-profile", "fast-growth", "heavy-sender"],
)
def test_sliders_follow_the_data(rows):
    history = history_of(rows)
    at = opened(share.encode_usage(history))
    g = fit(history).growth
    assert at.slider(key="epp").value == pytest.approx(g.emails_per_profile)
    assert at.slider(key="growth").value == pytest.approx(g.profile_growth_pct)
    assert at.slider(key="sms_base").value == int(g.sms_base_credits)
    assert "costs least" in at.success[0].value


def test_the_copy_buttons_carry_only_the_usage_code():
    html = share.copy_buttons_html(share.encode_usage(read_usage_csv(SAMPLE, "x.csv").history))
    assert "Copy a link with these settings" in html and "Copy a link with my usage numbers" in html
    assert "x.csv" not in html
    assert share.copy_buttons_html("</script><script>alert(1)").count("</script>") == 1
