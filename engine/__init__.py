"""The billing engine: pure Python, no UI, no network (docs/billing-rules.md is its specification).

Public surface: the models, `simulate`, `compare`, `sensitivity`, the price book loader and the
growth model. This package never imports streamlit, plotly or httpx; tests/engine enforces it.
"""

from engine.compare import NAMED_POLICIES, Comparison, Outcome, Sensitivity, compare, sensitivity
from engine.models import (
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
    SimulationResult,
    SmsTier,
    Start,
    UsageCycle,
)
from engine.price_book import PriceBookError, load_price_book
from engine.simulate import simulate

__all__ = [
    "NAMED_POLICIES",
    "Comparison",
    "CycleBill",
    "DowngradeRequest",
    "EmailTier",
    "Event",
    "EventKind",
    "FlexFeeBasis",
    "ManualDowngrade",
    "Outcome",
    "Policy",
    "Preference",
    "PriceBook",
    "PriceBookError",
    "PriceChange",
    "Scenario",
    "Sensitivity",
    "SimulationResult",
    "SmsTier",
    "Start",
    "UsageCycle",
    "compare",
    "load_price_book",
    "sensitivity",
    "simulate",
]
