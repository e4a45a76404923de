"""File menu: save and open snapshots, bad files while playing, recent files, exports."""

import csv
import os

import numpy as np
import pytest
import save_targets
from fake_clock import FakeClock, frames
from PySide6.QtGui import QImage

import gui.docks.dataset.dataset_dock
from gui.docks.dataset.dataset_dock import DatasetDock
from nncore.export import load_weights

W_1000 = [7.26283009, -0.21614618, -3.41703015]


# Every test here may meet a warning dialog: it is recorded instead of blocking.
pytestmark = pytest.mark.usefixtures("warned")


def test_save_then_open_restores_run_and_iteration(window, tmp_path, warned, run_to):
    run_to(window, 1000)
    window.session.cursor.seek(700)
    path = tmp_path / "at 700 ü.json"  # spaces and non-ASCII survive
    assert window.files.save_snapshot_as(str(path))
    assert path.exists() and "at 700 ü.json" in window.windowTitle()
    saved = window.session.run.params_at(700)

    window.session.new_run(seed=2)  # something else entirely
    assert window.session.iteration == 0
    assert window.files.open_snapshot(str(path))
    s = window.session
    assert s.iteration == 700 and s.run.newest == 700 and s.run.seed == 1
    np.testing.assert_array_equal(s.run.params_at(700), saved)
    assert window.iteration_label.text() == "Iteration 700"
    assert window.transport.counter.text() == "700 / 700"
    assert window.files.recent() == [str(path)]
    assert warned == []
    # Training on from the opened file reaches the tutorial's W_1000.
    run_to(window, 1000)
    np.testing.assert_allclose(s.cursor.weights()[0].ravel(), W_1000, atol=1e-8)


def test_save_writes_to_the_current_file_after_save_as(window, tmp_path):
    path = tmp_path / "run.json"
    assert window.files.save_snapshot_as(str(path))
    first = path.read_text()
    window.action_step.trigger()
    window.action_save.trigger()  # no dialog: the file is known
    assert path.read_text() != first and '"iteration": 1' in path.read_text()


def test_bad_file_while_playing_shows_the_problem_and_play_goes_on(qtbot, window, tmp_path,
                                                                   warned):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "backprop-lab/snapshot", "schema_version": 1, "weights": [[')
    s, clock = window.session, FakeClock(per_reading=0)
    s.player.clock = clock
    window.action_play.trigger()
    frames(s, clock, 120)  # 3.6 s at the watch pace: iteration 10^1.08 - 1
    assert s.iteration == 11
    run_before = s.run
    assert not window.files.open_snapshot(str(bad))
    assert len(warned) == 1
    title, text = warned[0]
    assert title == "Could not open snapshot"
    assert "broken.json" in text and "JSON" in text
    assert s.player.playing and s.run is run_before and window.windowTitle() == "Backprop Lab"
    frames(s, clock, 10)
    assert s.iteration > 11  # still playing
    window.action_play.trigger()
    assert not s.player.playing


def test_bad_file_while_paused_changes_nothing(window, tmp_path, warned, run_to):
    run_to(window, 300)
    window.session.cursor.seek(120)
    before = window.session.run.params_at(120)
    for name, content in (("empty.json", b""), ("picture.json", b"\x89PNG\r\n\x1a\n"),
                          ("shape.json", b'{"format": "backprop-lab/snapshot"}')):
        (tmp_path / name).write_bytes(content)
        assert not window.files.open_snapshot(str(tmp_path / name))
        assert name in warned[-1][1]
    assert not window.files.open_snapshot(str(tmp_path / "missing.json"))
    assert "missing.json" in warned[-1][1]
    s = window.session
    assert s.iteration == 120 and s.run.newest == 300
    np.testing.assert_array_equal(s.run.params_at(120), before)
    assert window.windowTitle() == "Backprop Lab" and window.files.recent() == []
    assert window.iteration_label.text() == "Iteration 120"


def test_saving_into_a_missing_folder_reports_it(window, tmp_path, warned):
    target = tmp_path / "no such folder" / "x.json"
    assert not window.files.save_snapshot_as(str(target))
    title, text = warned[-1]
    assert title == "Could not save snapshot" and "x.json" in text
    assert not target.parent.exists()


def test_recent_files_keep_the_newest_eight(window, tmp_path):
    paths = []
    for i in range(10):
        path = tmp_path / f"s{i}.json"
        window.files.save_snapshot_as(str(path))
        paths.append(str(path))
    assert window.files.recent() == paths[::-1][:8]
    window.files.save_snapshot_as(paths[5])  # used again: moves to the top, no duplicate
    assert window.files.recent()[0] == paths[5] and len(window.files.recent()) == 8
    window.files.fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert texts[0] == "&1 s5.json" and texts[-1] == "Clear list"
    window.recent_menu.actions()[0].trigger()  # opening from the menu
    assert window.files.path == paths[5]


def test_export_history_csv(window, tmp_path, run_to):
    run_to(window, 50)
    path = tmp_path / "history.csv"
    assert window.files.export_history(str(path))
    with path.open() as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["iteration", "loss", "accuracy", "yhat_s0"]
    assert rows[0][-3:] == ["w0_0_0", "w0_1_0", "w0_2_0"]
    assert len(rows) == 52
    run = window.session.run
    last = [float(v) for v in rows[-1]]
    assert last[0] == 50 and last[1] == run.losses[50] and last[2] == run.accuracies[50]
    np.testing.assert_array_equal(last[3:7], run.outputs[50][:, 0])
    np.testing.assert_array_equal(last[7:], run.params_at(50))


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_export_weights_of_the_shown_iteration(window, tmp_path, suffix, run_to):
    run_to(window, 1000)
    path = tmp_path / f"w{suffix}"
    assert window.files.export_weights(str(path), suffix)
    weights = load_weights(str(path))
    np.testing.assert_allclose(weights[0].ravel(), W_1000, atol=1e-8)


def test_export_plots_png_and_svg(window, tmp_path, warned, run_to):
    run_to(window, 100)
    png, svg = tmp_path / "plots.png", tmp_path / "plots.svg"
    assert window.files.export_plots(str(png), ".png")
    assert window.files.export_plots(str(svg), ".svg")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 400 and image.height() >= 300
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg")) and "<path" in text
    assert warned == []


# ---- every window writer meets links and special files (RELIABILITY 27) -----------------------


def save_from_snapshots_dock(window, path, monkeypatch):
    dock = window.snapshots_dock
    if not dock.selected():
        window.action_snapshot.trigger()
        dock.list.item(0).setSelected(True)
    return dock.save_selected(path)


def export_dataset_table(window, path, monkeypatch):
    monkeypatch.setattr(gui.docks.dataset.dataset_dock.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (path, ""))
    return window.findChild(DatasetDock).export_csv()


WINDOW_WRITERS = {  # name: (suffix, write(window, path, monkeypatch) -> True when saved)
    "save-as": (".json", lambda w, p, _: w.files.save_snapshot_as(p)),
    "plots-png": (".png", lambda w, p, _: w.files.export_plots(p, ".png")),
    "plots-svg": (".svg", lambda w, p, _: w.files.export_plots(p, ".svg")),
    "history-csv": (".csv", lambda w, p, _: w.files.export_history(p)),
    "weights-safetensors": (".safetensors",
                            lambda w, p, _: w.files.export_weights(p, ".safetensors")),
    "weights-npz": (".npz", lambda w, p, _: w.files.export_weights(p, ".npz")),
    "python-script": (".py", lambda w, p, _: w.files.export_script(p)),
    "snapshots-dock": (".json", save_from_snapshots_dock),
    "dataset-table": (".csv", export_dataset_table),
}


@pytest.mark.parametrize("writer", WINDOW_WRITERS)
def test_window_writers_refuse_special_files_and_write_through_links(window, tmp_path, warned,
                                                                      monkeypatch, writer):
    """Each refusal is a dialog that names the file and says why; the FIFO, device,
    socket or folder is left exactly as it was. A link is saved through."""
    suffix, write = WINDOW_WRITERS[writer]
    window.action_step.trigger()
    kinds = [*save_targets.REFUSED, *save_targets.WRITTEN]
    if os.geteuid() != 0:  # device nodes need root (CI runs as root)
        kinds = [k for k in kinds if "device" not in k]
    for kind in kinds:
        folder = tmp_path / kind
        folder.mkdir()
        target = save_targets.make(kind, folder, suffix)
        shown = len(warned)
        saved = write(window, target.path, monkeypatch)
        if kind in save_targets.REFUSED:
            assert saved is False, kind
            [(title, text)] = warned[shown:]
            assert title.startswith("Could not")
            target.refused(text)
        else:
            assert saved is True and warned[shown:] == [], kind
            target.written()
