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
        session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(k)
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
    snapshots = dock.session.snapshots
    snapshots.sigCompareChanged.connect(lambda: compares.append(snapshots.compare))
    select_rows(dock, [1, 0])
    assert dock.session.snapshots.compare == (a, b)  # oldest first, whatever the click order
    assert dock.hint.text() == "Diagram: weight change from iteration 10 to 500."
    assert not dock.save_button.isEnabled()  # saving needs exactly one
    select_rows(dock, [0])
    assert dock.session.snapshots.compare is None and compares[-1] is None
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


# ---- the footer and the selection say what the diagram shows (issue 12, item 7) ----------


def test_a_new_run_drops_the_comparison_its_selection_and_its_footer(qtbot, dock, tmp_path):
    from nncore.snapshot import save_snapshot

    take_at(qtbot, dock, 1000)
    take_at(qtbot, dock, 1020)
    select_rows(dock, [0, 1])
    assert dock.hint.text() == "Diagram: weight change from iteration 1000 to 1020."
    session = dock.session
    path = tmp_path / "other.json"
    save_snapshot(path, session.run, 10, "tutorial")
    run, k = load_snapshot(str(path))
    session.set_run(run, k, "other.json")  # what File ▸ Open does
    assert session.snapshots.compare is None
    assert dock.list.selectedItems() == []  # no pair left that claims a comparison
    assert dock.hint.text() == "Double-click to go back; select two to compare."
    assert dock.list.count() == 2  # the snapshots themselves stay


@pytest.mark.parametrize("arrival", ["new_run", "jump_to_snapshot"])
def test_every_way_a_run_arrives_drops_the_comparison(qtbot, dock, arrival):
    session = dock.session
    a, b = take_at(qtbot, dock, 30), take_at(qtbot, dock, 60)
    session.new_run(seed=3)
    c = take_at(qtbot, dock, 5)
    session.new_run(seed=9)
    select_rows(dock, [0, 1])
    assert session.snapshots.compare == (a, b)
    if arrival == "new_run":
        session.new_run(seed=4)  # an architecture, seed or dataset change
    else:
        session.jump_to_snapshot(c)  # its run is not the one shown
        assert session.run is c.run
    assert dock.list.selectedItems() == [] and session.snapshots.compare is None
    assert "weight change" not in dock.hint.text()


def test_one_selected_entry_survives_a_new_run(qtbot, dock):
    take_at(qtbot, dock, 10)
    select_rows(dock, [0])
    dock.session.new_run(seed=5)
    assert [i.text() for i in dock.list.selectedItems()] == [dock.list.item(0).text()]
    assert dock.save_button.isEnabled()  # still one to save


def test_an_edit_of_the_past_keeps_a_comparison_that_still_holds(qtbot, dock):
    session = dock.session
    a, b = take_at(qtbot, dock, 100), take_at(qtbot, dock, 200)
    select_rows(dock, [0, 1])
    session.cursor.seek(50)
    session.cursor.set_weight(0, 0, 0, 0.5)  # discards both snapshots' iterations from the run
    assert session.snapshots.compare == (a, b)  # each entry keeps its own weights
    assert dock.hint.text() == "Diagram: weight change from iteration 100 to 200."
    np.testing.assert_array_equal(b.params - a.params,
                                  session.snapshots.snapshot_run(b).params_at(200)
                                  - session.snapshots.snapshot_run(a).params_at(100))


def test_file_open_in_the_window_leaves_no_comparison_anywhere(qtbot, window, tmp_path):
    from nncore.snapshot import save_snapshot

    session, dock = window.session, window.snapshots_dock
    session.run.train(1020)
    for k in (1000, 1020):
        session.cursor.seek(k)
        session.snapshots.take()
    select_rows(dock, [0, 1])
    view = window.network_view
    qtbot.waitUntil(lambda: view.legend.compare)  # the diagram shows |Δw|
    path = tmp_path / "saved.json"
    save_snapshot(path, session.run, 500, "tutorial")
    assert window.files.open_snapshot(str(path))
    assert dock.hint.text() == "Double-click to go back; select two to compare."
    assert dock.list.selectedItems() == []
    qtbot.waitUntil(lambda: not view.legend.compare)  # and the diagram shows |w| again
    np.testing.assert_array_equal(view.item.edge_values, session.run.params_at(500))
