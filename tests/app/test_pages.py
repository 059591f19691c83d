"""Pages with Streamlit's AppTest: every page from app.py's own list, and the explorer's flows."""

from decimal import Decimal

import pytest

from engine.growth import fit, typical_sms_credits
from engine.price_book import load_price_book
from engine.whatif import WhatIf, run_whatif
from ingest.usage_csv import read_usage_csv
from tests.app.conftest import SAMPLE, shown_bills
from ui.pages import PAGES

HEADINGS = {
    "Explore": "What will your Klaviyo bill be?",
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
    assert app.success[0].value == expected.recommendation


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
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT

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


def test_changing_the_current_setting_changes_the_saving(app):
    app.selectbox(key="setting").set_value("flex").run()
    assert not app.exception
    assert "Your setting (Flexible sending)" in [m.label for m in app.metric][1]


def test_sensitivity_is_shown_without_clicks(app):
    texts = [a.value for a in (*app.info, *app.warning)]
    assert any("flex is charged on the whole next tier" in t for t in texts)
    assert any("SMS credits roll over" in t for t in texts)


def test_url_paths_are_the_file_names_so_a_legacy_run_finds_the_same_page():
    """ui/frame.py relies on it: Streamlit hashes pages by url path."""
    for page in PAGES:
        if page.url_path is not None:
            assert page.url_path == page.path.removeprefix("pages/").removesuffix(".py")
