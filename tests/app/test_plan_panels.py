"""The Explore page's plan panels with AppTest (issue 12, items 2-4): the plan calendar (dated
list, saving per action, the "most actions" picker, the floor against every setting, the
ranges check), the warnings ahead, and why the bill changes. Every figure is compared with the
engine's own answer, computed here from the same inputs."""

import re
from datetime import date
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from engine.explain import explain_change
from engine.growth import fit
from engine.plan_calendar import plan_calendar, step_words
from engine.price_book import load_price_book
from engine.uncertainty import calendar_ranges, fit_ranges
from engine.warnings_ahead import warnings_ahead
from engine.whatif import run_whatif
from tests.app.conftest import ROOT
from tests.app.test_pages import sample_whatif
from ui import state
from ui.calendar_panel import COMPUTES, SEEN
from ui.settle import SETTLE_S
from ui.uncertainty_panel import DEFAULT_PATHS, DEFAULT_SURENESS, DRIVERS, scaled
from ui.whatif_schema import CYCLE_DAY, PLAN_K, PLAN_KEYS, WHY_MONTH, WHY_SETTING

BOOK = load_price_book()
# A dated line: "From Dec 2026: ...", "On 1 May 2027 (cycle 7): ...", "During Nov 2026, ...: ..."
DATED = re.compile(r"^(From|On|During) (the cycle from )?(\d{1,2} )?[A-Z][a-z]{2} \d{4}\b[^:]*: ")


def money(text: str) -> Decimal:
    """'$1,234.50', '+$3.00' or '-$3.00' as a Decimal."""
    sign = -1 if text.startswith("-") else 1
    return sign * Decimal(text.lstrip("+-").removeprefix("$").replace(",", ""))


def shown(text: str) -> str:
    """What the reader sees of a Markdown text written through ui.safe.plain (its escapes gone)."""
    return re.sub(r"\\(.)", r"\1", text)


def day_text(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def table_with(app: AppTest, column: str):
    return next(t.value for t in app.table if column in t.value.columns)


def calendar_list(app: AppTest) -> list[str]:
    """The dated list's lines as the reader sees them, each checked to start with its date."""
    items = [m.value for m in app.markdown if m.value.startswith("1. ")]
    if not items:
        return []
    lines = [shown(line.removeprefix("1. ")).replace("**", "") for line in items[0].split("\n")]
    assert all(DATED.match(line) for line in lines), lines
    return lines


def expected(**growth):
    """The page's what-if on the sample (sliders moved as given), its run and its calendar."""
    whatif, history = sample_whatif(**growth)
    run = run_whatif(history, BOOK, whatif)
    calendar = plan_calendar(
        run.scenario, BOOK, months=run.projection.months, current=whatif.current_setting
    )
    return whatif, history, run, calendar


def words(run, step, day: int = 1) -> list[str]:
    return step_words(run.scenario, BOOK, step, run.projection.months, day)


def test_each_panel_renders_on_the_sample_account(app):
    assert not app.exception
    headings = [m.value for m in app.markdown if m.value.startswith("#####")]
    for h in (
        "##### The plan calendar: what to do, and when",
        "##### Warnings ahead",
        "##### Why the bill changes from one month to the next",
    ):
        assert h in headings
    assert not app.error  # every engine call answered
    assert app.segmented_control(key=PLAN_K)
    assert app.number_input(key=CYCLE_DAY).value == 1


def test_the_calendar_is_a_dated_list_with_the_engines_savings(app):
    _, _, run, calendar = expected()
    best = calendar.best
    assert app.segmented_control(key=PLAN_K).value == len(best.actions)  # starts at the best
    assert calendar_list(app) == words(run, best)
    assert len(calendar_list(app)) == len(best.actions)  # one line per action
    steps = table_with(app, "Most actions")
    assert [int(k) for k in steps["Most actions"]] == [s.max_actions for s in calendar.steps]
    assert [money(v) for v in steps["Bill + lost revenue"]] == [
        s.total_with_lost_usd for s in calendar.steps
    ]
    base = calendar.steps[0].total_with_lost_usd
    assert [money(v) for v in steps["Saving"]] == [base - s.total_with_lost_usd for s in calendar.steps]
    sentence = next(shown(i.value) for i in app.info if "action" in i.value and "save" in i.value)
    for s in calendar.steps[1:]:
        if s.total_with_lost_usd < base:  # each saving that K reaches is in the sentence
            assert f"${base - s.total_with_lost_usd:,.2f}" in sentence


def test_changing_most_actions_shows_that_steps_actions(app):
    _, _, run, calendar = expected()
    assert len(calendar.steps) >= 2, "the sample's calendar takes at least one action"
    for step in reversed(calendar.steps):
        app.segmented_control(key=PLAN_K).set_value(step.max_actions).run()
        assert not app.exception
        assert calendar_list(app) == words(run, step)
        caption = next(shown(c.value) for c in app.caption if shown(c.value).startswith("This calendar"))
        assert caption.endswith(f"= ${step.total_with_lost_usd:,.2f}.")
    assert app.segmented_control(key=PLAN_K).value == 0
    assert any("No action" in m.value for m in app.markdown)


def test_a_slider_move_recomputes_the_calendar_once_the_whatif_settles(app):
    """plan_calendar is too slow for a slider move (~100 ms on the sample): the move redraws the
    previous calendar, marked, and the panel's timer tick works out the new one once settled."""
    computes = app.session_state[COMPUTES]
    app.slider(key="growth").set_value(8.0).run()  # reruns the results and, in them, the panel
    assert not app.exception
    assert app.session_state[COMPUTES] == computes  # not inside the move
    assert any("updates once it settles" in c.value for c in app.caption)
    seen, since = app.session_state[SEEN]
    app.session_state[SEEN] = (seen, since - SETTLE_S)  # as if the tick came SETTLE_S later
    app.run()
    assert app.session_state[COMPUTES] == computes + 1
    assert not any("updates once it settles" in c.value for c in app.caption)
    _, _, run, calendar = expected(profile_growth_pct=8.0)
    assert calendar_list(app) == words(run, calendar.best)


def test_the_cycle_start_day_moves_the_calendars_dates(app):
    _, _, run, calendar = expected()
    app.number_input(key=CYCLE_DAY).set_value(15).run()
    assert not app.exception
    assert calendar_list(app) == words(run, calendar.best, 15) != words(run, calendar.best)


def test_the_floor_appears_with_every_setting_against_it(app):
    whatif, _, _, calendar = expected()
    floor = table_with(app, "Above the best")
    n = len(calendar.best.actions)
    assert floor["Setting or calendar"][0] == f"Best calendar ({n} action{'s' if n != 1 else ''})"
    assert money(floor["Bill + lost revenue"][0]) == calendar.best.total_with_lost_usd
    assert money(floor["Above the best"][0]) == 0
    rows = dict(zip(floor["Setting or calendar"], floor["Above the best"], strict=True))
    assert len(calendar.settings) == 5
    for s in calendar.settings:
        assert money(rows[s.label]) == s.above_floor_usd
        assert s.above_floor_usd >= 0  # the floor: no setting costs less
    mine = next(s for s in calendar.settings if s.key == whatif.current_setting)
    said = next(shown(s.value) for s in app.success if "best you could do" in shown(s.value))
    assert f"Your setting ({mine.label})" in said
    n = len(calendar.best.actions)
    assert said.endswith(f"the best takes {n} action{'s' if n != 1 else ''}.")
    if mine.above_floor_usd > 0:
        assert f"is ${mine.above_floor_usd:,.2f} above the best you could do" in said


def test_the_ranges_check_says_the_engines_sentence(app):
    whatif, history, _, calendar = expected()
    fitted_ranges, _ = fit_ranges(history, fit(history))
    ranges = scaled(fitted_ranges, whatif, dict.fromkeys(DRIVERS, DEFAULT_SURENESS))
    result = calendar_ranges(history, whatif, ranges, calendar.best.actions, DEFAULT_PATHS, 0, BOOK)
    assert result.summary in [shown(i.value) for i in app.info]


def coming(history, whatif, day: int = 1):
    result = warnings_ahead(history, BOOK, whatif, today=date.today(), cycle_start_day=day)
    return [w for w in result.warnings if w.days_away >= 0]


def test_a_breaching_whatif_shows_the_engines_dated_warnings(app):
    high = app.slider(key="epp").max
    app.slider(key="epp").set_value(high).run()
    assert not app.exception
    whatif, history = sample_whatif(emails_per_profile=high)
    want = coming(history, whatif)
    assert want, "so many emails per profile must reach a limit"
    shown = table_with(app, "What avoids it")
    assert list(shown["Date"]) == [day_text(w.date) for w in want]
    assert [money(c) for c in shown["Cost under your setting"]] == [w.cost_usd for w in want]
    assert list(shown["What happens"]) == [w.message for w in want]
    assert list(shown["What avoids it"]) == [w.avoid for w in want]
    assert list(shown["Act by"]) == [day_text(w.act_by) if w.act_by else "" for w in want]
    # The cycle start day moves the dates as the engine says.
    app.number_input(key=CYCLE_DAY).set_value(20).run()
    shown = table_with(app, "What avoids it")
    assert list(shown["Date"]) == [day_text(w.date) for w in coming(history, whatif, 20)]


def test_a_quiet_whatif_says_no_limit_is_reached(app):
    low = app.slider(key="growth").min
    for key, value in (("epp", 0.0), ("sms_base", 0), ("growth", low)):
        app.slider(key=key).set_value(value).run()  # reruns the results alone
        app.run()  # the whole page, so the next slider is in the tree again
    assert not app.exception
    whatif, history = sample_whatif(emails_per_profile=0.0, sms_base_credits=0, profile_growth_pct=low)
    assert coming(history, whatif) == []
    assert "No limit is reached in the next 12 months." in [s.value for s in app.success]
    assert not any("What avoids it" in t.value.columns for t in app.table)


def test_the_bill_change_lines_add_up_to_the_engines_change(app):
    _whatif, _history, run, _ = expected()
    best = run.comparison.outcome(run.comparison.cheapest_with_lost)
    cycles = best.result.cycles
    changes = [abs(cycles[t].total_usd - cycles[t - 1].total_usd) for t in range(1, len(cycles))]
    largest = 2 + changes.index(max(changes))  # the first month with the largest change
    assert app.selectbox(key=WHY_SETTING).value == best.key
    assert app.selectbox(key=WHY_MONTH).value == largest
    scenario = run.scenario.model_copy(update={"policy": best.policy})
    change = explain_change(scenario, BOOK, best.result, largest, run.projection.months)
    shown = table_with(app, "Reason")
    lines, whole = shown.iloc[:-1], shown.iloc[-1]
    assert whole["Item"] == "Whole bill"
    assert sum(money(c) for c in lines["Change"]) == money(whole["Change"]) == change.change_usd
    assert money(whole["Before"]) == cycles[largest - 2].total_usd
    assert money(whole["After"]) == cycles[largest - 1].total_usd
    assert list(lines["Item"]) == [x.item for x in change.lines]
    assert list(lines["Reason"]) == [x.reason for x in change.lines]


def test_another_setting_and_month_explain_that_bill(app):
    _whatif, _history, run, _ = expected()
    app.selectbox(key=WHY_SETTING).set_value("stop").run()
    app.selectbox(key=WHY_MONTH).set_value(3).run()
    assert not app.exception
    o = run.comparison.outcome("stop")
    scenario = run.scenario.model_copy(update={"policy": o.policy})
    change = explain_change(scenario, BOOK, o.result, 3, run.projection.months)
    shown = table_with(app, "Reason")
    assert [money(c) for c in shown["Change"]] == [x.change_usd for x in change.lines] + [
        change.change_usd
    ]
    assert app.selectbox(key=WHY_MONTH).value == 3  # the user's month stays


@pytest.mark.parametrize(
    "target, says",
    [
        ("ui.calendar_panel.plan_calendar", "The plan calendar could not be worked out"),
        ("ui.warnings_panel.warnings_ahead", "The warnings ahead could not be worked out"),
        ("ui.bill_change_panel.explain_change", "Why the bill changes could not be worked out"),
        ("engine.uncertainty.calendar_ranges", "holds up over the futures could not be worked out"),
    ],
)
def test_an_engine_failure_shows_a_plain_message_and_the_rest_stays(monkeypatch, target, says):
    def boom(*args, **kwargs):
        raise RuntimeError("<b>secret internals</b>")

    monkeypatch.setattr(target, boom)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception  # no traceback
    errors = [shown(e.value) for e in app.error]
    assert len(errors) == 1 and says in errors[0], errors
    assert "secret" not in errors[0] and "<b>" not in errors[0]  # no internals, no markup
    assert len(app.table[0].value) == 5  # the comparison is still there
    columns = {c for t in app.table for c in t.value.columns}
    if "bill_change" not in target:
        assert "Reason" in columns  # the bill change is still drawn
    if "plan_calendar" not in target:
        assert "Most actions" in columns  # the calendar is still drawn


def test_a_calendar_beyond_the_work_budget_says_what_to_shorten(monkeypatch):
    """A search too large for a shared server stops with the engine's words, the rest stays."""
    import engine.plan_calendar

    monkeypatch.setattr(engine.plan_calendar, "MAX_WORK", 1_000)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("The plan calendar could not be worked out for these inputs (the plan")
    assert "shorten the horizon or use a price book with fewer tiers" in errors[0]
    assert len(app.table[0].value) == 5  # the comparison is still there


def test_the_plan_inputs_reset_with_new_data():
    assert set(PLAN_KEYS) <= set(state.WHATIF_KEYS)
