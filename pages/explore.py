"""Explore: drag the what-if, see every billing setting's cost side by side, and why."""

import time
from functools import partial

import streamlit as st

from engine import advice
from engine.growth import Fit, fit
from engine.history import UsageHistory
from engine.models import PriceBook
from engine.whatif import WhatIf, WhatIfResult
from ui import charts, engine_client, report, share, state
from ui.bill_change_panel import bill_change_panel
from ui.calendar_panel import calendar_panel
from ui.frame import SHARED_ERROR, require_frame
from ui.inputs import current_whatif, whatif_inputs
from ui.report import money
from ui.safe import plain
from ui.uncertainty_panel import uncertainty_panel
from ui.warnings_panel import warnings_panel
from ui.whatif_schema import DETAIL, VIEW

require_frame()  # before anything else: see ui/frame.py

loaded = state.usage()
history = loaded.history
book = state.book()

st.title("What will your Klaviyo bill be?")
if loaded.is_sample:
    st.caption(
        "Running on the **sample account** (a growing mid-size store). Load your own usage on the "
        "Data page."
    )
else:
    st.caption(f"Running on **{plain(loaded.source)}**.")
if st.session_state.get(SHARED_ERROR):
    st.error(st.session_state[SHARED_ERROR], icon=":material/link_off:")

# One detail chart at a time: each plotly chart costs the browser tens of ms per slider move.
DETAIL_VIEWS = ("Demand against limits", "Monthly bill", "Events")
DEFAULT_VIEW = DETAIL_VIEWS[0]
CHART_CONFIG = {"displayModeBar": False}  # the mode bar costs ~10 ms of browser time per update
RESULTS = "results"  # the results fragment's key


def rerun_results() -> None:
    """on_change of the results-only inputs: rerun just the results fragment, not the page."""
    st.rerun(RESULTS)


def figures(label: str, o) -> None:
    """One setting's bill and lost revenue as separate figures, and their sum the ranking uses."""
    st.markdown(f"**{label}: {o.label}**")
    c1, c2, c3 = st.columns(3)
    quote = bool(o.custom_quote_cycles)
    c1.metric("Bill", money(o.total_usd, quote), help=report.COLUMN_HELP["Bill"])
    c2.metric("Lost revenue", money(o.lost_revenue_usd), help=report.COLUMN_HELP["Lost revenue"])
    c3.metric("Bill + lost revenue", money(o.total_with_lost_usd, quote),
              help="The figure the ranking uses.")  # fmt: skip


def share_links(history: UsageHistory) -> None:
    """The settings-only link and the one that also carries the monthly usage numbers, as two
    copy buttons that say which link they copied. Drawn outside the results fragment: the
    buttons read the page's address when clicked, so a slider move does not redraw them."""
    st.markdown("##### Share this what-if")
    # Our own HTML: the only data in it is the usage code, made of digits, letters, "_" and ".".
    st.iframe(share.copy_buttons_html(share.encode_usage(history)), height="content")


def headline(comparison, best, current) -> None:
    """The recommendation, its quote floor, and its figures beside those of the user's setting."""
    st.subheader(f"Recommended: {best.label}")
    st.success(advice.recommendation(comparison), icon=":material/lightbulb:")
    floor = advice.quote_floor(best)
    if floor:
        st.warning(
            f"{floor}. Ask Klaviyo for a quote for those months.",
            icon=":material/request_quote:",
        )
    figures("Recommended", best)
    if current.key != best.key:
        figures("Your setting", current)
        st.metric(
            "Saving against your setting",
            f"${comparison.saving_vs_current_usd:,.2f}",
            help="Your setting's bill + lost revenue minus the recommended one's, both shown above.",
        )
        st.caption(
            f"{money(current.total_with_lost_usd)} − {money(best.total_with_lost_usd)} = "
            f"{money(comparison.saving_vs_current_usd)}, by bill + lost revenue (what the ranking "
            "uses). Lost revenue prices blocked sends at the revenue per message in the inputs."
        )


def assumptions(whatif: WhatIf, labels: list[str], sms: bool) -> None:
    g = whatif.growth
    sms_text = f"; SMS {g.sms_base_credits:,.0f} credits {g.sms_growth_pct:+.1f}% a month" if sms else ""
    st.caption(
        f"Assumptions: profiles {g.profile_growth_pct:+.1f}% a month, {g.emails_per_profile:.1f} emails "
        f"per profile, November {g.november_peak_pct:+.0f}%, December {g.december_peak_pct:+.0f}%"
        f"{sms_text}; clean-up {g.cleanup_pct:.0f}% from month {g.cleanup_cycle}; prices "
        f"{whatif.price_change_pct:+}% from month {whatif.price_change_cycle}; {g.horizon} months "
        f"from {labels[0]}."
    )


def every_setting(comparison, horizon: int):
    """The comparison table and what its columns and settings mean; returns the table."""
    st.markdown("##### Every setting on this path")
    table = report.comparison_frame(comparison, horizon)
    # A static table: five rows need no grid, and it redraws several times faster per move.
    st.table(report.shown_comparison(table), hide_index=True)
    with st.expander("What the columns count"):
        st.markdown(report.column_help(table))
    names = advice.labels(comparison)
    with st.expander("What each setting does"):
        for o in comparison.outcomes:
            st.markdown(f"**{o.label}**: {advice.describe(o, names)}.")
            if o.schedule:
                st.caption(f"Schedule: {advice.schedule_text(o.schedule, comparison)}.")
    return table


def unclear_rules(run: WhatIfResult, sms: bool) -> None:
    st.markdown("##### How much the answer depends on the unclear rules")
    for s in run.sensitivity:
        if s.switch == "sms_rollover" and not sms:
            continue  # no SMS on this path: rollover cannot matter
        (st.warning if s.changes_answer else st.info)(advice.sensitivity_summary(s, run.comparison))


def charts_of(run: WhatIfResult, best, history: UsageHistory) -> None:
    """The cumulative cost of every setting, then one detail chart of one setting."""
    comparison, labels = run.comparison, run.projection.labels
    st.plotly_chart(
        charts.cumulative_cost(comparison, labels), key="chart_cumulative", config=CHART_CONFIG
    )
    view = st.segmented_control(
        "Detail", list(DETAIL_VIEWS), default=DEFAULT_VIEW, key=VIEW, required=True,
        bind="query-params", persist_state="session",
    )  # fmt: skip
    detail_keys = [o.key for o in comparison.outcomes]
    detail = st.selectbox(
        "for the setting", detail_keys, index=detail_keys.index(best.key),
        format_func={o.key: o.label for o in comparison.outcomes}.get, key=DETAIL,
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


def downloads(run: WhatIfResult, table, book: PriceBook, history: UsageHistory, whatif: WhatIf) -> None:
    """Download files are built only when clicked (a callable), not on every slider move."""
    st.markdown("##### Downloads")
    # In a row that wraps, so no label is cut short on a narrow column or screen.
    row = st.container(horizontal=True)
    row.download_button(
        "Comparison (CSV)", partial(report.safe_csv, table), "klaviyo-comparison.csv", "text/csv",
        key="dl_comparison", on_click="ignore",
    )  # fmt: skip
    row.download_button(
        "Monthly bills, every setting (CSV)",
        partial(report.bills_csv, run.comparison, run.projection.labels),
        "klaviyo-monthly-bills.csv", "text/csv", key="dl_bills", on_click="ignore",
    )  # fmt: skip
    row.download_button(
        "Scenario (JSON for python -m engine)",
        partial(report.scenario_download, run.scenario, book if state.book_is_edited() else None),
        "klaviyo-scenario.json", "application/json", key="dl_scenario", on_click="ignore",
    )  # fmt: skip
    row.download_button(
        "What-if request (JSON for python -m engine warnings)",
        partial(report.request_download, history, whatif, book if state.book_is_edited() else None),
        "klaviyo-whatif-request.json", "application/json", key="dl_request", on_click="ignore",
        help="The loaded months and these inputs: what `python -m engine warnings`, `replay` and "
        "`uncertainty` read, for a scheduled job that alerts before a limit.",
    )  # fmt: skip


@st.fragment(key=RESULTS)
def show_results(history: UsageHistory, fitted: Fit, book: PriceBook) -> None:
    """Everything computed from the inputs. Reruns on its own when a results-only input moves."""
    started = time.perf_counter()
    answer = engine_client.compute(history, book, current_whatif(fitted))  # ENGINE_URL or in process
    if answer.problem:
        st.error(plain(answer.problem), icon=":material/cloud_off:")
    if answer.run is None:
        return
    run, history, whatif = answer.run, answer.history, answer.whatif  # the inputs of what is shown
    comparison = run.comparison
    best = comparison.outcome(comparison.cheapest_with_lost)
    sms = any(advice.has_sms(o.result) for o in comparison.outcomes)
    headline(comparison, best, comparison.outcome(comparison.current))
    assumptions(whatif, run.projection.labels, sms)
    table = every_setting(comparison, whatif.growth.horizon)
    # Its own fragment too (see its module): the "most actions" picker reruns only the calendar.
    calendar_panel(history, fitted, book, run, whatif)
    warnings_panel(history, book, whatif)
    unclear_rules(run, sms)
    charts_of(run, best, history)
    bill_change_panel(run, book, best.key)
    downloads(run, table, book, history, whatif)
    # Its own fragment, nested here so that its settle timer survives our reruns (see its module).
    uncertainty_panel(history, fitted, book)
    st.caption(
        f"Server time of the previous recompute: {st.session_state.get(state.RESULTS_MS, 0):.0f} ms.",
        help="How long the server took to recompute the results: every setting, every reading of "
        "the unclear rules, the charts. A slider move reruns only this part of the page.",
    )
    st.session_state[state.RESULTS_MS] = (time.perf_counter() - started) * 1000


fitted = fit(history)
# The answer's column comes first, so on a phone (where columns stack) it is above the inputs.
results, controls = st.columns([2.3, 1], gap="large")
with controls:
    st.markdown("##### Your what-if")
    whatif_inputs(history, fitted, book, on_change=rerun_results)
    profiles = state.profiles()
    if profiles and profiles.never_subscribed_pct:
        st.caption(
            f"Your profile export has {profiles.never_subscribed:,} never-subscribed profiles "
            f"({profiles.never_subscribed_pct:.0f}% of active): try that as the clean-up share."
        )
with results:
    show_results(history, fitted, book)
    share_links(history)
