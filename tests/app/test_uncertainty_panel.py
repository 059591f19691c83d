"""The Explore page's uncertainty panel with AppTest: every setting's range, the chances, the
seed, and that a results-only slider move does not run the paths until the what-if settles."""

import pytest

from tests.app.conftest import shown_bills
from ui import state
from ui.settle import SETTLE_S
from ui.uncertainty_panel import COMPUTES, SEEN
from ui.whatif_schema import PATHS, SEED, SURE_KEYS, UNCERTAINTY_KEYS

CHANCE = "Chance cheapest"


def panel_table(app):
    return next(t.value for t in app.table if CHANCE in t.value.columns)


def three(cell: str) -> list[float]:
    return [float(v.strip().removeprefix("$").replace(",", "")) for v in cell.split("/")]


def collapse(app):
    for key in SURE_KEYS.values():
        if key in [s.key for s in app.selectbox]:
            app.selectbox(key=key).set_value("certain")
    return app.run()


def test_the_panel_shows_every_setting_range_in_order(app):
    table = panel_table(app)
    assert sorted(table["Setting"]) == sorted(app.table[0].value["Setting"])
    for col in ("Bill P10 / P50 / P90", "Bill + lost P10 / P50 / P90"):
        for cell in table[col]:
            p10, p50, p90 = three(cell)
            assert p10 <= p50 <= p90
    assert app.get("plotly_chart")  # the fan chart among the charts
    assert any("simulated futures" in i.value for i in app.info)


def test_the_chances_of_being_cheapest_sum_to_100_percent(app):
    chances = [float(c.removesuffix("%")) for c in panel_table(app)[CHANCE]]
    assert abs(sum(chances) - 100) <= 0.05 * len(chances)


def test_collapsed_ranges_give_todays_figure_whatever_the_seed(app):
    collapse(app)
    before = panel_table(app)
    bills = shown_bills(app)
    for setting, cell in zip(before["Setting"], before["Bill P10 / P50 / P90"], strict=True):
        assert three(cell) == [round(bills[setting])] * 3
    app.number_input(key=SEED).set_value(12345).run()
    assert not app.exception
    assert panel_table(app).equals(before)


def test_a_seed_change_recomputes_at_once(app):
    computes = app.session_state[COMPUTES]
    app.number_input(key=SEED).set_value(7).run()
    assert app.session_state[COMPUTES] == computes + 1


def test_a_results_only_slider_move_does_not_run_the_paths_until_it_settles(app):
    """The move reruns only the results fragment (its on_change is st.rerun("results"), which
    AppTest follows) and, nested in it, the panel's cheap check: no paths run inside the move."""
    computes = app.session_state[COMPUTES]
    slider = app.slider(key="growth")
    slider.set_value(round(slider.value + 1.0, 1)).run()
    assert not app.exception
    assert app.session_state[COMPUTES] == computes  # no paths run inside the move
    assert any("update once it settles" in c.value for c in app.caption)  # the old answer, marked
    assert app.title == []  # only the results fragment (and the panel in it) reran
    app.run()  # at once: the same what-if, but not yet unchanged for SETTLE_S
    assert app.session_state[COMPUTES] == computes
    seen, since = app.session_state[SEEN]
    app.session_state[SEEN] = (seen, since - SETTLE_S)  # as if the tick came SETTLE_S later
    app.run()  # the panel's next tick: settled
    assert app.session_state[COMPUTES] == computes + 1
    assert not any("update once it settles" in c.value for c in app.caption)


def test_the_panel_inputs_reset_with_new_data():
    assert set(UNCERTAINTY_KEYS) <= set(state.WHATIF_KEYS)
    assert {PATHS, SEED} <= set(UNCERTAINTY_KEYS)


@pytest.mark.parametrize("paths", [10_000])
def test_the_number_of_futures_is_the_users(app, paths):
    app.selectbox(key=PATHS).set_value(paths).run()
    assert not app.exception
    assert any(f"{paths:,} futures" in c.value for c in app.caption)
