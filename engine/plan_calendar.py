"""The plan calendar: the exact cheapest schedule of dated actions over the horizon (issue 12).

The levers are the owner's actions (engine.models.Action): a preference per channel from any
cycle's start, an upgrade by hand on a cycle's first day (charged the difference), a downgrade
requested in a cycle after its last upgrade (effective at the next renewal). Profile
compliance, the card window and every other rule of section 3 apply as in `simulate()`.
`plan_calendar()` finds, by dynamic programming over plan states, the schedule with the lowest
bill + lost revenue (the comparison's ranking figure; ties: the lower bill, then fewer actions),
and the best schedule with at most K actions for every K up to the optimum's count. Replaying
any of them through `simulate()` gives its figures exactly (tests/engine/test_plan_calendar.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from engine.models import Action, Frozen, Money, PriceBook, Scenario, Setting


class CalendarStep(Frozen):
    """The best schedule with at most `max_actions` actions, and what it costs."""

    max_actions: int
    actions: tuple[Action, ...]
    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money


class SettingVsFloor(Frozen):
    """A named setting (or the user's) against the calendar's floor."""

    key: str
    label: str
    total_usd: Money
    total_with_lost_usd: Money
    above_floor_usd: Money = Field(description="its bill + lost revenue minus the best calendar's")


class PlanCalendar(Frozen):
    start: Setting = Field(description="the preferences the calendar starts from (no actions)")
    best: CalendarStep = Field(description="the cheapest schedule, with the fewest actions reaching it")
    chosen: CalendarStep = Field(description="the best with at most max_actions (best when no cap)")
    steps: tuple[CalendarStep, ...] = Field(description="K = 0, 1, ...: the best with at most K")
    settings: tuple[SettingVsFloor, ...]
    months: tuple[date, ...] | None = None


class PlanAnswer(Frozen):
    """`python -m engine plan`'s output: the chosen schedule first (issue 12, item 5)."""

    total_usd: Money
    lost_revenue_usd: Money
    total_with_lost_usd: Money
    max_actions: int | None
    actions: tuple[Action, ...]
    calendar: PlanCalendar


def calendar_setting(scenario: Scenario, actions: tuple[Action, ...]) -> Setting:
    """The setting that replays `actions`: the scenario's preferences, its downgrades left out."""
    raise NotImplementedError


def plan_calendar(
    scenario: Scenario,
    book: PriceBook,
    max_actions: int | None = None,
    months: tuple[date, ...] | None = None,
    current: str | None = None,
) -> PlanCalendar:
    """The cheapest calendar of actions on the scenario's usage path, and the best with at most
    K actions for each K; `current` is the Explore page's setting key (as in compare())."""
    raise NotImplementedError


def calendar_json(scenario: Scenario, book: PriceBook, max_actions: int | None = None) -> dict[str, Any]:
    """`python -m engine plan`'s output (and POST /v1/plan's): total_usd and actions of the
    chosen schedule, then the rest of the calendar."""
    raise NotImplementedError
