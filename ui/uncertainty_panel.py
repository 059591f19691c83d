"""The Explore page's "how sure is the answer?" panel: every setting's low / likely / high bill,
its chance of being the cheapest, its regret, and a fan chart, from engine.uncertainty.

It is its own keyed fragment with a timer (`run_every`), nested in the results fragment. A
slider move reruns the results and, inside them, this panel's cheap part only: it compares the
what-if with the one its answer was computed for and, if they differ, redraws the previous answer
marked as catching up. The paths run when the what-if has *settled*: a timer tick that finds the
what-if unchanged for SETTLE_S (a tick and a slider move can be served in one script run, so
"equal to the previous run" alone would run the paths inside a move). Its own inputs (how sure, paths, seed)
and new data recompute at once.

Why this shape (Streamlit 1.67, checked in headless Chromium): a widget outside every fragment
whose callback calls `st.rerun("results")` (how the page keeps slider moves quick) stops the
`run_every` timer of a sibling fragment for good; a fragment nested in the results one is
registered again on each results rerun, so its timer keeps going. A fragment rerun cannot
trigger another fragment, and `st.cache_data` alone would still run the paths inside a slider
move.

The answer drawn is kept in session state (per session; it holds only the user's own numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from engine.growth import Fit, project
from engine.history import UsageHistory
from engine.models import PriceBook
from engine.uncertainty import Band, Ranges, UncertaintyResult, fit_ranges, run_uncertainty
from engine.whatif import WhatIf
from ui import charts
from ui.inputs import URL, current_whatif
from ui.safe import plain
from ui.settle import TICK_S, fingerprint, is_settled, settled_value
from ui.whatif_schema import PATHS, SEED, SURE_KEYS, UNCERTAINTY_DRIVERS, model_bounds

PANEL = "uncertainty"  # the fragment's key

# "How sure are you" scales the fitted band's distance from the likely value.
SURENESS = {"certain": 0.0, "very sure": 0.5, "fairly sure": 1.0, "unsure": 2.0}
DEFAULT_SURENESS = "fairly sure"
DRIVERS = {
    "profile_growth_pct": "Profile growth per month",
    "emails_per_profile": "Emails per profile",
    "november_peak_pct": "November peak",
    "december_peak_pct": "December peak",
    "sms_growth_pct": "SMS credit growth per month",
    "sms_november_peak_pct": "SMS November peak",
    "sms_december_peak_pct": "SMS December peak",
}
assert tuple(DRIVERS) == UNCERTAINTY_DRIVERS  # the widget keys (ui.whatif_schema) follow them
PATH_CHOICES = (1_000, 10_000)
DEFAULT_PATHS = 1_000  # 10,000 on request: a shared 2-core server runs every session's paths

MOVING = "The what-if is moving: these ranges update once it settles."  # the panel is waiting
SHOWN = "uncertainty_shown"  # (fingerprint, (UncertaintyResult, labels), data): what is drawn
SEEN = "uncertainty_seen"  # (fingerprint, since when): the what-if the panel last saw
NOW = "uncertainty_now"  # set by the panel's own inputs: recompute on this run, do not wait
COMPUTES = "uncertainty_computes"  # how many times this session ran the paths (tests read it)


def scaled(fitted: Ranges, whatif: WhatIf, sureness: dict[str, str]) -> Ranges:
    """The ranges the paths are drawn from: centred on the what-if's own value of each driver
    (what the sliders say), as wide as the fitted band times the driver's "how sure" factor,
    within the engine's bounds. "certain" collapses a driver to the what-if's value."""
    bands = {}
    for name in DRIVERS:
        band: Band = getattr(fitted, name)
        likely = float(getattr(whatif.growth, name))
        k = SURENESS[sureness[name]]
        lo_bound, hi_bound = model_bounds(name)
        low = max(lo_bound, min(likely, likely - k * (band.likely - band.low)))
        high = min(hi_bound, max(likely, likely + k * (band.high - band.likely)))
        bands[name] = Band(low=low, likely=likely, high=high)
    return Ranges(**bands)


def _now() -> None:
    st.session_state[NOW] = True


def inputs(fitted_ranges: Ranges, sms: bool, on_change: Callable = _now) -> tuple[dict, int, int]:
    """The panel's inputs: "how sure" per driver (its fitted band shown in the help), the number
    of paths and the seed. Returns (sureness per driver, paths, seed)."""
    sureness = {}
    with st.expander("How sure are you about each guess?"):
        st.caption(
            "Each range is fitted from your history's own month-to-month variation. "
            "'Very sure' halves it, 'unsure' doubles it, 'certain' uses the slider's value only."
        )
        for name, label in DRIVERS.items():
            band: Band = getattr(fitted_ranges, name)
            if name.startswith("sms_") and not sms:
                sureness[name] = st.session_state.get(SURE_KEYS[name], DEFAULT_SURENESS)
                continue
            sureness[name] = st.selectbox(
                label, list(SURENESS), index=list(SURENESS).index(DEFAULT_SURENESS),
                key=SURE_KEYS[name], on_change=on_change,
                help=f"Fitted range: {band.low:,.2f} / {band.likely:,.2f} / {band.high:,.2f} "
                "(low / likely / high), around the slider's value.", **URL,
            )  # fmt: skip
        c1, c2 = st.columns(2)
        paths = c1.selectbox(
            "Futures to simulate", list(PATH_CHOICES), index=PATH_CHOICES.index(DEFAULT_PATHS),
            format_func="{:,}".format, key=PATHS, on_change=on_change, **URL,
        )  # fmt: skip
        seed = c2.number_input(
            "Seed (the same seed repeats the same futures)", 0, 2**31 - 1, 0, 1,
            key=SEED, on_change=on_change, **URL,
        )  # fmt: skip
    return sureness, int(paths), int(seed)


def _usd(x) -> str:
    return f"${x:,.0f}"


def table(result: UncertaintyResult) -> pd.DataFrame:
    rows = []
    for s in result.settings:
        rows.append(
            {
                "Setting": s.label,
                "Bill P10 / P50 / P90": " / ".join(_usd(v) for v in s.bill_usd),
                "Bill + lost P10 / P50 / P90": " / ".join(_usd(v) for v in s.with_lost_usd),
                "Chance cheapest": f"{100 * s.p_cheapest:.1f}%",
                "Regret, mean": _usd(s.regret_mean_usd),
                "Regret, P90": _usd(s.regret_p90_usd),
            }
        )
    return pd.DataFrame(rows)


def draw(result: UncertaintyResult, labels: list[str], stale: bool) -> None:
    # The engine's sentence has dollar signs, which Markdown would read as maths: shown as text.
    st.info(plain(result.robustness), icon=":material/insights:")
    st.table(table(result), hide_index=True)
    st.plotly_chart(
        charts.fan_chart(result.fans, labels), key="chart_fan", config={"displayModeBar": False}
    )
    st.caption(  # numbers only: no user text
        f"{result.paths:,} futures, seed {result.seed}; percentiles "
        f"{'/'.join(map(str, result.percentiles))}. Regret: how much more than the cheapest "
        "setting of the same future (by bill + lost revenue)."
    )
    if stale:
        st.caption(MOVING)


@st.fragment(key=PANEL, run_every=TICK_S)
def uncertainty_panel(history: UsageHistory, fitted: Fit, book: PriceBook) -> None:
    """The panel: recomputes on its own inputs and new data at once, on the what-if once settled."""
    st.markdown("##### How sure is the answer?")
    fitted_ranges, _notes = fit_ranges(history, fitted)
    whatif = current_whatif(fitted)
    sms = bool(whatif.growth.sms_base_credits)
    sureness, paths, seed = inputs(fitted_ranges, sms)
    ranges = scaled(fitted_ranges, whatif, sureness)
    data = fingerprint(history, book)
    ask = fingerprint(history, book, whatif, ranges, paths, seed)
    now = st.session_state.pop(NOW, False)

    def compute():
        st.session_state[COMPUTES] = st.session_state.get(COMPUTES, 0) + 1
        with st.spinner("Running the futures…"):
            result = run_uncertainty(history, book, whatif, ranges, paths=paths, seed=seed)
        return result, project(history, whatif.growth).labels

    (result, labels), stale = settled_value(SHOWN, ask, data, now, is_settled(SEEN, ask), compute)
    draw(result, labels, stale=stale)
