"""The Explore page's plan calendar: the cheapest dated actions on the what-if's usage path
(engine.plan_calendar), the saving each extra action buys, a "most actions" picker, every
setting against the calendar's floor, and how the saving holds up over the uncertainty ranges
(engine.uncertainty.calendar_ranges).

It is its own keyed fragment, nested in the results fragment (as ui.uncertainty_panel, whose
docstring says why nesting matters in Streamlit 1.67): the picker reruns only this panel, and
it reads the shown calendar's steps, so a K change never recomputes. The ranges run many
futures, so they follow the uncertainty panel's rule: computed at once on this panel's own
input and on new data, and after a slider move only once the what-if has settled (a timer tick
that finds it unchanged for SETTLE_S); until then the previous ranges are drawn, marked.

The calendar itself follows the same rule: plan_calendar takes ~100 ms on the sample's 12
months and ~0.6 s / ~1.1 s on 24 / 36 on a quiet 2-core machine (benchmarks/plan_panels_bench.py),
too slow to run inside a slider move.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from engine import uncertainty
from engine.advice import usd
from engine.growth import Fit
from engine.history import UsageHistory
from engine.models import PriceBook, Setting
from engine.plan_calendar import (
    CalendarStep,
    PlanCalendar,
    plan_calendar,
    saving_summary,
    step_words,
)
from engine.uncertainty import fit_ranges
from engine.whatif import WhatIf, WhatIfResult
from ui.safe import plain
from ui.settle import TICK_S, fingerprint, is_settled, settled_value
from ui.uncertainty_panel import DEFAULT_PATHS, DEFAULT_SURENESS, scaled
from ui.whatif_schema import CYCLE_DAY, PATHS, PLAN_K, PLAN_K_CHOSEN, SEED, SURE_KEYS

PANEL = "calendar"  # the fragment's key

SHOWN = "calendar_shown"  # (ask, PlanCalendar, data): the calendar drawn
RANGES_SHOWN = "calendar_ranges_shown"  # (ask, CalendarRanges | None, data)
WORDS = "calendar_words"  # ((ask, K, cycle start day), sentences): the dated list drawn
SEEN = "calendar_seen"  # (ask, since when): the what-if the panel last saw
NOW = "calendar_now"  # set by the panel's own input: recompute on this run, do not wait
COMPUTES = "calendar_computes"  # how many times this session worked out a calendar (tests read it)
MOVING = "The what-if is moving: this check updates once it settles."

PREFERENCE_WORDS = {
    "none": "stop sending at the limit",
    "flex": "flexible sending",
    "auto_upgrade": "auto-upgrade",
}


# ---------------------------------------------------------------- words (pure)


def text(s: str) -> str:
    """Our own sentence as literal Markdown (its dollar signs are not maths), uncut."""
    return plain(s, limit=10_000)


def preference_text(preference: str, auto_downgrade: bool = False) -> str:
    words = PREFERENCE_WORDS[preference]
    return f"{words} with auto-downgrade" if auto_downgrade else words


def start_text(start: Setting) -> str:
    """The preferences the calendar starts from, in words."""
    email = preference_text(start.email.value, start.auto_downgrade)
    return f"email on {email}, SMS on {preference_text(start.sms.value)}"


def saving_text(calendar: PlanCalendar) -> str:
    """The engine's line on what each extra action buys, and what it counts."""
    line = saving_summary(calendar)
    return line if line.endswith(".") else f"{line} (bill + lost revenue, against taking no action)."


def list_markdown(sentences: list[str]) -> str:
    """The engine's dated sentences as a numbered list, each one's date (before its first
    colon) in bold; every sentence through plain, so nothing in it is markup."""
    items = []
    for sentence in sentences:
        when, sep, what = sentence.partition(": ")
        items.append(f"1. **{text(when)}**: {text(what)}" if sep else f"1. {text(sentence)}")
    return "\n".join(items)


def steps_frame(calendar: PlanCalendar) -> pd.DataFrame:
    """K -> the best schedule with at most K actions and what it costs."""
    base = calendar.steps[0].total_with_lost_usd
    return pd.DataFrame(
        {
            "Most actions": [s.max_actions for s in calendar.steps],
            "Actions taken": [len(s.actions) for s in calendar.steps],
            "Bill": [usd(s.total_usd) for s in calendar.steps],
            "Lost revenue": [usd(s.lost_revenue_usd) for s in calendar.steps],
            "Bill + lost revenue": [usd(s.total_with_lost_usd) for s in calendar.steps],
            "Saving": [usd(base - s.total_with_lost_usd) for s in calendar.steps],
        }
    )


def floor_label(step: CalendarStep) -> str:
    n = len(step.actions)
    return f"Best calendar ({n} action{'s' if n != 1 else ''})"


def floor_frame(calendar: PlanCalendar, chosen: CalendarStep) -> pd.DataFrame:
    """The calendar's floor as the first row, then every setting against it (bill + lost
    revenue, the ranking's figure), and the chosen K's schedule when it is not the best."""
    best = calendar.best
    rows = [(floor_label(best), best.total_usd, best.total_with_lost_usd, Decimal(0))]
    if chosen.total_with_lost_usd != best.total_with_lost_usd:
        label = (
            f"Calendar with at most {chosen.max_actions} action{'s' if chosen.max_actions != 1 else ''}"
        )
        above = chosen.total_with_lost_usd - best.total_with_lost_usd
        rows.append((label, chosen.total_usd, chosen.total_with_lost_usd, above))
    for s in sorted(calendar.settings, key=lambda s: s.above_floor_usd):
        rows.append((s.label, s.total_usd, s.total_with_lost_usd, s.above_floor_usd))
    return pd.DataFrame(
        {
            "Setting or calendar": [r[0] for r in rows],
            "Bill": [usd(r[1]) for r in rows],
            "Bill + lost revenue": [usd(r[2]) for r in rows],
            "Above the best": [usd(r[3]) for r in rows],
        }
    )


def vs_floor_sentence(calendar: PlanCalendar, current: str) -> str:
    """'Your setting (Auto-upgrade) is $1,449.00 above the best you could do; the best takes 2
    actions.'"""
    n = len(calendar.best.actions)
    takes = f"the best takes {n} action{'s' if n != 1 else ''}"
    mine = next((s for s in calendar.settings if s.key == current), None)
    if mine is None:
        return f"The best you could do costs {usd(calendar.best.total_with_lost_usd)}; {takes}."
    if mine.above_floor_usd <= 0:
        return f"Your setting ({mine.label}) is already as cheap as the best calendar; {takes}."
    return f"Your setting ({mine.label}) is {usd(mine.above_floor_usd)} above the best you could do; {takes}."


# ---------------------------------------------------------------- drawing


def failed(what: str, e: Exception) -> None:
    """An engine error as a plain message: the rest of the page stays."""
    # A ValueError says what is wrong with the inputs (its first line); anything else, its kind.
    reason = (
        str(e).splitlines()[0].removeprefix("input: ")
        if isinstance(e, ValueError) and str(e)
        else type(e).__name__
    )
    # The engine's own words, whole (any input they quote is already cut short by the engine).
    said = f"{what} could not be worked out for these inputs ({reason}). The rest of the page is unaffected."
    st.error(plain(said, limit=600), icon=":material/error:")


def _now() -> None:
    st.session_state[NOW] = True


def _chose_k() -> None:
    st.session_state[PLAN_K_CHOSEN] = True
    _now()  # the ranges follow the chosen calendar at once


def words(scenario, book, step: CalendarStep, months, day: int, ask: str) -> list[str]:
    """The engine's dated sentences for `step` (step_words replays it for the upgrade charges),
    kept for the panel's timer ticks."""
    key = (ask, step.max_actions, day)
    kept = st.session_state.get(WORDS)
    if kept is None or kept[0] != key:
        kept = (key, step_words(scenario, book, step, months, day))
        st.session_state[WORDS] = kept
    return kept[1]


def pick_k(calendar: PlanCalendar) -> int:
    """The "most actions" picker; it starts at the best calendar's count and follows it until the
    user picks a number."""
    options = [s.max_actions for s in calendar.steps]
    best = len(calendar.best.actions)
    if not st.session_state.get(PLAN_K_CHOSEN) or st.session_state.get(PLAN_K) not in options:
        st.session_state[PLAN_K] = best if best in options else options[-1]
        st.session_state[PLAN_K_CHOSEN] = False
    k = st.segmented_control(
        "Most actions you are ready to take", options, key=PLAN_K, required=True, on_change=_chose_k,
        help="The best calendar with at most this many actions. Each preference change, upgrade "
        "by hand and downgrade request counts one.",
    )  # fmt: skip
    return int(k)


def _ranges_of(history: UsageHistory, fitted: Fit, whatif: WhatIf):
    """The ranges, paths and seed the \"how sure\" panel uses (its inputs, or their defaults)."""
    fitted_ranges, _notes = fit_ranges(history, fitted)
    sureness = {n: st.session_state.get(k, DEFAULT_SURENESS) for n, k in SURE_KEYS.items()}
    ranges = scaled(fitted_ranges, whatif, sureness)
    paths = int(st.session_state.get(PATHS, DEFAULT_PATHS))
    seed = int(st.session_state.get(SEED, 0))
    return ranges, paths, seed


def draw_ranges(
    history, fitted, book, whatif, chosen: CalendarStep, data: str, now: bool, settled: bool
) -> None:
    """How the chosen calendar's saving holds up over the ranges of the "how sure" panel."""
    ranges, paths, seed = _ranges_of(history, fitted, whatif)
    ask = fingerprint(history, book, whatif, ranges, paths, seed, chosen.actions)

    def compute():
        try:
            with st.spinner("Checking the calendar over the futures…"):
                return uncertainty.calendar_ranges(
                    history, whatif, ranges, chosen.actions, paths, seed, book
                )
        except Exception as e:  # any engine error: a plain message, never a traceback
            return e

    result, stale = settled_value(RANGES_SHOWN, ask, data, now, settled, compute)
    if isinstance(result, Exception):
        failed("How the calendar's saving holds up over the futures", result)
        return
    st.info(text(result.summary), icon=":material/insights:")
    st.caption(
        text(
            f"Median saving {usd(result.saving_usd[1])}. The {result.paths:,} futures (seed "
            f'{result.seed}) are drawn from the ranges of "How sure is the answer?" below.'
        )
    )
    if stale:
        st.caption(MOVING)


@st.fragment(key=PANEL, run_every=TICK_S)
def calendar_panel(
    history: UsageHistory, fitted: Fit, book: PriceBook, run: WhatIfResult, whatif: WhatIf
) -> None:
    """The panel: the calendar of the results' what-if, K picked from its steps, the ranges."""
    st.markdown("##### The plan calendar: what to do, and when")
    months = run.projection.months
    data = fingerprint(history, book)
    ask = fingerprint(run.scenario, book, whatif.current_setting)
    settled = is_settled(SEEN, fingerprint(history, book, whatif))
    now = st.session_state.pop(NOW, False)

    def compute():
        st.session_state[COMPUTES] = st.session_state.get(COMPUTES, 0) + 1
        try:
            with st.spinner("Working out the cheapest calendar…"):
                return plan_calendar(run.scenario, book, months=months, current=whatif.current_setting)
        except Exception as e:  # any engine error: a plain message, never a traceback
            return e

    calendar, stale = settled_value(SHOWN, ask, data, now, settled, compute)
    if isinstance(calendar, Exception):
        failed("The plan calendar", calendar)
        return
    day = int(st.session_state.get(CYCLE_DAY, 1))
    st.caption(
        f"Starting from your setting's preferences ({start_text(calendar.start)}), the cheapest "
        "dated actions on this usage path by bill + lost revenue, in date order. Dates: each cycle starts on "
        f"day {day} of its month (set under Warnings ahead)."
    )
    k = pick_k(calendar)
    chosen = next(s for s in calendar.steps if s.max_actions == k)
    lines = words(run.scenario, book, chosen, months, day, ask)
    if lines:
        st.markdown(list_markdown(lines))
    else:
        st.markdown("No action: keep the starting preferences.")
    st.caption(
        text(
            f"This calendar: bill {usd(chosen.total_usd)} + lost revenue {usd(chosen.lost_revenue_usd)} "
            f"= {usd(chosen.total_with_lost_usd)}."
        )
    )
    st.info(text(saving_text(calendar)), icon=":material/savings:")
    st.table(steps_frame(calendar), hide_index=True)
    st.markdown("###### Every setting against the best calendar")
    st.success(text(vs_floor_sentence(calendar, whatif.current_setting)), icon=":material/flag:")
    st.table(floor_frame(calendar, chosen), hide_index=True)
    st.caption(
        'The best calendar is the floor: no setting can cost less on this path. "Above the best" '
        "is each row's bill + lost revenue minus the floor's."
    )
    if stale:
        st.caption(MOVING)
    draw_ranges(history, fitted, book, whatif, chosen, data, now, settled)
