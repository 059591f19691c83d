"""ENGINE_URL: the Explore page computes through a real service and shows the same numbers as in
process; when the service is down or slow it says so and keeps the last answer it showed."""

import json
import socket

import pytest
from streamlit.testing.v1 import AppTest

from engine.growth import fit
from engine.price_book import load_price_book
from engine.whatif import WhatIf, run_whatif
from tests.app.conftest import ROOT, shown_bills
from tests.service.conftest import free_port
from ui import cache, engine_client, uncertainty_panel


@pytest.fixture(autouse=True)
def no_engine_url(monkeypatch):
    monkeypatch.delenv(engine_client.URL_VARIABLE, raising=False)


def explore() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest) -> dict:
    """Everything the Explore page shows that comes from the computation."""
    return {
        "subheaders": [s.value for s in at.subheader],
        "metrics": [(m.label, m.value) for m in at.metric],
        "table": at.table[0].value.to_dict(orient="split"),
        "success": [s.value for s in at.success],
        "warnings": [w.value for w in at.warning],
        "infos": [i.value for i in at.info],
        # Not the server time, nor the ranges panel saying it waits for the sliders to settle:
        # that panel runs in process whatever ENGINE_URL says, and a move makes it wait.
        "captions": [
            c.value
            for c in at.caption
            if not c.value.startswith("Server time") and c.value != uncertainty_panel.MOVING
        ],
        "charts": [json.loads(c.proto.spec) for c in at.get("plotly_chart")],
        "errors": [e.value for e in at.error],
    }


def test_the_service_returns_the_engines_own_result(engine_url):
    history = cache.sample_usage().history
    book = load_price_book()
    for whatif in (
        WhatIf(growth=fit(history).growth),
        WhatIf(
            growth=fit(history).growth.model_copy(update={"horizon": 24, "cleanup_pct": 20.0}),
            current_setting="flex",
            sms_rollover=True,
            price_change_pct=10,
            price_change_cycle=6,
            revenue_per_email_usd="0.05",
        ),
    ):
        local = run_whatif(history, book, whatif)
        remote, _ = engine_client.run_whatif_via(engine_url, history, book, whatif)
        assert remote == local
        assert [o.result for o in remote.comparison.outcomes] == [
            o.result for o in local.comparison.outcomes
        ]


def test_the_explore_page_shows_the_same_numbers_both_ways(engine_url, monkeypatch):
    def moves(at: AppTest) -> list[dict]:
        pages = [shown(at)]
        at.slider(key="growth").set_value(8.0).run()
        pages.append(shown(at))
        at.run()  # the whole page again (AppTest's tree after a slider move holds the fragment alone)
        at.selectbox(key="setting").set_value("flex").run()
        at.run()
        at.slider(key="price_pct").set_value(10).run()
        at.run()
        pages.append(shown(at))
        assert not at.exception and not at.error
        return pages

    local = moves(explore())
    monkeypatch.setenv(engine_client.URL_VARIABLE, engine_url)
    remote_page = explore()
    remote = moves(remote_page)
    assert remote_page.session_state[engine_client.LAST]  # it did go through the service
    assert remote == local
    assert remote[0]["table"] != remote[1]["table"] != remote[2]["table"]  # the moves mattered
    assert shown_bills(remote_page)


def test_service_down_says_so_and_keeps_the_last_answer(engine_url, monkeypatch):
    monkeypatch.setenv(engine_client.URL_VARIABLE, engine_url)
    at = explore()
    before = shown(at)
    assert not before["errors"]
    monkeypatch.setenv(engine_client.URL_VARIABLE, f"http://127.0.0.1:{free_port()}")  # nobody there
    at.slider(key="growth").set_value(8.0).run()
    assert not at.exception
    at.run()  # the whole page again (AppTest's tree after a slider move holds the fragment alone)
    assert not at.exception and at.slider(key="growth").value == 8.0
    [error] = at.error
    assert "cannot be reached" in error.value and "Showing the last answer" in error.value
    after = shown(at)
    assert after.pop("errors") and before.pop("errors") == []
    assert after == before  # the last answer, with the assumptions it was computed for


def test_service_down_at_the_first_answer_says_so_without_a_traceback(monkeypatch):
    monkeypatch.setenv(engine_client.URL_VARIABLE, f"http://127.0.0.1:{free_port()}")
    at = explore()
    assert not at.exception
    [error] = at.error
    assert "cannot be reached" in error.value and "Try again in a moment" in error.value
    assert not at.table  # nothing made up


def test_a_slow_service_times_out_with_a_message(monkeypatch):
    # A listening socket that never answers: the connection opens, the answer never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setattr(engine_client, "TIMEOUT", engine_client.httpx.Timeout(0.5, connect=0.5))
        history = cache.sample_usage().history
        whatif = WhatIf(growth=fit(history).growth)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(engine_client.EngineUnavailable, match="did not answer within"):
            engine_client.run_whatif_via(url, history, load_price_book(), whatif)


def test_inputs_the_service_refuses_are_named(engine_url):
    history = cache.sample_usage().history
    whatif = WhatIf(growth=fit(history).growth, current_setting="cheapest")
    with pytest.raises(
        engine_client.EngineUnavailable, match=r"refused these inputs: whatif\.current_setting"
    ):
        engine_client.run_whatif_via(engine_url, history, load_price_book(), whatif)
