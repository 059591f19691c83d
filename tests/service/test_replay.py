"""POST /v1/replay: the CLI's answer byte for byte, and its messages as 422s naming the field."""

import json
import subprocess
from pathlib import Path

import pytest

from service.app import app
from tests.service.conftest import engine_cli

ROOT = Path(__file__).parents[2]
HISTORY = {
    "months": [
        {"month": f"2026-{m:02d}-01", "active_profiles": 1000 + 40 * m + (m % 3) * 15, "email_sends": 9000 + 300 * m,
         "sms_credits": 500 + 20 * m, **({"invoice_usd": "60.00"} if m > 7 else {})}
        for m in range(1, 11)
    ]
}  # fmt: skip
BODY = {"history": HISTORY, "whatif": {"growth": {}, "current_setting": "flex"}, "check_months": 3}


def cli(text: str, *args: str) -> subprocess.CompletedProcess:
    return engine_cli("replay", text, *args)


def test_the_answer_is_the_clis_bytes(client):
    text = json.dumps(BODY)
    expected = cli(text)
    assert expected.returncode == 0, expected.stderr
    r = client.post("/v1/replay", content=text)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == expected.stdout.encode()
    out = r.json()
    assert out["comparison"]["current"] == "flex"
    assert [line["month"] for line in out["invoices"]] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    assert out["check"]["fit_months"] == 7 and out["check"]["summary"].startswith("Fitted on 7 months")


@pytest.mark.parametrize(
    ("body", "detail", "field"),
    [
        ("{", "input: not valid JSON", "input"),
        (json.dumps({**BODY, "check_months": 12}), "check_months: must be 3 or 6 (months held out), got 12", "check_months"),
        (json.dumps({**BODY, "whatif": {"growth": {}, "current_setting": "x"}}), "whatif.current_setting: must be one of", "whatif.current_setting"),
        (json.dumps({**BODY, "email_plan_profiles": 10**9}), "email_plan_profiles: input should be less than or equal to 100000000", "email_plan_profiles"),
    ],
)  # fmt: skip
def test_bad_input_is_the_clis_message_as_a_422(client, body, detail, field):
    done = cli(body)
    assert done.returncode == 2 and done.stderr.startswith(f"error: {detail}")
    r = client.post("/v1/replay", content=body)
    assert r.status_code == 422
    assert r.json()["detail"] == done.stderr.removeprefix("error: ").rstrip("\n")
    assert r.json()["field"] == field


def test_the_documented_shapes_are_the_replays():
    schemas = app.openapi()["components"]["schemas"]
    operation = app.openapi()["paths"]["/v1/replay"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ReplayRequest"
    )
    replay = schemas["Replay"]["properties"]
    assert {"invoices", "invoices_difference_usd", "check", "check_note", "notes"} <= set(replay)
    assert schemas["ReplayRequest"]["properties"]["check_months"]["enum"] == [3, 6]
