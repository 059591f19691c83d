"""Make the bundled sample account: a growing mid-size store, 18 months of usage.

Run `python data/sample/make_sample.py` to rewrite `usage.csv` and `profiles_export.csv` beside
it. The seed is a fixed integer, so the files come out the same on every machine.

The store: about 17,500 active profiles in May 2025, growing about 2.5% a month; about 8 emails
per profile in an ordinary month, 65% more in November (Black Friday / Cyber Monday) and 30%
more in December; SMS from about 3,800 credits a month, growing 3% a month, 90% more in
November. Every figure gets a few percent of noise.
"""

import csv
import random
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261123
FIRST = date(2025, 5, 1)
MONTHS = 18
EMAIL_PEAK = {11: 1.65, 12: 1.30, 1: 0.90, 8: 0.92}
SMS_PEAK = {11: 1.90, 12: 1.35}


def month(n: int) -> date:
    i = FIRST.year * 12 + FIRST.month - 1 + n
    return date(i // 12, i % 12 + 1, 1)


def usage_rows(rng: random.Random) -> list[list]:
    rows = []
    for t in range(MONTHS):
        m = month(t)
        profiles = 17_500 * 1.025**t * rng.uniform(0.985, 1.015)
        emails = profiles * 8.0 * EMAIL_PEAK.get(m.month, 1.0) * rng.uniform(0.96, 1.04)
        credits = 3_800 * 1.03**t * SMS_PEAK.get(m.month, 1.0) * rng.uniform(0.95, 1.05)
        rows.append([f"{m:%Y-%m}", round(profiles), round(emails), round(credits)])
    return rows


def profile_rows(rng: random.Random, n: int) -> list[list]:
    """A Klaviyo-style list export: one row per profile, with consent columns."""
    consents = ["SUBSCRIBED"] * 62 + ["NEVER_SUBSCRIBED"] * 30 + ["UNSUBSCRIBED"] * 8
    rows = []
    for i in range(n):
        consent = rng.choice(consents)
        rows.append([f"shopper{i:05d}@example.com", f"+1555{i:07d}"[:12], consent])
    return rows


def main() -> None:
    rng = random.Random(SEED)
    with open(HERE / "usage.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "active_profiles", "email_sends", "sms_credits"])
        w.writerows(usage_rows(rng))
    with open(HERE / "profiles_export.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Email", "Phone Number", "Email Marketing Consent"])
        w.writerows(profile_rows(rng, 2_000))


if __name__ == "__main__":
    main()
