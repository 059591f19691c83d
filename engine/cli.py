"""`python -m engine simulate|compare FILE|-`: the command line of the JSON contract (section 4).

`python -m engine uncertainty FILE|-` reads a history and a what-if (engine.uncertainty) and
prints each setting's range over many sampled futures.

Prints one JSON object and exits 0; bad input prints one line naming the field to stderr and
exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.advice import recommendation, sensitivity_summary
from engine.compare import compare, sensitivity
from engine.contract import ScenarioError, book_for, parse_scenario, result_json
from engine.models import PriceBook, Scenario
from engine.price_book import PriceBookError
from engine.simulate import simulate
from engine.uncertainty import parse_request, uncertainty_json


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


def output(command: str, scenario: Scenario, book: PriceBook) -> dict[str, Any]:
    """The JSON object `command` prints for a valid scenario (the HTTP service answers the same).
    Raises ArithmeticError only if an amount leaves Decimal's range (the input bounds prevent it)."""
    if command == "simulate":
        return result_json(simulate(scenario, book))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("simulate", "bill one scenario cycle by cycle"),
        ("compare", "rank the named billing settings on the scenario's usage"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", help="scenario JSON file, or - for standard input")
    cmd = sub.add_parser("uncertainty", help="each setting's bill over many sampled futures")
    cmd.add_argument(
        "file", help="JSON with history, whatif, optional ranges, paths, seed, price_book; - for stdin"
    )
    args = parser.parse_args(argv)
    if args.command == "uncertainty":
        return _uncertainty(args.file)
    try:
        scenario = parse_scenario(_read(args.file))
        book = book_for(scenario)
    except (ScenarioError, PriceBookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        out = output(args.command, scenario, book)
    except ArithmeticError as e:  # the input bounds make this unreachable; never a traceback
        print(f"error: {too_large(e)}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps(out))
    return 0


def _uncertainty(source: str) -> int:
    """`python -m engine uncertainty`: the same answer as POST /v1/uncertainty."""
    try:
        out = uncertainty_json(parse_request(_read(source)))
    except (ScenarioError, PriceBookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ArithmeticError as e:
        print(f"error: {too_large(e)}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps(out))
    return 0
