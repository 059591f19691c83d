"""The Explore page's inputs, drawn from the what-if table in ui.whatif_schema.

Every widget has a short key that is also its URL parameter (`bind="query-params"`), so a
copied link reopens the same what-if; only values that differ from the default appear in it.
Defaults come from the fit of the loaded history. When new data is loaded, ui.state drops
these keys, so the widgets start again from the new fit.

A row marked results-only takes `on_change` from the page, which reruns only the results
fragment (a slider move then resends the results, not the ~30 input elements above them). The
horizon and the card-failure month change other widgets' options, so they rerun the whole
page. Either way the what-if is read back from session state by `current_whatif`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from itertools import groupby

import streamlit as st

from engine.growth import Fit
from engine.history import UsageHistory
from engine.models import PriceBook
from engine.whatif import WhatIf
from ui import whatif_schema as schema
from ui.whatif_schema import EXPANDED, INPUTS, Choice, Context, Input, Range

URL = dict(bind="query-params", persist_state="session")


def _slider(i: Input, d: Range, kw: dict):
    return st.slider(i.label, d.low, d.high, d.default, d.step, **kw)


def _number(i: Input, d: Range, kw: dict):
    return st.number_input(i.label, d.low, d.high, d.default, d.step, format=d.format, **kw)


def _select(i: Input, d: Choice, kw: dict):
    index = d.options.index(d.default)
    return st.selectbox(i.label, list(d.options), index=index, format_func=d.labels or str, **kw)


def _segmented(i: Input, d: Choice, kw: dict):
    return st.segmented_control(i.label, list(d.options), default=d.default, required=True, **kw)


def _radio(i: Input, d: Choice, kw: dict):
    index = d.options.index(d.default)
    return st.radio(i.label, list(d.options), index=index, format_func=d.labels or str, **kw)


def _toggle(i: Input, d: Choice, kw: dict):
    return st.toggle(i.label, d.default, **kw)


WIDGETS = dict(
    slider=_slider, number=_number, select=_select, segmented=_segmented, radio=_radio, toggle=_toggle
)


def draw(i: Input, ctx: Context, on_change: Callable) -> object:
    """One row as its widget, bound to the URL; returns the widget's value."""
    kw = dict(key=i.key, help=i.help_for(ctx.fit), **URL)
    if i.results_only:
        kw["on_change"] = on_change
    return WIDGETS[i.kind](i, i.domain(ctx), kw)


def whatif_inputs(history: UsageHistory, fit: Fit, book: PriceBook, on_change: Callable) -> None:
    """Draw the inputs in the current container, row by row; `current_whatif` reads them.

    `on_change` is called when a results-only input changes (see the module docstring)."""
    ctx = Context(history, book, fit)
    for group, rows in groupby(INPUTS, key=lambda i: i.group):
        with st.expander(group, expanded=EXPANDED[group]) if group else nullcontext():
            for i in rows:
                if i.shown_if is None or ctx.values[i.shown_if]:
                    ctx.values[i.key] = draw(i, ctx, on_change)


def current_whatif(fit: Fit) -> WhatIf:
    """The what-if the inputs hold in session state (they are all drawn by `whatif_inputs`)."""
    return schema.whatif_from(st.session_state, fit)


def preset(history: UsageHistory, book: PriceBook, **fields: object) -> None:
    """Start the inputs of these WhatIf fields at the given values (today's plans read from
    Klaviyo), where a value is one of the input's options."""
    st.session_state.update(schema.preset(Context(history, book), fields))
