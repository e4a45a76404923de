"""A snapshot saved by the window opens with the command line, and the other way round."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "gui.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120)


def test_window_snapshot_opens_with_inspect_and_predict(window, run_to, tmp_path):
    s = window.session
    run_to(window, 500)
    s.cursor.set_learning_rate(0.5)  # a recorded change must survive the trip too
    run_to(window, 600)
    s.cursor.seek(550)
    path = tmp_path / "from the window.json"
    assert window.files.save_snapshot_as(str(path))

    shown = cli("inspect", str(path))
    assert shown.returncode == 0, shown.stderr
    assert "valid snapshot" in shown.stdout and "iteration     550" in shown.stdout
    assert "learning rate 1, then 0.5 from iteration 500\n" in shown.stdout
    assert "changes       1 learning-rate change\n" in shown.stdout

    predicted = cli("predict", str(path), "1,0,0")
    assert predicted.returncode == 0, predicted.stderr
    expected = 1 / (1 + np.exp(-s.run.weights_at(550)[0][0, 0]))
    assert float(predicted.stdout.split()[-1]) == pytest.approx(expected, abs=1e-8)


def test_command_line_snapshot_opens_in_the_window(window, tmp_path):
    path = tmp_path / "from the command line.json"
    trained = cli("train", "--iterations", "700", "--lr", "0.8", "--save", str(path), "--json")
    assert trained.returncode == 0, trained.stderr
    expected = json.loads(trained.stdout)

    assert window.files.open_snapshot(str(path))
    s = window.session
    assert s.iteration == 700 and s.run.newest == 700
    assert s.run.learning_rate == 0.8
    np.testing.assert_array_equal(s.run.weights_at(700)[0], np.array(expected["weights"][0]))
    np.testing.assert_array_equal(s.run.outputs[700], np.array(expected["outputs"]))
    assert window.iteration_label.text() == "Iteration 700"
    assert window.loss_label.text() == f"Loss {expected['loss']:.6g}"
