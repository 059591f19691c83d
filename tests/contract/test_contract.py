"""The fake cannot drift from the real API: every fixture it serves, every error body, and every
request the client sends validate against Klaviyo's official OpenAPI spec (the slice beside
this file, made by make_openapi_slice.py from the MIT-licensed klaviyo/openapi repository)."""

import json
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ingest.klaviyo_api import load_usage

SLICE = json.loads((Path(__file__).parent / "klaviyo_openapi_slice.json").read_text())


def validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "$defs": SLICE["$defs"]})


def operation(method: str, path: str) -> dict:
    if path.startswith("/api/segments/"):
        path = "/api/segments/{id}"
    return SLICE["operations"][f"{method} {path}"]


def errors_of(v: Draft202012Validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]


def test_the_slice_names_its_source_and_covers_every_call():
    assert "klaviyo/openapi" in SLICE["x-source"] and "MIT" in SLICE["x-source"]
    assert set(SLICE["operations"]) == {
        "GET /api/accounts", "GET /api/metrics", "POST /api/metric-aggregates", "GET /api/segments",
        "GET /api/segments/{id}", "POST /api/segment-series-reports", "GET /api/billing-usage",
    }  # fmt: skip


def test_every_fixture_and_request_of_a_full_load_follows_the_spec(client, fake):
    load_usage(client, "SgAct1", months=14, today=date(2026, 11, 23))
    client.segments()
    client.segment_profile_count("SgAct1")
    seen = set()
    for r in fake.requests:
        op = operation(r.method, r.path)
        seen.add(id(op))
        assert r.status == 200, (r.path, r.response)
        assert errors_of(validator(op["response"]), r.response) == [], r.path
        if r.body is not None:
            assert errors_of(validator(op["request"]), r.body) == [], r.path
    assert len(seen) == 7


@pytest.mark.parametrize("kind", ["401", "403", "404", "429", "400"])
def test_every_error_body_follows_the_spec(client, fake, kind):
    from klaviyo.errors import KlaviyoError

    if kind == "401":
        client.credential = type(client.credential).api_key("pk_wrong")
    elif kind == "403":
        fake.scopes.discard("accounts:read")
    elif kind == "429":
        fake.faults = ["429"] * 5
    with pytest.raises(KlaviyoError):
        if kind == "404":
            client.segment_profile_count("NoSuch")
        elif kind == "400":
            client.request(
                "POST",
                "/api/metric-aggregates",
                call="x",
                what="x",
                scope="metrics:read",
                body={"data": {}},
            )
        else:
            client.account()
    r = fake.requests[-1]
    assert r.status == int(kind)
    assert errors_of(validator(operation(r.method, r.path)["error"]), r.response) == []


def test_a_request_that_breaks_the_spec_is_caught():
    """The check can fail: a metric aggregate without metric_id is not a valid request."""
    bad = {"data": {"type": "metric-aggregate", "attributes": {"measurements": ["count"], "filter": []}}}
    assert errors_of(validator(operation("POST", "/api/metric-aggregates")["request"]), bad) != []
