"""Never lose a session: what is unsaved, the autosave, a restore after a kill, and
closing with unsaved work (gui/recovery/)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from gui.app import launch_offers
from gui.recovery.autosave import PREFIX, SUFFIX

HERE = os.path.dirname(os.path.abspath(__file__))


def dead_pid():
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_file(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PREFIX}{dead_pid()}{SUFFIX}"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def edit(window):
    """Train 10, edit a weight at 5, train 10 more: the hand edit stays in the run."""
    cursor = window.session.cursor
    cursor.train(10)
    cursor.seek(5)
    cursor.set_weight(0, 0, 0, -1.25)
    cursor.train(10)


def test_unsaved_means_hand_edits_snapshots_or_a_new_run(window, tmp_path):
    unsaved, cursor = window.recovery.unsaved, window.session.cursor
    cursor.train(50)
    cursor.seek(20)
    assert not unsaved.any  # training and moving are made again by Run to
    cursor.set_learning_rate(0.25)
    assert unsaved.hand_edits and unsaved.worth_asking
    window.files.save_snapshot_as(str(tmp_path / "a.json"))
    assert not unsaved.any
    window.session.snapshots.take()
    assert unsaved.snapshots and unsaved.describe() == "1 snapshot"
    window.files.save_snapshot()
    assert not unsaved.any
    window.session.new_run(layer_sizes=[3, 2, 1])
    assert unsaved.new_run and unsaved.any and not unsaved.worth_asking


def test_a_save_covers_the_edits_up_to_the_iteration_it_wrote(window, tmp_path):
    cursor = window.session.cursor
    cursor.train(10)
    cursor.seek(10)
    cursor.set_learning_rate(0.5)
    cursor.train(10)
    cursor.seek(5)
    window.files.save_snapshot_as(str(tmp_path / "early.json"))  # iteration 5: not the edit
    assert window.recovery.unsaved.hand_edits


def test_the_autosave_writes_only_while_unsaved_and_removes_the_file_after(window, app_data):
    recovery = window.recovery
    window.session.cursor.train(30)
    assert recovery.save_now() is False and not os.path.exists(recovery.path)
    edit(window)
    assert recovery.save_now() is True
    assert os.path.dirname(recovery.path).startswith(str(app_data))
    doc = json.loads(Path(recovery.path).read_text(encoding="utf-8"))
    assert doc["format"] == "backprop-lab/recovery" and doc["iteration"] == 5
    assert [c["value"] for c in doc["run"]["changes"]] == [-1.25]
    before = os.stat(recovery.path).st_mtime_ns
    assert recovery.save_now() is True  # nothing changed: not written again
    assert os.stat(recovery.path).st_mtime_ns == before
    assert [n for n in os.listdir(os.path.dirname(recovery.path)) if n.endswith(".tmp")] == []
    window.files.save_snapshot_as(str(app_data.parent / "run.json"))
    assert not os.path.exists(recovery.path)  # saved: nothing to recover


def test_a_clean_quit_removes_the_file_and_the_next_launch_offers_nothing(
        open_window, asked):
    first = open_window()
    edit(first)
    first.recovery.save_now()
    path = first.recovery.path
    asked.answer = QMessageBox.Discard
    first.close()
    assert asked == [("Save before closing?", "This session has hand edits that are not "
                      "saved in a file.")]
    assert not os.path.exists(path)
    second = open_window()
    assert launch_offers(second) is False and len(asked) == 1


def test_cancel_keeps_the_window_open_and_save_writes_the_file(window, asked, tmp_path):
    edit(window)
    window.session.snapshots.take()
    asked.answer = QMessageBox.Cancel
    window.close()
    assert window.isVisible() and "hand edits and 1 snapshot" in asked[0][1]
    assert window.recovery.timer.isActive()  # still guarding the session
    window.files.path = str(tmp_path / "kept.json")
    asked.answer = QMessageBox.Save
    window.close()
    assert not window.isVisible()
    from nncore.snapshot import load_snapshot

    run, k = load_snapshot(str(tmp_path / "kept.json"))
    assert k == 5 and [c.value for c in run.changes] == [-1.25]


def test_a_session_killed_with_sigkill_is_offered_and_restored_exactly(
        open_window, asked, tmp_path, monkeypatch):
    data, config = tmp_path / "child-data", tmp_path / "child-config"
    env = dict(os.environ, XDG_DATA_HOME=str(data), XDG_CONFIG_HOME=str(config),
               QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen([sys.executable, os.path.join(HERE, "recovery_child.py"),
                              str(tmp_path / "child.ini")], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        shown = json.loads(line)
        assert shown["saved"] is True
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    # The next launch, as the same application on the same app-data folder.
    app = QCoreApplication.instance()
    names = app.organizationName(), app.applicationName()
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    app.setOrganizationName("Backprop Lab")
    app.setApplicationName("Backprop Lab")
    try:
        window = open_window()
        assert window.recovery.folder == shown["folder"]
        asked.answer = QMessageBox.Yes
        assert launch_offers(window) is True
    finally:
        app.setOrganizationName(names[0])
        app.setApplicationName(names[1])
    assert asked[0][0] == "Restore the last session?" and "iteration 12" in asked[0][1]
    session = window.session
    run = session.run
    assert session.iteration == shown["iteration"] == 12
    assert run.newest == shown["newest"]
    assert np.array_equal(np.array([run.row_at(k) for k in range(run.newest + 1)]),
                          np.array(shown["rows"]))
    assert [e.iteration for e in session.snapshots] == shown["snapshots"] == [35]
    assert session.selection.sample == 2
    assert window.iteration_label.text() == "Iteration 12"
    assert not [n for n in os.listdir(shown["folder"]) if str(child.pid) in n]
    assert window.recovery.unsaved.worth_asking  # still not in a file of the learner's


def test_snapshots_of_an_earlier_run_come_back_too(open_window, asked, app_data):
    first = open_window()
    cursor = first.session.cursor
    cursor.train(8)
    cursor.seek(8)
    first.session.snapshots.take()
    first.session.new_run(layer_sizes=[3, 2, 1], seed=4)
    cursor.train(3)
    cursor.seek(3)
    first.session.snapshots.take()
    first.recovery.save_now()
    path = first.recovery.path
    # As if the process had died: the file now belongs to a dead one.
    os.replace(path, os.path.join(os.path.dirname(path), f"{PREFIX}{dead_pid()}{SUFFIX}"))
    entries = [(e.iteration, e.params) for e in first.session.snapshots]
    second = open_window()
    asked.answer = QMessageBox.Yes
    assert launch_offers(second) is True
    restored = list(second.session.snapshots)
    assert [(e.iteration, e.run.layer_sizes) for e in restored] == [(8, [3, 1]), (3, [3, 2, 1])]
    for entry, (k, params) in zip(restored, entries, strict=True):
        assert entry.iteration == k and np.array_equal(entry.params, params)
    assert second.session.run.layer_sizes == [3, 2, 1] and second.session.run.seed == 4


def test_declining_the_offer_removes_the_file(open_window, asked, app_data):
    first = open_window()
    edit(first)
    first.recovery.save_now()
    gone = os.path.join(first.recovery.folder, f"{PREFIX}{dead_pid()}{SUFFIX}")
    os.replace(first.recovery.path, gone)
    second = open_window()
    assert launch_offers(second) is False  # asked answers No
    assert len(asked) == 1 and not os.path.exists(gone) and second.session.iteration == 0


def valid_doc(window):
    edit(window)
    window.recovery.save_now()
    return json.loads(Path(window.recovery.path).read_text(encoding="utf-8"))


BAD = {
    "empty": lambda doc: b"",
    "random bytes": lambda doc: bytes(range(256)) * 4,
    "truncated": lambda doc: json.dumps(doc).encode()[:300],
    "a list": lambda doc: b"[1, 2, 3]",
    "a snapshot instead": lambda doc: json.dumps(doc["run"]).encode(),
    "newer version": lambda doc: json.dumps({**doc, "version": 99}).encode(),
    "iteration past the run": lambda doc: json.dumps({**doc, "iteration": 10**6}).encode(),
    "iteration a string": lambda doc: json.dumps({**doc, "iteration": "5"}).encode(),
    "NaN weight": lambda doc: json.dumps({**doc, "run": {
        **doc["run"], "weights": [[[float("nan")]] * 3]}}).encode(),
    "tampered weights": lambda doc: json.dumps({**doc, "run": {
        **doc["run"], "weights": [[[w[0] + 0.5] for w in doc["run"]["weights"][0]]]}}).encode(),
    "snapshot past the run": lambda doc: json.dumps(
        {**doc, "snapshots": [{"iteration": 999}]}).encode(),
    "too many snapshots": lambda doc: json.dumps(
        {**doc, "snapshots": [{"iteration": 0}] * 1001}).encode(),
    "sample past the rows": lambda doc: json.dumps({**doc, "sample": 40}).encode(),
    "deep nesting": lambda doc: b"[" * 100_000 + b"]" * 100_000,
    "UTF-16": lambda doc: json.dumps(doc).encode("utf-16"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_recovery_file_is_set_aside_with_one_line(open_window, asked, app_data, case):
    first = open_window()
    doc = valid_doc(first)
    folder = app_data / os.path.relpath(first.recovery.folder, app_data)
    path = left_file(folder, BAD[case](doc))
    second = open_window()
    asked.answer = QMessageBox.Yes
    assert launch_offers(second) is False
    message = second.statusBar().currentMessage()
    assert message.startswith(f"The recovery file {path.name} could not be read (")
    assert "\n" not in message and str(folder) not in message
    assert message.endswith(f"set aside as {path.name}.bad.")
    assert not path.exists() and (folder / f"{path.name}.bad").exists()
    assert second.session.iteration == 0 and second.session.run.changes == []
    assert launch_offers(second) is False  # never offered again


def test_a_window_still_running_keeps_its_file(open_window, asked):
    first = open_window()
    edit(first)
    first.recovery.save_now()
    second = open_window()
    assert launch_offers(second) is False and asked == []
    assert os.path.exists(first.recovery.path)


def test_an_autosave_that_cannot_write_says_so_once(window, app_data, monkeypatch):
    edit(window)
    app_data.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(window.recovery, "folder", str(app_data / "file"))
    (app_data / "file").write_text("a file, not a folder")
    window.recovery.path = str(app_data / "file" / "recovery.json")
    assert window.recovery.save_now() is False
    assert window.statusBar().currentMessage().startswith("Autosave failed: ")
    window.statusBar().clearMessage()
    window.session.cursor.seek(3)
    assert window.recovery.save_now() is False
    assert window.statusBar().currentMessage() == ""


def test_a_missing_recent_file_says_so_and_leaves_the_list(window, warned, tmp_path):
    window.files.save_snapshot_as(str(tmp_path / "here.json"))
    window.files.add_recent(str(tmp_path / "gone.json"))
    window.files.fill_recent_menu()
    window.recent_menu.actions()[0].trigger()
    assert warned == [("Open recent", f"{tmp_path / 'gone.json'} no longer exists; removed "
                       "from the recent files.")]
    assert window.files.recent() == [str(tmp_path / "here.json")]
    window.files.fill_recent_menu()
    clear = [a for a in window.recent_menu.actions() if a.text() == "Clear list"][0]
    clear.trigger()
    assert window.files.recent() == []


def test_a_recovery_name_that_is_not_a_file_is_passed_over(open_window, asked, app_data):
    first = open_window()
    folder = first.recovery.folder
    os.makedirs(folder, exist_ok=True)
    fifo = os.path.join(folder, f"{PREFIX}{dead_pid()}{SUFFIX}")
    os.mkfifo(fifo)  # opening it to read would wait forever
    os.mkdir(os.path.join(folder, f"{PREFIX}{dead_pid()}{SUFFIX}"))
    os.symlink("/dev/zero", os.path.join(folder, f"{PREFIX}{dead_pid()}{SUFFIX}"))
    assert launch_offers(first) is False and asked == []
    assert first.session.iteration == 0
