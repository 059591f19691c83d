"""Small builders for engine tests."""

from decimal import Decimal

from engine import Policy, Scenario, Start, UsageCycle, load_price_book, simulate

BOOK = load_price_book()


def run(usage, policy=None, start=None, **extra):
    """Simulate on the bundled book. `usage` is a list of (profiles, emails, credits)."""
    scenario = Scenario(
        start=start or Start(active_profiles=usage[0][0]),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in usage],
        policy=policy or Policy(),
        **extra,
    )
    return simulate(scenario, BOOK)


def usd(x: str) -> Decimal:
    return Decimal(x)
