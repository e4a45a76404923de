"""The import-linter contracts in pyproject.toml hold, and each one has teeth.

The contracts: nncore is numpy-only; gui/ imports only downwards (window -> views ->
session -> common -> nncore); the docks do not import each other, and only the
Architecture dock uses its sections (training_box, rerun_box); the diagram and
the plots do not import each other; inside the session, its parts import only the
cursor. For each, a copy of the code with one import
that breaks it must be reported broken, by that contract.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"]
# import-linter's own command, run by this interpreter (the one the tests import with).
LINT_IMPORTS = [sys.executable, "-c", "import sys; from importlinter.cli import "
                "lint_imports_command; sys.exit(lint_imports_command())"]


def lint_imports(cwd):
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(LINT_IMPORTS + ["--no-cache", str(cwd / "pyproject.toml")],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def contract_named(start):
    [contract] = [c for c in CONTRACTS if c["name"].startswith(start)]
    return contract["name"]


def test_every_contract_is_kept():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in CONTRACTS:
        assert f"{contract['name']} KEPT" in result.stdout
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout


# (contract, module that gets the bad import, the import, what the report names)
VIOLATIONS = [
    ("nncore is numpy-only", "nncore/network.py", "from PySide6 import QtCore",
     "nncore.network -> PySide6"),
    ("gui layers", "gui/common/palette.py", "import gui.main_window",
     "gui.common.palette -> gui.main_window"),
    ("gui layers", "gui/session/player.py", "import gui.transport",
     "gui.session.player -> gui.transport"),
    ("gui layers", "nncore/run.py", "import gui.common.names", "nncore.run -> gui.common.names"),
    ("docks do not import", "gui/docks/prediction_dock.py", "import gui.docks.inspector_dock",
     "gui.docks.prediction_dock -> gui.docks.inspector_dock"),
    ("docks do not import", "gui/docks/dataset/decision_map.py",
     "import gui.docks.loss_surface_dock",
     "gui.docks.dataset.decision_map -> gui.docks.loss_surface_dock"),
    ("only the Architecture dock", "gui/docks/inspector_dock.py",
     "import gui.docks.training_box", "gui.docks.inspector_dock -> gui.docks.training_box"),
    ("docks do not import", "gui/docks/training_box.py", "import gui.docks.prediction_dock",
     "gui.docks.training_box -> gui.docks.prediction_dock"),
    ("the diagram and the plots", "gui/diagram/network_view.py",
     "import gui.plots.plot_panel", "gui.diagram.network_view -> gui.plots.plot_panel"),
    ("session parts", "gui/session/cursor.py", "import gui.session.player",
     "gui.session.cursor -> gui.session.player"),
    ("session parts", "gui/session/selection.py", "import gui.session.snapshots",
     "gui.session.selection -> gui.session.snapshots"),
]


@pytest.mark.parametrize("start, module, line, named", VIOLATIONS,
                         ids=[f"{v[1]}: {v[2]}" for v in VIOLATIONS])
def test_each_contract_catches_a_violation(tmp_path, start, module, line, named):
    for package in ("nncore", "gui"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with open(tmp_path / module, "a") as f:
        f.write(f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract_named(start)} BROKEN" in result.stdout, result.stdout
    assert named in result.stdout
