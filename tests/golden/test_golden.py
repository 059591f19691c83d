"""Golden scenarios: plain JSON files (story, scenario, expected figures worked out by hand).

Each file in cases/ says in `explanation` how the expected figures are reached, so a reader
who does not write Python can check them. Only the figures listed under `expected` are checked.

A case bills either on its own `scenario.price_book` or on the pinned test price book it names
in `test_price_book` (a dated folder of tests/data/price_books/), never on the bundled book in
data/pricing/: a price update there must not move a golden figure. The cases named
`worked-example-*` are the table of docs/billing-rules.md section 5, row by row.
"""

import json
from pathlib import Path

import pytest

from engine.contract import parse_scenario, result_json, run
from tests.engine.helpers import book_json, pinned_book

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))
KEYS = {"title", "explanation", "why", "test_price_book", "scenario", "expected"}


def scenario_text(case: dict) -> str:
    """The case's scenario as contract JSON, with the pinned test book it names filled in."""
    scenario = dict(case["scenario"])
    stamp = case.get("test_price_book")
    if "price_book" in scenario:
        assert stamp is None, "a case with its own price_book names no test_price_book"
    else:
        assert stamp, "a case without its own price_book names its test_price_book (a dated folder)"
        scenario["price_book"] = book_json(pinned_book(stamp))
    return json.dumps(scenario)


def test_there_are_golden_cases():
    assert len(CASES) >= 13
    assert len([p for p in CASES if p.stem.startswith("worked-example-")]) == 6


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path):
    case = json.loads(path.read_text())
    assert set(case) <= KEYS, set(case) - KEYS
    assert case["title"] and case["explanation"]
    result = result_json(run(parse_scenario(scenario_text(case))))
    expected = case["expected"]
    for key, value in expected.items():
        if key != "cycles":
            assert result[key] == value, key
    for want in expected.get("cycles", []):
        got = result["cycles"][want["cycle"] - 1]
        for key, value in want.items():
            assert got[key] == value, f"cycle {want['cycle']} {key}"
