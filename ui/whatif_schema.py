"""The Explore page's what-if as one table: one row per input.

A row names the widget key (which is also its URL parameter, so a copied link keeps working),
the `WhatIf` field it sets, the widget kind and its label, its bounds or options and default
(from the fit of the loaded history and the engine's own bounds), and whether a change reruns
only the results fragment. Drawing (ui.inputs), the URL binding, reading the what-if back
(`whatif_from`), the keys dropped when new data loads (ui.state), the settings link
(ui.share) and the Klaviyo plan preset all read this table, so each is written once.
Pure: no st.* calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from engine.growth import Fit, Growth, typical_sms_credits
from engine.growth import fit as fit_history
from engine.history import UsageHistory
from engine.models import MAX_HORIZON, FlexFeeBasis, PriceBook
from engine.settings import SETTINGS
from engine.simulate import cover
from engine.whatif import WhatIf

DEFAULT_REVENUE = 0.05  # USD per blocked email or credit; labelled a placeholder in the UI
DEFAULT_SETTING = WhatIf.model_fields["current_setting"].default  # chosen by key, not position
SETTING_LABELS = {key: p.label for key, p in SETTINGS.items()}
FEE_BASIS_LABELS = {
    FlexFeeBasis.EXTRA.value: "the extra messages only (Klaviyo's example)",
    FlexFeeBasis.WHOLE.value: "all of the next tier's messages (help-article wording)",
    FlexFeeBasis.DIFFERENCE.value: "the price difference of a temporary upgrade (Feb 2025 FAQ)",
}
PLACEHOLDER = (
    "Starts at $0.05, the figure of the billing rules' worked example: a placeholder, not "
    "your number. Use the revenue per recipient from your Klaviyo reports; 0 prices "
    "blocked sends at nothing."
)

# The results' own widgets (drawn by the page inside the results fragment): not WhatIf fields,
# but bound to the URL (the view) and dropped with the what-if when new data loads.
VIEW = "view"
DETAIL = "detail"


# Module-level format functions: widgets keep them in session state, which must pickle.
def profiles_plan(c: int) -> str:
    return f"up to {c:,} profiles"


def credits_plan(c: int) -> str:
    return "no SMS plan" if c == 0 else f"{c:,} credits"


def month_or_never(c: int) -> str:
    return "never" if c == 0 else str(c)


def model_bounds(name: str) -> tuple[float, float]:
    """A Growth field's bounds as the engine's model states them (its `ge` and `le`)."""
    meta = Growth.model_fields[name].metadata
    return next(m.ge for m in meta if hasattr(m, "ge")), next(m.le for m in meta if hasattr(m, "le"))


def bounds(value: float, low: float, high: float, step: float) -> tuple[float, float]:
    """A slider's range widened to hold the fitted value, so a store outside the usual range
    (ten million profiles, 25 emails per profile) gets a slider instead of an error; the ends
    stay on the step grid."""
    lo = min(low, math.floor(value / step) * step)
    hi = max(high, math.ceil(value / step) * step)
    return lo, hi


@dataclass
class Context:
    """What bounds, options and defaults come from: the loaded history and its fit, the price
    book's ladders, and the values of the inputs drawn before (the card-failure months follow
    the horizon). The fit is computed only if a row asks for it (the plan preset does not)."""

    history: UsageHistory
    book: PriceBook
    given_fit: Fit | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def fit(self) -> Fit:
        return self.given_fit or fit_history(self.history)


class Range(NamedTuple):
    """A slider's or number input's bounds, default and step."""

    low: float
    high: float
    default: float
    step: float
    format: str | None = None


class Choice(NamedTuple):
    """A choice widget's options, its default (an option, never a position) and their labels."""

    options: tuple
    default: Any
    labels: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Input:
    """One row of the table. `field` is a WhatIf field, or `growth.<field>` for a Growth one."""

    key: str  # the widget key and URL parameter: never rename (copied links carry it)
    field: str
    kind: str  # slider, number, select, segmented, radio, toggle
    group: str | None  # the expander it sits in (None: above them)
    label: str
    domain: Callable[[Context], Range | Choice]
    results_only: bool = True  # False: it changes other inputs' options, so the page reruns
    help: str | Callable[[Fit], str] | None = None  # a callable: the fit's note on its value
    shown_if: str | None = None  # drawn only while this earlier input is not 0
    to_field: Callable[[Any], Any] = lambda v: v  # widget value -> WhatIf field value

    @property
    def growth_field(self) -> str | None:
        return self.field.removeprefix("growth.") if self.field.startswith("growth.") else None

    def help_for(self, fit: Fit) -> str | None:
        return self.help(fit) if callable(self.help) else self.help


def _note(name: str) -> Callable[[Fit], str]:
    """The fit's note on the value it set: where the default comes from."""
    return lambda fit: fit.notes[name]


def _rate(name: str) -> Callable[[Context], Range]:
    """A monthly growth rate (%), within the model's bounds (which the fit is clamped to)."""

    def domain(ctx: Context) -> Range:
        value = float(getattr(ctx.fit.growth, name))
        low, high = bounds(value, *model_bounds(name), 0.1)
        return Range(round(low, 1), round(high, 1), value, 0.1)

    return domain


def _peak(name: str) -> Callable[[Context], Range]:
    """A seasonal peak (% over an ordinary month), in steps of 5."""

    def domain(ctx: Context) -> Range:
        value = round(getattr(ctx.fit.growth, name))
        low, high = (int(b) for b in bounds(value, *model_bounds(name), 5))
        return Range(low, high, value, 5)

    return domain


def _emails_per_profile(ctx: Context) -> Range:
    epp = float(ctx.fit.growth.emails_per_profile)
    high = min(model_bounds("emails_per_profile")[1], max(40, math.ceil(epp * 2)))
    return Range(0.0, float(high), epp, 0.1)


def _sms_base(ctx: Context) -> Range:
    sms = int(ctx.fit.growth.sms_base_credits)
    sms_max = min(int(model_bounds("sms_base_credits")[1]), max(1000, math.ceil(sms * 4 / 1000) * 1000))
    return Range(0, sms_max, sms, max(1, sms_max // 200))


def _email_plan(ctx: Context) -> Choice:
    caps = tuple(t.max_profiles for t in ctx.book.email_tiers)
    return Choice(caps, caps[cover(caps, ctx.history.last.active_profiles)[0]], profiles_plan)


def _sms_plan(ctx: Context) -> Choice:
    credits = tuple(t.monthly_credits for t in ctx.book.sms_tiers)
    return Choice(credits, credits[cover(credits, typical_sms_credits(ctx.history))[0]], credits_plan)


def _card_fail(ctx: Context) -> Choice:
    return Choice((0, *range(1, ctx.values["horizon"] + 1)), 0, month_or_never)


def _card_fixed(ctx: Context) -> Choice:
    after = range(ctx.values["card_fail"] + 1, ctx.values["horizon"] + 1)
    return Choice((0, *after), 0, month_or_never)


def _fixed(domain: Range | Choice) -> Callable[[Context], Range | Choice]:
    return lambda ctx: domain


def _revenue(v: float) -> Decimal:
    return Decimal(str(round(v, 3)))


def _cycle_or_none(v: int) -> int | None:
    return v or None


GROWTH, SMS, CLEANUP, PLAN, WORTH, UNCLEAR = (
    "Growth",
    "SMS",
    "List clean-up and price change",
    "Your plan and setting",
    "What a blocked message is worth",
    "Rules Klaviyo leaves unclear",
)
EXPANDED = {GROWTH: True, SMS: False, CLEANUP: False, PLAN: True, WORTH: True, UNCLEAR: False}
MONTHS = Range(1, MAX_HORIZON, 1, 1)

INPUTS: tuple[Input, ...] = (
    Input("horizon", "growth.horizon", "segmented", None, "Horizon (months)",
          _fixed(Choice((12, 24, 36), 12)), results_only=False),
    Input("growth", "growth.profile_growth_pct", "slider", GROWTH, "Profile growth per month (%)",
          _rate("profile_growth_pct"), help=_note("profile_growth_pct")),
    Input("epp", "growth.emails_per_profile", "slider", GROWTH,
          "Emails per profile in an ordinary month", _emails_per_profile,
          help=_note("emails_per_profile")),
    Input("nov", "growth.november_peak_pct", "slider", GROWTH,
          "November peak, Black Friday / Cyber Monday (% over an ordinary month)",
          _peak("november_peak_pct"), help=_note("november_peak_pct")),
    Input("dec", "growth.december_peak_pct", "slider", GROWTH, "December peak (%)",
          _peak("december_peak_pct"), help=_note("december_peak_pct")),
    Input("sms_base", "growth.sms_base_credits", "slider", SMS, "SMS credits in an ordinary month",
          _sms_base, help=_note("sms_base_credits")),
    Input("sms_growth", "growth.sms_growth_pct", "slider", SMS, "SMS credit growth per month (%)",
          _rate("sms_growth_pct"), help=_note("sms_growth_pct")),
    Input("sms_nov", "growth.sms_november_peak_pct", "slider", SMS, "SMS November peak (%)",
          _peak("sms_november_peak_pct"), help=_note("sms_november_peak_pct")),
    Input("sms_dec", "growth.sms_december_peak_pct", "slider", SMS, "SMS December peak (%)",
          _peak("sms_december_peak_pct"), help=_note("sms_december_peak_pct")),
    Input("cleanup", "growth.cleanup_pct", "slider", CLEANUP, "Suppress this share of profiles (%)",
          _fixed(Range(0, 80, 0, 1)),
          help="Suppressed profiles stop counting and stop receiving email (SMS is unchanged)."),
    Input("cleanup_at", "growth.cleanup_cycle", "slider", CLEANUP, "…from month", _fixed(MONTHS)),
    Input("price_pct", "price_change_pct", "slider", CLEANUP, "Klaviyo price change (%)",
          _fixed(Range(-20, 50, 0, 1)), to_field=Decimal,
          help="Every price in both ladders, rounded to cents, from the month below."),
    Input("price_at", "price_change_cycle", "slider", CLEANUP, "…from month", _fixed(MONTHS)),
    Input("email_plan", "email_plan_profiles", "select", PLAN, "Email plan now (active profiles)",
          _email_plan),
    Input("sms_plan", "sms_plan_credits", "select", PLAN, "SMS plan now (credits a month)",
          _sms_plan),
    Input("setting", "current_setting", "select", PLAN, "Your current setting at the limit",
          _fixed(Choice(tuple(SETTING_LABELS), DEFAULT_SETTING, SETTING_LABELS.get))),
    Input("card_fail", "card_failure_cycle", "select", PLAN, "A card payment fails in month",
          _card_fail, results_only=False, to_field=_cycle_or_none,
          help="A failed payment turns flexible sending and auto-upgrade off until the owner turns them on again."),
    Input("card_fixed", "card_fixed_cycle", "select", PLAN, "…and is fixed in month", _card_fixed,
          shown_if="card_fail", to_field=_cycle_or_none),
    Input("rev_email", "revenue_per_email_usd", "number", WORTH, "Revenue per email (USD)",
          _fixed(Range(0.0, 10.0, DEFAULT_REVENUE, 0.001, "%.3f")), help=PLACEHOLDER,
          to_field=_revenue),
    Input("rev_sms", "revenue_per_sms_credit_usd", "number", WORTH, "Revenue per SMS credit (USD)",
          _fixed(Range(0.0, 10.0, DEFAULT_REVENUE, 0.001, "%.3f")), help=PLACEHOLDER,
          to_field=_revenue),
    Input("fee_basis", "flex_fee_basis", "radio", UNCLEAR, "Flex fee is charged on",
          _fixed(Choice(tuple(FEE_BASIS_LABELS), WhatIf.model_fields["flex_fee_basis"].default.value,
                        FEE_BASIS_LABELS.get)),
          to_field=FlexFeeBasis,
          help="Klaviyo's texts disagree; the answer shows what each reading changes."),
    Input("rollover", "sms_rollover", "toggle", UNCLEAR, "Unused SMS credits roll over",
          _fixed(Choice((False, True), WhatIf.model_fields["sms_rollover"].default)),
          help="No official source says they do; off by default."),
)  # fmt: skip

KEYS = tuple(i.key for i in INPUTS)
URL_PARAMS = (*KEYS, VIEW)  # what a settings link carries
# The uncertainty panel's inputs (ui.uncertainty_panel): "how sure" per driver, paths, seed.
UNCERTAINTY_DRIVERS = (
    "profile_growth_pct", "emails_per_profile", "november_peak_pct", "december_peak_pct",
    "sms_growth_pct", "sms_november_peak_pct", "sms_december_peak_pct",
)  # fmt: skip
SURE_KEYS = {name: f"sure_{name}" for name in UNCERTAINTY_DRIVERS}
PATHS, SEED = "paths", "seed"
UNCERTAINTY_KEYS = (*SURE_KEYS.values(), PATHS, SEED)
# The plan panels' inputs (ui.calendar_panel, ui.warnings_panel, ui.bill_change_panel): the
# cycle start day, the calendar's "most actions", the bill change's setting and month, and
# whether the user picked the last two (until then they follow the answer's default).
CYCLE_DAY, PLAN_K, PLAN_K_CHOSEN = "cycle_day", "plan_k", "plan_k_chosen"
WHY_SETTING, WHY_MONTH, WHY_MONTH_CHOSEN = "why_setting", "why_month", "why_month_chosen"
PLAN_KEYS = (CYCLE_DAY, PLAN_K, PLAN_K_CHOSEN, WHY_SETTING, WHY_MONTH, WHY_MONTH_CHOSEN)
# Dropped when new data loads, so all start from its fit.
RESET_KEYS = (*KEYS, DETAIL, VIEW, *UNCERTAINTY_KEYS, *PLAN_KEYS)
BY_FIELD = {i.field: i for i in INPUTS}
BY_KEY = {i.key: i for i in INPUTS}


def whatif_from(values: Mapping[str, Any], fit: Fit) -> WhatIf:
    """The WhatIf the widget values say (an input drawn only sometimes counts as 0 when not)."""
    growth, top = {}, {}
    for i in INPUTS:
        if i.shown_if is None:
            value = i.to_field(values[i.key])
        else:  # drawn after the input it depends on, so it may be missing for one run
            value = i.to_field(values.get(i.key, 0) if values[i.shown_if] else 0)
        if i.growth_field:
            growth[i.growth_field] = value
        else:
            top[i.field] = value
    return WhatIf(growth=fit.growth.model_copy(update=growth), **top)


def defaults(history: UsageHistory, book: PriceBook, fit: Fit | None = None) -> dict[str, Any]:
    """Each drawn input's default, in table order: what a page opened without a link shows."""
    ctx = Context(history, book, fit)
    for i in INPUTS:
        if i.shown_if is None or ctx.values[i.shown_if]:
            ctx.values[i.key] = i.domain(ctx).default
    return ctx.values


def preset(ctx: Context, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Widget values for the given WhatIf fields (today's plans read from Klaviyo), keeping only
    values that are one of the input's options; an empty or unknown value leaves the default."""
    out = {}
    for name, value in fields.items():
        row = BY_FIELD[name]
        if value and value in row.domain(ctx).options:
            out[row.key] = value
    return out
