"""Small builders for engine tests, and the pinned test price book they bill on.

Engine and golden tests use a dated copy of the price book kept under tests/data/price_books/,
loaded by the engine's own loader, so a price update in data/pricing/ moves no expected figure
of a test that is not about prices. Tests about the bundled book read data/pricing/ themselves.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import Policy, PriceBook, Scenario, Start, UsageCycle, load_price_book, simulate

TEST_BOOKS = Path(__file__).resolve().parents[1] / "data" / "price_books"
TEST_BOOK_DATE = "2025-12-29"  # the bundled ladders' stamp when they were copied here


def pinned_book(stamp: str = TEST_BOOK_DATE) -> PriceBook:
    """The pinned test price book of that date, as in force on that date."""
    folder = TEST_BOOKS / stamp
    if not folder.is_dir():
        raise FileNotFoundError(f"no pinned test price book {stamp} in {TEST_BOOKS}")
    return load_price_book(folder, as_of=date.fromisoformat(stamp))


BOOK = pinned_book()


def book_json(book: PriceBook = BOOK) -> dict[str, Any]:
    """A price book as the scenario's `price_book` field (contract section 4), for the CLI."""
    return book.model_dump(mode="json")


def run(usage, policy=None, start=None, **extra):
    """Simulate on the pinned test book. `usage` is a list of (profiles, emails, credits)."""
    scenario = Scenario(
        start=start or Start(active_profiles=usage[0][0]),
        usage=[UsageCycle(active_profiles=p, email_sends=e, sms_credits=c) for p, e, c in usage],
        policy=policy or Policy(),
        **extra,
    )
    return simulate(scenario, BOOK)


def usd(x: str) -> Decimal:
    return Decimal(x)
