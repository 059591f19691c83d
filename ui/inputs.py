"""The Explore page's inputs: one widget per WhatIf field, bound to the URL.

Every widget has a short key that is also its URL parameter (`bind="query-params"`), so a
copied link reopens the same what-if; only values that differ from the default appear in it.
Defaults come from the fit of the loaded history. When new data is loaded, ui.state drops
these keys, so the widgets start again from the new fit.

A widget whose value changes nothing but the results takes `on_change` from the page, which
reruns only the results fragment (a slider move then resends the results, not the ~30 input
elements above them). The horizon and the card-failure month change other widgets' options,
so they rerun the whole page. Either way the what-if is read back from session state by
`current_whatif`, the one place that turns widget values into a WhatIf.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import streamlit as st

from engine.compare import NAMED_POLICIES
from engine.growth import GROWTH_RANGE, PEAK_RANGE, Fit
from engine.history import UsageHistory
from engine.models import FlexFeeBasis, PriceBook
from engine.simulate import cover
from engine.whatif import WhatIf

URL = dict(bind="query-params", persist_state="session")
DEFAULT_REVENUE = 0.05  # USD per blocked email or credit; labelled a placeholder in the UI
SETTING_LABELS = {p.key: p.label for p in NAMED_POLICIES}


# Module-level format functions: widgets keep them in session state, which must pickle.
def profiles_plan(c: int) -> str:
    return f"up to {c:,} profiles"


def credits_plan(c: int) -> str:
    return "no SMS plan" if c == 0 else f"{c:,} credits"


def month_or_never(c: int) -> str:
    return "never" if c == 0 else str(c)


FEE_BASIS_LABELS = {
    "extra": "the extra messages only (Klaviyo's example)",
    "whole": "all of the next tier's messages (help-article wording)",
    "difference": "the price difference of a temporary upgrade (Feb 2025 FAQ)",
}


def bounds(value: float, low: float, high: float, step: float) -> tuple[float, float]:
    """A slider's range widened to hold the fitted value, so a store outside the usual range
    (ten million profiles, 25 emails per profile) gets a slider instead of an error; the ends
    stay on the step grid."""
    lo = min(low, math.floor(value / step) * step)
    hi = max(high, math.ceil(value / step) * step)
    return lo, hi


def _rate_slider(label: str, fit: Fit, field: str, key: str, on_change: Callable) -> None:
    """A monthly growth rate (%), within the range the fit is clamped to (or around the fit)."""
    value = float(getattr(fit.growth, field))
    low, high = bounds(value, *GROWTH_RANGE, 0.1)
    st.slider(label, round(low, 1), round(high, 1), value, 0.1, key=key, help=fit.notes[field],
              on_change=on_change, **URL)  # fmt: skip


def _peak_slider(label: str, fit: Fit, field: str, key: str, on_change: Callable) -> None:
    """A seasonal peak (% over an ordinary month), in steps of 5."""
    value = round(getattr(fit.growth, field))
    low, high = (int(b) for b in bounds(value, *PEAK_RANGE, 5))
    st.slider(label, low, high, value, 5, key=key, help=fit.notes[field], on_change=on_change, **URL)


def whatif_inputs(
    history: UsageHistory, fit: Fit, book: PriceBook, typical_sms: int, on_change: Callable
) -> None:
    """Draw the inputs in the current container; `current_whatif` reads what they say.

    `on_change` is called when a results-only input changes (see the module docstring)."""
    g = fit.growth
    notes = fit.notes
    results_only = dict(on_change=on_change, **URL)
    horizon = st.segmented_control(
        "Horizon (months)", [12, 24, 36], default=12, key="horizon", required=True, **URL
    )

    with st.expander("Growth", expanded=True):
        _rate_slider("Profile growth per month (%)", fit, "profile_growth_pct", "growth", on_change)
        epp = float(g.emails_per_profile)
        epp_max = float(max(40, math.ceil(epp * 2)))
        st.slider(
            "Emails per profile in an ordinary month", 0.0, epp_max, epp,
            0.1, key="epp", help=notes["emails_per_profile"], **results_only,
        )  # fmt: skip
        _peak_slider(
            "November peak, Black Friday / Cyber Monday (% over an ordinary month)", fit,
            "november_peak_pct", "nov", on_change,
        )  # fmt: skip
        _peak_slider("December peak (%)", fit, "december_peak_pct", "dec", on_change)

    with st.expander("SMS"):
        sms = int(g.sms_base_credits)
        sms_max = max(1000, math.ceil(sms * 4 / 1000) * 1000)
        st.slider(
            "SMS credits in an ordinary month", 0, sms_max, sms,
            max(1, sms_max // 200), key="sms_base", help=notes["sms_base_credits"], **results_only,
        )  # fmt: skip
        _rate_slider("SMS credit growth per month (%)", fit, "sms_growth_pct", "sms_growth", on_change)
        _peak_slider("SMS November peak (%)", fit, "sms_november_peak_pct", "sms_nov", on_change)
        _peak_slider("SMS December peak (%)", fit, "sms_december_peak_pct", "sms_dec", on_change)

    with st.expander("List clean-up and price change"):
        st.slider(
            "Suppress this share of profiles (%)", 0, 80, 0, 1, key="cleanup",
            help="Suppressed profiles stop counting and stop receiving email (SMS is unchanged).",
            **results_only,
        )  # fmt: skip
        st.slider("…from month", 1, 36, 1, key="cleanup_at", **results_only)
        st.slider(
            "Klaviyo price change (%)", -20, 50, 0, 1, key="price_pct",
            help="Every price in both ladders, rounded to cents, from the month below.", **results_only,
        )  # fmt: skip
        st.slider("…from month", 1, 36, 1, key="price_at", **results_only)

    with st.expander("Your plan and setting", expanded=True):
        caps = [t.max_profiles for t in book.email_tiers]
        st.selectbox(
            "Email plan now (active profiles)", caps, index=cover(caps, history.last.active_profiles)[0],
            format_func=profiles_plan, key="email_plan", **results_only,
        )  # fmt: skip
        credits = [t.monthly_credits for t in book.sms_tiers]
        st.selectbox(
            "SMS plan now (credits a month)", credits, index=cover(credits, typical_sms)[0],
            format_func=credits_plan, key="sms_plan", **results_only,
        )  # fmt: skip
        st.selectbox(
            "Your current setting at the limit", list(SETTING_LABELS), index=3,
            format_func=SETTING_LABELS.get, key="setting", **results_only,
        )  # fmt: skip
        card_options = [0, *range(1, horizon + 1)]
        card_fail = st.selectbox(
            "A card payment fails in month", card_options, index=0, key="card_fail",
            format_func=month_or_never,
            help="A failed payment turns flexible sending and auto-upgrade off until the owner turns them on again.",
            **URL,
        )  # fmt: skip
        if card_fail:
            fixed_options = [0, *range(card_fail + 1, horizon + 1)]
            st.selectbox(
                "…and is fixed in month", fixed_options, key="card_fixed",
                format_func=month_or_never, **results_only,
            )  # fmt: skip

    with st.expander("What a blocked message is worth", expanded=True):
        placeholder = (
            "Starts at $0.05, the figure of the billing rules' worked example: a placeholder, not "
            "your number. Use the revenue per recipient from your Klaviyo reports; 0 prices "
            "blocked sends at nothing."
        )
        st.number_input(
            "Revenue per email (USD)", 0.0, 10.0, DEFAULT_REVENUE, 0.001, format="%.3f",
            key="rev_email", help=placeholder, **results_only,
        )  # fmt: skip
        st.number_input(
            "Revenue per SMS credit (USD)", 0.0, 10.0, DEFAULT_REVENUE, 0.001, format="%.3f",
            key="rev_sms", help=placeholder, **results_only,
        )  # fmt: skip

    with st.expander("Rules Klaviyo leaves unclear"):
        st.radio(
            "Flex fee is charged on", list(FEE_BASIS_LABELS), key="fee_basis", **results_only,
            format_func=FEE_BASIS_LABELS.get,
            help="Klaviyo's texts disagree; the answer shows what each reading changes.",
        )  # fmt: skip
        st.toggle(
            "Unused SMS credits roll over", False, key="rollover",
            help="No official source says they do; off by default.", **results_only,
        )  # fmt: skip


def current_whatif(fit: Fit) -> WhatIf:
    """The what-if the inputs hold in session state (they are all drawn by `whatif_inputs`)."""
    s = st.session_state
    card_fail = s["card_fail"]
    card_fixed = s.get("card_fixed", 0) if card_fail else 0  # drawn only after a failure
    return WhatIf(
        growth=fit.growth.model_copy(
            update=dict(
                horizon=s["horizon"],
                profile_growth_pct=s["growth"],
                emails_per_profile=s["epp"],
                november_peak_pct=s["nov"],
                december_peak_pct=s["dec"],
                sms_base_credits=s["sms_base"],
                sms_growth_pct=s["sms_growth"],
                sms_november_peak_pct=s["sms_nov"],
                sms_december_peak_pct=s["sms_dec"],
                cleanup_pct=s["cleanup"],
                cleanup_cycle=s["cleanup_at"],
            )
        ),
        email_plan_profiles=s["email_plan"],
        sms_plan_credits=s["sms_plan"],
        current_setting=s["setting"],
        flex_fee_basis=FlexFeeBasis(s["fee_basis"]),
        sms_rollover=s["rollover"],
        card_failure_cycle=card_fail or None,
        card_fixed_cycle=card_fixed or None,
        price_change_pct=Decimal(s["price_pct"]),
        price_change_cycle=s["price_at"],
        revenue_per_email_usd=Decimal(str(round(s["rev_email"], 3))),
        revenue_per_sms_credit_usd=Decimal(str(round(s["rev_sms"], 3))),
    )
