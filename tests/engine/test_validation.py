"""Bad input: every validation rule of section 2 gives exit 2 and a one-line error naming the field."""

import json

import pytest

from tests.conftest import run_cli

GOOD = {
    "start": {"active_profiles": 9000, "email_plan_profiles": 10000, "sms_plan_credits": 1250},
    "usage": [{"active_profiles": 9400, "email_sends": 90000, "sms_credits": 1000}],
    "policy": {"email": "flex", "sms": "none"},
}


def with_change(path: str, value) -> dict:
    data = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    node[int(last) if last.isdigit() else last] = value
    return data


CASES = {
    # rule: (input, field named in the message, words in the message)
    "auto_downgrade without email flex": (
        with_change("policy", {"email": "auto_upgrade", "auto_downgrade": True}),
        "policy.auto_downgrade",
        "only with flexible sending",
    ),
    "auto_downgrade with manual_downgrade": (
        with_change("policy", {"email": "flex", "auto_downgrade": True, "manual_downgrade": True}),
        "policy.auto_downgrade",
        "manual_downgrade",
    ),
    "negative profiles in usage": (
        with_change("usage.0.active_profiles", -1),
        "usage[0].active_profiles",
        "greater than or equal to 0",
    ),
    "negative email sends": (with_change("usage.0.email_sends", -5), "usage[0].email_sends", "-5"),
    "negative sms credits": (with_change("usage.0.sms_credits", -5), "usage[0].sms_credits", "-5"),
    "negative start profiles": (
        with_change("start.active_profiles", -1),
        "start.active_profiles",
        "greater than or equal to 0",
    ),
    "empty usage": (with_change("usage", []), "usage", "at least one cycle"),
    "horizon over 36": (
        with_change("usage", GOOD["usage"] * 37),
        "usage",
        "the horizon is 1 to 36",
    ),
    "email ladder not increasing in profiles": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "20", "monthly_email_sends": 5000},
                    {"max_profiles": 500, "monthly_price_usd": "30", "monthly_email_sends": 10000},
                ]
            },
        ),
        "price_book.email_tiers",
        "max_profiles must be strictly increasing",
    ),
    "email ladder not increasing in sends": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "20", "monthly_email_sends": 5000},
                    {"max_profiles": 1000, "monthly_price_usd": "30", "monthly_email_sends": 5000},
                ]
            },
        ),
        "price_book.email_tiers",
        "monthly_email_sends must be strictly increasing",
    ),
    "sms ladder not increasing": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "20", "monthly_email_sends": 5000}
                ],
                "sms_tiers": [
                    {"monthly_credits": 2500, "monthly_price_usd": "29"},
                    {"monthly_credits": 1250, "monthly_price_usd": "15"},
                ],
            },
        ),
        "price_book.sms_tiers",
        "monthly_credits must be strictly increasing",
    ),
    "card fixed before failure": (
        with_change("policy", {"email": "flex", "card_failure_cycle": 3, "card_fixed_cycle": 3}),
        "policy.card_fixed_cycle",
        "after card_failure_cycle",
    ),
    "manual_downgrades with auto_downgrade": (
        with_change(
            "policy",
            {
                "email": "flex",
                "auto_downgrade": True,
                "manual_downgrades": [{"cycle": 1, "channel": "email"}],
            },
        ),
        "policy.manual_downgrades",
        "auto_downgrade",
    ),
    "manual_downgrades with manual_downgrade": (
        with_change(
            "policy",
            {"manual_downgrade": True, "manual_downgrades": [{"cycle": 1, "channel": "sms"}]},
        ),
        "policy.manual_downgrades",
        "manual_downgrade",
    ),
    "manual downgrade beyond the horizon": (
        with_change("policy", {"manual_downgrades": [{"cycle": 2, "channel": "email"}]}),
        "policy.manual_downgrades[0].cycle",
        "beyond the usage horizon (1 cycle)",
    ),
    "manual downgrade scheduled twice": (
        with_change(
            "policy",
            {
                "manual_downgrades": [
                    {"cycle": 1, "channel": "email"},
                    {"cycle": 1, "channel": "email", "requested": "cycle_start"},
                ]
            },
        ),
        "policy.manual_downgrades",
        "scheduled twice",
    ),
    "manual downgrade of an unknown channel": (
        with_change("policy", {"manual_downgrades": [{"cycle": 1, "channel": "push"}]}),
        "policy.manual_downgrades[0].channel",
        "email",
    ),
    "unknown field": (with_change("policy", {"emial": "flex"}), "policy.emial", "not a known field"),
    "unknown preference": (with_change("policy", {"email": "upgrade"}), "policy.email", "none"),
    "missing start": ({"usage": GOOD["usage"]}, "start", "is required"),
    "negative price": (
        with_change(
            "price_book",
            {
                "email_tiers": [
                    {"max_profiles": 500, "monthly_price_usd": "-1", "monthly_email_sends": 5000}
                ]
            },
        ),
        "price_book.email_tiers[0].monthly_price_usd",
        "greater than or equal to 0",
    ),
    "price change of -100% or less": (
        with_change("price_change", {"pct": "-100", "from_cycle": 1}),
        "price_change.pct",
        "greater than -100",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_exits_2_naming_the_field(name):
    data, field, words = CASES[name]
    done = run_cli("simulate", "-", stdin=json.dumps(data))
    assert done.returncode == 2, done.stdout
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {field}:"), lines[0]
    assert words in lines[0]


def test_invalid_json_exits_2_with_the_position():
    done = run_cli("simulate", "-", stdin='{"start": ')
    assert done.returncode == 2
    assert done.stderr.startswith("error: input: not valid JSON")
    assert "line 1" in done.stderr


def test_missing_file_exits_2():
    done = run_cli("simulate", "/nonexistent/scenario.json")
    assert done.returncode == 2
    assert "file not found" in done.stderr


def test_good_input_exits_0():
    assert run_cli("simulate", "-", stdin=json.dumps(GOOD)).returncode == 0
