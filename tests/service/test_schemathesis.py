"""Schemathesis in process: cases generated from the committed OpenAPI document (valid and
invalid bodies), a fixed seed and a bounded number of examples per operation. No answer may be
a 5xx, and every answer must match the status codes, media types and schemas the document states."""

import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import app

schema = schemathesis.openapi.from_asgi("/openapi.json", app)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@seed(20261123)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case):
    case.call_and_validate(checks=CHECKS)
