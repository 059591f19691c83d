"""Every st.cache_data wrapper: the parse of files, never the billing maths (it is cheaper
to recompute than to unpickle). Upload parses are cached per session so one user's file never
answers another's; they run in a worker process (ingest/worker.py) so no upload holds the
server, and they return the reader's error rather than raise it, so a bad file or a question
is answered from the cache on every rerun instead of being parsed again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from engine.history import LoadedUsage
from engine.models import PriceBook
from engine.price_book import load_price_book
from ingest import worker
from ingest.errors import UsageFileError
from ingest.profiles_csv import ProfileCount, count_profiles
from ingest.usage_csv import read_usage_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "usage.csv"


@st.cache_data(max_entries=1, show_spinner=False)
def sample_usage() -> LoadedUsage:
    loaded = read_usage_csv(SAMPLE.read_bytes(), "Sample account")
    return replace(loaded, is_sample=True)


@st.cache_data(max_entries=1, show_spinner=False)
def bundled_book() -> PriceBook:
    return load_price_book()


@st.cache_data(max_entries=16, scope="session", show_spinner=False)
def parse_usage(
    data: bytes,
    name: str,
    mapping: tuple[tuple[str, str], ...] | None,
    date_order: str | None = None,
) -> LoadedUsage | UsageFileError:
    try:
        return worker.run(read_usage_csv, data, name, dict(mapping) if mapping else None, date_order)
    except UsageFileError as e:
        return e


@st.cache_data(max_entries=8, scope="session", show_spinner=False)
def parse_profiles(data: bytes, name: str) -> ProfileCount | UsageFileError:
    try:
        return worker.run(count_profiles, data, name)
    except UsageFileError as e:
        return e
