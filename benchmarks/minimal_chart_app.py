"""A second reference: one slider and one small plotly chart (see ui_bench.py)."""

import streamlit as st

value = st.slider("Value", 0.0, 20.0, 2.0, 0.1)
st.plotly_chart(
    {
        "data": [
            {
                "type": "scatter",
                "x": list(range(12)),
                "y": [value * i for i in range(12)],
                "name": "line",
            }
        ]
    },
    config={"displayModeBar": False},
)
