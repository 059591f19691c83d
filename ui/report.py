"""Tables and downloads built from engine results: pure functions, no st.* calls.

CSV downloads are escaped against spreadsheet formula injection (OWASP ASVS 1.2.10): a text
cell that starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it. Numbers stay numbers.
"""

from __future__ import annotations

import json

import pandas as pd

from engine.compare import Comparison
from engine.contract import scenario_json
from engine.models import PriceBook, Scenario

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BILL_COLUMNS = (
    "cycle", "email_plan_profiles", "email_base_usd", "email_upgrade_usd", "email_flex_usd",
    "email_upgrades", "email_flexes", "emails_sent", "emails_blocked", "sms_plan_credits",
    "sms_base_usd", "sms_upgrade_usd", "sms_flex_usd", "sms_upgrades", "sms_flexes",
    "sms_credits_used", "sms_credits_blocked", "sms_credits_carried_out", "total_usd",
    "lost_revenue_usd", "custom_quote",
)  # fmt: skip


def comparison_frame(comparison: Comparison, horizon: int) -> pd.DataFrame:
    """The comparison table: one row per setting, cheapest by bill + lost revenue first."""
    rows = []
    for o in sorted(comparison.outcomes, key=lambda o: (o.rank_with_lost, o.rank_bill)):
        tags = []
        if o.key == comparison.cheapest_with_lost:
            tags.append("cheapest overall")
        if o.key == comparison.cheapest_bill:
            tags.append("lowest bill")
        if o.key == comparison.current:
            tags.append("your setting")
        rows.append(
            {
                "Setting": o.label,
                "": ", ".join(tags),
                f"Bill ({horizon} mo)": float(o.total_usd),
                "Lost revenue": float(o.lost_revenue_usd),
                "Bill + lost revenue": float(o.total_with_lost_usd),
                "Flexes": o.flexes,
                "Upgrades": o.upgrades + o.profile_upgrades,
                "Months with blocked sends": o.months_blocked,
                "Rank (bill)": o.rank_bill,
                "Rank (bill + lost)": o.rank_with_lost,
            }
        )
    return pd.DataFrame(rows)


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
