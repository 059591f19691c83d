"""The engine's HTTP service: the CLI's JSON contract and the Explore page's what-if.

`/v1/simulate` and `/v1/compare` read the body with the CLI's own parser and answer the CLI's
own bytes (engine.cli.output and dumps), so a scenario gives the same answer both ways. Bad input
is a 422 naming the field with the CLI's message; a body over MAX_BODY_BYTES is a 413; a fault
the engine did not foresee is logged and answered as a documented 422, never a 500.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from engine.advice import recommendation, sensitivity_summary
from engine.cli import dumps, output, too_large
from engine.compare import Comparison, Outcome, Sensitivity
from engine.contract import (
    ScenarioError,
    book_for,
    describe,
    parse_scenario,
    result_json,
    scenario_json,
    whatif_fault,
)
from engine.growth import Projection
from engine.history import UsageHistory
from engine.models import PriceBook, Scenario, SimulationResult
from engine.plan_calendar import PlanAnswer, calendar_json
from engine.price_book import PriceBookError, load_price_book
from engine.replay import Replay, ReplayRequest, parse_replay_request, replay_json
from engine.settings import SETTINGS
from engine.uncertainty import (
    MAX_PATHS,
    UncertaintyAnswer,
    UncertaintyRequest,
    parse_request,
    uncertainty_json,
)
from engine.warnings_ahead import Warnings, WarningsRequest, parse_warnings_request, warnings_json
from engine.whatif import WhatIf, run_whatif

log = logging.getLogger("service")

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body read: a scenario with two 1,000-tier price books fits well below it."""

VERSION = "1"


# ---------------------------------------------------------------- documented shapes


class Problem(BaseModel):
    """Every error answer: the CLI's one-line message and the field it is about."""

    detail: str = Field(description="the CLI's message, `field.path: what is wrong`")
    field: str = Field(description="the field path the message names (`input` for the body itself)")


class Health(BaseModel):
    status: str = Field(description="`ok` when the service answers")


class WhatIfRequest(BaseModel):
    """A usage history and the Explore page's what-if; no price book = the bundled one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    history: UsageHistory
    whatif: WhatIf
    price_book: PriceBook | None = None


class SensitivityText(Sensitivity):
    summary: str = Field(description="the sentence the Explore page shows for this reading")


class CompareAnswer(Comparison):
    """`python -m engine compare`'s output."""

    recommendation: str
    sensitivity: tuple[SensitivityText, ...]


class OutcomeBills(Outcome):
    result: SimulationResult = Field(description="this setting's run, cycle by cycle")


class ComparisonBills(Comparison):
    outcomes: tuple[OutcomeBills, ...]


class WhatIfAnswer(BaseModel):
    """What the Explore page shows: the usage path, the scenario it made, every setting's
    per-cycle bills, the recommendation and the sensitivity to the unclear rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    projection: Projection
    scenario: Scenario
    comparison: ComparisonBills
    recommendation: str
    sensitivity: tuple[SensitivityText, ...]


_REFS, _DEFS = models_json_schema(
    [
        (Scenario, "validation"),
        (WhatIfRequest, "validation"),
        (SimulationResult, "serialization"),
        (CompareAnswer, "serialization"),
        (WhatIfAnswer, "serialization"),
        (UncertaintyRequest, "validation"),
        (UncertaintyAnswer, "serialization"),
        (PlanAnswer, "serialization"),
        (ReplayRequest, "validation"),
        (Replay, "serialization"),
        (WarningsRequest, "validation"),
        (Warnings, "serialization"),
        (Problem, "serialization"),
        (Health, "serialization"),
    ],
    ref_template="#/components/schemas/{model}",
)


def _ref(model: type[BaseModel], mode: str = "serialization") -> dict[str, str]:
    return _REFS[(model, mode)]


def _json(schema: dict[str, str]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {
    "413": {"description": f"the body is over {MAX_BODY_BYTES:,} bytes", **_json(_ref(Problem))},
    "422": {
        "description": "bad input: the field and the CLI's message (also any input the engine "
        "could not compute, logged with a reference)",
        **_json(_ref(Problem)),
    },
}


def _operation(body: type[BaseModel], answer: type[BaseModel], what: str) -> dict[str, Any]:
    return {
        "requestBody": {"required": True, **_json(_ref(body, "validation"))},
        "responses": {"200": {"description": what, **_json(_ref(answer))}, **ERRORS},
    }


# ---------------------------------------------------------------- errors and bodies


class Refused(Exception):
    """An answer other than 200, with the CLI's message."""

    def __init__(self, status: int, detail: str):
        self.status, self.detail = status, detail


_FIELD = re.compile(r"^([A-Za-z_(][\w.\[\]()]*): ")


def problem(status: int, detail: str) -> JSONResponse:
    found = _FIELD.match(detail)
    field = found.group(1) if found else "input"
    return JSONResponse(
        Problem(detail=detail, field="input" if field == "(input)" else field).model_dump(),
        status_code=status,
    )


async def body_text(request: Request) -> str:
    """The body as text, refusing more than MAX_BODY_BYTES before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refused(413, f"input: the body is over {MAX_BODY_BYTES:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"input: the body is over {MAX_BODY_BYTES:,} bytes")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(422, "input: the body is not UTF-8 text")


async def answer(request: Request, work: Callable[[str], Response]) -> Response:
    """Read the body, run `work` off the event loop, and turn every failure into a documented answer."""
    try:
        text = await body_text(request)
        return await run_in_threadpool(work, text)
    except Refused as e:
        return problem(e.status, e.detail)
    except ClientDisconnect:  # the client left mid-body: nobody to answer, nothing to log as a fault
        return Response(status_code=400)
    except (ScenarioError, PriceBookError) as e:
        return problem(422, str(e))
    except ArithmeticError as e:
        return problem(422, too_large(e))
    except Exception:  # a fault nobody foresaw: logged with a reference, never a 500
        reference = uuid.uuid4().hex[:12]
        log.exception("unexpected fault, reference %s", reference)
        return problem(
            422, f"input: the engine could not compute this input (reference {reference}, logged)"
        )


# ---------------------------------------------------------------- the work


def contract(command: str) -> Callable[[str], Response]:
    def work(text: str) -> Response:
        scenario = parse_scenario(text)
        out = output(command, scenario, book_for(scenario))
        return Response(dumps(out), media_type="application/json")

    return work


def whatif_json(request: WhatIfRequest) -> dict[str, Any]:
    """What the Explore page shows for this what-if, as JSON (engine.whatif.run_whatif's result)."""
    whatif = request.whatif
    if whatif.current_setting not in SETTINGS:
        raise ScenarioError(
            f"whatif.current_setting: must be one of {', '.join(SETTINGS)}, got {whatif.current_setting!r}"
        )
    book = request.price_book or load_price_book()
    try:
        run = run_whatif(request.history, book, whatif)
    except ValidationError as e:  # a what-if value outside what the scenario accepts
        raise whatif_fault(e) from None
    comparison = run.comparison.model_dump(mode="json")
    for shown, outcome in zip(comparison["outcomes"], run.comparison.outcomes, strict=True):
        shown["result"] = result_json(outcome.result)
    return {
        "projection": run.projection.model_dump(mode="json"),
        "scenario": scenario_json(run.scenario),
        "comparison": comparison,
        "recommendation": recommendation(run.comparison),
        "sensitivity": [
            {**s.model_dump(mode="json"), "summary": sensitivity_summary(s, run.comparison)}
            for s in run.sensitivity
        ],
    }


def whatif_work(text: str) -> Response:
    try:
        # Strict: a boolean is not a count, a float is not a horizon. The JSON parser refuses
        # deep nesting by itself.
        request = WhatIfRequest.model_validate_json(text, strict=True)
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise ScenarioError(f"input: not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})")
        raise ScenarioError(describe(e)) from None
    return Response(json.dumps(whatif_json(request)), media_type="application/json")


# ---------------------------------------------------------------- the app

app = FastAPI(
    title="Klaviyo bill engine",
    version=VERSION,
    description="The billing engine of the Klaviyo bill explorer over HTTP. `/v1/simulate` and "
    "`/v1/compare` take and return exactly what `python -m engine simulate|compare` reads and "
    f"prints (docs/billing-rules.md section 4). Bodies over {MAX_BODY_BYTES:,} bytes are refused "
    "with 413; bad input is a 422 naming the field.",
)


@app.get("/healthz", responses={"200": {"description": "the service answers", **_json(_ref(Health))}})
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@app.post(
    "/v1/simulate",
    openapi_extra=_operation(Scenario, SimulationResult, "the scenario's bill, cycle by cycle"),
)
async def simulate_endpoint(request: Request) -> Response:
    """`python -m engine simulate`: bill one scenario cycle by cycle."""
    return await answer(request, contract("simulate"))


@app.post(
    "/v1/compare",
    openapi_extra=_operation(Scenario, CompareAnswer, "every named setting ranked, and why"),
)
async def compare_endpoint(request: Request) -> Response:
    """`python -m engine compare`: rank the named billing settings on the scenario's usage."""
    return await answer(request, contract("compare"))


@app.post(
    "/v1/whatif",
    openapi_extra=_operation(WhatIfRequest, WhatIfAnswer, "what the Explore page shows"),
)
async def whatif_endpoint(request: Request) -> Response:
    """The Explore page's computation: project the history, compare every setting, test the
    unclear rules."""
    return await answer(request, whatif_work)


def uncertainty_work(text: str) -> Response:
    """`python -m engine uncertainty`'s bytes for the same body."""
    return Response(dumps(uncertainty_json(parse_request(text))), media_type="application/json")


@app.post(
    "/v1/uncertainty",
    openapi_extra=_operation(
        UncertaintyRequest, UncertaintyAnswer, "each setting's bill over many sampled futures"
    ),
    description="`python -m engine uncertainty`: sample futures from the ranges (fitted from the "
    "history when not given), bill every named setting on each, and give P10/P50/P90, the chance "
    f"each setting is cheapest and its regret. At most {MAX_PATHS:,} paths per request (a 422 "
    "above), so one request cannot hold a worker for long.",
)
async def uncertainty_endpoint(request: Request) -> Response:
    """`python -m engine uncertainty` (the description states the cap on paths)."""
    return await answer(request, uncertainty_work)


def _query_count(request: Request, name: str) -> int | None:
    """A whole-number query parameter (0 or more), or None when absent; else a 422 naming it."""
    text = request.query_params.get(name)
    if text is None:
        return None
    if not text.isdigit() or len(text) > 6:
        raise Refused(422, f"{name}: must be a whole number from 0 to 999999, got {text[:20]!r}")
    return int(text)


async def plan_endpoint_work(request: Request) -> Response:
    try:
        max_actions = _query_count(request, "max_actions")
    except Refused as e:
        return problem(e.status, e.detail)

    def work(text: str) -> Response:
        scenario = parse_scenario(text)
        return Response(
            dumps(calendar_json(scenario, book_for(scenario), max_actions)),
            media_type="application/json",
        )

    return await answer(request, work)


@app.post(
    "/v1/plan",
    openapi_extra={
        **_operation(Scenario, PlanAnswer, "the cheapest calendar of dated actions"),
        "parameters": [
            {
                "name": "max_actions",
                "in": "query",
                "required": False,
                "description": "the best calendar with at most this many actions (default: no limit)",
                "schema": {"type": "integer", "minimum": 0, "maximum": 999999},
            }
        ],
    },
)
async def plan_endpoint(request: Request) -> Response:
    """`python -m engine plan [--max-actions K]`: the same bytes for the same scenario."""
    return await plan_endpoint_work(request)


@app.post(
    "/v1/replay",
    openapi_extra=_operation(ReplayRequest, Replay, "the history replayed under every setting"),
)
async def replay_endpoint(request: Request) -> Response:
    """`python -m engine replay`: the same bytes for the same body."""
    return await answer(
        request,
        lambda text: Response(
            dumps(replay_json(parse_replay_request(text))), media_type="application/json"
        ),
    )


@app.post(
    "/v1/warnings",
    openapi_extra={
        **_operation(WarningsRequest, Warnings, "the dated warnings of the coming cycles"),
        "parameters": [
            {
                "name": "within_days",
                "in": "query",
                "required": False,
                "description": "count the warnings within this many days of today in `due`",
                "schema": {"type": "integer", "minimum": 0, "maximum": 999999},
            },
            {
                "name": "today",
                "in": "query",
                "required": False,
                "description": "YYYY-MM-DD (default: the server's date)",
                "schema": {"type": "string", "format": "date"},
            },
        ],
    },
)
async def warnings_endpoint(request: Request) -> Response:
    """`python -m engine warnings [--within-days N] [--today D]`: the same bytes for the same body."""
    try:
        within_days = _query_count(request, "within_days")
        given = request.query_params.get("today")
        try:
            today = date.fromisoformat(given) if given is not None else date.today()
        except ValueError:
            raise Refused(422, f"today: must be a date written YYYY-MM-DD, got {given[:20]!r}") from None
    except Refused as e:
        return problem(e.status, e.detail)

    def work(text: str) -> Response:
        out = warnings_json(parse_warnings_request(text), today, within_days)
        return Response(dumps(out), media_type="application/json")

    return await answer(request, work)


def openapi() -> dict[str, Any]:
    """The app's OpenAPI document, with the engine's models as components (committed as
    service/openapi.json; regenerate with `python -m service.openapi`)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(_DEFS["$defs"])
        app.openapi_schema = schema
    return app.openapi_schema


app.openapi = openapi
