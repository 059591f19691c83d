"""Look back: would this have worked last year? The loaded history replayed under every
setting, the bills Klaviyo sent against the engine's, and the projection checked against what
happened (all drawn by ui/replay_panel.py)."""

import streamlit as st

from engine.growth import fit
from ui import state
from ui.frame import require_frame
from ui.replay_panel import look_back
from ui.safe import plain

require_frame()  # before anything else: see ui/frame.py

loaded = state.usage()
st.title("Would it have worked last year?")
st.caption(f"Running on **{plain(state.data_label())}**.")
look_back(loaded.history, state.book(), fit(loaded.history))
