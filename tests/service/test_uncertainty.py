"""POST /v1/uncertainty: the CLI's answer byte for byte, its messages as 422s, and the stated cap
on paths."""

import json
import subprocess
from pathlib import Path

import pytest

import service.app as service_app
from engine.uncertainty import MAX_PATHS
from service.app import app
from tests.service.conftest import engine_cli

ROOT = Path(__file__).parents[2]
HISTORY = {
    "months": [
        {"month": f"2026-{m:02d}-01", "active_profiles": 1000 + 40 * m + (m % 3) * 15, "email_sends": 9000 + 300 * m,
         "sms_credits": 500 + 20 * m}
        for m in range(1, 11)
    ]
}  # fmt: skip
BODY = {
    "history": HISTORY,
    "whatif": {"growth": {"horizon": 12, "profile_growth_pct": 3.0, "emails_per_profile": 9.0}},
    "paths": 40,
    "seed": 12,
}


def cli(text: str, *args: str) -> subprocess.CompletedProcess:
    return engine_cli("uncertainty", text, *args)


def test_the_answer_is_the_clis_bytes(client):
    text = json.dumps(BODY)
    expected = cli(text)
    assert expected.returncode == 0, expected.stderr
    r = client.post("/v1/uncertainty", content=text)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == expected.stdout.encode()


def test_the_answer_has_paths_seed_percentiles_and_every_setting(client):
    out = client.post("/v1/uncertainty", json=BODY).json()
    assert (out["paths"], out["seed"], out["percentiles"]) == (40, 12, [10, 50, 90])
    assert [s["key"] for s in out["settings"]] == [
        "stop", "flex", "flex_auto_downgrade", "auto_upgrade", "auto_upgrade_manual_downgrade"
    ]  # fmt: skip
    assert sum(s["p_cheapest"] for s in out["settings"]) == pytest.approx(1)
    assert out["current"] == "auto_upgrade"
    assert out["fans"][0]["key"] == out["recommended"]
    assert set(out["ranges"]) == set(out["notes"])  # fitted: every band says where it came from
    assert str(out["paths"]) in out["robustness"]
    again = client.post("/v1/uncertainty", json=BODY).json()
    assert again == out  # the seed repeats


def test_the_cap_on_paths_is_stated_and_enforced(client):
    operation = app.openapi()["paths"]["/v1/uncertainty"]["post"]
    assert f"At most {MAX_PATHS:,} paths" in operation["description"]
    request = app.openapi()["components"]["schemas"]["UncertaintyRequest"]["properties"]["paths"]
    assert request["maximum"] == MAX_PATHS == 100_000
    r = client.post("/v1/uncertainty", json={**BODY, "paths": MAX_PATHS + 1})
    assert r.status_code == 422
    assert r.json() == {
        "detail": "paths: input should be less than or equal to 100000, got 100001",
        "field": "paths",
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("{", "input", "input: not valid JSON"),
        ("[1]", "input", "input: must be a JSON object with history and whatif"),
        ({"history": HISTORY}, "whatif", "whatif: is required"),
        ({**BODY, "paths": 0}, "paths", "paths: input should be greater than or equal to 1"),
        ({**BODY, "paths": 2.0}, "paths", "paths: must be a whole number written without quotes"),
        ({**BODY, "seed": "1"}, "seed", "seed: must be a whole number written without quotes"),
        ({**BODY, "whatif": {"growth": {}, "current_setting": "x"}}, "whatif.current_setting", "whatif.current_setting: must be one of"),
        (
            {**BODY, "ranges": {"profile_growth_pct": {"low": 0, "likely": 0, "high": 0}}},
            "ranges.emails_per_profile",
            "ranges.emails_per_profile: is required",
        ),
        ({**BODY, "history": {"months": []}}, "history.months", "history.months:"),
    ],
)  # fmt: skip
def test_bad_input_is_422_with_the_clis_message(client, body, field, message):
    text = body if isinstance(body, str) else json.dumps(body)
    r = client.post("/v1/uncertainty", content=text)
    assert r.status_code == 422
    assert r.json()["field"] == field
    assert r.json()["detail"].startswith(message), r.json()
    done = cli(text)
    assert done.returncode == 2 and done.stderr == f"error: {r.json()['detail']}\n"


def test_an_unforeseen_fault_is_a_logged_422(client, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(service_app, "uncertainty_json", boom)
    r = client.post("/v1/uncertainty", json=BODY)
    assert r.status_code == 422
    assert "the engine could not compute this input" in r.json()["detail"]
    assert "unforeseen" in caplog.text
