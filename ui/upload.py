"""The Data page's uploads: a file → its parse (in a worker process, see ingest/worker.py) →
the questions the file raises (which column is which; day or month first) → the session's data.

A question's answer is remembered per file content (its SHA-256), so the same file uploaded
again is not asked about twice. Whatever goes wrong, the data loaded before stays loaded, and
every text that came from the file (its name, headers, cells, notes) reaches the page through
`ui.safe.plain`, so none of it can become Markdown.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from ingest.columns import LABELS, REQUIRED, ColumnMappingNeeded
from ingest.detect import DAY_FIRST, MONTH_FIRST, ORDER_LABELS
from ingest.errors import UsageFileError
from ingest.months import DateOrderQuestion
from ui import cache, state
from ui.safe import plain

LOADED = "usage_file_loaded"  # file_id of the upload that is loaded now
ANSWERS = "usage_answers"  # {sha256 of a file: {"mapping": {...}, "date_order": "day-first"}}
KEEP_ANSWERS = 8
MESSAGE_CHARS = 1200  # a reader's message is ours plus short quotes: never cut in practice
NONE = "(none)"

USAGE_HELP = (
    "One row per month. The separator (comma, semicolon, tab, pipe), the number style "
    "(1,083 or 1.083 for a thousand and eighty-three; 1.083,5) and the date style (2026-10, "
    "10/15/2026, 15/10/2026, Oct 2026, Excel day numbers) are read from the file itself. "
    "Klaviyo's Billing → Account usage export loads as it is: each billing cycle counts as the "
    "month it starts in (the cycle from 15 Oct to 14 Nov is October), SMS credits used are "
    "preferred over SMS sent, and the newest-first rows are put in order. Up to 36 months are used."
)


def usage_uploader() -> None:
    """The usage CSV uploader, and whatever its file needs before it is loaded."""
    upload = st.file_uploader(
        "Usage CSV", type=["csv", "txt"], key="usage_file", max_upload_size=5, help=USAGE_HELP
    )
    if upload is None or upload.file_id == st.session_state.get(LOADED):
        return
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    answers = st.session_state.get(ANSWERS, {}).get(digest, {})
    mapping = answers.get("mapping")
    with st.spinner(f"Reading {plain(upload.name)}…"):
        outcome = cache.parse_usage(
            data,
            upload.name,
            tuple(sorted(mapping.items())) if mapping else None,
            answers.get("date_order"),
        )
    if isinstance(outcome, DateOrderQuestion):
        _ask_date_order(outcome, digest)
    elif isinstance(outcome, ColumnMappingNeeded):
        _ask_mapping(outcome, digest)
    elif isinstance(outcome, UsageFileError):
        st.error(
            plain(f"{upload.name}: {outcome} Your previous data is still loaded.", MESSAGE_CHARS),
            icon=":material/error:",
        )
    else:
        state.set_usage(outcome)
        st.session_state[LOADED] = upload.file_id
        notes = " ".join(plain(n, MESSAGE_CHARS) for n in outcome.notes)
        n = len(outcome.history.months)
        months = f"{n} month" if n == 1 else f"{n} months"
        state.flash("success", f"Loaded {plain(upload.name)}: {months}. {notes}")
        st.rerun()


def _remember(digest: str, **answer: object) -> None:
    """Keep a user's answer for this file (the last few files only)."""
    answers = st.session_state.setdefault(ANSWERS, {})
    answers[digest] = {**answers.pop(digest, {}), **answer}
    while len(answers) > KEEP_ANSWERS:
        answers.pop(next(iter(answers)))


def _ask_mapping(need: ColumnMappingNeeded, digest: str) -> None:
    st.warning(plain(str(need), MESSAGE_CHARS), icon=":material/table_view:")
    options = [NONE, *(h for h in need.headers if h)]  # selectbox options are plain text
    choice = {}
    for key in (*REQUIRED, "sms_credits", "invoice_usd"):
        guess = need.guess.get(key)
        choice[key] = st.selectbox(
            LABELS[key],
            options,
            index=options.index(guess) if guess in options else 0,
            key=f"map_{key}",
        )
    if st.button("Use these columns", key="use_mapping", type="primary"):
        chosen = {k: v for k, v in choice.items() if v != NONE}
        missing = [LABELS[k] for k in REQUIRED if k not in chosen]
        if missing:
            st.error(
                f"Pick a column for {', '.join(missing)} first: the explorer needs a month, the "
                "active profiles and the emails sent. Your previous data is still loaded.",
                icon=":material/error:",
            )
        elif len(set(chosen.values())) != len(chosen):
            st.error(
                "The same column is picked for two different things: pick one column for each.",
                icon=":material/error:",
            )
        else:
            _remember(digest, mapping=chosen)
            st.rerun()


def _ask_date_order(question: DateOrderQuestion, digest: str) -> None:
    st.warning(plain(str(question), MESSAGE_CHARS), icon=":material/calendar_month:")

    labels = {  # radio options are Markdown: every cell made plain
        order: plain(
            f"{ORDER_LABELS[order].capitalize()}: "
            + ", ".join(f"{raw} → {month}" for raw, month in question.readings[order]),
            MESSAGE_CHARS,
        )
        for order in (DAY_FIRST, MONTH_FIRST)
    }
    order = st.radio(
        plain(f"How does column {question.column} write dates?"),
        list(labels),
        format_func=labels.__getitem__,  # a dict's method: session state stays picklable
        index=None,
        key="date_order",
    )
    if st.button("Use this reading", key="use_date_order", type="primary"):
        if order is None:
            st.error("Pick one of the two readings first.", icon=":material/error:")
        else:
            _remember(digest, date_order=order)
            st.rerun()


def profiles_uploader() -> None:
    """The profile export uploader: counts what Klaviyo bills, for the clean-up slider."""
    export = st.file_uploader(
        "Profile export CSV", type=["csv"], key="profiles_file", max_upload_size=50
    )
    if export is None:
        return
    with st.spinner(f"Counting {plain(export.name)}…"):
        outcome = cache.parse_profiles(export.getvalue(), export.name)
    if isinstance(outcome, UsageFileError):
        st.error(plain(f"{export.name}: {outcome}", MESSAGE_CHARS), icon=":material/error:")
    else:
        st.session_state[state.PROFILES] = outcome
