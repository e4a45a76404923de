"""Hostile files met through the window (RELIABILITY 1-8, 10, 13-15, 21).

The loaders' own tests (test_snapshot.py, test_csv.py, test_loader_fuzz.py) prove
each file is refused with the right message; test_file_actions.py opens a few bad
snapshots while playing. Here every one of the hostile snapshots and CSV files
goes through the window's own Open and Import commands while play is running,
and every save fault goes through the Save action: the learner sees a dialog that
names the file, and play, the network and the files on disk stay as they were.
"""

import os

import numpy as np
import pytest
import save_targets
import snapshot_cases
import test_csv
from fake_clock import FakeClock, frames
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

import gui.docks.dataset.dataset_dock
import gui.docks.snapshots_dock
import gui.file_actions
from gui.docks.dataset.dataset_dock import DatasetDock
from nncore import save_snapshot


@pytest.fixture
def dialogs(monkeypatch, warned):
    """Warnings are recorded in ``dialogs.shown``; file dialogs answer ``dialogs.path``."""

    class Dialogs:
        shown = warned
        path = ""

    def ask(*args, **kwargs):
        return Dialogs.path, ""

    for module in (gui.file_actions, gui.docks.dataset.dataset_dock, gui.docks.snapshots_dock):
        monkeypatch.setattr(module.QFileDialog, "getOpenFileName", ask)
        monkeypatch.setattr(module.QFileDialog, "getSaveFileName", ask)
    assert QFileDialog.getOpenFileName is ask
    return Dialogs


def state(window):
    """What must not change when a file is refused."""
    s = window.session
    return (s.run, s.run.newest, s.iteration, s.player.playing,
            s.run.params_at(s.iteration).tobytes(), s.cursor.config.dataset_name,
            window.windowTitle(), window.files.path, tuple(window.files.recent()),
            window.iteration_label.text(),
            window.transport.counter.text(), window.action_play.text())


def start_playing(window):
    """Play for 40 frames (1.2 s at the watch pace) on a fake clock, returned."""
    s, clock = window.session, FakeClock(per_reading=0)
    s.player.clock = clock
    window.action_play.trigger()
    frames(s, clock, 40)
    assert s.player.playing and s.iteration > 0
    return clock


# ---- case 21 with cases 1-8: every hostile snapshot, opened while playing ----------------


def test_every_hostile_snapshot_is_refused_while_playing(window, dialogs, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    clock = start_playing(window)
    s = window.session
    for case in snapshot_cases.case_ids():
        path = snapshot_cases.write_case(str(folder), case)
        dialogs.path = path
        before = state(window)
        count = len(dialogs.shown)
        window.action_open.trigger()
        assert state(window) == before, case
        assert len(dialogs.shown) == count + 1, case
        title, text = dialogs.shown[-1]
        assert title == "Could not open snapshot", case
        assert os.path.basename(path) in text, case
        for expected in snapshot_cases.expected(case):
            assert expected in text, (case, text)
        frames(s, clock)  # play goes on between files
    assert s.player.playing and window.action_play.text() == "&Pause"


def test_a_good_snapshot_still_opens_after_the_bad_ones(window, dialogs, tmp_path):
    good = tmp_path / "good.json"
    bad = snapshot_cases.write_case(str(tmp_path), "tampered-weights")
    save_snapshot(good, snapshot_cases.valid_run(), dataset_name="tutorial")  # iteration 40
    start_playing(window)
    dialogs.path = bad
    window.action_open.trigger()
    dialogs.path = str(good)
    window.action_open.trigger()
    s = window.session
    assert len(dialogs.shown) == 1
    assert s.iteration == 40 and s.run.newest == 40 and not s.player.playing
    assert np.array_equal(s.run.params_at(40), snapshot_cases.valid_run().params_at(40))
    assert window.iteration_label.text() == "Iteration 40"
    assert "good.json" in window.windowTitle()


# ---- case 21 with cases 13-15: every hostile CSV, imported while playing -------------------


def test_every_hostile_csv_is_refused_while_playing(window, dialogs, tmp_path):
    dock = window.findChild(DatasetDock)
    clock = start_playing(window)
    for name, content, message in test_csv.BAD:
        path = tmp_path / f"{name}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        dialogs.path = str(path)
        before = state(window)
        dock.import_button.click()
        assert state(window) == before, name
        title, text = dialogs.shown[-1]
        assert "CSV" in title and f"{name}.csv" in text and message in text, (name, text)
        frames(window.session, clock)
    assert len(dialogs.shown) == len(test_csv.BAD)


def test_csv_targets_the_output_cannot_reach_are_refused(window, dialogs, tmp_path):
    dock = window.findChild(DatasetDock)
    path = tmp_path / "targets.csv"
    path.write_text("x1,x2,x3,y\n0,0,1,0\n1,1,1,2\n")
    dialogs.path = str(path)
    start_playing(window)
    before = state(window)
    dock.import_button.click()
    assert state(window) == before
    assert "line 3, column 4: target '2' is outside the output's range [0, 1]" in (
        dialogs.shown[-1][1])


# ---- case 10 through the window: a save that fails keeps the old file ----------------------


FAULTS = save_targets.FAULTS


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_save_from_the_window_keeps_the_old_file(window, dialogs, tmp_path, monkeypatch,
                                                        fault):
    folder = tmp_path / "saves"
    folder.mkdir()
    path = folder / "my run.json"
    for _ in range(5):
        window.action_step.trigger()
    assert window.files.save_snapshot_as(str(path))  # the learner's earlier save
    old = path.read_bytes()
    start_playing(window)  # the run moves on; the learner presses Ctrl+S
    inject, reason = FAULTS[fault]
    before = state(window)
    with monkeypatch.context() as faulty:  # only the fault goes afterwards, not the dialogs
        inject(faulty)
        window.action_save.trigger()
    assert state(window) == before
    assert path.read_bytes() == old
    assert os.listdir(folder) == ["my run.json"]  # no temp file left behind
    title, text = dialogs.shown[-1]
    assert title == "Could not save snapshot"
    assert "my run.json" in text and reason in text and "old file is unchanged" in text
    # Once the fault is gone the same action saves.
    window.action_play.trigger()
    window.action_save.trigger()
    assert path.read_bytes() != old
    assert f'"iteration": {window.session.iteration}' in path.read_text()


def test_failed_snapshot_save_from_the_snapshots_dock(window, dialogs, tmp_path, monkeypatch):
    folder = tmp_path / "saves"
    folder.mkdir()
    path = folder / "kept.json"
    path.write_bytes(b"an earlier snapshot\n")
    window.action_step.trigger()
    window.action_snapshot.trigger()
    dock = window.snapshots_dock
    dock.list.item(0).setSelected(True)
    dialogs.path = str(path)
    assert dock.save_button.isEnabled()
    with monkeypatch.context() as faulty:
        save_targets.fill_disk(faulty)
        dock.save_button.click()
    assert path.read_bytes() == b"an earlier snapshot\n"
    assert os.listdir(folder) == ["kept.json"]
    assert "kept.json" in dialogs.shown[-1][1] and "No space left" in dialogs.shown[-1][1]


def test_save_as_onto_a_folder_changes_nothing(window, dialogs, tmp_path):
    folder = tmp_path / "saves"
    (folder / "a folder.json").mkdir(parents=True)
    dialogs.path = str(folder / "a folder.json")
    before = state(window)
    window.action_save_as.trigger()
    assert state(window) == before
    assert "is a folder" in dialogs.shown[-1][1]
    assert os.listdir(folder) == ["a folder.json"]
    assert os.listdir(folder / "a folder.json") == []


def test_keyboard_save_shortcut_reaches_the_failing_save(qtbot, window, dialogs, tmp_path,
                                                         monkeypatch):
    path = tmp_path / "k.json"
    assert window.files.save_snapshot_as(str(path))
    old = path.read_bytes()
    window.action_step.trigger()
    window.activateWindow()
    with monkeypatch.context() as faulty:
        save_targets.FAULTS["replace"][0](faulty)
        qtbot.keyClick(window, Qt.Key_S, Qt.ControlModifier)
    assert path.read_bytes() == old
    assert len(dialogs.shown) == 1 and "k.json" in dialogs.shown[0][1]
