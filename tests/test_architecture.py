"""The project's layers hold: pages -> ui -> klaviyo / ingest -> engine, no upward arrow, no cycle.

Every top-level package (and top-level module, such as app.py) must be in LAYERS, so a new one
(say service/) fails here until someone decides what it may import. Imports are read from the
source (every `import`, also inside functions); the runtime checks then import the packages and
look at what Python really loaded, which also catches an import hidden behind a helper.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_LIBRARIES = frozenset({"streamlit", "plotly"})
NETWORK_LIBRARIES = frozenset({"httpx"})


@dataclass(frozen=True)
class Layer:
    """What one top-level package may import of the project, and which libraries it must not."""

    may_import: frozenset[str]
    forbidden_libraries: frozenset[str] = frozenset()
    checked: bool = True  # False: tooling outside the app (tests, benchmarks), imports anything


def layer(*may_import: str, forbidden: frozenset[str] = frozenset()) -> Layer:
    return Layer(frozenset(may_import), forbidden)


# A package may always import itself. ingest and klaviyo may use each other (issue 9 moves the
# Klaviyo loader into ingest), but never both ways: the cycle check below catches that.
LAYERS: dict[str, Layer] = {
    "engine": layer(forbidden=UI_LIBRARIES | NETWORK_LIBRARIES),
    "ingest": layer("engine", "klaviyo", forbidden=UI_LIBRARIES),
    "klaviyo": layer("engine", "ingest", forbidden=UI_LIBRARIES),
    "fake_klaviyo": layer("engine", "ingest", "klaviyo", forbidden=UI_LIBRARIES),
    "ui": layer("engine", "ingest", "klaviyo"),
    "pages": layer("engine", "ingest", "klaviyo", "ui"),
    "app": layer("engine", "ingest", "klaviyo", "ui"),
    "data": layer("engine", forbidden=UI_LIBRARIES | NETWORK_LIBRARIES),  # price-book builders
    "service": layer("engine", forbidden=UI_LIBRARIES | NETWORK_LIBRARIES),  # HTTP over the engine
    "deploy": layer(),  # the image's healthcheck and the cluster check: nothing of the app
    "tests": Layer(frozenset(), checked=False),
    "benchmarks": Layer(frozenset(), checked=False),
    "scripts": Layer(frozenset(), checked=False),
}


def top_level_units(root: Path) -> dict[str, list[Path]]:
    """Each top-level package or module of the checkout with its Python files."""
    units: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")):
            continue  # .venv, .git, .ci, __pycache__
        if entry.is_file() and entry.suffix == ".py":
            units[entry.stem] = [entry]
        elif entry.is_dir():
            files = sorted(p for p in entry.rglob("*.py") if "__pycache__" not in p.parts)
            if files:
                units[entry.name] = files
    return units


def imported_names(path: Path, own: str) -> set[str]:
    """The top-level names a file imports (a relative import is its own package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(own if node.level else (node.module or "").split(".")[0])
    return names


def import_graph(root: Path) -> dict[str, dict[str, set[str]]]:
    """unit -> imported top-level name -> the files (relative paths) that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for unit, files in top_level_units(root).items():
        edges = graph.setdefault(unit, {})
        for path in files:
            for name in imported_names(path, unit) - {unit}:
                edges.setdefault(name, set()).add(str(path.relative_to(root)))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle of a small directed graph, each once, as a closed path."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # start each cycle at its smallest name
                walk([*path, nxt])

    for start in sorted(graph):
        walk([start])
    return found


def layer_faults(root: Path, layers: dict[str, Layer] = LAYERS) -> list[str]:
    """Every broken layer rule of the checkout at root, as readable lines (empty: all good)."""
    graph = import_graph(root)
    faults = [
        f"{unit}/ is a top-level package the layer table does not know: add it to LAYERS in "
        "tests/test_architecture.py with what it may import"
        for unit in sorted(set(graph) - set(layers))
    ]
    project = set(graph) | set(layers)
    for unit, edges in sorted(graph.items()):
        rule = layers.get(unit)
        if rule is None or not rule.checked:
            continue
        for name, files in sorted(edges.items()):
            other_layer = name in project and name not in rule.may_import
            if other_layer or name in rule.forbidden_libraries:
                faults.append(f"{unit} must not import {name}: {', '.join(sorted(files))}")
    app = project - {unit for unit, rule in layers.items() if not rule.checked}
    between = {unit: set(edges) & app for unit, edges in graph.items() if unit in app}
    faults += [f"import cycle between packages: {' -> '.join(c)}" for c in cycles(between)]
    return faults


# ---------------------------------------------------------------- the project itself


def test_every_package_keeps_to_its_layer_and_no_package_cycle():
    assert {"engine", "ingest", "klaviyo", "ui", "pages", "app"} <= set(top_level_units(ROOT))
    faults = layer_faults(ROOT)
    assert not faults, "\n".join(faults)


def test_no_engine_file_imports_ui_or_network_libraries():
    """The first rule, kept on its own so its message is plain."""
    files = top_level_units(ROOT)["engine"]
    assert len(files) >= 8
    for path in files:
        assert not imported_names(path, "engine") & (UI_LIBRARIES | NETWORK_LIBRARIES), path


def loaded_after_importing(package: str) -> list[str]:
    """Top-level names in sys.modules after importing every module of a package (but __main__)."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in top_level_units(ROOT)[package]
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("package", ["engine", "ingest", "klaviyo"])
def test_importing_a_lower_layer_loads_no_ui_nor_a_higher_layer(package):
    forbidden = set(LAYERS) - LAYERS[package].may_import - {package}
    forbidden |= LAYERS[package].forbidden_libraries
    loaded = set(loaded_after_importing(package))
    assert "engine" in loaded  # the check ran on the real modules
    assert not loaded & forbidden, f"importing {package} loads {sorted(loaded & forbidden)}"


# ---------------------------------------------------------------- the checker can fail


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


BASE = {"engine/__init__.py": "", "ingest/__init__.py": "", "klaviyo/__init__.py": ""}


@pytest.mark.parametrize(
    ("path", "text", "fault"),
    [
        ("engine/rules.py", "from ui.safe import plain\n", "engine must not import ui: engine/rules.py"),
        ("engine/rules.py", "def f():\n    import ingest\n", "engine must not import ingest"),
        ("engine/rules.py", "import plotly.express as px\n", "engine must not import plotly"),
        ("engine/rules.py", "import httpx\n", "engine must not import httpx"),
        ("engine/rules.py", "import fake_klaviyo\n", "engine must not import fake_klaviyo"),
        ("ingest/x.py", "import streamlit as st\n", "ingest must not import streamlit"),
        ("klaviyo/x.py", "from ui import state\n", "klaviyo must not import ui"),
        ("klaviyo/x.py", "import streamlit\n", "klaviyo must not import streamlit"),
        ("ui/x.py", "import pages\n", "ui must not import pages"),
        ("planner/__init__.py", "import engine\n", "planner/ is a top-level package the layer table"),
        ("service/app.py", "import streamlit\n", "service must not import streamlit"),
    ],
)
def test_a_forbidden_import_or_an_unknown_package_is_reported(tmp_path, path, text, fault):
    root = tree(tmp_path, {**BASE, "pages/x.py": "", "ui/__init__.py": "", path: text})
    faults = layer_faults(root)
    assert len(faults) == 1 and faults[0].startswith(fault), faults


def test_an_import_cycle_between_packages_is_reported(tmp_path):
    root = tree(
        tmp_path,
        {**BASE, "ingest/a.py": "from klaviyo import b\n", "klaviyo/b.py": "from ingest import a\n"},
    )
    assert layer_faults(root) == ["import cycle between packages: ingest -> klaviyo -> ingest"]


def test_allowed_imports_and_a_clean_tree_are_not_faults(tmp_path):
    root = tree(
        tmp_path,
        {
            **BASE,
            "engine/a.py": "from . import b\nimport decimal\n",
            "ingest/a.py": "from engine import a\nimport pandas\n",
            "ui/a.py": "import streamlit\nfrom klaviyo import client\n",
            "pages/p.py": "from ui import a\n",
            "tests/t.py": "import pages, streamlit, httpx\n",
        },
    )
    assert layer_faults(root) == []
