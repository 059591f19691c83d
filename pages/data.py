"""Data: the sample account, your own usage CSV (ours or Klaviyo's export), a profile export, or
live usage from the Klaviyo API."""

import streamlit as st

from ingest.usage_csv import LABELS, REQUIRED, ColumnMappingNeeded, UsageFileError, history_csv
from ui import cache, charts, state
from ui.frame import require_frame
from ui.klaviyo_connect import connect_section

require_frame()  # before anything else: see ui/frame.py

st.title("Your usage data")
state.show_flashes()
loaded = state.usage()
st.markdown(f"**Loaded now:** {state.data_label()}")
for note in loaded.notes:
    st.caption(note)

left, right = st.columns(2, gap="large")
with left:
    st.markdown("##### Upload a usage CSV")
    st.caption(
        "One row per month. Our columns are `month` (YYYY-MM), `active_profiles`, `email_sends`, "
        "`sms_credits`; Klaviyo's Billing → Account usage export works too (headers are matched "
        "loosely, case-insensitive). Up to 36 months are used."
    )
    upload = st.file_uploader("Usage CSV", type=["csv", "txt"], key="usage_file", max_upload_size=5)
    if upload is not None and upload.file_id != st.session_state.get("usage_file_loaded"):
        data = upload.getvalue()
        mapping = st.session_state.get("usage_mapping", {}).get(upload.file_id)
        try:
            new = cache.parse_usage(
                data, upload.name, tuple(sorted(mapping.items())) if mapping else None
            )
        except ColumnMappingNeeded as need:
            st.warning(str(need))
            choice = {}
            for key in (*REQUIRED, "sms_credits"):
                options = ["(none)", *need.headers]
                guess = need.guess.get(key)
                choice[key] = st.selectbox(
                    LABELS[key], options, index=options.index(guess) if guess else 0, key=f"map_{key}"
                )
            if st.button("Use these columns", key="use_mapping", type="primary"):
                chosen = {k: v for k, v in choice.items() if v != "(none)"}
                st.session_state["usage_mapping"] = {upload.file_id: chosen}
                st.rerun()
        except UsageFileError as e:
            st.error(f"{upload.name}: {e} Your previous data is still loaded.", icon=":material/error:")
        else:
            state.set_usage(new)
            st.session_state["usage_file_loaded"] = upload.file_id
            st.session_state.pop("usage_mapping", None)
            notes = " ".join(new.notes)
            state.flash("success", f"Loaded {upload.name}: {len(new.history.months)} months. {notes}")
            st.rerun()
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
    export = st.file_uploader(
        "Profile export CSV", type=["csv"], key="profiles_file", max_upload_size=50
    )
    if export is not None:
        try:
            count = cache.parse_profiles(export.getvalue(), export.name)
        except UsageFileError as e:
            st.error(f"{export.name}: {e}", icon=":material/error:")
        else:
            st.session_state[state.PROFILES] = count
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
