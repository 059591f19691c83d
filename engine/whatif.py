"""One what-if: the explorer's inputs in one model, and the run from history to recommendation.

`WhatIf` holds everything a user sets on the Explore page (the growth sliders, the current
plans and setting, the ambiguous-rule switches, a price change, what a blocked message is
worth). `run_whatif()` projects the history, builds the scenario, and runs the comparison and
its sensitivity: the whole per-slider-move computation, pure and measurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field

from engine.compare import Comparison, Sensitivity, compare, sensitivity
from engine.growth import Growth, Projection, project
from engine.history import UsageHistory
from engine.models import (
    MAX_HORIZON,
    Assumptions,
    FlexFeeBasis,
    Frozen,
    Policy,
    PriceBook,
    PriceChange,
    Scenario,
    Start,
    Usd,
)
from engine.settings import DEFAULT_SETTING, SETTINGS


class WhatIf(Frozen):
    """Every input of the Explore page."""

    growth: Growth
    email_plan_profiles: int | None = Field(
        default=None, description="None: the plan covering today's profiles"
    )
    sms_plan_credits: int = 0
    current_setting: str = Field(default=DEFAULT_SETTING, description="a key of SETTINGS")
    flex_fee_basis: FlexFeeBasis = FlexFeeBasis.EXTRA
    sms_rollover: bool = False
    card_failure_cycle: int | None = None
    card_fixed_cycle: int | None = None
    price_change_pct: Decimal = Decimal(0)
    price_change_cycle: int = Field(default=1, ge=1, le=MAX_HORIZON)
    revenue_per_email_usd: Usd = Decimal(0)
    revenue_per_sms_credit_usd: Usd = Decimal(0)

    def assumptions(self) -> Assumptions:
        return Assumptions(
            flex_fee_basis=self.flex_fee_basis,
            sms_rollover=self.sms_rollover,
            card_failure_cycle=self.card_failure_cycle,
            card_fixed_cycle=self.card_fixed_cycle,
        )

    def policy(self) -> Policy:
        """The scenario's policy: the chosen named setting under these assumptions."""
        return Policy.compose(SETTINGS[self.current_setting].setting, self.assumptions())


@dataclass(frozen=True)
class WhatIfResult:
    projection: Projection
    scenario: Scenario
    comparison: Comparison
    sensitivity: tuple[Sensitivity, ...]


def scenario_for(history: UsageHistory, whatif: WhatIf) -> tuple[Projection, Scenario]:
    """The projected usage and the scenario it makes, starting from the last month of history.
    (A download writes an edited price book into it: ui.report.scenario_download.)"""
    projection = project(history, whatif.growth)
    change = (
        PriceChange(pct=whatif.price_change_pct, from_cycle=whatif.price_change_cycle)
        if whatif.price_change_pct and whatif.price_change_cycle <= whatif.growth.horizon
        else None
    )
    scenario = Scenario(
        start=Start(
            active_profiles=history.last.active_profiles,
            email_plan_profiles=whatif.email_plan_profiles,
            sms_plan_credits=whatif.sms_plan_credits,
        ),
        usage=projection.usage,
        policy=whatif.policy(),
        price_change=change,
        revenue_per_email_usd=whatif.revenue_per_email_usd,
        revenue_per_sms_credit_usd=whatif.revenue_per_sms_credit_usd,
    )
    return projection, scenario


def run_whatif(history: UsageHistory, book: PriceBook, whatif: WhatIf) -> WhatIfResult:
    """Project, compare every named setting, and rerun under the other readings of each switch."""
    projection, scenario = scenario_for(history, whatif)
    comparison = compare(scenario, book, months=projection.months, current=whatif.current_setting)
    return WhatIfResult(
        projection=projection,
        scenario=scenario,
        comparison=comparison,
        sensitivity=sensitivity(scenario, book, comparison),
    )
