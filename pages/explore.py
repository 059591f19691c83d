"""Explore: drag the what-if, see every billing setting's cost side by side, and why."""

import time
from functools import partial

import streamlit as st

from engine.growth import Fit, UsageHistory, fit, typical_sms_credits
from engine.models import PriceBook
from engine.whatif import run_whatif
from ui import charts, report, state
from ui.frame import require_frame
from ui.inputs import current_whatif, whatif_inputs

require_frame()  # before anything else: see ui/frame.py

loaded = state.usage()
history = loaded.history
book = state.book()

st.title("What will your Klaviyo bill be?")
if loaded.is_sample:
    st.caption(
        "Running on the **sample account** (a growing mid-size store). Load your own usage on the "
        "Data page. A copied link keeps these settings, not your data."
    )
else:
    st.caption(f"Running on **{loaded.source}**. A copied link keeps these settings, not your data.")

# One detail chart at a time: each plotly chart costs the browser tens of ms per slider move.
DETAIL_VIEWS = ("Demand against limits", "Monthly bill", "Events")
DEFAULT_VIEW = DETAIL_VIEWS[0]
CHART_CONFIG = {"displayModeBar": False}  # the mode bar costs ~10 ms of browser time per update
RESULTS = "results"  # the results fragment's key


def rerun_results() -> None:
    """on_change of the results-only inputs: rerun just the results fragment, not the page."""
    st.rerun(RESULTS)


@st.fragment(key=RESULTS)
def show_results(history: UsageHistory, fitted: Fit, book: PriceBook) -> None:
    """Everything computed from the inputs. Reruns on its own when a results-only input moves."""
    started = time.perf_counter()
    whatif = current_whatif(fitted)
    run = run_whatif(history, book, whatif)
    comparison, labels = run.comparison, run.projection.labels
    horizon = whatif.growth.horizon
    best = comparison.outcome(comparison.cheapest_with_lost)
    current = comparison.outcome(comparison.current)

    st.subheader(f"Recommended: {best.label}")
    g = whatif.growth
    st.caption(
        f"Assumptions: profiles {g.profile_growth_pct:+.1f}% a month, {g.emails_per_profile:.1f} emails "
        f"per profile, November {g.november_peak_pct:+.0f}%, December {g.december_peak_pct:+.0f}%; SMS "
        f"{g.sms_base_credits:,.0f} credits {g.sms_growth_pct:+.1f}% a month; clean-up {g.cleanup_pct:.0f}% "
        f"from month {g.cleanup_cycle}; prices {whatif.price_change_pct:+}% from month "
        f"{whatif.price_change_cycle}; {horizon} months from {labels[0]}."
    )
    st.success(comparison.recommendation, icon=":material/lightbulb:")
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Bill over {horizon} months ({best.label})", f"${best.total_usd:,.2f}")
    m2.metric(f"Your setting ({current.label})", f"${current.total_usd:,.2f}")
    m3.metric("Saving against your setting", f"${comparison.saving_vs_current_usd:,.2f}",
              help="Bill + lost revenue of your setting minus the recommended one's.")  # fmt: skip
    table = report.comparison_frame(comparison, horizon)
    # A static table: five rows need no grid, and it redraws several times faster per move.
    st.table(report.shown_comparison(table), hide_index=True)

    st.markdown("##### How much the answer depends on the two unclear rules")
    for s in run.sensitivity:
        (st.warning if s.changes_answer else st.info)(s.summary)

    st.plotly_chart(
        charts.cumulative_cost(comparison, labels), key="chart_cumulative", config=CHART_CONFIG
    )
    view_col, setting_col = st.columns([1.3, 1])
    view = view_col.segmented_control(
        "Detail", list(DETAIL_VIEWS), default=DEFAULT_VIEW, key="view", required=True,
        bind="query-params", persist_state="session",
    )  # fmt: skip
    detail_keys = [o.key for o in comparison.outcomes]
    detail = setting_col.selectbox(
        "for the setting", detail_keys, index=detail_keys.index(best.key),
        format_func={o.key: o.label for o in comparison.outcomes}.get, key="detail",
    )  # fmt: skip
    chosen = comparison.outcome(detail)
    if view == "Monthly bill":
        st.plotly_chart(charts.monthly_bill(chosen, labels), key="chart_monthly", config=CHART_CONFIG)
    elif view == "Events":
        st.plotly_chart(
            charts.events_timeline(chosen.result, labels, chosen.label),
            key="chart_events",
            config=CHART_CONFIG,
        )
        st.caption("Event days assume sends spread evenly over a 30-day billing cycle.")
    else:
        st.plotly_chart(
            charts.demand_vs_limit(history, run.projection, chosen.result),
            key="chart_demand",
            config=CHART_CONFIG,
        )

    # Download files are built only when clicked (a callable), not on every slider move.
    st.markdown("##### Downloads")
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Comparison (CSV)", partial(report.safe_csv, table), "klaviyo-comparison.csv", "text/csv",
        key="dl_comparison", on_click="ignore",
    )  # fmt: skip
    d2.download_button(
        "Monthly bills, every setting (CSV)",
        partial(lambda c, ls: report.safe_csv(report.bills_frame(c, ls)), comparison, labels),
        "klaviyo-monthly-bills.csv", "text/csv", key="dl_bills", on_click="ignore",
    )  # fmt: skip
    d3.download_button(
        "Scenario (JSON for python -m engine)",
        partial(report.scenario_download, run.scenario, book if state.book_is_edited() else None),
        "klaviyo-scenario.json", "application/json", key="dl_scenario", on_click="ignore",
    )  # fmt: skip
    st.caption(
        f"Server time of the previous recompute: {st.session_state.get(state.RESULTS_MS, 0):.0f} ms.",
        help="How long the server took to recompute the results: every setting, both unclear-rule "
        "variants, the charts. A slider move reruns only this part of the page.",
    )
    st.session_state[state.RESULTS_MS] = (time.perf_counter() - started) * 1000


fitted = fit(history)
controls, results = st.columns([1, 2.3], gap="large")
with controls:
    whatif_inputs(history, fitted, book, typical_sms_credits(history), on_change=rerun_results)
    profiles = state.profiles()
    if profiles and profiles.never_subscribed_pct:
        st.caption(
            f"Your profile export has {profiles.never_subscribed:,} never-subscribed profiles "
            f"({profiles.never_subscribed_pct:.0f}% of active): try that as the clean-up share."
        )
with results:
    show_results(history, fitted, book)
