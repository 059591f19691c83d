"""The frame: page config, shared state, the sidebar showing what is loaded, and navigation.

Every page is registered here through st.navigation (pages/ is not auto-discovered); the
tests build their page list from PAGES too.
"""

import time

import streamlit as st

from ui import state

PAGES = [
    st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
    st.Page("pages/price_book.py", title="Price book", icon=":material/sell:", url_path="price-book"),
    st.Page(
        "pages/how_billing_works.py", title="How billing works", icon=":material/menu_book:",
        url_path="how-billing-works",
    ),  # fmt: skip
]

started = time.perf_counter()
st.set_page_config(page_title="Klaviyo bill explorer", page_icon=":material/mail:", layout="wide")
state.init()

with st.sidebar:
    st.markdown("### Klaviyo bill explorer")
    loaded = state.usage()
    if loaded.is_sample:
        st.info(f"**Sample data**: {state.data_label()}. Load your own on the Data page.", icon=":material/science:")
    else:
        st.success(f"**Your data**: {state.data_label()}", icon=":material/database:")
    st.caption(st.session_state[state.BOOK_LABEL])

page = st.navigation(PAGES)
page.run()
st.session_state["script_ms"] = (time.perf_counter() - started) * 1000
