"""Tables and downloads built from engine results: pure functions, no st.* calls.

CSV downloads are escaped against spreadsheet formula injection (OWASP ASVS 1.2.10): a text
cell that starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it. Numbers stay numbers.
"""

from __future__ import annotations

import json

import pandas as pd

from engine.advice import has_sms
from engine.compare import Comparison
from engine.contract import scenario_json
from engine.history import UsageHistory
from engine.models import PriceBook, Scenario
from engine.whatif import WhatIf

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BILL_COLUMNS = (
    "cycle", "email_plan_profiles", "email_base_usd", "email_upgrade_usd", "email_flex_usd",
    "email_upgrades", "email_flexes", "emails_sent", "emails_blocked", "sms_plan_credits",
    "sms_base_usd", "sms_upgrade_usd", "sms_flex_usd", "sms_upgrades", "sms_flexes",
    "sms_credits_used", "sms_credits_blocked", "sms_credits_carried_out", "total_usd",
    "lost_revenue_usd", "custom_quote", "email_manual_downgrade", "sms_manual_downgrade",
    "email_auto_downgrade",
)  # fmt: skip


# What each comparison column counts; the page shows these under the table (a phone has no hover).
COLUMN_HELP = {
    "Setting": "The billing setting, the same preference on email and SMS.",
    "Notes": "Which setting is cheapest overall (bill + lost revenue, what the ranking uses), which "
    "has the lowest bill alone, and which is yours.",
    "Bill": "What Klaviyo bills over the horizon: plans, upgrade charges and flex fees. In months "
    "above the top published tier it is the top tier's price, a floor.",
    "Lost revenue": "Blocked emails and SMS credits times your revenue per message. Messages above "
    "the top published tier are left out: Klaviyo quotes a price for them.",
    "Bill + lost revenue": "The figure the ranking uses.",
    "Flexes": "One-month flexible-sending purchases of the next tier's messages.",
    "Email auto-upgrades": "Email tier steps taken by auto-upgrade when sends reached the limit "
    "(a jump of two tiers counts 2).",
    "SMS auto-upgrades": "SMS tier steps taken by auto-upgrade when credits ran out.",
    "Renewal moves": "Renewals at which the active profile count forced the email plan up (cannot "
    "be switched off).",
    "Manual downgrades": "Downgrades you request by hand, one per plan and renewal.",
    "Auto-downgrades": "One-tier email downgrades made by auto-downgrade at a renewal.",
    "Months blocked": "Months in which sending stopped at a limit.",
    "Quote months": "Months above the top published tier, which Klaviyo prices by quote.",
}


def money(amount, floor: bool = False) -> str:
    """A dollar figure; `floor` for a total with months Klaviyo prices by quote ("at least")."""
    return f"at least ${amount:,.2f}" if floor else f"${amount:,.2f}"


def comparison_frame(comparison: Comparison, horizon: int) -> pd.DataFrame:
    """The comparison table: one row per setting, cheapest by bill + lost revenue first. The SMS
    column is left out when the account has no SMS, the quote column when no month needs one."""
    sms = any(has_sms(o.result) for o in comparison.outcomes)
    quote = any(o.custom_quote_cycles for o in comparison.outcomes)
    rows = []
    for o in sorted(comparison.outcomes, key=lambda o: (o.rank_with_lost, o.rank_bill)):
        tags = []
        if o.key == comparison.cheapest_with_lost:
            tags.append("cheapest overall")
        if o.key == comparison.cheapest_bill:
            tags.append("lowest bill")
        if o.key == comparison.current:
            tags.append("your setting")
        row = {
            "Setting": o.label,
            "Notes": ", ".join(tags),
            f"Bill ({horizon} mo)": float(o.total_usd),
            "Lost revenue": float(o.lost_revenue_usd),
            "Bill + lost revenue": float(o.total_with_lost_usd),
            "Flexes": o.flexes,
            "Email auto-upgrades": o.email_upgrades,
            "SMS auto-upgrades": o.sms_upgrades,
            "Renewal moves": o.renewal_moves,
            "Manual downgrades": o.manual_downgrades,
            "Auto-downgrades": o.auto_downgrades,
            "Months blocked": o.months_blocked,
            "Quote months": o.custom_quote_cycles,
            "Rank (bill)": o.rank_bill,
            "Rank (bill + lost)": o.rank_with_lost,
        }
        if not sms:
            del row["SMS auto-upgrades"]
        if not quote:
            del row["Quote months"]
        rows.append(row)
    return pd.DataFrame(rows)


def column_help(table: pd.DataFrame) -> str:
    """One line per shown column of the comparison: what it counts."""
    lines = []
    for c in table.columns:
        if c.startswith("Rank"):
            continue
        name = "Bill" if c.startswith("Bill (") else c
        lines.append(f"- **{c}**: {COLUMN_HELP[name]}")
    return "\n".join(lines)


def shown_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as the page shows it: money as "$1,234.56" text, and no rank
    columns (the rows are already in rank order and tagged; the CSV keeps the ranks)."""
    money = [c for c in table.columns if c.startswith("Bill") or c == "Lost revenue"]
    shown = table.drop(columns=[c for c in table.columns if c.startswith("Rank")])
    return shown.assign(**{c: shown[c].map("${:,.2f}".format) for c in money})


def bills_frame(comparison: Comparison, labels: list[str]) -> pd.DataFrame:
    """Every setting's per-cycle bill, one row per setting and cycle (the contract's keys)."""
    rows = []
    for o in comparison.outcomes:
        for b in o.result.cycles:
            data = b.model_dump(mode="json", include=set(BILL_COLUMNS))
            row = {"setting": o.label, "month": labels[b.cycle - 1]}
            for key in BILL_COLUMNS:
                value = data[key]
                row[key] = float(value) if key.endswith("_usd") else value
            row["events"] = "; ".join(e.message for e in b.events)
            rows.append(row)
    return pd.DataFrame(rows)


def bills_csv(comparison: Comparison, labels: list[str]) -> str:
    """The monthly bills download: `bills_frame` as formula-safe CSV."""
    return safe_csv(bills_frame(comparison, labels))


def escape_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """CSV text with every text cell (and header) escaped against formula injection."""
    safe = frame.copy()
    safe.columns = [escape_cell(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(escape_cell)
    return safe.to_csv(index=False)


def scenario_download(scenario: Scenario, book: PriceBook | None) -> str:
    """The scenario as JSON that `python -m engine simulate` reads (with the book if edited)."""
    if book is not None:
        scenario = scenario.model_copy(update={"price_book": book})
    return json.dumps(scenario_json(scenario), indent=2)


def request_download(history: UsageHistory, whatif: WhatIf, book: PriceBook | None) -> str:
    """The loaded history and the what-if as the JSON that `python -m engine warnings`, `replay`
    and `uncertainty` read (with the book if edited): what a scheduled warnings job runs on."""
    request = {
        "history": history.model_dump(mode="json", exclude_none=True),
        "whatif": whatif.model_dump(mode="json"),
    }
    if book is not None:
        request["price_book"] = book.model_dump(mode="json", exclude_none=True)
    return json.dumps(request, indent=2)
