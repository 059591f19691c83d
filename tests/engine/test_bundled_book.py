"""The bundled price book in data/pricing/ is exactly what the research tables say.

This reads the bundled book on purpose: it is about the data, not the billing rules (those bill
on the pinned test book, tests/data/price_books/). A price update in data/pricing/ that is not
made through `data/pricing/build_from_research.py` fails here, and only in tests like this one.
"""

import importlib.util
from pathlib import Path

from engine.price_book import CREDITS_FILE, DATA_DIR, EMAIL_FILE, SMS_FILE

BUILD = DATA_DIR / "build_from_research.py"


def test_rebuilding_from_the_research_tables_gives_the_bundled_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_from_research", BUILD)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert Path(build.RESEARCH).is_dir(), f"research tables not found at {build.RESEARCH}"
    monkeypatch.setattr(build, "HERE", tmp_path)  # write the rebuilt files here, not over ours
    build.main()
    for name in (EMAIL_FILE, SMS_FILE, CREDITS_FILE):
        rebuilt = (tmp_path / name).read_text(encoding="utf-8")
        assert rebuilt == (DATA_DIR / name).read_text(encoding="utf-8"), name
