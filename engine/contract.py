"""The JSON contract of docs/billing-rules.md section 4: scenario in, result out, one-line errors.

The CLI, the app's downloads and a future HTTP service share these functions, so a scenario
saved from the app is exactly what `python -m engine simulate` reads.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.models import MAX_HORIZON, PriceBook, Scenario, SimulationResult
from engine.price_book import load_price_book
from engine.settings import SETTINGS
from engine.simulate import simulate

Request = TypeVar("Request", bound=BaseModel)


class ScenarioError(ValueError):
    """Bad input: the message is one line and names the field."""


# Our validators start their message with the field they are about: `name` or `a.b[0].c`.
_FIELD_IN_MESSAGE = re.compile(r"^([a-z_][a-z_0-9.\[\]]*): (.*)$", re.S)


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(input)"


def _shown(value: Any) -> str:
    """The offending input, short: a huge number is described, not printed."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        # str() of an int above 4,300 digits raises; JSON cannot carry one that big anyway
        digits = len(str(abs(value))) if value.bit_length() < 14_000 else "thousands of"
        return f"a number of {digits} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(error: ValidationError) -> str:
    """The first validation fault as `field.path: what is wrong`, on one line."""
    first = error.errors(include_url=False)[0]
    loc, kind, msg = tuple(first["loc"]), first["type"], first["msg"]
    msg = msg.removeprefix("Value error, ")
    found = _FIELD_IN_MESSAGE.match(msg)
    if kind == "value_error" and found:
        loc, msg = (*loc, found.group(1)), found.group(2)  # our validators name the sub-field
    elif kind == "missing":
        msg = "is required"
    elif kind == "extra_forbidden":
        msg = "is not a known field (check the spelling)"
    elif kind == "too_long" and loc and loc[-1] == "usage":
        msg = f"has {first['ctx'].get('actual_length', 'too many')} cycles; the horizon is 1 to {MAX_HORIZON}"
    elif kind == "too_short" and loc and loc[-1] == "usage":
        msg = "is empty; give at least one cycle of usage"
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        msg = f"{msg.lower()}, got {_shown(first['input'])}"
    elif kind == "decimal_max_places":
        places = first["ctx"]["decimal_places"]
        cents = "; prices are in whole cents" if places == 2 else ""
        msg = f"has more than {places} decimals, got {_shown(first['input'])}{cents}"
    elif kind == "finite_number":
        msg = f"must be a finite number, got {_shown(first['input'])}"
    elif kind in {"int_type", "int_parsing", "int_from_float"}:
        msg = f"must be a whole number written without quotes, got {_shown(first['input'])}"
    elif kind == "bool_type":
        msg = f"must be true or false, got {_shown(first['input'])}"
    return f"{_path(loc)}: {' '.join(msg.split())}"


MAX_NESTING = 64  # a scenario nests 5 deep; json.loads recurses once per level


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_NESTING. Checked before parsing:
    a RecursionError inside json.loads can leave CPython 3.11's parser state broken."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def json_object(text: str, fields: str) -> dict:
    """A JSON text that must be an object (with `fields`, named in the message), read with the
    nesting and number checks every input of the engine shares; else a one-line ScenarioError."""
    if _too_deep(text):
        raise ScenarioError(f"input: the JSON nests more than {MAX_NESTING} levels deep")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"input: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})")
    except ValueError:  # an integer of thousands of digits: Python refuses to convert it
        raise ScenarioError("input: a number in the file has too many digits") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"input: must be a JSON object with {fields}")
    return data


def parse_scenario(text: str) -> Scenario:
    """Validate a scenario JSON text; raise ScenarioError with a one-line message."""
    data = json_object(text, "start, usage and policy")
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(describe(e)) from None


def parse_history_request(
    text: str, model: type[Request], choices: dict[str, str] | None = None
) -> Request:
    """A request carrying a usage history and a what-if (uncertainty, replay, warnings), validated
    strictly as /v1/whatif is (a boolean is not a count, a float not a horizon); else a one-line
    ScenarioError naming the field. `choices`: a top-level field's own words when its value is
    not one of those allowed."""
    json_object(text, "history and whatif")
    try:
        request = model.model_validate_json(text, strict=True)
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        if choices and len(loc) == 1 and loc[0] in choices:
            got = json.dumps(first["input"])[:40]
            raise ScenarioError(f"{loc[0]}: {choices[loc[0]]}, got {got}") from None
        raise ScenarioError(describe(e)) from None
    current = request.whatif.current_setting
    if current not in SETTINGS:
        raise ScenarioError(
            f"whatif.current_setting: must be one of {', '.join(SETTINGS)}, got {current!r}"
        )
    return request


# The scenario's names of two what-if fields, back to the what-if's own names.
_WHATIF_NAMES = {"pct": "price_change_pct", "from_cycle": "price_change_cycle"}


def whatif_fault(e: ValidationError) -> ScenarioError:
    """A what-if value the scenario built from it refuses, named as the what-if's own field."""
    field, _, message = describe(e).partition(": ")
    return ScenarioError(f"whatif.{_WHATIF_NAMES.get(field, field)}: {message}")


def book_for(scenario: Scenario) -> PriceBook:
    """The scenario's own price book, or the bundled one (section 4: no book = the bundled one)."""
    return scenario.price_book or load_price_book()


def run(scenario: Scenario) -> SimulationResult:
    return simulate(scenario, book_for(scenario))


def result_json(result: SimulationResult) -> dict[str, Any]:
    """The result as the contract's JSON object (money as strings with two decimals)."""
    return result.model_dump(mode="json")


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    """A scenario as JSON that `python -m engine simulate` accepts (defaults left out)."""
    return scenario.model_dump(mode="json", exclude_none=True)
