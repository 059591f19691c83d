"""`POST /v1/plan` answers `python -m engine plan`'s exact bytes (issue 12, item 5)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.service.conftest import engine_cli

ROOT = Path(__file__).parents[2]
SCENARIO = json.loads((ROOT / "tests/golden/cases/price-rise-from-cycle-2.json").read_text())["scenario"]
PEAK = {
    "start": {"active_profiles": 9000, "email_plan_profiles": 10000, "sms_plan_credits": 1250},
    "usage": [
        {"active_profiles": 9400, "email_sends": 90000, "sms_credits": 1000},
        {"active_profiles": 9800, "email_sends": 160000, "sms_credits": 3000},
        {"active_profiles": 10400, "email_sends": 95000, "sms_credits": 1100},
    ],
    "policy": {"email": "auto_upgrade", "sms": "auto_upgrade"},
    "revenue_per_email_usd": "0.05",
}


def cli(text: str, *args: str) -> subprocess.CompletedProcess:
    return engine_cli("plan", text, *args)


@pytest.mark.parametrize("max_actions", [None, 0, 1, 5])
@pytest.mark.parametrize("scenario", [SCENARIO, PEAK], ids=["price-rise", "peak"])
def test_plan_is_byte_equal_to_the_cli(client, scenario, max_actions):
    text = json.dumps(scenario)
    args = [] if max_actions is None else ["--max-actions", str(max_actions)]
    done = cli(text, *args)
    assert done.returncode == 0, done.stderr
    params = {} if max_actions is None else {"max_actions": max_actions}
    r = client.post("/v1/plan", content=text, params=params)
    assert r.status_code == 200
    assert r.content == done.stdout.encode()
    out = r.json()
    assert out["max_actions"] == max_actions
    if max_actions is not None:
        assert len(out["actions"]) <= max_actions


@pytest.mark.parametrize("bad", ["-1", "x", "1.5"])
def test_a_bad_max_actions_is_a_422_naming_it(client, bad):
    r = client.post("/v1/plan", content=json.dumps(PEAK), params={"max_actions": bad})
    assert r.status_code == 422
    assert r.json()["field"] == "max_actions"


def test_a_bad_scenario_is_the_clis_message(client):
    text = json.dumps({**PEAK, "usage": []})
    r = client.post("/v1/plan", content=text)
    done = cli(text)
    assert r.status_code == 422 and done.returncode == 2
    assert done.stderr == f"error: {r.json()['detail']}\n"
