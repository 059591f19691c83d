"""The worked examples of docs/billing-rules.md section 5 through the CLI, on the pinned test book.

The table's figures (cycle totals, total, lost revenue and the figures in brackets) are golden
cases (tests/golden/cases/worked-example-*.json); here: the step-by-step fees, the CLI's output
shape, and the compare command.
"""

import json

from tests.conftest import cli_json, run_cli
from tests.engine.helpers import book_json

START = {"active_profiles": 9000, "email_plan_profiles": 10000, "sms_plan_credits": 1250}
USAGE = [
    {"active_profiles": 9400, "email_sends": 90000, "sms_credits": 1000},
    {"active_profiles": 9800, "email_sends": 160000, "sms_credits": 3000},
    {"active_profiles": 10400, "email_sends": 95000, "sms_credits": 1100},
]


def scenario(**policy) -> str:
    return json.dumps(
        {
            "price_book": book_json(),
            "start": START,
            "usage": USAGE,
            "policy": policy,
            "revenue_per_email_usd": "0.05",
        }
    )


def test_flex_extra_is_nine_email_flexes_for_150_and_two_sms_flexes_for_45():
    cycle2 = cli_json("simulate", "-", stdin=scenario(email="flex", sms="flex"))["cycles"][1]
    assert (cycle2["email_flexes"], cycle2["email_flex_usd"]) == (9, "150.00")
    assert (cycle2["sms_flexes"], cycle2["sms_flex_usd"]) == (2, "45.00")
    fees = [e["amount_usd"] for e in cycle2["events"] if e["kind"] == "flex" and e["channel"] == "email"]
    assert fees == ["7.50"] * 7 + ["22.50", "75.00"]  # the spec's step-by-step breakdown
    assert cycle2["email_plan_profiles"] == 10000  # flex never changes the plan


def test_flex_difference_charges_each_price_step_and_keeps_the_plan():
    cycles = cli_json(
        "simulate", "-", stdin=scenario(email="flex", sms="flex", flex_fee_basis="difference")
    )["cycles"]
    cycle2 = cycles[1]
    fees = [e["amount_usd"] for e in cycle2["events"] if e["kind"] == "flex" and e["channel"] == "email"]
    # 10,000 plan $150 -> 10,500 $175 -> ... -> 13,500 $325 -> 15,000 $350 -> 20,000 $375
    assert fees == ["25.00"] * 9  # every step of the test ladder from 10,000 to 20,000 is $25
    assert (cycle2["email_flex_usd"], cycle2["sms_flex_usd"]) == ("225.00", "41.00")  # 375-150, 56-15
    assert (cycle2["email_plan_profiles"], cycles[2]["email_base_usd"]) == (10000, "150.00")


def test_cycle_3_profiles_only_matter_at_the_next_renewal():
    """10,400 profiles in cycle 3 would move cycle 4 to the 10,500 plan (section 5, last line)."""
    text = json.loads(scenario(email="none", sms="none"))
    text["usage"].append({"active_profiles": 10400, "email_sends": 95000, "sms_credits": 1100})
    cycles = cli_json("simulate", "-", stdin=json.dumps(text))["cycles"]
    assert cycles[2]["email_plan_profiles"] == 10000
    assert (cycles[3]["email_plan_profiles"], cycles[3]["email_base_usd"]) == (10500, "175.00")
    assert any(e["kind"] == "profile_upgrade" for e in cycles[3]["events"])


CONTRACT_KEYS = [
    "cycle",
    "email_plan_profiles",
    "email_base_usd",
    "email_upgrade_usd",
    "email_flex_usd",
    "email_upgrades",
    "email_flexes",
    "emails_sent",
    "emails_blocked",
    "sms_plan_credits",
    "sms_base_usd",
    "sms_upgrade_usd",
    "sms_flex_usd",
    "sms_upgrades",
    "sms_flexes",
    "sms_credits_used",
    "sms_credits_blocked",
    "sms_credits_carried_out",
    "total_usd",
    "lost_revenue_usd",
    "custom_quote",
    "events",
]


def test_output_has_the_contract_keys_and_money_as_two_decimal_strings():
    result = cli_json("simulate", "-", stdin=scenario(email="flex", sms="flex"))
    assert {"total_usd", "lost_revenue_usd", "emails_blocked", "sms_credits_blocked", "cycles"} <= set(
        result
    )
    for cycle in result["cycles"]:
        assert set(CONTRACT_KEYS) <= set(cycle)
        for key in CONTRACT_KEYS:
            if key.endswith("_usd"):
                assert isinstance(cycle[key], str) and cycle[key].split(".")[1].__len__() == 2


def test_simulate_reads_a_file_as_well_as_stdin(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(scenario(email="none", sms="none"))
    assert cli_json("simulate", str(path))["total_usd"] == "495.00"


def test_compare_ranks_the_worked_example():
    out = cli_json("compare", "-", stdin=scenario(email="auto_upgrade", sms="auto_upgrade"))
    totals = {o["key"]: o["total_usd"] for o in out["outcomes"]}
    assert totals == {
        "stop": "495.00",
        "flex": "690.00",
        "flex_auto_downgrade": "690.00",
        "auto_upgrade": "1027.00",
        "auto_upgrade_manual_downgrade": "761.00",
    }
    assert out["cheapest_bill"] == "stop"
    assert out["cheapest_with_lost"] == "flex"
    assert out["current"] == "auto_upgrade"
    assert out["saving_vs_current_usd"] == "337.00"
    assert "Flexible sending costs least" in out["recommendation"]
    assert "$337.00 more" in out["recommendation"]
    switches = {(s["switch"], s["value"]): s for s in out["sensitivity"]}
    assert switches["flex_fee_basis", "whole"]["totals_usd"]["flex"] == "2370.00"
    assert switches["flex_fee_basis", "whole"]["changes_answer"] is True


def test_compare_exits_2_on_bad_input():
    done = run_cli("compare", "-", stdin='{"start": {}}')
    assert done.returncode == 2
    assert done.stderr.startswith("error: start.active_profiles")
