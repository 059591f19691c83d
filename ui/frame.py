"""The frame every page runs in: page config, shared state, the sidebar, and navigation.

app.py is only `run_frame()`. Every page starts with `require_frame()`, because Streamlit
decides per run whether `pages/` is a legacy auto-discovered folder: until st.navigation has
been called, a first visit to /data on a fresh server (and every AppTest run) executes
pages/data.py on its own, without this frame. A page that finds itself outside the frame runs
the frame right there, whose st.navigation resolves the same page (url paths equal the file
names, so the page hashes match) and runs it inside the frame, then stops the outer run.
"""

from __future__ import annotations

import threading

import streamlit as st

from engine.history import LoadedUsage
from ui import (
    heap,  # noqa: F401  (first: freezes the startup heap, see ui/heap.py)
    klaviyo_connect,
    share,
    state,
)
from ui.pages import PAGES
from ui.safe import plain

_local = threading.local()  # each script run has its own thread
SHARED_APPLIED = "shared_usage_applied"  # the `usage` link value this session has loaded
SHARED_ERROR = "shared_usage_error"  # why the last `usage` link value could not be loaded
SHARED_SOURCE = "Usage from a shared link"


def load_shared_usage() -> None:
    """A link with `?usage=...` loads those monthly numbers for this session, once per value,
    before anything is drawn (so the sidebar and the fit already use them). A bad value keeps
    what was loaded and leaves a message for the Explore page."""
    value = st.query_params.get(share.PARAM)
    if value is None or value == st.session_state.get(SHARED_APPLIED):
        return
    st.session_state[SHARED_APPLIED] = value
    try:
        history = share.decode_usage(value)
    except share.ShareError as e:
        st.session_state[SHARED_ERROR] = str(e)
        return
    st.session_state.pop(SHARED_ERROR, None)
    note = "Monthly numbers opened from a shared link (no file, name or key travels in it)."
    state.set_usage(LoadedUsage(history=history, source=SHARED_SOURCE, mapping={}, notes=[note]))


def run_frame() -> None:
    st.set_page_config(page_title="Klaviyo bill explorer", page_icon=":material/mail:", layout="wide")
    state.init()
    load_shared_usage()
    klaviyo_connect.finish_oauth_redirect()
    with st.sidebar:
        st.markdown("### Klaviyo bill explorer")
        if state.usage().is_sample:
            st.info(
                f"**Sample data**: {plain(state.data_label())}. Load your own on the Data page.",
                icon=":material/science:",
            )
        else:
            st.success(f"**Your data**: {plain(state.data_label())}", icon=":material/database:")
        st.caption(plain(st.session_state[state.BOOK_LABEL]))
    pages = [
        st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.url_path is None)
        for p in PAGES
    ]
    page = st.navigation(pages)
    _local.inside = True
    try:
        page.run()
    finally:
        _local.inside = False


def require_frame() -> None:
    """Call first in every page: outside the frame, run the frame (with this page) and stop."""
    if getattr(_local, "inside", False):
        return
    run_frame()
    st.stop()
