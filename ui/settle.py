"""Panels that compute only once the what-if has settled (the ranges, the plan calendar).

A slider move reruns the results fragment and, nested in it, such a panel's cheap part: it
compares what it would be asked now with what its shown answer was computed for and, if they
differ, redraws the shown answer marked as catching up. The slow work runs when the what-if has
*settled*, a timer tick that finds it unchanged for SETTLE_S (a tick and a slider move can be
served in one script run, so "equal to the previous run" alone would run it inside a move), or
at once on the panel's own input and on new data. ui/uncertainty_panel.py says why the panels
are fragments nested in the results one. What is kept lives in session state: per session.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import streamlit as st

TICK_S = 1.5  # how often a panel checks whether the what-if has settled
SETTLE_S = 1.0  # settled: unchanged for this long


def fingerprint(*parts: object) -> str:
    """A short digest of the inputs an answer was computed from: what a panel compares to know
    whether its shown answer is still the inputs' (cheap to keep in session state)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(p.model_dump_json().encode() if hasattr(p, "model_dump_json") else repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def is_settled(seen_key: str, moving: str) -> bool:
    """Whether `moving` (a fingerprint) has stayed the same for SETTLE_S; `seen_key` keeps
    (the fingerprint last seen, since when)."""
    seen, since = st.session_state.get(seen_key) or (None, 0.0)
    if moving != seen:
        st.session_state[seen_key] = (moving, time.monotonic())
        return False
    return time.monotonic() - since >= SETTLE_S


def settled_value(
    slot: str, ask: str, data: str, now: bool, settled: bool, compute: Callable[[], object]
) -> tuple[object, bool]:
    """The value kept in `slot` for `ask`: computed now when asked to (own input, new data
    `data`, first run), else once the what-if has settled; returns (value, stale)."""
    shown = st.session_state.get(slot)
    now = now or shown is None or shown[2] != data
    if shown is None or (shown[0] != ask and (now or settled)):
        shown = (ask, compute(), data)
        st.session_state[slot] = shown
    return shown[1], shown[0] != ask
