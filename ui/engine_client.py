"""The Explore page's computation: in process, or through the engine service when ENGINE_URL is set.

With ENGINE_URL (for example `http://engine:8000`), each what-if is one POST to the service's
`/v1/whatif` with explicit timeouts. When the service is down, slow or refuses the inputs, the
page gets a plain message and the last answer this session was shown, so nothing on screen is
lost. The last answer is kept as the service's JSON text: cheap to keep in session state.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from threading import Lock

import httpx
import streamlit as st
from pydantic import ValidationError

from engine.compare import Comparison, Sensitivity
from engine.growth import Projection
from engine.history import UsageHistory
from engine.models import PriceBook, Scenario
from engine.whatif import WhatIf, WhatIfResult, run_whatif

URL_VARIABLE = "ENGINE_URL"
TIMEOUT = httpx.Timeout(10.0, connect=2.0)  # a what-if takes well under a second in process
WHATIF_PATH = "/v1/whatif"
LAST = "engine_last_answer"  # session key: (history, whatif, the service's JSON text)


class EngineUnavailable(Exception):
    """The service did not give an answer; the message says why and what happens next."""


@dataclass(frozen=True)
class Answer:
    """What the page shows: the run and the inputs it was computed for, and any problem."""

    run: WhatIfResult | None
    history: UsageHistory
    whatif: WhatIf
    problem: str | None = None


_clients: dict[str, httpx.Client] = {}
_clients_lock = Lock()


def _client(url: str) -> httpx.Client:
    """One pooled client per service address, shared by every session (it holds no user data)."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = httpx.Client(base_url=url, timeout=TIMEOUT, follow_redirects=False)
        return _clients[url]


def request_json(history: UsageHistory, book: PriceBook, whatif: WhatIf) -> dict:
    return {
        "history": history.model_dump(mode="json"),
        "whatif": whatif.model_dump(mode="json"),
        "price_book": book.model_dump(mode="json"),
    }


def parse_answer(text: str) -> WhatIfResult:
    """The service's /v1/whatif answer as the engine's own result (the per-cycle bills included)."""
    data = json.loads(text)
    return WhatIfResult(
        projection=Projection.model_validate(data["projection"]),
        scenario=Scenario.model_validate(data["scenario"]),
        comparison=Comparison.model_validate(data["comparison"]),
        sensitivity=tuple(
            Sensitivity.model_validate({k: v for k, v in s.items() if k != "summary"})
            for s in data["sensitivity"]
        ),
    )


def remote_text(url: str, history: UsageHistory, book: PriceBook, whatif: WhatIf) -> str:
    """POST the what-if to the service; its JSON text, or EngineUnavailable with a plain reason."""
    try:
        response = _client(url).post(WHATIF_PATH, json=request_json(history, book, whatif))
    except httpx.TimeoutException:
        raise EngineUnavailable(
            f"The billing engine service did not answer within {TIMEOUT.read:.0f} seconds."
        )
    except httpx.HTTPError as e:
        raise EngineUnavailable(f"The billing engine service cannot be reached ({type(e).__name__}).")
    if response.status_code == 422 or response.status_code == 413:
        try:
            detail = response.json()["detail"]
        except (ValueError, KeyError, TypeError):
            detail = f"HTTP {response.status_code}"
        raise EngineUnavailable(f"The billing engine service refused these inputs: {detail}")
    if response.status_code != 200:
        raise EngineUnavailable(
            f"The billing engine service answered with an error (HTTP {response.status_code})."
        )
    return response.text


def run_whatif_via(
    url: str, history: UsageHistory, book: PriceBook, whatif: WhatIf
) -> tuple[WhatIfResult, str]:
    text = remote_text(url, history, book, whatif)
    try:
        return parse_answer(text), text
    except (ValueError, KeyError, TypeError, ValidationError):
        raise EngineUnavailable(
            "The billing engine service answered something this app cannot read; it may be "
            "another version than the app."
        )


def compute(history: UsageHistory, book: PriceBook, whatif: WhatIf) -> Answer:
    """The Explore page's one call: in process, or through ENGINE_URL keeping the last answer."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        return Answer(run_whatif(history, book, whatif), history, whatif)
    try:
        run, text = run_whatif_via(url, history, book, whatif)
    except EngineUnavailable as e:
        last = st.session_state.get(LAST)
        if last is None:
            return Answer(None, history, whatif, f"{e} Try again in a moment.")
        shown_history, shown_whatif, text = last
        return Answer(
            parse_answer(text),
            shown_history,
            shown_whatif,
            f"{e} Showing the last answer, for the inputs it was computed for; it updates when "
            "the service answers again.",
        )
    st.session_state[LAST] = (history, whatif, text)
    return Answer(run, history, whatif)
