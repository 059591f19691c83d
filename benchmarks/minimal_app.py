"""The framework's floor: one slider and one line of text, nothing else (see ui_bench.py)."""

import streamlit as st

value = st.slider("Value", 0.0, 20.0, 2.0, 0.1)
st.write(f"value={value:.1f}")
