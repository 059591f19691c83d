"""`python -m engine simulate|compare FILE|-`: the command line of the JSON contract (section 4).

Prints one JSON object and exits 0; bad input prints one line naming the field to stderr and
exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.compare import compare, sensitivity
from engine.contract import ScenarioError, book_for, parse_scenario, result_json
from engine.price_book import PriceBookError
from engine.simulate import simulate


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("simulate", "bill one scenario cycle by cycle"),
        ("compare", "rank the named billing settings on the scenario's usage"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", help="scenario JSON file, or - for standard input")
    args = parser.parse_args(argv)
    try:
        scenario = parse_scenario(_read(args.file))
        book = book_for(scenario)
    except (ScenarioError, PriceBookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "simulate":
            out = result_json(simulate(scenario, book))
        else:
            comparison = compare(scenario, book)
            out = comparison.model_dump(mode="json")
            out["sensitivity"] = [
                s.model_dump(mode="json") for s in sensitivity(scenario, book, comparison)
            ]
    except ArithmeticError as e:  # the input bounds make this unreachable; never a traceback
        print(f"error: input: an amount is too large to compute ({type(e).__name__})", file=sys.stderr)
        return 2
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
