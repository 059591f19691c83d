"""`python -m engine plan FILE --max-actions K`: the contract of issue 12, item 5.

It prints `total_usd` and `actions` (cycle, channel, action, the plan or preference after it);
the chosen actions put into the scenario's policy and run through `python -m engine simulate`
bill exactly `total_usd`. Bad input is one line on stderr and exit 2.
"""

import json

import pytest

from tests.conftest import run_cli
from tests.service.test_plan import PEAK

BOOK_SCENARIO = {
    **PEAK,
    "policy": {"email": "none", "sms": "none"},
    "price_change": {"pct": "10", "from_cycle": 3},
}


@pytest.mark.parametrize("scenario", [PEAK, BOOK_SCENARIO], ids=["auto-upgrade", "stop-with-price-rise"])
@pytest.mark.parametrize("k", ["0", "1", "2", "9"])
def test_plan_prints_total_and_actions_that_simulate_bills_the_same(tmp_path, scenario, k):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    done = run_cli("plan", str(path), "--max-actions", k)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out)[:6] == [
        "total_usd", "lost_revenue_usd", "total_with_lost_usd", "max_actions", "actions", "calendar"
    ]  # fmt: skip
    assert out["max_actions"] == int(k) and len(out["actions"]) <= int(k)
    for a in out["actions"]:
        assert {"cycle", "channel", "action"} <= set(a)
        assert (a["plan"] is None) == (a["action"] == "preference")
    policy = {**scenario["policy"], "actions": out["actions"]}
    replayed = run_cli("simulate", "-", stdin=json.dumps({**scenario, "policy": policy}))
    assert replayed.returncode == 0, replayed.stderr
    bill = json.loads(replayed.stdout)
    assert (bill["total_usd"], bill["lost_revenue_usd"]) == (out["total_usd"], out["lost_revenue_usd"])
    floor = out["calendar"]["best"]["total_with_lost_usd"]
    assert all(float(s["above_floor_usd"]) >= 0 for s in out["calendar"]["settings"])
    assert float(out["total_with_lost_usd"]) >= float(floor)


def test_the_peak_scenarios_best_calendar_beats_every_named_setting():
    out = json.loads(run_cli("plan", "-", stdin=json.dumps(PEAK)).stdout)
    best = out["calendar"]["best"]
    assert out["actions"] == best["actions"] and out["max_actions"] is None
    rows = {s["key"]: s for s in out["calendar"]["settings"]}
    # Section 5's worked example: auto-upgrade then downgrade by hand is $761.00 with no lost revenue.
    assert rows["auto_upgrade_manual_downgrade"]["total_with_lost_usd"] == "761.00"
    assert float(best["total_with_lost_usd"]) <= 761.00


@pytest.mark.parametrize("bad", ["-1", "two", "1.5"])
def test_a_bad_max_actions_is_one_line_and_exit_2(tmp_path, bad):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(PEAK))
    done = run_cli("plan", str(path), "--max-actions", bad)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--max-actions" in done.stderr


@pytest.mark.parametrize(
    ("scenario", "field"),
    [
        ({**PEAK, "usage": []}, "usage"),
        ({**PEAK, "policy": {"email": "sometimes"}}, "policy.email"),
        (
            {
                **PEAK,
                "policy": {
                    "actions": [{"cycle": 3, "channel": "sms", "action": "downgrade", "plan": 0}]
                },
            },
            "policy.actions[0].cycle",
        ),
    ],
    ids=["no-usage", "bad-preference", "downgrade-in-the-last-cycle"],
)
def test_a_bad_scenario_is_one_line_naming_the_field_and_exit_2(scenario, field):
    done = run_cli("plan", "-", stdin=json.dumps(scenario))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"error: {field}: ")
