"""Explore: drag the what-if, see every billing setting's cost side by side, and why."""

import json

import streamlit as st

from engine.growth import fit, typical_sms_credits
from engine.whatif import run_whatif, scenario_for
from ui import charts, report, state
from ui.frame import require_frame
from ui.inputs import whatif_inputs

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

fitted = fit(history)
controls, results = st.columns([1, 2.3], gap="large")
with controls:
    whatif = whatif_inputs(history, fitted, book, typical_sms_credits(history))
    profiles = state.profiles()
    if profiles and profiles.never_subscribed_pct:
        st.caption(
            f"Your profile export has {profiles.never_subscribed:,} never-subscribed profiles "
            f"({profiles.never_subscribed_pct:.0f}% of active): try that as the clean-up share."
        )

run = run_whatif(history, book, whatif)
comparison, labels = run.comparison, run.projection.labels
horizon = whatif.growth.horizon
best = comparison.outcome(comparison.cheapest_with_lost)
current = comparison.outcome(comparison.current)

with results:
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
    money = st.column_config.NumberColumn(format="dollar")
    st.dataframe(
        table, hide_index=True, key="comparison_table",
        column_config={c: money for c in table.columns if "Bill" in c or c == "Lost revenue"},
    )  # fmt: skip

    st.markdown("##### How much the answer depends on the two unclear rules")
    for s in run.sensitivity:
        (st.warning if s.changes_answer else st.info)(s.summary)

    st.plotly_chart(charts.cumulative_cost(comparison, labels), key="chart_cumulative")
    detail_keys = [o.key for o in comparison.outcomes]
    detail = st.selectbox(
        "Monthly detail for", detail_keys, index=detail_keys.index(best.key),
        format_func={o.key: o.label for o in comparison.outcomes}.get, key="detail",
    )  # fmt: skip
    chosen = comparison.outcome(detail)
    st.plotly_chart(charts.monthly_bill(chosen, labels), key="chart_monthly")
    st.plotly_chart(charts.demand_vs_limit(history, run.projection, chosen.result), key="chart_demand")
    st.plotly_chart(charts.events_timeline(chosen.result, labels, chosen.label), key="chart_events")
    st.caption("Event days assume sends spread evenly over a 30-day billing cycle.")

    st.markdown("##### Downloads")
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Comparison (CSV)", report.safe_csv(table), "klaviyo-comparison.csv", "text/csv",
        key="dl_comparison", on_click="ignore",
    )  # fmt: skip
    d2.download_button(
        "Monthly bills, every setting (CSV)", report.safe_csv(report.bills_frame(comparison, labels)),
        "klaviyo-monthly-bills.csv", "text/csv", key="dl_bills", on_click="ignore",
    )  # fmt: skip
    edited = None if book == state.cache.bundled_book() else book
    _, scenario = scenario_for(history, whatif)
    d3.download_button(
        "Scenario (JSON for python -m engine)", report.scenario_download(scenario, edited),
        "klaviyo-scenario.json", "application/json", key="dl_scenario", on_click="ignore",
    )  # fmt: skip
    st.caption(
        f"Script time of the previous run: {st.session_state.get('script_ms', 0):.0f} ms.",
        help=json.dumps({"cycles": horizon, "settings": len(comparison.outcomes)}),
    )
