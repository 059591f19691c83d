"""The Explore page's "Why the bill changes": one setting's bill in one month against the month
before, line by line with the reason of each line (engine.explain.explain_change).

The month starts at the one with the largest change for the recommended setting and follows
the answer until the user picks a month. Drawn inside the results fragment: it reads the
comparison's own results, so it adds no simulate to a slider move.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from engine.advice import usd
from engine.compare import Outcome
from engine.explain import BillChange, explain_change
from engine.models import PriceBook, SimulationResult
from engine.whatif import WhatIfResult
from ui.calendar_panel import failed, text
from ui.whatif_schema import WHY_MONTH, WHY_MONTH_CHOSEN, WHY_SETTING


def signed(amount: Decimal) -> str:
    if amount > 0:
        return f"+{usd(amount)}"
    if amount < 0:
        return f"-{usd(-amount)}"
    return usd(amount)


def largest_change(result: SimulationResult) -> int | None:
    """The cycle (2 or later) whose bill differs most from the cycle before; the earliest on a tie."""
    cycles = result.cycles
    if len(cycles) < 2:
        return None
    return max(
        range(2, len(cycles) + 1),
        key=lambda c: (abs(cycles[c - 1].total_usd - cycles[c - 2].total_usd), -c),
    )


def change_frame(change: BillChange) -> pd.DataFrame:
    """The lines, then the whole bill (the lines add up to it)."""
    rows = [(x.item, x.before_usd, x.after_usd, x.change_usd, x.reason) for x in change.lines]
    rows.append(("Whole bill", change.before_usd, change.after_usd, change.change_usd, ""))
    return pd.DataFrame(
        {
            "Item": [r[0] for r in rows],
            "Before": [usd(r[1]) for r in rows],
            "After": [usd(r[2]) for r in rows],
            "Change": [signed(r[3]) for r in rows],
            "Reason": [r[4] for r in rows],
        }
    )


def _chose_month() -> None:
    st.session_state[WHY_MONTH_CHOSEN] = True


def explain(run: WhatIfResult, book: PriceBook, outcome: Outcome, cycle: int) -> BillChange:
    """explain_change on the outcome's own scenario (its policy, the what-if's usage)."""
    scenario = run.scenario.model_copy(update={"policy": outcome.policy})
    return explain_change(scenario, book, outcome.result, cycle, run.projection.months)


def bill_change_panel(run: WhatIfResult, book: PriceBook, recommended: str) -> None:
    st.markdown("##### Why the bill changes from one month to the next")
    comparison, labels = run.comparison, run.projection.labels
    default = largest_change(comparison.outcome(recommended).result)
    if default is None:
        st.caption("A one-month horizon has no month before to compare with.")
        return
    keys = [o.key for o in comparison.outcomes]
    months = {c: f"{labels[c - 1]} against {labels[c - 2]}" for c in range(2, len(labels) + 1)}
    if not st.session_state.get(WHY_MONTH_CHOSEN) or st.session_state.get(WHY_MONTH) not in months:
        st.session_state[WHY_MONTH] = default
        st.session_state[WHY_MONTH_CHOSEN] = False
    c1, c2 = st.columns(2)
    key = c1.selectbox(
        "Setting", keys, index=keys.index(recommended), key=WHY_SETTING,
        format_func={o.key: o.label for o in comparison.outcomes}.get,
    )  # fmt: skip
    cycle = c2.selectbox(
        "Month", list(months), key=WHY_MONTH, format_func=months.get, on_change=_chose_month,
        help="Starts at the month with the largest change for the recommended setting.",
    )  # fmt: skip
    outcome = comparison.outcome(key)
    try:
        change = explain(run, book, outcome, int(cycle))
    except Exception as e:  # any engine error: a plain message, never a traceback
        failed("Why the bill changes", e)
        return
    st.info(text(change.summary), icon=":material/receipt_long:")
    st.table(change_frame(change), hide_index=True)
    st.caption(
        text(
            f"{outcome.label}: {labels[cycle - 2]} {usd(change.before_usd)}, {labels[cycle - 1]} "
            f"{usd(change.after_usd)}, a change of {signed(change.change_usd)}; the lines add up to it."
        )
    )
