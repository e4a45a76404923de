"""The architecture editor: every control reaches the engine as a new run at iteration 0."""

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QLabel

from gui.docks.architecture_dock import (
    MAX_HIDDEN_LAYERS,
    MAX_UNITS,
    NEW_LAYER_UNITS,
    ArchitectureDock,
)
from nncore import ACTIVATIONS, Run, init_weights
from nncore.datasets import builtin


def flat(weights):
    return np.concatenate([W.ravel() for W in weights])


def set_seed(dock, text):
    """Type ``text`` in the seed field and press Enter."""
    dock.seed_field.setText(text)
    dock.seed_field.editingFinished.emit()


@pytest.fixture
def dock(make_view):
    dock = make_view(ArchitectureDock)
    dock.session.run.train(50)
    dock.session.cursor.seek(50)
    return dock


def test_object_name_and_initial_view(dock):
    assert dock.objectName() == "architecture_dock"
    assert dock.input_units.text().startswith("3")
    assert dock.output_units.text().startswith("1")
    assert dock.hidden_rows == []
    assert dock.output_activation.currentData() == "sigmoid"
    assert dock.loss_combo.currentData() == "sse"
    assert dock.seed_field.text() == "1"
    assert "3 → 1: 3 weights" in dock.summary.text()


def test_add_layer_button_starts_a_new_run_with_a_hidden_layer(dock, qtbot):
    session = dock.session
    with qtbot.waitSignal(session.cursor.sigRunReplaced):
        qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    assert session.run.layer_sizes == [3, NEW_LAYER_UNITS, 1]
    assert session.run.activations == ["sigmoid", "sigmoid"]
    assert session.iteration == 0 and session.run.newest == 0
    assert len(dock.hidden_rows) == 1
    assert dock.hidden_rows[0][1].value() == NEW_LAYER_UNITS
    assert "3 → 4 → 1: 16 weights" in dock.summary.text()


def test_units_and_activation_per_layer_reach_the_run(dock):
    session = dock.session
    dock.add_layer()
    dock.add_layer()
    _, units, combo, _ = dock.hidden_rows[1]
    units.setValue(16)
    assert session.run.layer_sizes == [3, 4, 16, 1]
    combo.setCurrentIndex(combo.findData("relu"))
    assert session.run.activations == ["sigmoid", "relu", "sigmoid"]
    dock.hidden_rows[0][2].setCurrentIndex(dock.hidden_rows[0][2].findData("tanh"))
    assert session.run.activations == ["tanh", "relu", "sigmoid"]
    # The widgets were updated in place: the row the learner is using stays the same.
    assert dock.hidden_rows[1][1] is units


def test_six_hidden_layers_of_sixteen_units_and_a_cap(dock):
    for _ in range(6):
        dock.add_layer()
    for _, units, _, _ in dock.hidden_rows:
        units.setValue(16)
    assert dock.session.run.layer_sizes == [3] + [16] * 6 + [1]
    # Rebuilding the rows leaves no stale widget on screen: one row per layer.
    shown = sorted((dock.grid.getItemPosition(i)[0], dock.grid.itemAt(i).widget().text())
                   for i in range(dock.grid.count())
                   if dock.grid.getItemPosition(i)[1] == 0)
    assert [text for _, text in shown] == (["<b>Layer</b>", "Input"]
                                           + [f"Hidden {i}" for i in range(1, 7)] + ["Output"])
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    labels = [w.text() for w in dock.widget().findChildren(QLabel)]
    assert sorted(t for t in labels if t.startswith(("Hidden", "Output"))) == (
        [f"Hidden {i}" for i in range(1, 7)] + ["Output"])  # the old rows are gone
    rows = {dock.grid.getItemPosition(dock.grid.indexOf(w))[0]
            for w in (dock.output_name, dock.output_units, dock.output_activation)}
    assert rows == {8}
    while len(dock.hidden_rows) < MAX_HIDDEN_LAYERS:
        dock.add_layer()
    assert not dock.add_button.isEnabled()
    assert dock.add_layer() is False
    assert len(dock.session.run.layer_sizes) == MAX_HIDDEN_LAYERS + 2


def test_remove_layer_removes_that_layer(dock, qtbot):
    dock.add_layer()
    dock.hidden_rows[0][1].setValue(7)
    dock.add_layer()
    dock.hidden_rows[1][2].setCurrentIndex(dock.hidden_rows[1][2].findData("tanh"))
    qtbot.mouseClick(dock.hidden_rows[0][3], Qt.MouseButton.LeftButton)
    assert dock.session.run.layer_sizes == [3, 4, 1]
    assert dock.session.run.activations == ["tanh", "sigmoid"]
    assert [row[0].text() for row in dock.hidden_rows] == ["Hidden 1"]


def test_loss_combo_reaches_the_run_and_bce_needs_a_sigmoid_output(dock):
    session = dock.session
    dock.loss_combo.setCurrentIndex(dock.loss_combo.findData("bce"))
    assert session.run.loss == "bce"
    assert session.iteration == 0
    assert not dock.loss_hint.isVisibleTo(dock)
    dock.loss_combo.setCurrentIndex(dock.loss_combo.findData("sse"))
    dock.output_activation.setCurrentIndex(dock.output_activation.findData("tanh"))
    assert session.run.activations == ["tanh"]
    assert not dock.loss_combo.model().item(1).isEnabled()
    assert dock.loss_hint.isVisibleTo(dock)


def test_a_refused_change_shows_why_and_changes_nothing(dock):
    session = dock.session
    dock.loss_combo.setCurrentIndex(dock.loss_combo.findData("bce"))
    run = session.run
    run.train(10)
    session.cursor.seek(10)
    dock.output_activation.setCurrentIndex(dock.output_activation.findData("relu"))
    assert session.run is run and session.iteration == 10
    assert dock.error_label.isVisibleTo(dock)
    assert "binary cross-entropy needs a sigmoid output" in dock.error_label.text()
    assert dock.output_activation.currentData() == "sigmoid"  # snapped back
    set_seed(dock, "5")  # the next good change clears the message
    assert not dock.error_label.isVisibleTo(dock)


def test_seed_sets_the_initial_weights_as_init_weights_says(dock):
    dock.add_layer()
    set_seed(dock, "7")
    run = dock.session.run
    assert run.seed == 7
    np.testing.assert_array_equal(run.initial_params, flat(init_weights([3, 4, 1], 7)))
    assert not np.array_equal(run.initial_params, flat(init_weights([3, 4, 1], 1)))


def test_reroll_picks_a_new_seed_and_new_weights(dock, qtbot):
    before = dock.session.run.initial_params
    qtbot.mouseClick(dock.reroll_button, Qt.MouseButton.LeftButton)
    run = dock.session.run
    assert run.seed != 1
    assert dock.seed_field.text() == str(run.seed)
    np.testing.assert_array_equal(run.initial_params, flat(init_weights([3, 1], run.seed)))
    assert not np.array_equal(run.initial_params, before)


def test_rerun_with_rate_keeps_the_initial_weights(dock, qtbot):
    dock.add_layer()
    set_seed(dock, "3")
    first = dock.session.run
    first.train(100)
    dock.rerun_box.rate.setText("0.25")
    qtbot.mouseClick(dock.rerun_box.button, Qt.MouseButton.LeftButton)
    run = dock.session.run
    assert run is not first
    np.testing.assert_array_equal(run.initial_params, first.initial_params)
    assert run.initial_learning_rate == 0.25 and run.learning_rate == 0.25
    assert run.layer_sizes == [3, 4, 1] and run.seed == 3
    assert dock.session.iteration == 0
    assert dock.rerun_box.rate.text() == "0.25"


def test_architecture_change_keeps_the_rate_in_force(dock):
    dock.session.cursor.set_learning_rate(0.5)
    dock.add_layer()
    assert dock.session.run.learning_rate == 0.5
    assert dock.rerun_box.rate.text() == "0.5" and "3 → 4 → 1" in dock.summary.text()


def test_follows_a_run_set_elsewhere_without_echo(dock):
    session = dock.session
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 2, 5, 1], ["tanh", "relu", "sigmoid"], "bce", 0.5, 42)
    replaced = []
    session.cursor.sigRunReplaced.connect(lambda: replaced.append(session.run))
    session.set_run(run, 0, "xor")
    assert replaced == [run]  # the dock's sync did not start another run
    assert session.run is run
    assert [r[1].value() for r in dock.hidden_rows] == [2, 5]
    assert [r[2].currentData() for r in dock.hidden_rows] == ["tanh", "relu"]
    assert dock.loss_combo.currentData() == "bce"
    assert dock.seed_field.text() == "42"
    assert dock.rerun_box.rate.text() == "0.5"


def test_xor_needs_a_hidden_layer(dock):
    """Acceptance: a single neuron cannot learn XOR; Trask's 3-4-1 (seed 1, η 1) can."""
    session = dock.session
    X, Y = builtin("xor")
    session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 1], seed=1,
                    learning_rate=1.0)
    session.run.train(60_000)
    assert session.run.accuracies.max() < 1.0
    dock.add_layer()
    run = session.run
    assert run.layer_sizes == [3, 4, 1] and run.seed == 1 and run.learning_rate == 1.0
    run.train(1_000)  # well inside the 60,000 allowed: it gets there at iteration 254
    reached = int(np.argmax(run.accuracies == 1.0))
    assert run.accuracies[reached] == 1.0 and reached <= 60_000
    assert run.accuracies[-1] == 1.0
    assert np.all(np.round(run.outputs[-1]) == Y)


def test_a_loaded_run_without_a_seed(dock):
    session = dock.session
    X, Y = builtin("tutorial")
    W0 = [np.array([[0.5], [-0.25], [2.0]])]
    session.set_run(Run(X, Y, [3, 1], seed=None, initial_weights=W0), 0, "old.json")
    assert dock.seed_field.text() == ""
    assert dock.seed_field.placeholderText() == "none (weights from a file)"
    dock.rerun_box.rate.setText("0.1")
    assert dock.rerun_box.rerun()
    np.testing.assert_array_equal(session.run.initial_params, [0.5, -0.25, 2.0])
    assert session.run.learning_rate == 0.1 and session.run.seed is None
    dock.add_layer()  # new weights need a seed: a fresh one, shown
    seed = session.run.seed
    assert seed is not None and dock.seed_field.text() == str(seed)
    np.testing.assert_array_equal(session.run.initial_params,
                                  flat(init_weights([3, 4, 1], seed)))


def test_a_seed_too_big_for_the_box_is_kept(dock):
    session = dock.session
    X, Y = builtin("tutorial")
    session.set_run(Run(X, Y, [3, 1], seed=3_000_000_000), 0, "big.json")
    assert dock.seed_field.text() == "3000000000"  # in full, not a spin box's 2147483647
    dock.output_activation.setCurrentIndex(dock.output_activation.findData("tanh"))
    assert session.run.activations == ["tanh"] and session.run.seed == 3_000_000_000


# ---- the whole net is shown, however a run arrives (issue 12, item 5) -----------------------


def type_into(qtbot, field, text):
    """Replace a field's text as a learner would (any script, so ``insert`` rather than
    key clicks), then press Enter."""
    edit = field.lineEdit() if hasattr(field, "lineEdit") else field
    field.setFocus()
    edit.selectAll()
    edit.insert(text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def shown_rows(dock):
    """The grid as the learner sees it: (name, units, activation or None) per row."""
    cells = {}
    for i in range(dock.grid.count()):
        row, col, _, _ = dock.grid.getItemPosition(i)
        widget = dock.grid.itemAt(i).widget()
        if row > 0 and widget.isVisibleTo(dock):
            cells.setdefault(row, {})[col] = widget
    rows = []
    for row in sorted(cells):
        name, units, act = (cells[row].get(c) for c in range(3))
        units_text = units.text() if hasattr(units, "text") else None
        rows.append((name.text(), units_text, act.currentData() if act else None))
    return rows


def assert_whole_net_shown(dock):
    run = dock.session.run
    rows = shown_rows(dock)
    hidden = run.layer_sizes[1:-1]
    assert rows[0][0] == "Input" and rows[0][1].startswith(f"{run.layer_sizes[0]} ")
    assert [r[0] for r in rows[1:-1]] == [f"Hidden {i + 1}" for i in range(len(hidden))]
    assert [r[1] for r in rows[1:-1]] == [str(n) for n in hidden]
    assert rows[-1][0] == "Output" and rows[-1][1].startswith(f"{run.layer_sizes[-1]} ")
    assert [r[2] for r in rows[1:]] == run.activations
    combo = dock.output_activation  # softmax is offered for the output layer only
    assert [combo.itemData(i) for i in range(combo.count())] == list(ACTIVATIONS) + [
        "softmax"]
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "sigmoid σ", "tanh", "ReLU", "linear", "softmax"]
    for _, _, hidden_combo, _ in dock.hidden_rows:
        assert [hidden_combo.itemData(i) for i in range(hidden_combo.count())] == list(
            ACTIVATIONS)


def test_the_tutorial_net_shows_input_output_and_its_output_activation(make_view):
    dock = make_view(ArchitectureDock)  # no hidden layer: nothing was ever "rebuilt"
    session = dock.session
    assert shown_rows(dock) == [("Input", "3  (x columns)", None),
                                ("Output", "1  (y columns)", "sigmoid")]
    assert_whole_net_shown(dock)
    combo = dock.output_activation
    combo.setCurrentIndex(combo.findData("tanh"))  # the tutorial net's output can change
    assert session.run.activations == ["tanh"] and session.run.layer_sizes == [3, 1]
    assert shown_rows(dock)[-1] == ("Output", "1  (y columns)", "tanh")


def test_the_whole_net_is_shown_however_a_run_arrives(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from nncore import save_csv, save_snapshot

    dock, session = window.docks["ArchitectureDock"], window.session
    assert_whole_net_shown(dock)  # at start
    X, Y = builtin("xor")
    path = tmp_path / "deep.json"
    save_snapshot(path, Run(X, Y, [3, 5, 2, 1], ["relu", "tanh", "linear"], seed=4), 0, "xor")
    window.files.open_snapshot(str(path))  # File ▸ Open
    assert session.run.layer_sizes == [3, 5, 2, 1]
    assert shown_rows(dock)[-1] == ("Output", "1  (y columns)", "linear")
    assert_whole_net_shown(dock)
    session.snapshots.take()
    session.new_run(layer_sizes=[3, 1], activations=["sigmoid"], X=builtin("tutorial")[0],
                    Y=builtin("tutorial")[1])
    assert_whole_net_shown(dock)
    session.jump_to_snapshot(session.snapshots[0])  # a reopened snapshot
    assert session.run.layer_sizes == [3, 5, 2, 1]
    assert_whole_net_shown(dock)
    data = window.docks["DatasetDock"]
    data.preset_combo.setCurrentIndex(data.preset_combo.findData("or"))  # a dataset change
    assert session.cursor.config.dataset_name == "or"
    assert_whole_net_shown(dock)
    csv = tmp_path / "two-out.csv"
    save_csv(csv, [[0, 0], [1, 1]], [[0.2], [0.7]])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv), ""))
    assert data.import_csv()  # a CSV import: two inputs now
    assert session.run.layer_sizes == [2, 5, 2, 1]
    assert shown_rows(dock)[0] == ("Input", "2  (x columns)", None)
    assert_whole_net_shown(dock)


# ---- every field shows the value in force, or refuses a typed one (issue 12, item 8) -----


def test_a_loaded_layer_wider_than_the_editor_offers_is_shown_and_kept(dock):
    session = dock.session
    X, Y = builtin("tutorial")
    session.set_run(Run(X, Y, [3, 10_000, 1], seed=2), 0, "wide.json")
    units = dock.hidden_rows[0][1]
    assert units.value() == 10_000 and units.text() == "10000"  # not the box's 64
    dock.output_activation.setCurrentIndex(dock.output_activation.findData("tanh"))
    assert session.run.layer_sizes == [3, 10_000, 1]  # touching a control keeps the width
    assert session.run.activations == ["sigmoid", "tanh"]
    session.set_run(Run(X, Y, [3, 4, 1], seed=2), 0, "narrow.json")
    assert dock.hidden_rows[0][1].maximum() == MAX_UNITS  # the editor's own range again


@pytest.mark.parametrize("text, why", [
    ("10000", "Hidden 1 units: must be from 1 to 64, got '10000'"),
    ("0", "Hidden 1 units: must be from 1 to 64, got '0'"),
    ("-1", "Hidden 1 units: must be from 1 to 64, got '-1'"),
    ("1_0", "Hidden 1 units: '1_0' is not a number"),
    ("\u0663", "Hidden 1 units: '\u0663' is not a number"),
    (" 1e400", "Hidden 1 units: ' 1e400' is too large"),
    ("nan", "Hidden 1 units: 'nan' is not a finite number"),
    ("2.5", "Hidden 1 units: '2.5' is not a whole number"),
])
def test_typed_units_are_used_exactly_or_refused_visibly(dock, qtbot, text, why):
    session = dock.session
    dock.add_layer()
    run = session.run
    units = dock.hidden_rows[0][1]
    type_into(qtbot, units, text)
    assert session.run is run and run.layer_sizes == [3, 4, 1]
    assert units.text() == "4"  # the value in force, not 10 or 64
    assert dock.error_label.isVisibleTo(dock)
    assert dock.error_label.text().startswith(f"Not changed: {why}")
    type_into(qtbot, units, "12")
    assert session.run.layer_sizes == [3, 12, 1] and units.text() == "12"
    assert not dock.error_label.isVisibleTo(dock)


@pytest.mark.parametrize("text, why", [
    ("-1", "seed: must be from 0 to 4294967295, got '-1'"),
    ("4294967296", "seed: must be from 0 to 4294967295"),
    ("1_0", "seed: '1_0' is not a number"),
    ("\u0663", "seed: '\u0663' is not a number"),
    (" 1e400", "seed: ' 1e400' is too large"),
    ("nan", "seed: 'nan' is not a finite number"),
    ("", "seed: '' is blank"),
])
def test_typed_seeds_are_used_exactly_or_refused_visibly(dock, qtbot, text, why):
    session = dock.session
    run = session.run
    type_into(qtbot, dock.seed_field, text)
    assert session.run is run and run.seed == 1  # no random seed picked in silence
    assert dock.seed_field.text() == "1"
    assert dock.error_label.text().startswith(f"Not changed: {why}")
    assert dock.error_label.isVisibleTo(dock)


def test_a_typed_seed_is_used_exactly(dock, qtbot):
    type_into(qtbot, dock.seed_field, "4294967295")
    run = dock.session.run
    assert run.seed == 4_294_967_295 and dock.seed_field.text() == "4294967295"
    np.testing.assert_array_equal(run.initial_params, flat(init_weights([3, 1], 4_294_967_295)))
    type_into(qtbot, dock.seed_field, "04294967295")  # the same seed: nothing restarts
    assert dock.session.run is run and dock.seed_field.text() == "4294967295"


@pytest.mark.parametrize("text, why", [
    ("1_0", "learning_rate: '1_0' is not a number"),
    ("\u0663", "learning_rate: '\u0663' is not a number"),
    (" 1e400", "learning_rate: ' 1e400' is too large"),
    ("nan", "learning_rate: 'nan' is not a finite number"),
    ("-1", "learning_rate: must be a positive finite number, got '-1'"),
    ("1e-400", "learning_rate: '1e-400' is too small"),
])
def test_the_rerun_rate_is_used_exactly_or_refused_visibly(dock, qtbot, text, why):
    run = dock.session.run
    type_into(qtbot, dock.rerun_box.rate, text)
    assert dock.session.run is run
    assert dock.error_label.text().startswith(f"Not changed: {why}")
    assert dock.rerun_box.rate.text() == text  # kept, to be corrected


def test_the_rerun_rate_shows_every_digit_of_the_rate_in_force(dock, qtbot):
    session = dock.session
    X, Y = builtin("tutorial")
    session.set_run(Run(X, Y, [3, 1], learning_rate=0.123456789, seed=1), 0, "f.json")
    assert dock.rerun_box.rate.text() == "0.123456789"
    session.set_run(Run(X, Y, [3, 1], learning_rate=5000.0, seed=1), 0, "g.json")
    assert dock.rerun_box.rate.text() == "5000"  # not a spin box's 1000
    session.set_run(Run(X, Y, [3, 1], learning_rate=1e-5, seed=1), 0, "h.json")
    assert dock.rerun_box.rate.text() == "1e-05"  # not 0.0001
    qtbot.mouseClick(dock.rerun_box.button, Qt.MouseButton.LeftButton)
    assert session.run.learning_rate == 1e-5


def test_a_refusal_goes_when_a_run_arrives_from_elsewhere(dock, qtbot):
    type_into(qtbot, dock.seed_field, "-1")
    assert dock.error_label.isVisibleTo(dock)
    dock.session.new_run(seed=9)  # e.g. the dataset dock, or File ▸ Open
    assert not dock.error_label.isVisibleTo(dock)
    assert dock.seed_field.text() == "9"


def test_the_rerun_rate_follows_an_edit_of_the_past_unless_being_typed(dock, qtbot):
    session = dock.session
    session.cursor.set_learning_rate(0.25)  # the transport's η field, at iteration 50
    assert dock.rerun_box.rate.text() == "0.25"
    dock.rerun_box.rate.setFocus()
    dock.rerun_box.rate.selectAll()
    qtbot.keyClicks(dock.rerun_box.rate, "0.7")
    session.cursor.set_learning_rate(0.125)
    assert dock.rerun_box.rate.text() == "0.7"  # what the learner types stays


def test_a_softmax_cross_entropy_snapshot_opens_and_the_dock_shows_it(window, tmp_path, warned):
    from nncore import Run, save_snapshot
    from nncore.datasets import three_class

    X, Y = three_class(kind="blobs")
    run = Run(X, Y, [3, 5, 3], ["tanh", "softmax"], "ce", 0.1, seed=3)
    run.train(20)
    path = tmp_path / "three classes.json"
    save_snapshot(str(path), run, 20, "three blobs")
    assert window.files.open_snapshot(str(path)) is True and warned == []
    dock = window.docks["ArchitectureDock"]
    assert dock.output_activation.currentData() == "softmax"
    assert dock.output_activation.currentText() == "softmax"
    assert dock.loss_combo.currentData() == "ce"
    assert window.session.iteration == 20
