"""The engine's data: price book, scenario, policy, usage, per-cycle bill, result.

Every model is a frozen pydantic model that rejects unknown fields, so a misspelt key in a
scenario file is an error naming the key, not a silently ignored setting. Money is `Decimal`
and is written out as a string with two decimals. The rules these models feed are in
`docs/billing-rules.md` (a copy of the project's specification with our decisions added).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    field_validator,
    model_validator,
)

CENT = Decimal("0.01")
MAX_HORIZON = 36

# Input bounds (docs/billing-rules.md section 7, "Input bounds"): far above any real account, and
# low enough that no sum, product or quantize in the engine can leave Decimal's default context
# (28 digits): the largest amount is below 10**24 dollars, with cents.
MAX_PROFILES = 100_000_000  # active profiles, and a tier's max_profiles
MAX_SENDS = 10_000_000_000  # emails in one cycle, and a tier's monthly_email_sends
MAX_CREDITS = 1_000_000_000  # SMS credits in one cycle, and a tier's monthly_credits
MAX_TIERS = 1_000  # rows in one ladder
MAX_CYCLE_NUMBER = 1_000  # a cycle number that may lie beyond the horizon (card fixed, price change)
MAX_PRICE_USD = Decimal("10000000")  # a tier's monthly price; whole cents only
MAX_REVENUE_USD = Decimal("1000")  # what one message is worth
REVENUE_PLACES = 6  # a revenue per credit of $0.001 (or $0.000001) is kept exactly
MAX_PRICE_CHANGE_PCT = Decimal("1000")
PRICE_CHANGE_PLACES = 4


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: the only rounding the specification allows (sections 2, 3.3, 3.6)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _money_str(amount: Decimal) -> str:
    return str(to_cents(amount))


Money = Annotated[Decimal, PlainSerializer(_money_str, return_type=str, when_used="json")]
"""A computed USD amount; JSON output is a string with exactly two decimals."""

Usd = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]
"""A USD amount given as input (a price, a revenue per message): written back exactly."""

Price = Annotated[Usd, Field(ge=0, le=MAX_PRICE_USD, decimal_places=2, allow_inf_nan=False)]
"""A tier's monthly price: 0 to $10,000,000, whole cents (as the CSV price book requires)."""

Revenue = Annotated[
    Usd, Field(ge=0, le=MAX_REVENUE_USD, decimal_places=REVENUE_PLACES, allow_inf_nan=False)
]
"""What one blocked message is worth: 0 to $1,000, at most 6 decimals."""

# Counts are strict integers: a boolean, a float or a string is not a count.
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_SENDS)]
"""A count of profiles, messages or credits: never negative, never above the largest bound."""
Profiles = Annotated[int, Field(strict=True, ge=0, le=MAX_PROFILES)]
Sends = Annotated[int, Field(strict=True, ge=0, le=MAX_SENDS)]
Credits = Annotated[int, Field(strict=True, ge=0, le=MAX_CREDITS)]
CycleNumber = Annotated[int, Field(strict=True, ge=1, le=MAX_CYCLE_NUMBER)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def computed(cls, values: dict) -> Self:
        """A model from every field's value, computed by the engine from checked inputs.

        What `model_construct` does (no validation; the model stays frozen and typed), without
        its per-field loop for aliases and defaults: the engine builds a bill per cycle and a
        few events per cycle, and that loop was a third of a comparison's time. The caller
        gives every field, in declared order (the JSON output's order); a missing one is an
        error. tests/engine/test_rules.py checks the result against validation.
        """
        if len(values) != len(cls.__pydantic_fields__):
            raise ValueError(f"{cls.__name__}.computed needs all {len(cls.__pydantic_fields__)} fields")
        made = cls.__new__(cls)
        object.__setattr__(made, "__dict__", values)
        object.__setattr__(made, "__pydantic_fields_set__", set(values))
        object.__setattr__(made, "__pydantic_extra__", None)
        object.__setattr__(made, "__pydantic_private__", None)
        return made


# ---------------------------------------------------------------- price book


class PriceStatus(StrEnum):
    """How sure we are of a price row (see data/pricing/README.md)."""

    OFFICIAL = "official"
    INFERRED_OFFICIAL = "inferred-official"
    SECONDARY_CORROBORATED = "secondary-corroborated"
    SECONDARY = "secondary"
    ESTIMATE = "estimate"
    USER = "user"


class EmailTier(Frozen):
    """One row of the email ladder: up to `max_profiles` active profiles, `monthly_email_sends` sends."""

    max_profiles: Profiles
    monthly_price_usd: Price
    monthly_email_sends: Sends
    status: PriceStatus = PriceStatus.USER
    source: str = ""


class SmsTier(Frozen):
    """One row of the SMS ladder: `monthly_credits` credits a month; (0, 0) means no SMS plan."""

    monthly_credits: Credits
    monthly_price_usd: Price
    status: PriceStatus = PriceStatus.USER
    source: str = ""


NO_SMS_PLAN = SmsTier(
    monthly_credits=0,
    monthly_price_usd=Decimal("0"),
    status=PriceStatus.OFFICIAL,
    source="no SMS add-on: no credits, nothing billed (billing-rules.md section 1)",
)


class LadderFault(NamedTuple):
    """A break of a ladder rule: the tier at fault (its index), the column, what is wrong, and
    the index of the tier it was compared with. The model and the CSV loader word the place."""

    tier: int
    column: str
    problem: str
    before: int | None = None


def _increasing(values: Sequence, column: str) -> LadderFault | None:
    """Section 1: tiers go strictly up (no repeats, no rows out of order; a gap or overlap shows
    up as one)."""
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            problem = (
                f"must be strictly increasing: {values[i]} is not above the tier before it "
                f"({values[i - 1]}); list tiers from smallest to largest, each once"
            )
            return LadderFault(i, column, problem, i - 1)
    return None


def _prices_never_fall(prices: Sequence[Decimal]) -> LadderFault | None:
    """Our decision (section 7): a higher tier never costs less, else an upgrade would be a
    refund, which the specification never describes."""
    for i in range(1, len(prices)):
        if prices[i] < prices[i - 1]:
            problem = (
                f"must not fall as tiers rise: {prices[i]} is below the smaller tier's price "
                f"({prices[i - 1]}); a bigger tier never costs less"
            )
            return LadderFault(i, "monthly_price_usd", problem, i - 1)
    return None


def email_ladder_fault(tiers: Sequence[EmailTier]) -> LadderFault | None:
    """The first break of the email ladder's rules: a paid tier has sends (section 7, so the
    flex unit price is defined), then profiles and sends strictly increasing, prices never fall."""
    for i, t in enumerate(tiers):
        if t.monthly_price_usd > 0 and t.monthly_email_sends == 0:
            problem = "must be above 0 on a paid tier: a paid tier must include some email sends"
            return LadderFault(i, "monthly_email_sends", problem)
    return (
        _increasing([t.max_profiles for t in tiers], "max_profiles")
        or _increasing([t.monthly_email_sends for t in tiers], "monthly_email_sends")
        or _prices_never_fall([t.monthly_price_usd for t in tiers])
    )


def sms_ladder_fault(tiers: Sequence[SmsTier]) -> LadderFault | None:
    """The first break of the SMS ladder's rules: the 0-credit row means "no SMS plan" and costs
    0 (section 1), then credits strictly increasing, prices never fall."""
    for i, t in enumerate(tiers):
        if t.monthly_credits == 0 and t.monthly_price_usd != 0:
            problem = "must be 0: the 0-credit row means 'no SMS plan'"
            return LadderFault(i, "monthly_price_usd", problem)
    return _increasing([t.monthly_credits for t in tiers], "monthly_credits") or _prices_never_fall(
        [t.monthly_price_usd for t in tiers]
    )


def _raise(fault: LadderFault | None) -> None:
    if fault is not None:
        raise ValueError(f"{fault.column} {fault.problem} (tier {fault.tier + 1})")


class PriceBook(Frozen):
    """Both ladders, each ordered from the smallest tier up (specification section 1)."""

    email_tiers: tuple[EmailTier, ...] = Field(min_length=1, max_length=MAX_TIERS)
    sms_tiers: tuple[SmsTier, ...] = Field(default=(NO_SMS_PLAN,), max_length=MAX_TIERS)
    effective_from: date | None = None

    @field_validator("email_tiers")
    @classmethod
    def _email_ladder(cls, tiers: tuple[EmailTier, ...]) -> tuple[EmailTier, ...]:
        _raise(email_ladder_fault(tiers))
        return tiers

    @field_validator("sms_tiers")
    @classmethod
    def _sms_ladder(cls, tiers: tuple[SmsTier, ...]) -> tuple[SmsTier, ...]:
        if not tiers or tiers[0].monthly_credits != 0:
            tiers = (NO_SMS_PLAN, *tiers)  # section 1: a book that omits the (0, 0) row gets it
        _raise(sms_ladder_fault(tiers))
        return tiers


# ---------------------------------------------------------------- scenario


class Preference(StrEnum):
    """What happens at a channel's message limit (specification section 1)."""

    NONE = "none"
    FLEX = "flex"
    AUTO_UPGRADE = "auto_upgrade"


class FlexFeeBasis(StrEnum):
    """The three readings of the flex fee (section 3.3); `extra` matches Klaviyo's own example,
    `whole` the seed article's wording, `difference` the Feb 2025 FAQ (a temporary upgrade)."""

    EXTRA = "extra"
    WHOLE = "whole"
    DIFFERENCE = "difference"


class DowngradeRequest(StrEnum):
    """When in the cycle before a renewal the owner asks for a manual downgrade (section 3.1).
    An upgrade after the request, before the renewal, cancels it (help article 8356575957275)."""

    AFTER_UPGRADES = "after_upgrades"  # after that cycle's last upgrade: never cancelled
    CYCLE_START = "cycle_start"  # at the start of that cycle: an upgrade in it cancels it


class ManualDowngrade(Frozen):
    """One manual downgrade: the plan of `channel` moves down at the renewal that starts `cycle`
    (requested in the cycle before), to max(start plan, the plan the profiles need)."""

    cycle: Annotated[int, Field(strict=True, ge=1, le=MAX_HORIZON)]
    channel: Literal["email", "sms"]
    requested: DowngradeRequest = DowngradeRequest.AFTER_UPGRADES


class ActionKind(StrEnum):
    """What one dated action of the owner does (the plan calendar, docs section 7, "Actions")."""

    PREFERENCE = "preference"  # set the channel's preference from the start of the cycle
    UPGRADE = "upgrade"  # move the plan up by hand on the cycle's first day, charged the difference
    DOWNGRADE = "downgrade"  # request a lower plan in the cycle, after its last upgrade


class Action(Frozen):
    """One dated action a manager takes in Klaviyo: the unit of the plan calendar.

    `cycle` is the cycle in which the owner acts. A preference holds from that cycle's start
    until a later preference action on the channel (`auto_downgrade` only with email `flex`).
    An upgrade moves the plan to the tier covering `plan` on the cycle's first day and charges
    the price difference that cycle (section 3.3's auto-upgrade charge, taken by hand). A
    downgrade is requested during `cycle`, after its last upgrade (so no upgrade cancels it),
    and takes effect at the renewal that starts `cycle + 1`: the plan moves to the tier covering
    `plan`, never below what the profiles need (compliance, section 3.1 step 3).
    `plan` is in the channel's unit: max_profiles for email, credits for SMS.
    """

    cycle: Annotated[int, Field(strict=True, ge=1, le=MAX_HORIZON)]
    channel: Literal["email", "sms"]
    action: ActionKind
    preference: Preference | None = None
    auto_downgrade: StrictBool = False
    plan: Annotated[int, Field(strict=True, ge=0, le=MAX_PROFILES)] | None = None

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> Action:
        if self.action is ActionKind.PREFERENCE:
            if self.preference is None or self.plan is not None:
                raise ValueError("preference: a preference action names a preference and no plan")
            if self.auto_downgrade and (self.channel != "email" or self.preference != Preference.FLEX):
                raise ValueError(
                    "auto_downgrade: Klaviyo offers auto-downgrade only with flexible sending on email"
                )
        elif self.plan is None or self.preference is not None or self.auto_downgrade:
            raise ValueError(f"plan: an {self.action.value} action names a plan and no preference")
        return self


def _check_setting(s: Setting) -> None:
    """Section 2's validation of a setting: the combinations Klaviyo does not offer."""
    if s.auto_downgrade and s.email != Preference.FLEX:
        raise ValueError(
            "auto_downgrade: Klaviyo offers auto-downgrade only with flexible sending "
            "(email preference 'flex')"
        )
    if s.auto_downgrade and s.manual_downgrade:
        raise ValueError("auto_downgrade: cannot be combined with manual_downgrade")
    if not s.manual_downgrades:
        _check_actions(s)
        return
    if s.auto_downgrade:
        raise ValueError("manual_downgrades: cannot be combined with auto_downgrade")
    if s.manual_downgrade:
        raise ValueError(
            "manual_downgrades: a schedule cannot be combined with manual_downgrade "
            "(which already downgrades at every renewal)"
        )
    seen: set[tuple[int, str]] = set()
    for d in s.manual_downgrades:
        if (d.cycle, d.channel) in seen:
            raise ValueError(
                f"manual_downgrades: the {d.channel} downgrade at cycle {d.cycle} is scheduled twice"
            )
        seen.add((d.cycle, d.channel))
    _check_actions(s)


def _check_actions(s: Setting) -> None:
    """A calendar of actions: each (cycle, channel, kind) once; its downgrades replace the
    setting's own manual downgrades, so the two are not combined."""
    seen: set[tuple[int, str, ActionKind]] = set()
    for a in s.actions:
        if (a.cycle, a.channel, a.action) in seen:
            raise ValueError(
                f"actions: the {a.channel} {a.action.value} at cycle {a.cycle} is given twice"
            )
        seen.add((a.cycle, a.channel, a.action))
        if s.manual_downgrades:
            raise ValueError(
                "actions: a calendar cannot be combined with manual_downgrades (a calendar "
                "states its own downgrades)"
            )
        if a.action is ActionKind.DOWNGRADE and s.manual_downgrade:
            raise ValueError("actions: a calendar's downgrades cannot be combined with manual_downgrade")


def _check_assumptions(a: Assumptions) -> None:
    """Section 2's validation of the card window: fixed after it failed."""
    if a.card_fixed_cycle is not None:
        if a.card_failure_cycle is None:
            raise ValueError("card_fixed_cycle: needs a card_failure_cycle before it")
        if a.card_fixed_cycle <= a.card_failure_cycle:
            raise ValueError("card_fixed_cycle: must be after card_failure_cycle")


SETTING_FIELDS = ("email", "sms", "auto_downgrade", "manual_downgrade", "manual_downgrades", "actions")
ASSUMPTION_FIELDS = ("flex_fee_basis", "sms_rollover", "card_failure_cycle", "card_fixed_cycle")


class Setting(Frozen):
    """What the account owner picks in Klaviyo: a preference per channel and the downgrades."""

    email: Preference = Preference.NONE
    sms: Preference = Preference.NONE
    auto_downgrade: StrictBool = False
    manual_downgrade: StrictBool = False
    # A schedule of manual downgrades; `manual_downgrade` = one at every renewal on both channels.
    manual_downgrades: tuple[ManualDowngrade, ...] = Field(default=(), max_length=2 * MAX_HORIZON)
    # A calendar of dated actions (the plan calendar); the fields above are where it starts.
    actions: tuple[Action, ...] = Field(default=(), max_length=6 * MAX_HORIZON)

    @model_validator(mode="after")
    def _combinations(self) -> Setting:
        _check_setting(self)
        return self

    def preferences(self, cycle: int) -> tuple[Preference, Preference, bool]:
        """The email preference, the SMS preference and auto-downgrade in force in `cycle`: the
        setting's own, changed by each preference action dated at or before `cycle`."""
        email, sms, auto = self.email, self.sms, self.auto_downgrade
        for a in sorted(self.actions, key=lambda a: a.cycle):  # the calendar's order, not the list's
            if a.action is ActionKind.PREFERENCE and a.cycle <= cycle:
                if a.channel == "email":
                    email, auto = a.preference, a.auto_downgrade
                else:
                    sms = a.preference
        return email, sms, auto

    def action_at(self, cycle: int, channel: str, kind: ActionKind) -> Action | None:
        """The calendar's `kind` action on `channel` in `cycle`, if any."""
        for a in self.actions:
            if a.cycle == cycle and a.channel == channel and a.action is kind:
                return a
        return None

    def scheduled_downgrade(self, cycle: int, channel: str) -> ManualDowngrade | None:
        """The manual downgrade of `channel` scheduled for the renewal that starts `cycle`."""
        for d in self.manual_downgrades:
            if d.cycle == cycle and d.channel == channel:
                return d
        return None


class Assumptions(Frozen):
    """What we assume about Klaviyo where its texts are silent or disagree (the readings of
    sections 3.3 and 3.4), and an event outside the owner's choice (a failed card)."""

    flex_fee_basis: FlexFeeBasis = FlexFeeBasis.EXTRA
    sms_rollover: StrictBool = False
    card_failure_cycle: CycleNumber | None = None
    card_fixed_cycle: CycleNumber | None = None

    @model_validator(mode="after")
    def _card_window(self) -> Assumptions:
        _check_assumptions(self)
        return self

    def preferences_active(self, cycle: int) -> bool:
        """A failed card payment disables flex and auto-upgrade until the owner fixes it (section 3)."""
        if self.card_failure_cycle is None or cycle < self.card_failure_cycle:
            return True
        return self.card_fixed_cycle is not None and cycle >= self.card_fixed_cycle


class Policy(Assumptions, Setting):
    """The JSON contract's `policy` object (section 4): the fields of a `Setting`, then those of
    `Assumptions`, flat, so the contract stays as it is; both halves' validation applies. The
    engine reads `.setting` and `.assumptions`; `Policy.compose` puts one of each together."""

    @classmethod
    def compose(cls, setting: Setting, assumptions: Assumptions) -> Policy:
        """A policy from its two halves (both already valid, so nothing is checked again)."""
        return cls.model_construct(**dict(setting), **dict(assumptions))

    @property
    def setting(self) -> Setting:
        return Setting.model_construct(**{f: getattr(self, f) for f in SETTING_FIELDS})

    @property
    def assumptions(self) -> Assumptions:
        return Assumptions.model_construct(**{f: getattr(self, f) for f in ASSUMPTION_FIELDS})


class Start(Frozen):
    """The account today: profiles now and the plans in force (section 2)."""

    active_profiles: Profiles
    email_plan_profiles: Profiles | None = None
    sms_plan_credits: Credits = 0


class UsageCycle(Frozen):
    """What the brand wants to do in one cycle (section 2)."""

    active_profiles: Profiles
    email_sends: Sends
    sms_credits: Credits


class PriceChange(Frozen):
    """Every price times (1 + pct/100), rounded to cents, from `from_cycle` on (section 2)."""

    pct: Decimal = Field(
        gt=-100, le=MAX_PRICE_CHANGE_PCT, decimal_places=PRICE_CHANGE_PLACES, allow_inf_nan=False
    )
    from_cycle: CycleNumber


class Scenario(Frozen):
    """One run of the engine: the JSON contract's input (section 4)."""

    price_book: PriceBook | None = None
    start: Start
    usage: tuple[UsageCycle, ...] = Field(min_length=1, max_length=MAX_HORIZON)
    policy: Policy = Policy()
    price_change: PriceChange | None = None
    revenue_per_email_usd: Revenue = Decimal("0")
    revenue_per_sms_credit_usd: Revenue = Decimal("0")

    @model_validator(mode="after")
    def _schedule_within_horizon(self) -> Scenario:
        n = len(self.usage)
        for i, d in enumerate(self.policy.manual_downgrades):
            if d.cycle > n:
                raise ValueError(
                    f"policy.manual_downgrades[{i}].cycle: cycle {d.cycle} is beyond the usage "
                    f"horizon ({n} cycle{'' if n == 1 else 's'})"
                )
        for i, a in enumerate(self.policy.actions):
            last = n - 1 if a.action is ActionKind.DOWNGRADE else n
            if a.cycle > last:
                effect = " (a downgrade takes effect at the next renewal)" if last < n else ""
                raise ValueError(
                    f"policy.actions[{i}].cycle: cycle {a.cycle} is beyond the usage horizon "
                    f"({n} cycle{'' if n == 1 else 's'}){effect}"
                )
        return self


# ---------------------------------------------------------------- result


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    ACCOUNT = "account"


class EventKind(StrEnum):
    """Notifications and plan moves (section 3.5): events, never charges."""

    NOTICE_75 = "notice_75"
    NOTICE_90 = "notice_90"
    NOTICE_95 = "notice_95"
    PROFILE_UPGRADE = "profile_upgrade"
    AUTO_UPGRADE = "auto_upgrade"
    FLEX = "flex"
    DOWNGRADE = "downgrade"
    DOWNGRADE_CANCELLED = "downgrade_cancelled"
    BLOCK = "block"
    CARD_FAILURE = "card_failure"
    CARD_FIXED = "card_fixed"
    CUSTOM_QUOTE = "custom_quote"
    MANUAL_UPGRADE = "manual_upgrade"


class Event(Frozen):
    """One thing that happened in a cycle. `day` assumes sends spread evenly over 30 days."""

    kind: EventKind
    channel: Channel
    message: str
    day: int | None = None
    amount_usd: Money | None = None


class CycleBill(Frozen):
    """One cycle's bill: the keys of the JSON contract (section 4) plus a few for charts."""

    cycle: int
    email_plan_profiles: int
    email_base_usd: Money
    email_upgrade_usd: Money
    email_flex_usd: Money
    email_upgrades: int
    email_flexes: int
    emails_sent: int
    emails_blocked: int
    sms_plan_credits: int
    sms_base_usd: Money
    sms_upgrade_usd: Money
    sms_flex_usd: Money
    sms_upgrades: int
    sms_flexes: int
    sms_credits_used: int
    sms_credits_blocked: int
    sms_credits_carried_out: int
    total_usd: Money
    lost_revenue_usd: Money
    custom_quote: bool
    events: tuple[Event, ...]
    # Extra keys (welcome by section 4): what the charts need.
    active_profiles: int
    email_sends_demand: int
    email_plan_profiles_at_renewal: int
    email_send_limit: int
    email_profile_upgrades: int
    sms_credits_demand: int
    sms_credits_available: int
    preferences_active: bool
    # Plan moves down that took effect at this cycle's renewal, so a comparison can count actions.
    email_manual_downgrade: bool = False
    sms_manual_downgrade: bool = False
    email_auto_downgrade: bool = False
    # A calendar's manual upgrade on the cycle's first day (its charge is in *_upgrade_usd).
    email_manual_upgrade: bool = False
    sms_manual_upgrade: bool = False
    # Blocked messages above what the top tier carries (for SMS: plus carried-in credits):
    # Klaviyo prices them by quote, so they are not lost revenue (section 7).
    emails_above_top: int = 0
    sms_credits_above_top: int = 0


class SimulationResult(Frozen):
    """The whole run (section 4)."""

    total_usd: Money
    lost_revenue_usd: Money
    emails_blocked: int
    sms_credits_blocked: int
    # Of the blocked messages, those above the top tier (by quote, not in lost_revenue_usd), and
    # the number of cycles flagged custom_quote.
    emails_above_top: int = 0
    sms_credits_above_top: int = 0
    custom_quote_cycles: int = 0
    cycles: tuple[CycleBill, ...]
