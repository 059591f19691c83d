"""Plan calendar speed: the exact DP on the sample account's projection, 12 and 36 cycles.

Run: `.venv/bin/python benchmarks/plan_bench.py`. Prints medians in milliseconds and, because
absolute times depend on the machine, the ratio to one `compare()` of the same scenario in the
same process. The sample scenario is engine_bench's (the bundled sample projected with its
fitted defaults, auto-upgrade on both channels, $0.02 per blocked email); a second row prices
blocked SMS credits at $0.001234 as well, so lost revenue rounds over both channels and the
joint step runs. Aim (issue 12): well under a second for 12 cycles.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_bench import median_ms, scenario_for

from engine import compare, load_price_book
from engine.plan_calendar import plan_calendar


def main() -> None:
    book = load_price_book()
    print(
        f"{'cycles':>6} {'revenues':>9} {'plan_calendar ms':>17} {'compare ms':>11} {'ratio':>7} {'actions':>8}"
    )
    for horizon in (12, 36):
        base = scenario_for(horizon)
        joint = base.model_copy(update={"revenue_per_sms_credit_usd": Decimal("0.001234")})
        for name, s in (("email", base), ("both", joint)):
            repeat = 5 if horizon == 36 else 10
            plan = median_ms(lambda s=s: plan_calendar(s, book), repeat=repeat)
            cmp_ = median_ms(lambda s=s: compare(s, book), repeat=20)
            actions = len(plan_calendar(s, book).best.actions)
            print(f"{horizon:>6} {name:>9} {plan:>17.1f} {cmp_:>11.2f} {plan / cmp_:>7.1f} {actions:>8}")


if __name__ == "__main__":
    main()
