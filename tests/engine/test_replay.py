"""The replay (issue 12, item 1): the history itself under every setting equals simulate() on a
scenario built by hand; invoices line up month by month; the projection check on the sample
account against fit/project/simulate composed here; too-short histories; the CLI."""

import json
import statistics
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.advice import usd
from engine.growth import Growth, fit, project
from engine.history import HistoryMonth, UsageHistory, add_months
from engine.models import FlexFeeBasis, Policy, Scenario, Start, UsageCycle
from engine.price_book import load_price_book
from engine.replay import MIN_FIT_MONTHS, parse_replay_request, replay, replay_json
from engine.settings import SETTINGS
from engine.simulate import simulate
from engine.whatif import WhatIf
from ingest.usage_csv import read_usage_file

ROOT = Path(__file__).parents[2]
BOOK = load_price_book()


@pytest.fixture(scope="module")
def sample() -> UsageHistory:
    return read_usage_file(ROOT / "data/sample/usage.csv").history


def history(n: int, sms: bool = True, invoices: dict[int, str] | None = None) -> UsageHistory:
    """n months from Jan 2025: growing profiles, a Black Friday spike, invoices on given months."""
    invoices = invoices or {}
    months = []
    for i in range(n):
        month = add_months(date(2025, 1, 1), i)
        profiles = 9000 + 350 * i
        emails = profiles * (16 if month.month == 11 else 9)
        months.append(
            HistoryMonth(
                month=month,
                active_profiles=profiles,
                email_sends=emails,
                sms_credits=(1000 + 40 * i) * (3 if month.month == 11 else 1) if sms else 0,
                invoice_usd=Decimal(invoices[i]) if i in invoices else None,
            )
        )
    return UsageHistory(months=tuple(months))


def by_hand(h: UsageHistory, key: str, whatif: WhatIf, email_plan: int, sms_plan: int) -> Scenario:
    """The replay's scenario for one named setting, written out from the months."""
    return Scenario(
        start=Start(
            active_profiles=h.months[0].active_profiles,
            email_plan_profiles=email_plan,
            sms_plan_credits=sms_plan,
        ),
        usage=[
            UsageCycle(
                active_profiles=m.active_profiles, email_sends=m.email_sends, sms_credits=m.sms_credits
            )
            for m in h.months
        ],
        policy=Policy(
            **SETTINGS[key].setting.model_dump(),
            flex_fee_basis=whatif.flex_fee_basis,
            sms_rollover=whatif.sms_rollover,
        ),
        revenue_per_email_usd=whatif.revenue_per_email_usd,
        revenue_per_sms_credit_usd=whatif.revenue_per_sms_credit_usd,
    )


WHATIFS = [
    WhatIf(growth=Growth()),
    WhatIf(growth=Growth(), current_setting="flex", flex_fee_basis=FlexFeeBasis.WHOLE),
    WhatIf(growth=Growth(), current_setting="stop", revenue_per_email_usd=Decimal("0.02")),
    WhatIf(growth=Growth(), sms_rollover=True, revenue_per_sms_credit_usd=Decimal("0.000123")),
]


@pytest.mark.parametrize("whatif", WHATIFS)
@pytest.mark.parametrize("which", ["sample", "made"])
def test_replay_equals_simulate_on_the_history(sample, whatif, which):
    h = sample if which == "sample" else history(14)
    out = replay(h, BOOK, whatif)
    assert out.months == tuple(m.month for m in h.months)
    assert out.comparison.current == whatif.current_setting
    assert [o.key for o in out.comparison.outcomes] == list(SETTINGS)
    for outcome in out.comparison.outcomes:
        expected = simulate(
            by_hand(h, outcome.key, whatif, out.email_plan_profiles, out.sms_plan_credits), BOOK
        )
        assert outcome.total_usd == expected.total_usd, outcome.key
        assert outcome.lost_revenue_usd == expected.lost_revenue_usd, outcome.key
        assert [c.total_usd for c in outcome.result.cycles] == [c.total_usd for c in expected.cycles]
    assert len({o.total_usd for o in out.comparison.outcomes}) > 1  # the settings do differ here


def test_the_start_plans_cover_the_first_month_unless_given(sample):
    first = sample.months[0]
    out = replay(sample, BOOK, WhatIf(growth=Growth()))
    email = min(t.max_profiles for t in BOOK.email_tiers if t.max_profiles >= first.active_profiles)
    sms = min(t.monthly_credits for t in BOOK.sms_tiers if t.monthly_credits >= first.sms_credits)
    assert (out.email_plan_profiles, out.sms_plan_credits) == (email, sms)
    assert any(f"{first.active_profiles:,}" in n and "no earlier month" in n for n in out.notes)
    assert any("no price change" in n for n in out.notes)
    given = replay(
        sample, BOOK, WhatIf(growth=Growth()), email_plan_profiles=email + 1, sms_plan_credits=0
    )
    bigger = min(t.max_profiles for t in BOOK.email_tiers if t.max_profiles > email)
    assert (given.email_plan_profiles, given.sms_plan_credits) == (bigger, 0)
    mine = given.comparison.outcome("auto_upgrade").result
    assert mine.cycles[0].email_plan_profiles == bigger  # auto-upgrade never moves it back down


def test_no_price_change_and_no_card_failure_reach_the_past(sample):
    plain = replay(sample, BOOK, WhatIf(growth=Growth()))
    what_if = WhatIf(
        growth=Growth(), price_change_pct=Decimal(20), price_change_cycle=1, card_failure_cycle=2
    )
    changed = replay(sample, BOOK, what_if)
    assert changed.comparison == plain.comparison
    assert any("card failure" in n for n in changed.notes)


def test_invoices_line_up_month_by_month_and_their_differences_add_up():
    h = history(8, invoices={0: "310.00", 2: "299.99", 3: "1200", 7: "0"})
    out = replay(h, BOOK, WhatIf(growth=Growth(), current_setting="flex"))
    bills = out.comparison.outcome("flex").result.cycles
    assert [line.month for line in out.invoices] == [h.months[i].month for i in (0, 2, 3, 7)]
    for line, i in zip(out.invoices, (0, 2, 3, 7), strict=True):
        assert line.engine_usd == bills[i].total_usd
        assert line.invoice_usd == h.months[i].invoice_usd
        assert line.difference_usd == bills[i].total_usd - h.months[i].invoice_usd
    assert out.invoices_total_usd == Decimal("1809.99")
    assert out.invoices_engine_usd == sum(bills[i].total_usd for i in (0, 2, 3, 7))
    assert out.invoices_difference_usd == sum(line.difference_usd for line in out.invoices)
    assert out.invoices_difference_usd == out.invoices_engine_usd - out.invoices_total_usd
    none = replay(history(8), BOOK, WhatIf(growth=Growth()))
    assert (
        none.invoices == () and none.invoices_total_usd is None and none.invoices_difference_usd is None
    )


# ---------------------------------------------------------------- the projection check


def mape(actual, projected):
    errors = [abs(p - a) / a * 100 for a, p in zip(actual, projected, strict=True) if a]
    return round(statistics.mean(errors), 2) if errors else None


@pytest.mark.parametrize("k", [3, 6])
@pytest.mark.parametrize("setting", ["auto_upgrade", "flex", "stop"])
def test_the_projection_check_on_the_sample(sample, k, setting):
    whatif = WhatIf(growth=Growth(), current_setting=setting)
    out = replay(sample, BOOK, whatif, check_months=k)
    check = out.check
    n = len(sample.months)
    assert out.check_note == "" and (check.months_held_out, check.fit_months) == (k, n - k)

    # The same figures composed here from fit, project and simulate.
    fitted_on = UsageHistory(months=sample.months[: n - k])
    held_out = sample.months[n - k :]
    projection = project(fitted_on, fit(fitted_on, horizon=k).growth)
    replayed = simulate(
        by_hand(sample, setting, whatif, out.email_plan_profiles, out.sms_plan_credits), BOOK
    )
    end = replayed.cycles[n - k - 1]
    start = Start(
        active_profiles=sample.months[n - k - 1].active_profiles,
        email_plan_profiles=end.email_plan_profiles,
        sms_plan_credits=end.sms_plan_credits,
    )
    policy = Policy(**SETTINGS[setting].setting.model_dump())
    actual = simulate(
        Scenario(
            start=start,
            usage=[UsageCycle(active_profiles=m.active_profiles, email_sends=m.email_sends, sms_credits=m.sms_credits) for m in held_out],
            policy=policy,
        ),
        BOOK,
    )  # fmt: skip
    projected = simulate(Scenario(start=start, usage=projection.usage, policy=policy), BOOK)

    assert [m.month for m in check.months] == [m.month for m in held_out] == list(projection.months)
    assert [m.actual_email_sends for m in check.months] == [m.email_sends for m in held_out]
    assert [m.projected_profiles for m in check.months] == [u.active_profiles for u in projection.usage]
    assert [m.projected_email_sends for m in check.months] == [u.email_sends for u in projection.usage]
    assert [m.projected_sms_credits for m in check.months] == [u.sms_credits for u in projection.usage]
    assert [m.actual_bill_usd for m in check.months] == [c.total_usd for c in actual.cycles]
    assert [m.projected_bill_usd for m in check.months] == [c.total_usd for c in projected.cycles]
    assert check.bill_actual_usd == actual.total_usd
    assert check.bill_projected_usd == projected.total_usd
    assert check.bill_error_usd == projected.total_usd - actual.total_usd
    assert check.bill_error_pct == pytest.approx(
        float((projected.total_usd - actual.total_usd) / actual.total_usd * 100), abs=0.005
    )
    assert check.profiles_error_pct == mape(
        [m.active_profiles for m in held_out], [u.active_profiles for u in projection.usage]
    )
    assert check.emails_error_pct == mape(
        [m.email_sends for m in held_out], [u.email_sends for u in projection.usage]
    )
    assert check.sms_error_pct == mape([m.sms_credits for m in held_out], [u.sms_credits for u in projection.usage])  # fmt: skip
    assert check.emails_error_pct > 0  # the sample's months are not a perfect trend

    summary = check.summary
    assert summary.startswith(f"Fitted on {n - k} months, the projection of the last {k} was off by ")
    assert f"{check.emails_error_pct:.0f}% on emails" in summary
    assert "SMS credits" in summary
    assert usd(actual.total_usd) in summary
    if check.bill_error_usd:
        side = "above" if check.bill_error_usd > 0 else "below"
        assert f"its bill was {usd(abs(check.bill_error_usd))}" in summary and side in summary
    else:
        assert "its bill matched the actual" in summary


def test_a_projection_check_that_misses_the_bill_says_by_how_much():
    """A history whose last months jump: the projection falls short, and the sentence says so."""
    h = history(12, sms=False)
    jumped = [
        m.model_copy(update={"email_sends": m.email_sends * 2}) if i >= 9 else m
        for i, m in enumerate(h.months)
    ]
    out = replay(
        UsageHistory(months=tuple(jumped)), BOOK, WhatIf(growth=Growth(), current_setting="flex")
    )
    check = out.check
    assert check.bill_error_usd < 0 and check.bill_error_pct < 0
    assert check.sms_error_pct is None and "SMS" not in check.summary  # no SMS in this store
    assert (
        f"its bill was {usd(-check.bill_error_usd)} ({-check.bill_error_pct:.0f}%) below the actual"
        in check.summary
    )


@pytest.mark.parametrize(("n", "k"), [(1, 3), (5, 3), (8, 6), (2, 6)])
def test_too_short_a_history_gives_a_note_instead_of_a_check(n, k):
    out = replay(history(n), BOOK, WhatIf(growth=Growth()), check_months=k)
    assert out.check is None
    assert f"needs {k + MIN_FIT_MONTHS} months of history; this one has {n}." in out.check_note
    assert ("Try holding out 3 months." in out.check_note) == (n >= 3 + MIN_FIT_MONTHS)


@pytest.mark.parametrize("k", [3, 6])
def test_the_shortest_history_with_a_check_fits_on_three_months(k):
    out = replay(history(k + MIN_FIT_MONTHS), BOOK, WhatIf(growth=Growth()), check_months=k)
    assert out.check is not None and out.check.fit_months == MIN_FIT_MONTHS


# ---------------------------------------------------------------- the CLI


def cli(*args: str, text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "replay", *args],
        input=text, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


def body(**extra) -> dict:
    h = history(10, invoices={8: "450.00", 9: "455.10"})
    return {"history": h.model_dump(mode="json"), "whatif": {"growth": {}}, **extra}


def test_cli_prints_the_replay_as_json(tmp_path):
    path = tmp_path / "request.json"
    text = json.dumps(body(check_months=6, email_plan_profiles=10000))
    path.write_text(text)
    done = cli(str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == json.loads(json.dumps(replay_json(parse_replay_request(text))))
    assert out["email_plan_profiles"] == 10000 and out["check"]["months_held_out"] == 6
    assert [line["month"] for line in out["invoices"]] == ["2025-09-01", "2025-10-01"]
    assert out["comparison"]["current"] == "auto_upgrade"
    assert cli("-", text=text).stdout == done.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "input: not valid JSON"),
        ("[]", "input: must be a JSON object with history and whatif"),
        (json.dumps({"whatif": {"growth": {}}}), "history: is required"),
        (json.dumps(body(check_months=4)), "check_months: must be 3 or 6 (months held out), got 4"),
        (json.dumps(body(check_months="3")), 'check_months: must be 3 or 6 (months held out), got "3"'),
        (json.dumps(body(email_plan_profiles=-1)), "email_plan_profiles: input should be greater than or equal to 0"),
        (json.dumps(body(sms_plan_credits=True)), "sms_plan_credits: must be a whole number"),
        (json.dumps(body(whatif={"growth": {}, "current_setting": "never"})), "whatif.current_setting: must be one of"),
        (json.dumps(body(whatif={"growth": {}, "revenue_per_email_usd": "5000"})), "whatif.revenue_per_email_usd: input should be less than or equal to 1000"),
        (json.dumps(body(checks=3)), "checks: is not a known field"),
        (
            json.dumps({**body(), "history": {"months": [{"month": "2026-01-01", "active_profiles": 1, "email_sends": 1, "sms_credits": 0, "invoice_usd": "1.234"}]}}),
            "history.months[0].invoice_usd: has more than 2 decimals",
        ),
    ],
)  # fmt: skip
def test_cli_bad_input_is_one_line_naming_the_field(text, message):
    done = cli("-", text=text)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1
