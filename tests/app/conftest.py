"""AppTest helpers: the app from its absolute path, caches cleared between tests."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "data" / "sample" / "usage.csv").read_bytes()


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def shown_bills(app: AppTest) -> dict[str, float]:
    """Setting -> bill over the horizon, read back from the Explore page's comparison table."""
    table = app.table[0].value
    bill = next(c for c in table.columns if c.startswith("Bill ("))
    return {
        setting: float(text.removeprefix("$").replace(",", ""))
        for setting, text in zip(table["Setting"], table[bill], strict=True)
    }
