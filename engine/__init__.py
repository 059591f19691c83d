"""The billing engine: pure Python, no UI, no network (docs/billing-rules.md is its specification).

Public surface: the models (a `Policy` is a `Setting` and `Assumptions`), the named settings, `simulate`, `compare`, `sensitivity`, the price book loader and the
growth model. This package never imports streamlit, plotly or httpx; tests/engine enforces it.
"""

from engine.compare import Comparison, Outcome, Sensitivity, compare, sensitivity
from engine.models import (
    Assumptions,
    CycleBill,
    DowngradeRequest,
    EmailTier,
    Event,
    EventKind,
    FlexFeeBasis,
    ManualDowngrade,
    Policy,
    Preference,
    PriceBook,
    PriceChange,
    Scenario,
    Setting,
    SimulationResult,
    SmsTier,
    Start,
    UsageCycle,
)
from engine.price_book import PriceBookError, load_price_book
from engine.settings import SETTINGS, NamedSetting
from engine.simulate import simulate

__all__ = [
    "SETTINGS",
    "Assumptions",
    "Comparison",
    "CycleBill",
    "DowngradeRequest",
    "EmailTier",
    "Event",
    "EventKind",
    "FlexFeeBasis",
    "ManualDowngrade",
    "NamedSetting",
    "Outcome",
    "Policy",
    "Preference",
    "PriceBook",
    "PriceBookError",
    "PriceChange",
    "Scenario",
    "Sensitivity",
    "Setting",
    "SimulationResult",
    "SmsTier",
    "Start",
    "UsageCycle",
    "compare",
    "load_price_book",
    "sensitivity",
    "simulate",
]
