"""Every error class: 422 with the CLI's own message and field, 413 over the stated size, and a
logged, documented answer (never a 500) for a fault nobody foresaw."""

import json
import logging
import subprocess
import sys
from decimal import InvalidOperation
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import service.app as service_app
from engine.cli import too_large
from service.app import MAX_BODY_BYTES, app

ROOT = Path(__file__).parents[2]
GOOD = json.loads((ROOT / "tests/golden/cases/free-plan-outgrown.json").read_text())["scenario"]
HISTORY = {
    "months": [{"month": "2026-01-01", "active_profiles": 1000, "email_sends": 10000, "sms_credits": 0}]
}
WHATIF = {"growth": {"horizon": 12, "profile_growth_pct": 1.0}}


@pytest.fixture(scope="module")
def client():
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def cli_error(command: str, text: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "engine", command, "-"],
        input=text, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith("error: ") and done.stderr.endswith("\n")
    return done.stderr.removeprefix("error: ").removesuffix("\n")


BAD_SCENARIOS = {
    "not JSON": "{",
    "not an object": "[1, 2]",
    "too deep": "[" * 100 + "]" * 100,
    "huge integer": '{"start": {"active_profiles": ' + "9" * 5000 + "}}",
    "missing usage": json.dumps({"start": {"active_profiles": 10}}),
    "a boolean count": json.dumps({**GOOD, "start": {"active_profiles": True}}),
    "a quoted count": json.dumps({**GOOD, "start": {"active_profiles": "10"}}),
    "a float count": json.dumps({**GOOD, "usage": [{**GOOD["usage"][0], "email_sends": 1.5}]}),
    "unknown field": json.dumps({**GOOD, "polcy": {}}),
    "negative": json.dumps({**GOOD, "start": {"active_profiles": -1}}),
    "bad enum": json.dumps({**GOOD, "policy": {"email": "sometimes"}}),
    "no usage": json.dumps({**GOOD, "usage": []}),
    "sub-cent price": json.dumps(
        {
            **GOOD,
            "price_book": {
                "email_tiers": [
                    {"max_profiles": 250, "monthly_price_usd": "1.001", "monthly_email_sends": 500}
                ]
            },
        }
    ),
    "combination": json.dumps({**GOOD, "policy": {"email": "none", "auto_downgrade": True}}),
}


@pytest.mark.parametrize("command", ["simulate", "compare"])
@pytest.mark.parametrize("name", list(BAD_SCENARIOS))
def test_bad_input_is_422_with_the_cli_message(client, command, name):
    text = BAD_SCENARIOS[name]
    r = client.post(f"/v1/{command}", content=text)
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == cli_error(command, text)
    assert body["detail"].startswith(f"{body['field']}: ") or body["field"] == "input"


def test_the_field_path_is_named(client):
    r = client.post("/v1/simulate", content=BAD_SCENARIOS["a boolean count"])
    assert r.json() == {
        "field": "start.active_profiles",
        "detail": "start.active_profiles: must be a whole number written without quotes, got True",
    }


def test_not_utf8_is_422(client):
    r = client.post("/v1/compare", content=b'{"start": "\xff"}')
    assert r.status_code == 422
    assert r.json() == {"field": "input", "detail": "input: the body is not UTF-8 text"}


def test_over_the_size_is_413_by_its_length(client):
    r = client.post("/v1/compare", content=b" " * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413
    assert r.json()["detail"] == f"input: the body is over {MAX_BODY_BYTES:,} bytes"


def test_over_the_size_is_413_when_streamed_without_a_length(client):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = client.post("/v1/simulate", content=chunks())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_just_under_the_size_is_read(client):
    text = json.dumps(GOOD)
    padded = text + " " * (MAX_BODY_BYTES - len(text))
    assert len(padded.encode()) == MAX_BODY_BYTES
    assert client.post("/v1/simulate", content=padded).status_code == 200


def test_an_arithmetic_fault_is_the_cli_message(client, monkeypatch):
    def boom(*_args):
        raise InvalidOperation()

    monkeypatch.setattr(service_app, "output", boom)
    r = client.post("/v1/compare", content=json.dumps(GOOD))
    assert r.status_code == 422
    assert (
        r.json()["detail"]
        == too_large(InvalidOperation())
        == ("input: an amount is too large to compute (InvalidOperation)")
    )


@pytest.mark.parametrize("path", ["/v1/simulate", "/v1/compare", "/v1/whatif"])
def test_an_unforeseen_fault_is_logged_and_documented_never_500(client, monkeypatch, caplog, path):
    def boom(*_args):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(service_app, "output", boom)
    monkeypatch.setattr(service_app, "run_whatif", boom)
    body = {"history": HISTORY, "whatif": WHATIF} if path.endswith("whatif") else GOOD
    with caplog.at_level(logging.ERROR, logger="service"):
        r = client.post(path, json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("input: the engine could not compute this input (reference ")
    reference = detail.split("reference ")[1].split(",")[0]
    assert any(reference in rec.getMessage() and rec.exc_info for rec in caplog.records)
    assert "engine bug" not in detail  # internals stay in the log


WHATIF_ERRORS = {
    "a boolean count": (
        {"history": HISTORY, "whatif": {**WHATIF, "email_plan_profiles": True}},
        "whatif.email_plan_profiles: must be a whole number written without quotes, got True",
    ),
    "a number for a switch": (
        {"history": HISTORY, "whatif": {**WHATIF, "sms_rollover": 1}},
        "whatif.sms_rollover: must be true or false, got 1",
    ),
    "a float horizon": (
        {"history": HISTORY, "whatif": {**WHATIF, "growth": {"horizon": 12.0}}},
        "whatif.growth.horizon: must be a whole number written without quotes, got 12.0",
    ),
    "unknown setting": (
        {"history": HISTORY, "whatif": {**WHATIF, "current_setting": "cheapest"}},
        "whatif.current_setting: must be one of stop, flex, flex_auto_downgrade, auto_upgrade, "
        "auto_upgrade_manual_downgrade, got 'cheapest'",
    ),
    "price change beyond the scenario's bound": (
        {"history": HISTORY, "whatif": {**WHATIF, "price_change_pct": "5000"}},
        "whatif.price_change_pct: input should be less than or equal to 1000, got Decimal('5000')",
    ),
    "card fixed before it failed": (
        {"history": HISTORY, "whatif": {**WHATIF, "card_failure_cycle": 5, "card_fixed_cycle": 3}},
        "whatif.card_fixed_cycle: must be after card_failure_cycle",
    ),
    "months not consecutive": (
        {
            "history": {
                "months": [HISTORY["months"][0], {**HISTORY["months"][0], "month": "2026-03-01"}]
            },
            "whatif": WHATIF,
        },
        "history.months: 2026-03 does not follow 2026-01; the history must be consecutive months, "
        "oldest first, each once",
    ),
    "missing whatif": ({"history": HISTORY}, "whatif: is required"),
    "unknown field": (
        {"history": HISTORY, "whatif": WHATIF, "book": {}},
        "book: is not a known field (check the spelling)",
    ),
}


@pytest.mark.parametrize("name", list(WHATIF_ERRORS))
def test_whatif_bad_input_is_422_naming_the_field(client, name):
    body, detail = WHATIF_ERRORS[name]
    r = client.post("/v1/whatif", json=body)
    assert r.status_code == 422
    assert r.json() == {"detail": detail, "field": detail.split(": ")[0]}


def test_whatif_not_json(client):
    r = client.post("/v1/whatif", content="{")
    assert r.status_code == 422
    assert r.json()["detail"].startswith("input: not valid JSON (")


def test_whatif_deep_nesting_is_422(client):
    r = client.post("/v1/whatif", content='{"history": ' + "[" * 100_000)
    assert r.status_code == 422
    assert r.json()["field"] == "input"


def test_unknown_path_and_method_are_not_500(client):
    assert client.get("/v1/compare").status_code == 405
    assert client.post("/v2/compare", content="{}").status_code == 404
