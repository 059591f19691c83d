"""The Look back page: the loaded history replayed under every setting, the bills Klaviyo sent
set against the engine's, and how far the forward projection can be trusted (issue 12, item 1).

Every figure is engine.replay's: the page only chooses the inputs and draws the result. The
user's setting and assumptions are the Explore page's (`explore_whatif`). Bills typed into the
editor live in this session only, under their own key, and reach the engine as a copy of the
history: the loaded usage (which the other pages run on) is never changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from engine import advice
from engine import replay as replay_engine
from engine.compare import Outcome
from engine.growth import Fit, Projection
from engine.history import HistoryMonth, UsageHistory, month_label
from engine.models import MAX_PRICE_USD, PriceBook, Scenario
from engine.replay import Replay, history_scenario
from engine.whatif import WhatIf, WhatIfResult
from ui import charts, report, state
from ui import whatif_schema as schema
from ui.bill_change_panel import bill_change_panel
from ui.report import money
from ui.safe import plain

# Widget and state keys of the page (prefixed: other pages' keys never collide).
EMAIL_PLAN, SMS_PLAN, CHECK, WITH_LOST, BILLS = (
    "lb_email_plan", "lb_sms_plan", "lb_check", "lb_with_lost", "lb_bills",
)  # fmt: skip
TYPED = "lb_typed_bills"  # (history fingerprint, {month ISO: Decimal}): the bills in use
EDIT_BASE = "lb_bills_base"  # (history fingerprint, {month ISO: Decimal}): the editor's start
CHECK_CHOICES = (3, 6)
BILL_COLUMN = "Klaviyo bill (USD)"
ROW_PX = 35  # the editor's row height (the browser test clicks a month by it)
CHART_CONFIG = {"displayModeBar": False}
LONG = 2000  # characters of one of our own sentences (they carry no user text but a label)


def say(text: str) -> str:
    """One of our sentences as literal Markdown: its dollar signs are not read as maths."""
    return plain(text, LONG)


def signed(amount: Decimal) -> str:
    return f"+${amount:,.2f}" if amount >= 0 else f"−${-amount:,.2f}"


def fingerprint(history: UsageHistory) -> str:
    return hashlib.blake2b(history.model_dump_json().encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------- inputs


def explore_whatif(history: UsageHistory, book: PriceBook, fitted: Fit) -> WhatIf:
    """The what-if the Explore page's inputs hold. They keep their values across pages
    (`persist_state="session"`), so whatever the user set there is in session state; an input
    never drawn in this session (Look back opened first) counts at its default, as Explore would
    show it."""
    values = schema.defaults(history, book, fitted)
    values.update({k: st.session_state[k] for k in schema.KEYS if k in st.session_state})
    try:
        return schema.whatif_from(values, fitted)
    except (ValidationError, ValueError, KeyError):  # inputs set for other data: the defaults
        return schema.whatif_from(schema.defaults(history, book, fitted), fitted)


def start_plan_label(value: int | None) -> str:
    return "the one covering the first month (default)" if value is None else f"up to {value:,} profiles"


def start_sms_label(value: int | None) -> str:
    if value is None:
        return "the smallest covering the first month (default)"
    return schema.credits_plan(value)


def start_plans(history: UsageHistory, book: PriceBook) -> tuple[int | None, int | None]:
    """The plans in force at the history's start; None lets the engine choose (see replay())."""
    first = month_label(history.months[0].month)
    left, right = st.columns(2)
    email = left.selectbox(
        f"Email plan in {first}", [None, *(t.max_profiles for t in book.email_tiers)],
        format_func=start_plan_label, key=EMAIL_PLAN,
    )  # fmt: skip
    sms = right.selectbox(
        f"SMS plan in {first}", [None, *(t.monthly_credits for t in book.sms_tiers)],
        format_func=start_sms_label, key=SMS_PLAN,
    )  # fmt: skip
    return email, sms


def setting_caption(whatif: WhatIf) -> None:
    setting = schema.SETTING_LABELS.get(whatif.current_setting, whatif.current_setting)
    fee = schema.FEE_BASIS_LABELS[whatif.flex_fee_basis.value]
    st.caption(
        say(
            f"Your setting and assumptions are the ones on Explore: {setting}; a blocked email "
            f"is worth ${whatif.revenue_per_email_usd}, an SMS credit "
            f"${whatif.revenue_per_sms_credit_usd}; the flex fee is charged on {fee}; unused SMS "
            f"credits {'roll over' if whatif.sms_rollover else 'do not roll over'}."
        )
    )
    st.page_link("pages/explore.py", label="Change them on Explore", icon=":material/tune:")


# ---------------------------------------------------------------- the bills


@dataclass(frozen=True)
class Bills:
    """The history the engine replays (with the bills in use) and what was refused in the editor."""

    history: UsageHistory
    problems: tuple[str, ...]
    given: int  # months with a bill


def _with_bill(m: HistoryMonth, value: object) -> tuple[HistoryMonth, str | None]:
    """The month with the typed bill, or unchanged and why the value was refused. The engine's
    own model checks it: dollars and cents, 0 to $10,000,000."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return m.model_copy(update={"invoice_usd": None}), None
    try:
        amount = Decimal(str(value))
        return HistoryMonth(**{**dict(m), "invoice_usd": amount}), None
    except (ArithmeticError, ValueError, ValidationError):
        return (
            m.model_copy(update={"invoice_usd": None}),
            f"{month_label(m.month)}: {value} is not a bill in dollars and cents between $0 and "
            "$10,000,000, so that month has no bill.",
        )


def bills_editor(history: UsageHistory) -> Bills:
    """One row per month: what Klaviyo billed, prefilled from the loaded file where it had an
    `invoice_usd` column, and editable. The editor restarts from the bills in use whenever it
    is drawn afresh (its own edits are dropped when the user leaves the page)."""
    fp = fingerprint(history)
    typed = st.session_state.get(TYPED)
    if typed is None or typed[0] != fp:  # new data: start from its own bills
        typed = (
            fp,
            {m.month.isoformat(): m.invoice_usd for m in history.months if m.invoice_usd is not None},
        )
        st.session_state[TYPED] = typed
    base = st.session_state.get(EDIT_BASE)
    if BILLS not in st.session_state or base is None or base[0] != fp:
        base = (fp, dict(typed[1]))
        st.session_state[EDIT_BASE] = base
    frame = pd.DataFrame(
        {
            "Month": [month_label(m.month) for m in history.months],
            BILL_COLUMN: pd.Series(
                [float(base[1][m.month.isoformat()]) if m.month.isoformat() in base[1] else None
                 for m in history.months],
                dtype="float64",
            ),
        }
    )  # fmt: skip
    edited = st.data_editor(
        frame, key=BILLS, hide_index=True, row_height=ROW_PX, placeholder="not known",
        disabled=["Month"], num_rows="fixed",
        column_config={
            BILL_COLUMN: st.column_config.NumberColumn(
                BILL_COLUMN, min_value=0, max_value=float(MAX_PRICE_USD), step=0.01, format="dollar",
                help="The month's total on Klaviyo's invoice (Billing → Invoices). Empty: not known.",
            )
        },
    )  # fmt: skip
    months, problems = [], []
    for m, value in zip(history.months, edited[BILL_COLUMN].tolist(), strict=True):
        month, problem = _with_bill(m, value)
        months.append(month)
        if problem:
            problems.append(problem)
    st.session_state[TYPED] = (
        fp,
        {m.month.isoformat(): m.invoice_usd for m in months if m.invoice_usd is not None},
    )
    given = sum(m.invoice_usd is not None for m in months)
    return Bills(UsageHistory(months=tuple(months)), tuple(problems), given)


# ---------------------------------------------------------------- the engine


def compute(
    history: UsageHistory, book: PriceBook, whatif: WhatIf, email: int | None, sms: int | None, k: int
) -> Replay | str:
    """The replay, or a plain message saying why there is none (never a traceback). Not cached:
    on the sample it takes 5-10 ms, about what a cache hit costs (hashing the inputs, unpickling
    the result), so each rerun replays again."""
    try:
        return replay_engine.replay(history, book, whatif, email, sms, check_months=k)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"The replay could not be run on these inputs ({where}: {first['msg']})."
    except ValueError as e:
        return f"The replay could not be run on these inputs: {e}"
    except Exception as e:  # the page stays up whatever the engine raises
        return f"The replay failed inside the billing engine ({type(e).__name__})."


# ---------------------------------------------------------------- drawing


def span(r: Replay) -> str:
    first, last = month_label(r.months[0]), month_label(r.months[-1])
    return f"1 month ({first})" if len(r.months) == 1 else f"{len(r.months)} months ({first} – {last})"


def headline(r: Replay) -> str:
    """ "Over these months, X would have cost $A; your setting Y, $B." The figure is bill + lost
    revenue, what the ranking uses (the table shows both parts)."""
    c = r.comparison
    best, mine = c.outcome(c.cheapest_with_lost), c.outcome(c.current)

    def cost(o: Outcome) -> str:
        quote = bool(o.custom_quote_cycles)
        if not o.lost_revenue_usd:
            return money(o.total_usd, quote)
        return (
            f"{money(o.total_with_lost_usd, quote)} ({money(o.total_usd, quote)} in bills and "
            f"{money(o.lost_revenue_usd)} in lost revenue)"
        )

    if best.key == mine.key or not c.saving_vs_current_usd:
        return (
            f"Over your {span(r)}, your setting, {mine.label}, would have cost {cost(mine)}: no "
            "setting would have cost less."
        )
    return (
        f"Over your {span(r)}, {best.label} would have cost the least: {cost(best)}; your "
        f"setting, {mine.label}, {cost(mine)}: {money(c.saving_vs_current_usd)} more."
    )


def replayed(r: Replay) -> None:
    c = r.comparison
    st.subheader("Last year replayed")
    st.success(say(headline(r)), icon=":material/history:")
    plans = f"up to {r.email_plan_profiles:,} profiles, SMS {schema.credits_plan(r.sms_plan_credits)}"
    st.caption(
        say(
            f"Your actual months, billed under every setting from the plans in force in "
            f"{month_label(r.months[0])} ({plans}). Bill + lost revenue is what the ranking uses."
        )
    )
    table = report.comparison_frame(c, len(r.months))
    st.table(report.shown_comparison(table), hide_index=True)
    quote = advice.quote_floor(c.outcome(c.cheapest_with_lost))
    if quote:
        st.warning(say(quote), icon=":material/request_quote:")
    with st.expander("What the replay assumed"):
        for note in r.notes:
            st.markdown(f"- {say(note)}")
    with_lost = st.toggle("Add the lost revenue", key=WITH_LOST)
    labels = [month_label(m) for m in r.months]
    st.plotly_chart(
        charts.cumulative_cost(c, labels, with_lost=with_lost), key="lb_chart", config=CHART_CONFIG
    )


def invoices(r: Replay, bills: Bills) -> None:
    """The engine's bill for the user's setting against what Klaviyo billed, month by month."""
    for problem in bills.problems:
        st.error(say(problem), icon=":material/error:")
    if not r.invoices:
        st.info(
            "No bill given yet: type what Klaviyo billed for a month in the table above, or load "
            "a usage CSV with an `invoice_usd` column, to set the engine's bill against it.",
            icon=":material/receipt_long:",
        )
        return
    mine = r.comparison.outcome(r.comparison.current)
    rows = [
        {
            "Month": month_label(line.month),
            f"Engine ({mine.label})": money(line.engine_usd),
            "Klaviyo bill": money(line.invoice_usd),
            "Difference": signed(line.difference_usd),
        }
        for line in r.invoices
    ]
    st.table(pd.DataFrame(rows), hide_index=True)
    engine, billed, gap = r.invoices_engine_usd, r.invoices_total_usd, r.invoices_difference_usd
    n = len(r.invoices)
    months = f"{n} month{'s' if n != 1 else ''} with a bill"
    if not gap:
        verdict = "the same as what was billed"
    else:
        verdict = f"{money(abs(gap))} {'above' if gap > 0 else 'below'} what was billed"
    st.caption(
        say(
            f"Over the {months}, the engine's bill for {mine.label} is {money(engine)} against "
            f"{money(billed)}: {verdict}. Differences can come from taxes, credits, a plan changed "
            "during a month, or a setting other than yours."
        )
    )


def replay_scenario(r: Replay, history: UsageHistory, whatif: WhatIf, outcome: Outcome) -> Scenario:
    """The scenario the replay billed `outcome` on (the engine's history_scenario, from the
    replay's own start plans, with the outcome's policy)."""
    return history_scenario(history, r.email_plan_profiles, r.sms_plan_credits, outcome.policy, whatif)


def bill_change(r: Replay, history: UsageHistory, book: PriceBook, whatif: WhatIf) -> None:
    """Why one replayed month's bill differs from the month before: the Explore page's panel
    (ui/bill_change_panel.py) on the replay, given as a what-if result whose path is the
    history itself."""
    if len(r.months) < 2:
        return
    c = r.comparison
    run = WhatIfResult(
        projection=Projection(months=r.months, usage=tuple(m.usage for m in history.months)),
        scenario=replay_scenario(r, history, whatif, c.outcome(c.current)),
        comparison=c,
        sensitivity=(),
    )
    bill_change_panel(run, book, c.cheapest_with_lost)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def projection_check(r: Replay, k: int) -> None:
    check = r.check
    if check is None:
        st.info(say(r.check_note or f"No projection check of the last {k} months."))
        return
    sms = any(m.actual_sms_credits or m.projected_sms_credits for m in check.months)
    rows = []
    for m in check.months:
        row = {
            "Month": month_label(m.month),
            "Profiles": f"{m.actual_profiles:,}",
            "Profiles projected": f"{m.projected_profiles:,}",
            "Emails": f"{m.actual_email_sends:,}",
            "Emails projected": f"{m.projected_email_sends:,}",
        }
        if sms:
            row |= {"SMS credits": f"{m.actual_sms_credits:,}",
                    "SMS credits projected": f"{m.projected_sms_credits:,}"}  # fmt: skip
        row |= {"Bill": money(m.actual_bill_usd), "Bill projected": money(m.projected_bill_usd)}
        rows.append(row)
    st.table(pd.DataFrame(rows), hide_index=True)
    errors = st.container(horizontal=True)
    errors.metric("Profiles error", _pct(check.profiles_error_pct), help="Mean absolute error, in %.")
    errors.metric("Emails error", _pct(check.emails_error_pct), help="Mean absolute error, in %.")
    if sms:
        errors.metric("SMS error", _pct(check.sms_error_pct), help="Mean absolute error, in %.")
    errors.metric(
        "Bill error", signed(check.bill_error_usd),
        help=f"Projected minus actual over the {check.months_held_out} months "
        f"({_pct(check.bill_error_pct)}).",
    )  # fmt: skip
    st.info(say(check.summary), icon=":material/troubleshoot:")


def replay_request(
    history: UsageHistory,
    whatif: WhatIf,
    book: PriceBook | None,
    email: int | None,
    sms: int | None,
    k: int,
) -> str:
    """What the page replayed as the JSON `python -m engine replay` and POST /v1/replay read:
    the history with the bills in use, the what-if, the start plans and the months held out
    (with the book if edited), so the command gives the page's numbers."""
    request = json.loads(report.request_download(history, whatif, book))
    if email is not None:
        request["email_plan_profiles"] = email
    if sms is not None:
        request["sms_plan_credits"] = sms
    request["check_months"] = k
    return json.dumps(request, indent=2)


def download(history: UsageHistory, whatif: WhatIf, book: PriceBook, email, sms, k: int) -> None:
    """Built only when clicked (a callable)."""
    edited = book if state.book_is_edited() else None
    st.download_button(
        "Replay request (JSON for python -m engine replay)",
        partial(replay_request, history, whatif, edited, email, sms, k),
        "klaviyo-replay.json", "application/json", key="lb_dl_request", on_click="ignore",
    )  # fmt: skip


def look_back(history: UsageHistory, book: PriceBook, fitted: Fit) -> None:
    """The whole page below its title: inputs, then the three sections, from one replay."""
    whatif = explore_whatif(history, book, fitted)
    setting_caption(whatif)
    email, sms = start_plans(history, book)
    top = st.container()  # the replay is drawn here, after the bills and k are read below
    st.subheader("Actual bills")
    st.caption(
        "What Klaviyo billed each month, where you have it. Typed bills stay in this browser "
        "tab's session and change nothing on the other pages."
    )
    bills = bills_editor(history)
    lines = st.container()
    st.subheader("Projection check")
    st.caption(
        "The growth model fitted on all but the last months, projecting those months: how far "
        "the forward view on Explore can be trusted."
    )
    k = st.segmented_control(
        "Months held out", list(CHECK_CHOICES), default=CHECK_CHOICES[0], key=CHECK, required=True
    )
    result = compute(bills.history, book, whatif, email, sms, k)
    if isinstance(result, str):
        top.error(say(result + " What you loaded is still loaded."), icon=":material/error:")
        return
    with top:
        replayed(result)
        bill_change(result, bills.history, book, whatif)
    with lines:
        invoices(result, bills)
    projection_check(result, k)
    download(bills.history, whatif, book, email, sms, k)
