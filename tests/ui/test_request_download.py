"""Explore's "What-if request" download is what the engine's history commands read."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from engine.contract import parse_history_request
from engine.growth import fit
from engine.price_book import load_price_book
from engine.replay import ReplayRequest
from engine.uncertainty import UncertaintyRequest
from engine.warnings_ahead import WarningsRequest
from engine.whatif import WhatIf
from ingest.usage_csv import read_usage_file
from ui.report import request_download

ROOT = Path(__file__).resolve().parents[2]


def _sample():
    history = read_usage_file(ROOT / "data" / "sample" / "usage.csv").history
    whatif = WhatIf(
        growth=fit(history).growth, current_setting="flex", revenue_per_email_usd=Decimal("0.02")
    )
    return history, whatif


def test_every_history_command_reads_the_download_back_as_the_same_inputs():
    history, whatif = _sample()
    text = request_download(history, whatif, None)
    for model in (WarningsRequest, ReplayRequest, UncertaintyRequest):
        request = parse_history_request(text, model)
        assert request.history == history and request.whatif == whatif and request.price_book is None


def test_an_edited_book_travels_with_the_request():
    history, whatif = _sample()
    book = load_price_book()
    request = parse_history_request(request_download(history, whatif, book), WarningsRequest)
    assert [t.monthly_price_usd for t in request.price_book.email_tiers] == [
        t.monthly_price_usd for t in book.email_tiers
    ]


def test_the_warnings_command_runs_on_the_download(tmp_path):
    history, whatif = _sample()
    path = tmp_path / "request.json"
    path.write_text(request_download(history, whatif, None))
    done = subprocess.run(
        [sys.executable, "-m", "engine", "warnings", str(path), "--today", "2026-10-20"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["first_cycle_starts"] == "2026-11-01"
