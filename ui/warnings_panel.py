"""The Explore page's "Warnings ahead": the dated moments, from today on, when the projected usage
reaches 75 / 90 / 100% of a limit or the profile count forces a higher plan, under the user's
current setting, each with its cost and what avoids it (engine.warnings_ahead).

"Today" is the real date; the cycle start day is an input (1 to 28, as the engine takes it).
Drawn inside the results fragment: one simulate of the user's setting, quick enough for a
slider move.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from engine.advice import usd
from engine.history import UsageHistory, add_months, day_label
from engine.models import PriceBook
from engine.warnings_ahead import BreachWarning, warnings_ahead
from engine.whatif import WhatIf
from ui.calendar_panel import failed, text
from ui.whatif_schema import CYCLE_DAY, SETTING_LABELS


def when_text(days: int) -> str:
    return "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"


def warnings_frame(coming: list[BreachWarning]) -> pd.DataFrame:
    """One row per coming warning: date, what happens, its cost, what avoids it."""
    return pd.DataFrame(
        {
            "Date": [day_label(w.date) for w in coming],
            "When": [when_text(w.days_away) for w in coming],
            "What happens": [w.message for w in coming],
            "Cost under your setting": [usd(w.cost_usd) for w in coming],
            "What avoids it": [w.avoid for w in coming],
            "Act by": [day_label(w.act_by) if w.act_by else "" for w in coming],
        }
    )


def empty_text(horizon: int) -> str:
    return f"No limit is reached in the next {horizon} months."


def warnings_panel(
    history: UsageHistory, book: PriceBook, whatif: WhatIf, today: date | None = None
) -> None:
    st.markdown("##### Warnings ahead")
    day = st.number_input(
        "Your billing cycle starts on day", 1, 28, 1, 1, key=CYCLE_DAY,
        help="The day of the month your Klaviyo billing cycle renews (see Billing in Klaviyo). "
        "Dates here and in the plan calendar count from it.",
    )  # fmt: skip
    today = today or date.today()
    try:
        result = warnings_ahead(history, book, whatif, today=today, cycle_start_day=int(day))
    except Exception as e:  # any engine error: a plain message, never a traceback
        failed("The warnings ahead", e)
        return
    coming = [w for w in result.warnings if w.days_away >= 0]
    past = len(result.warnings) - len(coming)
    setting = SETTING_LABELS.get(whatif.current_setting, whatif.current_setting)
    last_month = f"{add_months(history.last.month, whatif.growth.horizon):%b %Y}"
    if not coming and not past:
        st.success(empty_text(whatif.growth.horizon), icon=":material/check_circle:")
    elif not coming:
        st.success(
            text(f"No further limit is reached from today to the end of {last_month}."),
            icon=":material/check_circle:",
        )
    else:
        first = coming[0]
        st.warning(
            text(
                f"{len(coming)} warning{'s' if len(coming) != 1 else ''} ahead under your setting "
                f"({setting}). The first, on {day_label(first.date)}: {first.message}"
            ),
            icon=":material/notifications:",
        )
        st.table(warnings_frame(coming), hide_index=True)
    note = (
        f" {past} warning{'s' if past != 1 else ''} of this projection fell before today."
        if past
        else ""
    )
    st.caption(
        text(
            f"Today is {day_label(today)}; the first projected cycle starts on "
            f"{day_label(result.first_cycle_starts)}. A day assumes sends spread evenly over a "
            f"30-day cycle.{note}"
        )
    )
