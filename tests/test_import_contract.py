"""The engine stays numpy-only: the import-linter contract in pyproject.toml holds.

The second test proves the contract has teeth: the same contract, run over a copy of
nncore with one Qt import added, must be reported broken.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# import-linter's own command, run by this interpreter (the one the tests import with).
LINT_IMPORTS = [sys.executable, "-c", "import sys; from importlinter.cli import "
                "lint_imports_command; sys.exit(lint_imports_command())"]


def lint_imports(cwd, config):
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(LINT_IMPORTS + ["--config", str(config), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_nncore_imports_no_qt_and_no_pyqtgraph():
    result = lint_imports(REPO, REPO / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nncore is numpy-only: no Qt, no pyqtgraph KEPT" in result.stdout
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_catches_a_qt_import(tmp_path):
    shutil.copytree(REPO / "nncore", tmp_path / "nncore")
    shutil.copytree(REPO / "gui", tmp_path / "gui", ignore=shutil.ignore_patterns("*.pyc"))
    with open(tmp_path / "nncore" / "network.py", "a") as f:
        f.write("\nfrom PySide6 import QtCore  # noqa\n")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n    nncore\n    gui\n"
        "include_external_packages = True\n\n"
        "[importlinter:contract:no-qt]\n"
        f"name = {contract['name']}\ntype = {contract['type']}\n"
        "source_modules =\n" + "".join(f"    {m}\n" for m in contract["source_modules"])
        + "forbidden_modules =\n" + "".join(f"    {m}\n" for m in contract["forbidden_modules"]))
    result = lint_imports(tmp_path, tmp_path / ".importlinter")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "nncore.network -> PySide6" in result.stdout
