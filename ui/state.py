"""The session state schema: every key the app shares between pages, and how it starts.

Session state holds data only (pydantic models and dataclasses), never a client or a key for
another user: `runner.enforceSerializableSessionState` checks it.
"""

from __future__ import annotations

import streamlit as st

from engine.history import LoadedUsage
from engine.models import PriceBook
from ingest.profiles_csv import ProfileCount
from ui import cache
from ui.whatif_schema import RESET_KEYS

USAGE = "usage"  # LoadedUsage: the history the explorer runs on
BOOK = "price_book"  # PriceBook: the bundled one, or the user's edited/uploaded one
BOOK_LABEL = "price_book_label"
BOOK_EDITED = "price_book_edited"  # bool: False while the bundled book is in use
PROFILES = "profile_count"  # ProfileCount | None: from a profile export
MESSAGES = "flash"  # one-shot messages shown on the next run of a page
RESULTS_MS = "results_ms"  # float: server time of the Explore results' last recompute

# The Explore page's inputs: dropped when new data is loaded, so they start from its fit.
WHATIF_KEYS = RESET_KEYS


def init() -> None:
    """Start every shared key once per session: the sample account and the bundled book."""
    if USAGE not in st.session_state:
        st.session_state[USAGE] = cache.sample_usage()
    if BOOK not in st.session_state:
        use_bundled_book()
    st.session_state.setdefault(PROFILES, None)
    st.session_state.setdefault(MESSAGES, [])


def usage() -> LoadedUsage:
    return st.session_state[USAGE]


def book() -> PriceBook:
    return st.session_state[BOOK]


def book_is_edited() -> bool:
    return st.session_state[BOOK_EDITED]


def profiles() -> ProfileCount | None:
    return st.session_state[PROFILES]


def set_usage(loaded: LoadedUsage) -> None:
    """Replace the loaded data and reset the what-if so it starts from the new data's fit."""
    st.session_state[USAGE] = loaded
    for key in WHATIF_KEYS:
        st.session_state.pop(key, None)


def set_book(book: PriceBook, label: str, edited: bool = True) -> None:
    st.session_state[BOOK] = book
    st.session_state[BOOK_LABEL] = label
    st.session_state[BOOK_EDITED] = edited
    st.session_state.pop("email_plan", None)  # plan choices come from the book's ladder


def use_bundled_book() -> None:
    book = cache.bundled_book()
    set_book(book, f"Bundled price book (prices as of {book.effective_from})", edited=False)


def flash(kind: str, text: str) -> None:
    st.session_state[MESSAGES].append((kind, text))


def show_flashes() -> None:
    for kind, text in st.session_state[MESSAGES]:
        getattr(st, kind)(text)
    st.session_state[MESSAGES] = []


def data_label() -> str:
    """The loaded data in a few words, as plain text: show it through ui.safe.plain (a file name
    or a Klaviyo account name is the user's, or Klaviyo's, text)."""
    loaded = usage()
    h = loaded.history
    span = f"{h.months[0].month:%b %Y} – {h.last.month:%b %Y}"
    kind = "Sample account" if loaded.is_sample else loaded.source
    return f"{kind}, {len(h.months)} months ({span})"
