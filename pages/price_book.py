"""Price book: every price the engine uses, with its status and source; edit, upload, download."""

import pandas as pd
import streamlit as st

from engine.models import PriceBook
from engine.price_book import (
    EMAIL_COLUMNS,
    SMS_COLUMNS,
    PriceBookError,
    book_csv,
    book_from_csv,
    load_credits_per_message,
    tiers_csv,
)
from ui import report, state
from ui.frame import require_frame

require_frame()  # before anything else: see ui/frame.py

st.title("Price book")
state.show_flashes()
book = state.book()
st.markdown(f"**In use:** {st.session_state[state.BOOK_LABEL]}")
st.caption(
    "Status: **official** = Klaviyo's own pages; **secondary** = third-party sources (corroborated "
    "where marked); **estimate** = no public price found, interpolated. Edit a price and the "
    "explorer uses it at once. Prices above 250,000 profiles are by quote."
)


def email_frame(b: PriceBook) -> pd.DataFrame:
    return pd.DataFrame(
        [{"max_profiles": t.max_profiles, "monthly_price_usd": float(t.monthly_price_usd),
          "monthly_email_sends": t.monthly_email_sends, "status": t.status.value, "source": t.source}
         for t in b.email_tiers]
    )  # fmt: skip


def sms_frame(b: PriceBook) -> pd.DataFrame:
    return pd.DataFrame(
        [{"monthly_credits": t.monthly_credits, "monthly_price_usd": float(t.monthly_price_usd),
          "status": t.status.value, "source": t.source} for t in b.sms_tiers]
    )  # fmt: skip


def as_csv(frame: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """The editor's table in the price book file format, so the loader validates it."""
    return tiers_csv(frame.to_dict("records"), columns, book.effective_from)


def apply(email_csv: str, sms_csv: str, label: str) -> None:
    """Validate both ladders as the loader does, and use the version in force today."""
    try:
        new = book_from_csv(email_csv, sms_csv)
    except (PriceBookError, ValueError) as e:
        st.error(f"Not applied: {e}. The explorer keeps the previous prices.", icon=":material/error:")
        return
    if new != book:
        state.set_book(new, label)
        st.session_state["book_version"] += 1  # fresh editors on the new book: edits apply once
        st.rerun()


st.session_state.setdefault("book_version", 0)
version = st.session_state["book_version"]
EMAIL_KEY, SMS_KEY = f"edit_email_{version}", f"edit_sms_{version}"
money = st.column_config.NumberColumn("Price (USD/month)", format="$%.2f", min_value=0)
tabs = st.tabs(["Email plans", "SMS plans", "Credits per SMS by country"])
with tabs[0]:
    edited_email = st.data_editor(
        email_frame(book), key=EMAIL_KEY, hide_index=True, num_rows="dynamic",
        disabled=["status", "source"],
        column_config={"monthly_price_usd": money, "max_profiles": "Up to profiles",
                       "monthly_email_sends": "Emails a month"},
    )  # fmt: skip
with tabs[1]:
    edited_sms = st.data_editor(
        sms_frame(book), key=SMS_KEY, hide_index=True, num_rows="dynamic",
        disabled=["status", "source"],
        column_config={"monthly_price_usd": money, "monthly_credits": "Credits a month"},
    )  # fmt: skip
with tabs[2]:
    st.dataframe(pd.DataFrame([c.__dict__ for c in load_credits_per_message()]), hide_index=True)

for frame in (edited_email, edited_sms):
    # a row the user added or changed is theirs, not the research's
    frame["status"] = frame["status"].fillna("user")
    frame["source"] = frame["source"].fillna("edited in the app")
edits = {k: st.session_state[k] for k in (EMAIL_KEY, SMS_KEY)}
if any(e.get("edited_rows") or e.get("added_rows") or e.get("deleted_rows") for e in edits.values()):
    for frame, key in ((edited_email, EMAIL_KEY), (edited_sms, SMS_KEY)):
        for row in edits[key].get("edited_rows", {}):
            frame.loc[int(row), ["status", "source"]] = ["user", "edited in the app"]
    apply(
        as_csv(edited_email, EMAIL_COLUMNS),
        as_csv(edited_sms, SMS_COLUMNS),
        "Price book edited in the app",
    )

st.markdown("##### Upload or download")
c1, c2 = st.columns(2)
with c1:
    upload = st.file_uploader(
        "A price book CSV (email or SMS ladder, in the format of the download)", type=["csv"],
        key="book_file", max_upload_size=1,
    )  # fmt: skip
    if upload is not None and upload.file_id != st.session_state.get("book_file_loaded"):
        text = upload.getvalue().decode("utf-8-sig", errors="replace")
        header = text.splitlines()[0].lower() if text.strip() else ""
        email_csv, sms_csv = book_csv(book)
        email_csv = text if "max_profiles" in header else email_csv
        sms_csv = text if "monthly_credits" in header else sms_csv
        if "max_profiles" not in header and "monthly_credits" not in header:
            st.error(
                f"{upload.name}, row 1: needs a max_profiles (email) or monthly_credits (SMS) column."
            )
        else:
            st.session_state["book_file_loaded"] = upload.file_id
            apply(email_csv, sms_csv, f"Uploaded price book: {upload.name}")
with c2:
    email_download, sms_download = book_csv(book, text=report.escape_cell)  # no formulas in cells
    st.download_button("Email ladder (CSV)", email_download, "email_tiers.csv", "text/csv",
                       key="dl_email_book", on_click="ignore")  # fmt: skip
    st.download_button("SMS ladder (CSV)", sms_download, "sms_tiers.csv", "text/csv",
                       key="dl_sms_book", on_click="ignore")  # fmt: skip
    if state.book_is_edited() and st.button("Go back to the bundled price book", key="reset_book"):
        state.use_bundled_book()
        st.rerun()
