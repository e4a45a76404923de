"""Export as code: ``backprop-lab export-code SNAP [-o FILE]`` and File > Export >
Python script..., each giving the script nncore.codegen writes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import snapshot_cases
from script_check import assert_same, imported_modules, numpy_only_folder, run_script
from test_codegen import W_1000, random_run, tutorial_run

from gui import cli
from nncore import save_snapshot
from nncore.codegen import training_script

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def numpy_only(tmp_path_factory):
    return numpy_only_folder(tmp_path_factory.mktemp("numpy_only"))


@pytest.fixture
def snapshot(tmp_path):
    """A schema-2 run with Adam, biases, batches and changes, saved at its newest."""
    run = random_run(4)
    path = tmp_path / "adam.json"
    save_snapshot(path, run)
    return run, path


def main(args, capsys):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_script_goes_to_stdout(snapshot, capsys, tmp_path, numpy_only):
    run, path = snapshot
    code, out, err = main(["export-code", path], capsys)
    assert (code, err) == (0, "")
    assert out == training_script(run).text
    assert_same(run_script(out, numpy_only, tmp_path), run, run.newest)


def test_dash_o_writes_the_file(snapshot, capsys, tmp_path):
    run, path = snapshot
    target = tmp_path / "folder with spaces é" / "train.py"
    target.parent.mkdir()
    code, out, err = main(["export-code", path, "-o", target], capsys)
    assert (code, out, err) == (0, "", "")
    assert target.read_text(encoding="utf-8") == training_script(run).text
    assert [p.name for p in target.parent.iterdir()] == ["train.py"]  # no temp file left


def test_the_tutorial_snapshot_as_a_process(tmp_path, numpy_only):
    path = tmp_path / "tutorial.json"
    save_snapshot(path, tutorial_run())
    done = subprocess.run([sys.executable, "-m", "gui.cli", "export-code", str(path)],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO))
    assert done.returncode == 0 and done.stderr == ""
    assert "    syn0 += np.dot(l0.T, l1_delta)" in done.stdout.splitlines()
    assert imported_modules(done.stdout) == {"numpy"}
    doc = run_script(done.stdout, numpy_only, tmp_path)
    np.testing.assert_allclose(np.ravel(doc["weights"][0]), W_1000, atol=1e-8)


@pytest.mark.parametrize("case", ["weights-shape", "nan-token-weight", "random-bytes",
                                  "tampered-weights", "schema-version-newer"])
def test_a_bad_snapshot_is_exit_2_with_the_loaders_line(case, capsys, tmp_path):
    path = snapshot_cases.write_case(tmp_path, case)
    out_file = tmp_path / "out.py"
    code, out, err = main(["export-code", path, "-o", out_file], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ")
    assert all(text in lines[0] for text in snapshot_cases.expected(case))
    assert not out_file.exists()


def test_a_bad_target_is_exit_2_and_left_alone(snapshot, capsys, tmp_path):
    _, path = snapshot
    code, out, err = main(["export-code", path, "-o", tmp_path], capsys)
    assert code == 2 and out == "" and "is a folder" in err and len(err.splitlines()) == 1
    code, _, err = main(["export-code", path, "-o", tmp_path / "missing" / "x.py"], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = main(["export-code", tmp_path / "none.json"], capsys)
    assert code == 2 and err.startswith("error: ") and "none.json" in err


# ---- File > Export > Python script... -------------------------------------------------


def test_the_menu_writes_the_shown_iterations_script(window, run_to, monkeypatch, tmp_path,
                                                     numpy_only, warned):
    import gui.file_actions

    run_to(window, 30)
    session = window.session
    session.cursor.set_weight(0, 1, 0, -0.75)
    session.cursor.set_learning_rate(0.5)
    run_to(window, 60)
    session.cursor.seek(45)
    target = tmp_path / "run.py"
    asked = []
    monkeypatch.setattr(gui.file_actions.QFileDialog, "getSaveFileName",
                        lambda *args: asked.append(args[1:]) or (str(target)[:-3], ""))
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    export_menu = next(a.menu() for a in file_menu.actions() if a.text() == "&Export")
    assert export_menu.actions()[-1] is window.action_export_script
    assert window.action_export_script.text() == "Python scr&ipt..."
    window.action_export_script.trigger()
    assert asked[0][0] == "Export Python script" and warned == []
    text = target.read_text(encoding="utf-8")  # the suffix was added
    assert text == training_script(session.run, 45, dataset_name="tutorial").text
    assert text.startswith('"""Backprop Lab: the run on "tutorial" to iteration 45')
    assert "    if i == 30:  # changed by hand at iteration 30" in text.splitlines()
    assert_same(run_script(text, numpy_only, tmp_path), session.run, 45)
    assert window.statusBar().currentMessage() == (
        "Exported the training script to iteration 45 to run.py.")


def test_a_big_dataset_is_written_in_slices_and_cancel_keeps_the_old_file(
        window, qtbot, tmp_path, warned):
    from test_long_jobs import cancel, finish

    from gui.common.sliced_job import SlicedJob
    from nncore import Run

    rng = np.random.default_rng(3)
    X = np.hstack([rng.normal(size=(12_000, 2)), np.ones((12_000, 1))])
    run = Run(X, (X[:, :1] > 0) * 1.0, [3, 1], learning_rate=0.001)
    run.train(2)
    window.session.set_run(run, 2, "big")
    path = tmp_path / "big.py"
    path.write_text("the old file\n", encoding="utf-8")
    job = window.files.export_script(str(path))
    assert isinstance(job, SlicedJob)
    cancel(qtbot, job)
    assert path.read_text(encoding="utf-8") == "the old file\n"
    assert os.listdir(tmp_path) == ["big.py"]
    assert finish(qtbot, window.files.export_script(str(path))) == "done"
    assert path.read_text(encoding="utf-8") == training_script(run, 2, None, "big").text
    assert warned == []
