"""The slider benchmark's floor: the Explore page itself, with its engine calls answered from
static data, so that it draws the same elements (the same widgets, table, charts with the same
points, the same fragments, the uncertainty panel included) under the same config, and costs
only what Streamlit, plotly and the browser cost for this page.

The static data is a pickle of real answers (benchmarks/out/reference.pkl, keyed by the exact
inputs): a key it lacks is computed once for real, added, saved, and logged as
`reference: miss`, so benchmarks/ui_bench.py records the data in a first pass and then measures
a second pass that must log no miss. Run by benchmarks/ui_bench.py as `streamlit run` from the
project folder, like the app.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import uncertainty  # noqa: E402
from ui import (  # noqa: E402
    bill_change_panel,
    calendar_panel,
    engine_client,
    frame,
    uncertainty_panel,
    warnings_panel,
)

STORE = ROOT / "benchmarks" / "out" / "reference.pkl"
_real_compute, _real_uncertainty = engine_client.compute, uncertainty_panel.run_uncertainty
# The plan panels' engine calls (issue 12): answered from static data too.
_real_plan = {
    "warnings": warnings_panel.warnings_ahead,
    "calendar": calendar_panel.plan_calendar,
    "calendar_ranges": getattr(uncertainty, "calendar_ranges", None),
    "explain": bill_change_panel.explain_change,
}


def _load() -> dict:
    return pickle.loads(STORE.read_bytes()) if STORE.exists() else {}


DATA = _load()


def _static(kind: str, key: str, real):
    if (kind, key) not in DATA:
        print(f"reference: miss {kind}", flush=True)
        DATA[(kind, key)] = real()
        STORE.parent.mkdir(exist_ok=True)
        STORE.write_bytes(pickle.dumps(DATA))
    return DATA[(kind, key)]


def compute(history, book, whatif):
    key = "".join(m.model_dump_json() for m in (history, book, whatif))
    return _static("results", key, lambda: _real_compute(history, book, whatif))


def run_uncertainty(history, book, whatif, ranges, paths=10_000, seed=0):
    key = "".join(m.model_dump_json() for m in (history, book, whatif, ranges)) + f"{paths}/{seed}"
    return _static(
        "uncertainty", key, lambda: _real_uncertainty(history, book, whatif, ranges, paths, seed)
    )


def _key(*parts) -> str:
    return "".join(p.model_dump_json() if hasattr(p, "model_dump_json") else repr(p) for p in parts)


def _plan_call(kind: str):
    def call(*args, **kwargs):
        key = _key(*args, *sorted(kwargs.items()))
        return _static(kind, key, lambda: _real_plan[kind](*args, **kwargs))

    return call


engine_client.compute = compute
uncertainty_panel.run_uncertainty = run_uncertainty
warnings_panel.warnings_ahead = _plan_call("warnings")
calendar_panel.plan_calendar = _plan_call("calendar")
uncertainty.calendar_ranges = _plan_call("calendar_ranges")
bill_change_panel.explain_change = _plan_call("explain")
# The pages by absolute path: st.Page resolves a relative one against this script's folder.
frame.PAGES = tuple(p._replace(path=str(ROOT / p.path)) for p in frame.PAGES)
frame.run_frame()
