"""POST /v1/warnings: the CLI's bytes for the same body, `within_days` and `today` from the query,
422 naming the field on a bad query value or body."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.engine.helpers import book_json
from tests.service.conftest import engine_cli

ROOT = Path(__file__).parents[2]
BODY = {
    "history": {"months": [{"month": "2026-10-01", "active_profiles": 10000, "email_sends": 0, "sms_credits": 0}]},
    "whatif": {"growth": {"horizon": 3, "emails_per_profile": 12.0, "profile_growth_pct": 2.0},
               "current_setting": "stop", "revenue_per_email_usd": "0.05"},
    "price_book": book_json(),
}  # fmt: skip


def cli(text: str, *args: str) -> subprocess.CompletedProcess:
    return engine_cli("warnings", text, *args)


@pytest.mark.parametrize(("within", "code"), [("9", 1), ("8", 0)])
def test_the_answer_is_the_clis_bytes(client, within, code):
    text = json.dumps(BODY)
    expected = cli(text, "--within-days", within, "--today", "2026-11-10")
    assert expected.returncode == code, expected.stderr
    r = client.post(f"/v1/warnings?within_days={within}&today=2026-11-10", content=text)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == expected.stdout.encode()
    assert r.json()["due"] == (1 if code else 0)


def test_without_a_query_nothing_is_due(client):
    out = client.post("/v1/warnings?today=2026-11-10", json=BODY).json()
    assert out["within_days"] is None and out["due"] == 0
    assert out["today"] == "2026-11-10"
    kinds = {(w["cycle"], w["kind"]) for w in out["warnings"]}
    assert (2, "profiles") in kinds and (1, "usage_100") in kinds


@pytest.mark.parametrize(
    ("query", "field"),
    [("within_days=abc", "within_days"), ("within_days=-1", "within_days"),
     ("today=2026-13-01", "today"), ("today=tomorrow", "today")],
)  # fmt: skip
def test_a_bad_query_value_is_422_naming_it(client, query, field):
    r = client.post(f"/v1/warnings?{query}", json=BODY)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"{field}: ")


def test_a_bad_body_is_422_with_the_clis_message(client):
    text = json.dumps({**BODY, "cycle_start_day": 31})
    r = client.post("/v1/warnings?today=2026-11-10", content=text)
    assert r.status_code == 422
    assert r.json()["field"] == "cycle_start_day"
    done = cli(text, "--today", "2026-11-10")
    assert done.returncode == 2 and done.stderr == f"error: {r.json()['detail']}\n"
