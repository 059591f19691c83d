"""The committed OpenAPI document is the app's: regenerate with `python -m service.openapi`."""

import json

from fastapi.testclient import TestClient

from service.app import app
from service.openapi import PATH, document


def test_committed_openapi_matches_the_app():
    committed = PATH.read_text(encoding="utf-8")
    assert json.loads(committed) == app.openapi(), (
        "service/openapi.json is out of date: run `.venv/bin/python -m service.openapi` and commit it"
    )
    assert committed == document()


def test_the_app_serves_the_committed_document():
    with TestClient(app) as c:
        assert c.get("/openapi.json").json() == json.loads(PATH.read_text(encoding="utf-8"))


def test_every_operation_documents_its_errors():
    paths = app.openapi()["paths"]
    posts = (
        "/v1/simulate",
        "/v1/compare",
        "/v1/whatif",
        "/v1/uncertainty",
        "/v1/plan",
        "/v1/replay",
        "/v1/warnings",
    )
    assert set(paths) == {"/healthz", *posts}
    for path in posts:
        responses = paths[path]["post"]["responses"]
        assert set(responses) == {"200", "413", "422"}, path
        assert paths[path]["post"]["requestBody"]["required"] is True
