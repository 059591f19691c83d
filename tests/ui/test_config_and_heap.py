"""The server settings a shared public link relies on, and the frozen startup heap."""

import subprocess
import sys
import tomllib

from tests.app.conftest import ROOT


def test_the_config_is_fit_for_a_public_link():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"  # never a traceback for a user
    assert config["server"]["maxUploadSize"] == 50
    assert config["runner"]["enforceSerializableSessionState"] is True
    assert config["runner"]["postScriptGC"] is False  # no ~100 ms collection after every rerun


def test_the_frame_freezes_the_startup_heap():
    """Importing the frame (as app.py does) leaves the collector only what came after it."""
    probe = "import gc, ui.frame; print(gc.get_freeze_count(), len(gc.get_objects()))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    frozen, tracked = (int(n) for n in out.split())
    assert frozen > 50_000  # streamlit, pandas, pyarrow, pydantic, plotly, ...
    assert tracked < frozen / 20
