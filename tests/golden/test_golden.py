"""Golden scenarios: plain JSON files (story, scenario, expected figures worked out by hand).

Each file in cases/ says in `explanation` how the expected figures are reached, so a reader
who does not write Python can check them. Only the figures listed under `expected` are checked.
"""

import json
from pathlib import Path

import pytest

from engine.contract import parse_scenario, result_json, run

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def test_there_are_golden_cases():
    assert len(CASES) >= 7


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path):
    case = json.loads(path.read_text())
    assert case["title"] and case["explanation"]
    result = result_json(run(parse_scenario(json.dumps(case["scenario"]))))
    expected = case["expected"]
    for key, value in expected.items():
        if key != "cycles":
            assert result[key] == value, key
    for want in expected.get("cycles", []):
        got = result["cycles"][want["cycle"] - 1]
        for key, value in want.items():
            assert got[key] == value, f"cycle {want['cycle']} {key}"
