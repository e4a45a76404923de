"""Running an exported training script as a learner would, with numpy alone."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import numpy as np


def numpy_only_folder(folder):
    """``folder``, given links to numpy (and the libraries its wheel brings) alone."""
    site = os.path.dirname(os.path.dirname(np.__file__))
    for name in os.listdir(site):
        if name == "numpy" or name.startswith("numpy.libs"):
            os.symlink(os.path.join(site, name), folder / name)
    return folder


def run_script(text, folder, tmp_path):
    """Run ``text`` in a fresh interpreter that sees the standard library and numpy
    alone (-I -S: no site-packages, no PYTHONPATH); its last line, parsed."""
    path = tmp_path / "train.py"
    path.write_text(text, encoding="utf-8")
    boot = (f"import sys; sys.path.insert(0, {str(folder)!r}); sys.argv = [{str(path)!r}]; "
            f"exec(compile(open({str(path)!r}).read(), {str(path)!r}, 'exec'), "
            "{'__name__': '__main__'})")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", boot], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def imported_modules(text):
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def assert_same(doc, run, k):
    it = run.at(k)
    assert doc["iteration"] == k
    for got, want in zip(doc["weights"], it.weights, strict=True):
        np.testing.assert_allclose(np.array(got), want, rtol=1e-12, atol=0)
    if it.biases is None:
        assert doc["biases"] is None
    else:
        for got, want in zip(doc["biases"], it.biases, strict=True):
            np.testing.assert_allclose(np.array(got), want, rtol=1e-12, atol=0)
