"""Rebuild the bundled price book from the research tables in ../shared/domain/pricing/.

Run once when the research changes: `python data/pricing/build_from_research.py`. It copies
every row with its source, turns the research confidence label into our `status`, and stamps
the whole ladder with one `effective_from` date: the day of the stored klaviyo.com/pricing
snapshot that the ladder was last checked against (2025-12-29). The app never reads shared/.
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from engine.price_book import CREDITS_COLUMNS, EMAIL_COLUMNS, SMS_COLUMNS  # noqa: E402

RESEARCH = HERE.parents[1] / ".." / "shared" / "domain" / "pricing"
EFFECTIVE_FROM = "2025-12-29"
STATUS = {
    "CONFIRMED-OFFICIAL": "official",
    "INFERRED-OFFICIAL": "inferred-official",
    "SECONDARY-CORROBORATED": "secondary-corroborated",
    "SECONDARY": "secondary",
    "ESTIMATE": "estimate",
    "NO-PLAN": "official",
}


def status_of(label: str) -> str:
    for prefix in sorted(STATUS, key=len, reverse=True):
        if label.startswith(prefix):
            return STATUS[prefix]
    raise SystemExit(f"unknown research label: {label!r}")


def rows(name: str) -> list[dict]:
    with open(RESEARCH / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(name: str, header: list[str], out: list[list]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(out)


def main() -> None:
    if not RESEARCH.is_dir():
        sys.exit(f"research folder not found: {RESEARCH}")
    write(
        "email_tiers.csv",
        list(EMAIL_COLUMNS),
        [
            [
                EFFECTIVE_FROM,
                r["active_profiles_max"],
                r["monthly_price_usd"],
                r["monthly_email_sends"],
                status_of(r["source"]),
                r["source"],
                r["as_of"],
            ]
            for r in rows("email_tiers.csv")
        ],
    )
    write(
        "sms_tiers.csv",
        list(SMS_COLUMNS),
        [
            [
                EFFECTIVE_FROM,
                r["monthly_credits"],
                r["monthly_price_usd"],
                status_of(r["status"]),
                r["source"],
                r["as_of"],
            ]
            for r in rows("sms_tiers.csv")
        ],
    )
    write(
        "sms_credits_per_message.csv",
        list(CREDITS_COLUMNS),
        [
            [
                EFFECTIVE_FROM,
                r["country"],
                r["sms_credits_per_segment"],
                r["mms_credits"],
                status_of(r["source"]),
                r["source"],
                r["as_of"],
            ]
            for r in rows("sms_credits_per_message.csv")
        ],
    )


if __name__ == "__main__":
    main()
