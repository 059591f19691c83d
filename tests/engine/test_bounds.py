"""Input bounds (docs/billing-rules.md section 7): no JSON can make the engine raise.

Every bad input is one line on stderr naming the field, exit 2. Most cases call the CLI's
`main` in-process (the same code as `python -m engine`, faster); one runs the real command.
"""

import io
import json
from decimal import Decimal

import pytest

from engine import Policy, Scenario, Start, UsageCycle, compare, sensitivity, simulate
from engine.cli import main
from engine.models import (
    MAX_CREDITS,
    MAX_PRICE_USD,
    MAX_PROFILES,
    MAX_REVENUE_USD,
    MAX_SENDS,
    EmailTier,
    PriceBook,
    SmsTier,
)
from tests.conftest import run_cli
from tests.engine.test_validation import GOOD, with_change

BIG = 10**40


def cli(data, monkeypatch, capsys, text=None):
    monkeypatch.setattr("sys.stdin", io.StringIO(text if text is not None else json.dumps(data)))
    code = main(["simulate", "-"])
    out, err = capsys.readouterr()
    return code, out, err


CASES = {
    # name: (input, field named, words in the message)
    "profiles above the bound": (
        with_change("usage.0.active_profiles", MAX_PROFILES + 1),
        "usage[0].active_profiles",
        "less than or equal to 100000000",
    ),
    "a huge email count": (with_change("usage.0.email_sends", BIG), "usage[0].email_sends", "41 digits"),
    "credits above the bound": (
        with_change("usage.0.sms_credits", MAX_CREDITS + 1),
        "usage[0].sms_credits",
        "less than or equal to 1000000000",
    ),
    "a boolean as a count": (
        with_change("usage.0.email_sends", True),
        "usage[0].email_sends",
        "whole number",
    ),
    "a float as a count": (
        with_change("start.active_profiles", 9000.5),
        "start.active_profiles",
        "whole number",
    ),
    "a string as a count": (
        with_change("start.sms_plan_credits", "1250"),
        "start.sms_plan_credits",
        "whole number",
    ),
    "a boolean as a cycle": (
        with_change("policy.card_failure_cycle", True),
        "policy.card_failure_cycle",
        "whole number",
    ),
    "a number as a switch": (
        with_change("policy.sms_rollover", 1),
        "policy.sms_rollover",
        "true or false",
    ),
    "revenue per credit of 3e13": (
        with_change("revenue_per_sms_credit_usd", "3e13"),
        "revenue_per_sms_credit_usd",
        "less than or equal to 1000",
    ),
    "revenue with too many decimals": (
        with_change("revenue_per_email_usd", "0.0000001"),
        "revenue_per_email_usd",
        "more than 6 decimals",
    ),
    "a sub-cent price": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "20.005", "monthly_email_sends": 5000}
                ]
            },
        ),
        "price_book.email_tiers[0].monthly_price_usd",
        "whole cents",
    ),
    "a price above the bound": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "1e9", "monthly_email_sends": 5000}
                ]
            },
        ),
        "price_book.email_tiers[0].monthly_price_usd",
        "less than or equal to 10000000",
    ),
    "NaN revenue": (
        with_change("revenue_per_email_usd", float("nan")),
        "revenue_per_email_usd",
        "finite",
    ),
    "Infinity as a price change": (
        with_change("price_change", {"pct": float("inf"), "from_cycle": 1}),
        "price_change.pct",
        "finite",
    ),
    "a price change above 1000%": (
        with_change("price_change", {"pct": "1e6", "from_cycle": 1}),
        "price_change.pct",
        "less than or equal to 1000",
    ),
    "a price change with 5 decimals": (
        with_change("price_change", {"pct": "1.00001", "from_cycle": 1}),
        "price_change.pct",
        "more than 4 decimals",
    ),
    "a huge cycle number": (
        with_change("price_change", {"pct": "10", "from_cycle": BIG}),
        "price_change.from_cycle",
        "less than or equal to 1000",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_bound_exits_2_naming_the_field(name, monkeypatch, capsys):
    data, field, words = CASES[name]
    code, out, err = cli(data, monkeypatch, capsys)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:"), err
    assert words in lines[0]


def test_json_nan_and_infinity_literals_name_the_field(monkeypatch, capsys):
    text = json.dumps(GOOD)[:-1] + ', "revenue_per_email_usd": NaN}'
    code, _, err = cli(None, monkeypatch, capsys, text=text)
    assert code == 2 and err.startswith("error: revenue_per_email_usd: must be a finite number")
    text = json.dumps(GOOD).replace('"email_sends": 90000', '"email_sends": Infinity')
    code, _, err = cli(None, monkeypatch, capsys, text=text)
    assert code == 2 and err.startswith("error: usage[0].email_sends:")


def test_an_integer_of_thousands_of_digits_is_one_line(monkeypatch, capsys):
    text = json.dumps(GOOD).replace('"email_sends": 90000', '"email_sends": 1' + "0" * 5000)
    code, _, err = cli(None, monkeypatch, capsys, text=text)
    assert code == 2 and err.strip() == "error: input: a number in the file has too many digits"


def test_deeply_nested_json_is_refused_before_parsing(monkeypatch, capsys):
    code, _, err = cli(None, monkeypatch, capsys, text="[" * 100_000 + "]" * 100_000)
    assert code == 2 and err.strip() == "error: input: the JSON nests more than 64 levels deep"
    # brackets inside strings do not count
    data = with_change(
        "price_book",
        {
            "email_tiers": [
                {
                    "max_profiles": 500,
                    "monthly_price_usd": "20",
                    "monthly_email_sends": 5000,
                    "source": "[{" * 100,
                }
            ]
        },
    )
    code, _, err = cli(data, monkeypatch, capsys)
    assert code == 0, err


def test_the_command_line_with_a_huge_revenue_and_credit_count_is_not_a_traceback():
    data = with_change("revenue_per_sms_credit_usd", "31415926535897.93")
    data["usage"][0]["sms_credits"] = 10**18
    done = run_cli("simulate", "-", stdin=json.dumps(data))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: usage[0].sms_credits:")  # the first fault found


def worst_case() -> Scenario:
    """Every count and amount at its bound, every cycle blocked, flexed or upgraded."""
    book = PriceBook(
        email_tiers=[
            EmailTier(max_profiles=1, monthly_price_usd=Decimal("0.01"), monthly_email_sends=1),
            *(
                EmailTier(
                    max_profiles=MAX_PROFILES - 999 + i,
                    monthly_price_usd=MAX_PRICE_USD - 999 + i,
                    monthly_email_sends=MAX_SENDS - 999 + i,
                )
                for i in range(999)
            ),
        ],
        sms_tiers=[
            SmsTier(monthly_credits=1, monthly_price_usd=Decimal("0.01")),
            SmsTier(monthly_credits=MAX_CREDITS, monthly_price_usd=MAX_PRICE_USD),
        ],
    )
    return Scenario(
        price_book=book,
        start=Start(active_profiles=0, email_plan_profiles=0, sms_plan_credits=1),
        usage=[UsageCycle(active_profiles=MAX_PROFILES, email_sends=MAX_SENDS, sms_credits=MAX_CREDITS)]
        * 36,
        price_change={"pct": "1000", "from_cycle": 2},
        revenue_per_email_usd=MAX_REVENUE_USD - Decimal("0.000001"),
        revenue_per_sms_credit_usd=MAX_REVENUE_USD,
    )


@pytest.mark.parametrize("basis", ["extra", "whole", "difference"])
def test_the_worst_case_computes_under_every_setting(basis):
    scenario = worst_case()
    for pref in ("none", "flex", "auto_upgrade"):
        policy = Policy(email=pref, sms=pref, flex_fee_basis=basis, sms_rollover=True)
        result = simulate(scenario.model_copy(update={"policy": policy}), scenario.price_book)
        assert result.total_usd > 0
        json.dumps(result.model_dump(mode="json"))  # every amount quantizes to cents
    comparison = compare(scenario, scenario.price_book)
    sensitivity(scenario, scenario.price_book, comparison)
