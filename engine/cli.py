"""`python -m engine simulate|compare FILE|-`: the command line of the JSON contract (section 4).

`python -m engine uncertainty FILE|-` reads a history and a what-if (engine.uncertainty) and
prints each setting's range over many sampled futures. `plan FILE [--max-actions K]` reads a
scenario and prints the cheapest calendar of dated actions; `replay FILE` and `warnings FILE
[--within-days N] [--today YYYY-MM-DD]` read a history and a what-if. `warnings` exits 1 when a
warning falls within N days, so a scheduled job can alert.

Prints one JSON object and exits 0; bad input prints one line naming the field to stderr and
exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from engine.advice import recommendation, sensitivity_summary
from engine.compare import compare, sensitivity
from engine.contract import ScenarioError, book_for, parse_scenario, result_json
from engine.models import PriceBook, Scenario
from engine.plan_calendar import calendar_json
from engine.price_book import PriceBookError
from engine.replay import parse_replay_request, replay_json
from engine.simulate import simulate
from engine.uncertainty import parse_request, uncertainty_json
from engine.vector import simulate_vector
from engine.warnings_ahead import parse_warnings_request, warnings_json


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise ScenarioError(f"input: file not found: {source}")
    except UnicodeDecodeError:
        raise ScenarioError(f"input: {source} is not UTF-8 text")


def output(
    command: str,
    scenario: Scenario,
    book: PriceBook,
    engine: str = "scalar",
    max_actions: int | None = None,
) -> dict[str, Any]:
    """The JSON object `command` prints for a valid scenario (the HTTP service answers the same).
    Raises ArithmeticError only if an amount leaves Decimal's range (the input bounds prevent it).
    `engine="vector"` bills `simulate` with engine/vector.py: the same figures, no events."""
    if command == "simulate":
        run = simulate_vector if engine == "vector" else simulate
        return result_json(run(scenario, book))
    if command == "plan":
        return calendar_json(scenario, book, max_actions)
    comparison = compare(scenario, book)
    out = comparison.model_dump(mode="json")
    out["recommendation"] = recommendation(comparison)
    out["sensitivity"] = [
        {**s.model_dump(mode="json"), "summary": sensitivity_summary(s, comparison)}
        for s in sensitivity(scenario, book, comparison)
    ]
    return out


def dumps(out: dict[str, Any]) -> str:
    """The printed text of an output: the CLI and the HTTP service send these exact bytes."""
    return json.dumps(out, indent=2) + "\n"


def too_large(e: ArithmeticError) -> str:
    return f"input: an amount is too large to compute ({type(e).__name__})"


class _Parser(argparse.ArgumentParser):
    """argparse with section 4's one-line error (no usage block), exit 2."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("simulate", "bill one scenario cycle by cycle"),
        ("compare", "rank the named billing settings on the scenario's usage"),
        ("plan", "the cheapest calendar of dated actions on the scenario's usage"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", help="scenario JSON file, or - for standard input")
        if name == "simulate":
            cmd.add_argument(
                "--engine",
                choices=("scalar", "vector"),
                default="scalar",
                help="scalar (default): the reference engine, with events; vector: the "
                "vectorised engine, the same figures with every cycle's events left empty",
            )
        if name == "plan":
            cmd.add_argument(
                "--max-actions",
                type=_count,
                default=None,
                metavar="K",
                help="the best calendar with at most K actions (default: no limit)",
            )
    cmd = sub.add_parser("uncertainty", help="each setting's bill over many sampled futures")
    cmd.add_argument(
        "file", help="JSON with history, whatif, optional ranges, paths, seed, price_book; - for stdin"
    )
    cmd = sub.add_parser("replay", help="the history itself under every setting, and a projection check")
    cmd.add_argument("file", help="JSON with history, whatif, optional plans at the start; - for stdin")
    cmd = sub.add_parser("warnings", help="dated warnings before a limit or a forced upgrade")
    cmd.add_argument("file", help="JSON with history, whatif, optional cycle_start_day; - for stdin")
    cmd.add_argument(
        "--within-days",
        type=_count,
        default=None,
        metavar="N",
        help="exit 1 when a warning falls within N days",
    )
    cmd.add_argument(
        "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    args = parser.parse_args(argv)
    if args.command == "uncertainty":
        return _print(lambda: uncertainty_json(parse_request(_read(args.file))))
    if args.command == "replay":
        return _print(lambda: replay_json(parse_replay_request(_read(args.file))))
    if args.command == "warnings":
        today = args.today or date.today()
        return _print(
            lambda: warnings_json(parse_warnings_request(_read(args.file)), today, args.within_days),
            alert=args.within_days is not None,
        )
    try:
        scenario = parse_scenario(_read(args.file))
        book = book_for(scenario)
    except (ScenarioError, PriceBookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    engine, max_actions = getattr(args, "engine", "scalar"), getattr(args, "max_actions", None)
    return _print(lambda: output(args.command, scenario, book, engine, max_actions))


def _count(text: str) -> int:
    """A whole number of 0 or more (argparse's type for --max-actions and --within-days)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of 0 or more, got {text!r}")
    return int(text)


def _print(work: Callable[[], dict[str, Any]], alert: bool = False) -> int:
    """Print `work()`'s JSON and exit 0 (1 when `alert` and a warning is due); one line, exit 2,
    on bad input. The HTTP service answers the same bytes."""
    try:
        out = work()
    except (ScenarioError, PriceBookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ArithmeticError as e:
        print(f"error: {too_large(e)}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps(out))
    return 1 if alert and out.get("due") else 0
