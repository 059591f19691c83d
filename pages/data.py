"""Data: the sample account, your own usage CSV (ours or Klaviyo's export), a profile export, or
live usage from the Klaviyo API."""

import streamlit as st

from ingest.usage_csv import history_csv
from ui import cache, charts, state, upload
from ui.frame import require_frame
from ui.klaviyo_connect import connect_section
from ui.safe import plain

require_frame()  # before anything else: see ui/frame.py

st.title("Your usage data")
state.show_flashes()
loaded = state.usage()
st.markdown(f"**Loaded now:** {plain(state.data_label())}")
for note in loaded.notes:
    st.caption(plain(note, 1200))

left, right = st.columns(2, gap="large")
with left:
    st.markdown("##### Upload a usage CSV")
    st.caption(
        "One row per month: ours (`month`, `active_profiles`, `email_sends`, `sms_credits`), "
        "Klaviyo's Billing → Account usage export as it is (each billing cycle counts as the "
        "month it starts in), or your own spreadsheet saved as CSV. Separators, number and date "
        "styles are read from the file; where a file could be read two ways, you are asked."
    )
    upload.usage_uploader()
    st.download_button(
        "Download the loaded data as a CSV template", history_csv(loaded.history),
        "usage.csv", "text/csv", key="dl_template", on_click="ignore",
    )  # fmt: skip
    if not loaded.is_sample and st.button("Go back to the sample account", key="use_sample"):
        state.set_usage(cache.sample_usage())
        state.flash("info", "Back on the sample account.")
        st.rerun()

with right:
    st.markdown("##### Count profiles from a list or segment export (optional)")
    st.caption(
        "Klaviyo: Audience → Lists & Segments → Export. We count the profiles Klaviyo bills "
        "(not unsubscribed or suppressed) and, with a consent column, the never-subscribed ones "
        "a clean-up could suppress."
    )
    upload.profiles_uploader()
    count = state.profiles()
    if count:
        c1, c2 = st.columns(2)
        c1.metric("Active profiles in the export", f"{count.active:,}")
        if count.never_subscribed is not None:
            c2.metric("Never subscribed", f"{count.never_subscribed:,}", f"{count.never_subscribed_pct:.0f}% of active",
                      delta_color="off")  # fmt: skip
        else:
            c2.caption("No email consent column, so never-subscribed profiles cannot be told apart.")

st.divider()
connect_section()

st.markdown("##### The loaded history")
st.plotly_chart(charts.history_preview(loaded.history), key="chart_history")
