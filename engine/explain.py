"""Why this cycle's bill differs from the last: the difference line by line (issue 12).

Each line is one part of section 3.6's total (email base, email upgrade charge, email flex
fees, SMS base, SMS upgrade charge, SMS flex fees), with its before and after and the reason in
plain words taken from the cycle's events (a profile-compliance move, a downgrade, an upgrade
carried from last cycle, a price change). The lines add up to the difference exactly.
"""

from __future__ import annotations

from pydantic import Field

from engine.models import Frozen, Money, PriceBook, Scenario, SimulationResult


class ChangeLine(Frozen):
    item: str = Field(description="which part of the bill, e.g. 'Email plan'")
    before_usd: Money
    after_usd: Money
    change_usd: Money
    reason: str


class BillChange(Frozen):
    cycle: int = Field(description="the later of the two cycles")
    before_usd: Money
    after_usd: Money
    change_usd: Money
    lines: tuple[ChangeLine, ...]
    summary: str


def explain_change(
    scenario: Scenario, book: PriceBook, result: SimulationResult, cycle: int
) -> BillChange:
    """Cycle `cycle` against cycle `cycle - 1` of `result` (cycle >= 2)."""
    raise NotImplementedError
