"""The engine is pure: it never imports streamlit, plotly or httpx (directly or through a module)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"streamlit", "plotly", "httpx"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_file_imports_ui_or_network_libraries():
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        assert not imported_modules(path) & FORBIDDEN, path


def test_importing_the_engine_loads_none_of_them():
    code = (
        "import sys, engine, engine.cli, engine.growth, engine.contract;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
