"""Two small tables: the named settings a manager can pick, and the readings of the ambiguous rules.

A *setting* is what the account owner chooses in Klaviyo (docs/billing-rules.md section 6):
`SETTINGS`, keyed by the key the UI and the comparison use. A *reading* is one interpretation
of a rule Klaviyo's texts leave open (the flex fee basis of section 3.3, SMS rollover of 3.4):
a named transformation of the scenario's assumptions, as OpenFisca's reforms are named
transformations of the tax-benefit system. The comparison runs every setting under the user's
assumptions; the sensitivity reruns it under every other reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.models import (
    Assumptions,
    FlexFeeBasis,
    Policy,
    Preference,
    Scenario,
    Setting,
)


@dataclass(frozen=True, slots=True)
class NamedSetting:
    """A setting with the key and label the comparison and the UI show."""

    key: str
    label: str
    setting: Setting


def _both(preference: Preference, **downgrades: bool) -> Setting:
    """The same preference on both channels, as in the worked examples of section 5."""
    return Setting(email=preference, sms=preference, **downgrades)


# Section 6, in its order (which also breaks ties in the ranking).
SETTINGS: dict[str, NamedSetting] = {
    s.key: s
    for s in (
        NamedSetting("stop", "Stop sending", _both(Preference.NONE)),
        NamedSetting("flex", "Flexible sending", _both(Preference.FLEX)),
        NamedSetting(
            "flex_auto_downgrade",
            "Flexible sending + auto-downgrade",
            _both(Preference.FLEX, auto_downgrade=True),
        ),
        NamedSetting("auto_upgrade", "Auto-upgrade", _both(Preference.AUTO_UPGRADE)),
        NamedSetting(
            "auto_upgrade_manual_downgrade",
            "Auto-upgrade, then downgrade by hand",
            _both(Preference.AUTO_UPGRADE, manual_downgrade=True),
        ),
    )
}
DEFAULT_SETTING = "auto_upgrade"  # the Explore page's default: Klaviyo's default for new accounts
CURRENT_KEY = "current"  # the row of a user's setting outside the named set


def named(key: str, setting: Setting) -> NamedSetting:
    """The setting a run is about: the named one for `key`, or `setting` as "Your setting"."""
    if key in SETTINGS:
        return SETTINGS[key]
    label = f"Your setting (email {setting.email.value}, SMS {setting.sms.value})"
    return NamedSetting(CURRENT_KEY, label, setting)


def key_of(setting: Setting) -> str:
    """The key of a setting given only as a policy (a scenario read from JSON, where no key
    exists): the named setting equal to it, else CURRENT_KEY. The UI passes its key instead."""
    return next((s.key for s in SETTINGS.values() if s.setting == setting), CURRENT_KEY)


def with_setting(scenario: Scenario, setting: Setting) -> Scenario:
    """The scenario under `setting`, keeping its assumptions."""
    policy = Policy.compose(setting, scenario.policy.assumptions)
    return scenario.model_copy(update={"policy": policy})


# ---------------------------------------------------------------- readings


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of an ambiguous rule: `switch` set to `value` (the words are in
    engine/advice.py, READING_LABELS)."""

    switch: str  # the Assumptions field it sets
    value: str  # its value as written in JSON
    assume: Callable[[Assumptions], Assumptions]

    def applies_to(self, assumptions: Assumptions) -> bool:
        """Whether this reading changes anything (it is not already the scenario's)."""
        return self.assume(assumptions) != assumptions

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario under this reading: a named transformation, as an OpenFisca reform."""
        policy = Policy.compose(scenario.policy.setting, self.assume(scenario.policy.assumptions))
        return scenario.model_copy(update={"policy": policy})


def _set(field: str, value: object) -> Callable[[Assumptions], Assumptions]:
    return lambda a: a.model_copy(update={field: value})


# Section 3.3's three fee bases and section 3.4's rollover, in the order the sensitivity shows.
READINGS: tuple[Reading, ...] = (
    *(Reading("flex_fee_basis", b.value, _set("flex_fee_basis", b)) for b in FlexFeeBasis),
    Reading("sms_rollover", "true", _set("sms_rollover", True)),
    Reading("sms_rollover", "false", _set("sms_rollover", False)),
)


def other_readings(assumptions: Assumptions) -> tuple[Reading, ...]:
    """Every reading that differs from the scenario's: the two other fee bases, rollover flipped."""
    return tuple(r for r in READINGS if r.applies_to(assumptions))
