"""The Snapshots dock: take, jump back, compare two, save one."""

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from gui.docks.snapshots_dock import SnapshotsDock
from nncore.snapshot import load_snapshot


@pytest.fixture
def dock(make_view):
    return make_view(SnapshotsDock)


def take_at(qtbot, dock, k):
    session = dock.session
    if k > session.run.newest:
        session.run.train(k - session.run.newest)
        session.sigHistoryChanged.emit()
    session.seek(k)
    qtbot.mouseClick(dock.take_button, Qt.LeftButton)
    return session.snapshots[-1]


def select_rows(dock, rows):
    dock.list.clearSelection()
    for row in rows:
        dock.list.selectionModel().select(dock.list.model().index(row, 0),
                                          QItemSelectionModel.Select)


def test_take_snapshot_lists_iteration_loss_and_accuracy(qtbot, dock):
    assert dock.list.count() == 0 and "Take a snapshot" in dock.hint.text()
    entry = take_at(qtbot, dock, 100)
    run = dock.session.run
    assert (entry.iteration, entry.loss) == (100, run.losses[100])
    np.testing.assert_array_equal(entry.params, run.params_at(100))
    assert dock.list.count() == 1
    assert dock.list.item(0).text() == (f"iteration 100  loss {run.losses[100]:.4g}  "
                                        f"accuracy {run.accuracies[100]:.0%}")


def test_double_click_jumps_back(qtbot, dock):
    take_at(qtbot, dock, 40)
    take_at(qtbot, dock, 300)
    session = dock.session
    assert session.iteration == 300
    dock.list.itemDoubleClicked.emit(dock.list.item(0))
    assert session.iteration == 40 and session.run.newest == 300


def test_double_click_brings_back_a_replaced_run(qtbot, dock):
    entry = take_at(qtbot, dock, 25)
    session = dock.session
    session.new_run(seed=7)
    assert session.run is not entry.run
    dock.list.itemDoubleClicked.emit(dock.list.item(0))
    assert session.run is entry.run and session.iteration == 25


def test_selecting_two_compares_them_and_one_clears_it(qtbot, dock):
    a, b = take_at(qtbot, dock, 10), take_at(qtbot, dock, 500)
    compares = []
    dock.session.sigCompareChanged.connect(lambda: compares.append(dock.session.compare))
    select_rows(dock, [1, 0])
    assert dock.session.compare == (a, b)  # oldest first, whatever the click order
    assert dock.hint.text() == "Diagram: weight change from iteration 10 to 500."
    assert not dock.save_button.isEnabled()  # saving needs exactly one
    select_rows(dock, [0])
    assert dock.session.compare is None and compares[-1] is None
    assert dock.save_button.isEnabled()


def test_save_writes_the_selected_entry(qtbot, dock, tmp_path):
    take_at(qtbot, dock, 60)
    take_at(qtbot, dock, 200)
    select_rows(dock, [0])
    path = tmp_path / "sixty.json"
    assert dock.save_selected(str(path))
    run, k = load_snapshot(str(path))
    assert k == 60 and run.newest == 60
    np.testing.assert_array_equal(run.params_at(60), dock.session.run.params_at(60))


def test_save_failure_is_reported(qtbot, dock, tmp_path, warned):
    take_at(qtbot, dock, 5)
    select_rows(dock, [0])
    assert not dock.save_selected(str(tmp_path / "missing" / "s.json"))
    assert len(warned) == 1 and "s.json" in warned[0][1]
