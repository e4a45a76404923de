"""Opening a long snapshot and exporting a long history never freeze the window: the
work runs in slices with a progress dialog, and Cancel leaves everything as it was.
A short file still opens inside the call (the other tests rely on that)."""

import json
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from gui.common.sliced_job import SlicedJob
from nncore import Run, builtin
from nncore.snapshot import save_snapshot, snapshot_dict

LONG = 200_000  # tutorial iterations: dozens of replay slices


@pytest.fixture(scope="module")
def long_file(tmp_path_factory):
    run = Run(*builtin("tutorial"), [3, 1], seed=1)
    run.train(LONG)
    path = tmp_path_factory.mktemp("long") / "long run.json"
    save_snapshot(str(path), run, LONG, "tutorial")
    return str(path)


def shown_state(window):
    s = window.session
    return (id(s.run), s.run.newest, s.iteration, window.windowTitle(),
            window.transport.timeline.value())


def finish(qtbot, job):
    assert isinstance(job, SlicedJob)
    with qtbot.waitSignal(job.sigEnded, timeout=120_000) as ended:
        pass
    return ended.args[0]


def cancel(qtbot, job):
    """Wait for the first slice's progress, then press the dialog's Cancel button."""
    with qtbot.waitSignal(job.sigProgress, timeout=60_000):
        pass
    qtbot.mouseClick(job.dialog.findChild(QPushButton), Qt.LeftButton)
    assert job.outcome == "cancelled"


def test_a_long_snapshot_opens_in_slices_and_then_shows_its_last_iteration(
        qtbot, window, long_file, warned):
    before = shown_state(window)
    progress = []
    job = window.files.open_snapshot(long_file)
    job.sigProgress.connect(lambda done, total: progress.append((done, total)))
    assert shown_state(window) == before  # nothing is adopted until the replay ends
    assert finish(qtbot, job) == "done" and warned == []
    assert len(progress) > 1 and all(total == LONG for _, total in progress)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    s = window.session
    assert s.run.newest == LONG and s.iteration == LONG
    assert window.transport.timeline.value() == LONG
    assert window.windowTitle().startswith("long run.json")


def test_cancel_keeps_the_previous_run_and_view(qtbot, window, long_file, warned, train):
    train(window.session, 30)
    window.session.cursor.seek(12)
    before = shown_state(window)
    cancel(qtbot, window.files.open_snapshot(long_file))
    assert shown_state(window) == before and warned == []


def test_a_tampered_long_file_is_refused_after_its_replay_with_the_field(
        qtbot, window, long_file, tmp_path, warned):
    with open(long_file, encoding="utf-8") as f:
        doc = json.load(f)
    doc["weights"][0][1][0] += 1e-3
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    before = shown_state(window)
    assert finish(qtbot, window.files.open_snapshot(str(bad))) == "failed"
    assert shown_state(window) == before
    [(title, text)] = warned
    assert title == "Could not open snapshot" and "tampered.json" in text
    assert "weights[0]" in text and "do not match replay" in text


def test_a_short_file_still_opens_at_once(window, tmp_path):
    run = Run(*builtin("tutorial"), [3, 1], seed=1)
    run.train(100)
    path = tmp_path / "short.json"
    path.write_text(json.dumps(snapshot_dict(run, 100, "tutorial")), encoding="utf-8")
    assert window.files.open_snapshot(str(path)) is True
    assert window.session.iteration == 100


@pytest.fixture
def long_window(window, long_file, qtbot):
    finish(qtbot, window.files.open_snapshot(long_file))
    return window


def test_a_long_history_exports_in_slices(qtbot, long_window, tmp_path, warned):
    path = tmp_path / "history.csv"
    assert finish(qtbot, long_window.files.export_history(str(path))) == "done"
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert len(lines) == LONG + 2 and lines[0].startswith("iteration,loss,accuracy")
    assert lines[-1].startswith(f"{LONG},") and warned == []
    assert "Exported" in long_window.statusBar().currentMessage()


def test_cancelling_an_export_keeps_the_old_file_and_leaves_no_temporary(
        qtbot, long_window, tmp_path, warned):
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "history.csv"
    path.write_text("the old file\n", encoding="utf-8")
    cancel(qtbot, long_window.files.export_history(str(path)))
    assert path.read_text(encoding="utf-8") == "the old file\n"
    assert os.listdir(folder) == ["history.csv"] and warned == []


def test_a_snapshot_whose_history_an_edit_discarded_replays_in_slices(
        qtbot, long_window, warned):
    session, dock = long_window.session, long_window.snapshots_dock
    dock.show()
    entry = session.snapshots.take()  # iteration LONG
    session.cursor.seek(10)
    session.cursor.set_weight(0, 0, 0, 0.5)  # discards iterations 11..LONG
    before = shown_state(long_window)
    # Cancel first: nothing changes, and the entry still waits for its replay.
    cancel(qtbot, dock.jump(dock.list.item(0)))
    assert shown_state(long_window) == before and entry.run is session.run
    assert finish(qtbot, dock.jump(dock.list.item(0))) == "done"
    assert session.iteration == LONG and session.run is entry.run
    assert long_window.transport.timeline.value() == LONG and warned == []
